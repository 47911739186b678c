//! The connection's threads: the opener, which opens the connection (or reports why it could
//! not), then starts the reader, which reads, decodes and reports events until the connection
//! ends. One after the other, never both at once, they are the only threads that read the
//! socket and the only ones that emit events, so events come in order and `Close` is always the
//! last. The reader never writes to the socket while waiting on a sender: pongs go through the
//! writer lock's hand-off, and its close frames wait for the writer at most the close timeout.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use crate::connection::keepalive::{Keepalive, Silence};
use crate::connection::open::{open, Setup};
use crate::connection::shared::Connection;
use crate::delivery::batch::Batch;
use crate::delivery::outbox::Outbox;
use crate::delivery::pool::IDLE;
use crate::error::{Error, Timeout};
use crate::event::{CloseEvent, Event, PongEvent, ReadyState};
use crate::proto::close::close_payload;
use crate::proto::decoder::{Decoder, Item};
use crate::sync::{lock, timer};
use crate::transport::{self, ReadHalf};

/// The read buffer's size. It holds hundreds of small frames per read; the payload of a larger
/// frame is read straight into its message instead (see [`DIRECT_MIN`]), so it never needs to
/// grow. It is taken when bytes arrive, not before, and let go once the connection has been
/// idle for [`IDLE`] (see [`Session::timed_out`]).
const READ_BUF: usize = 16 * 1024;

/// Payloads with at least this much still to come are read straight into the message buffer,
/// not through the read buffer.
const DIRECT_MIN: u64 = READ_BUF as u64;

/// Text read straight into its message goes in steps of this size, so that bad UTF-8 is found
/// as it arrives.
const TEXT_STEP: u64 = 64 * 1024;

/// Starts the connection's threads: the opener, which hands the open connection to the reader.
///
/// Two threads, one after the other, so that the deep stacks of name resolution, the proxy's
/// tunnel, TLS and the handshake go when the opener ends: the reader's stack, which stays for
/// the connection's life, keeps only the pages its read loop touches.
pub(crate) fn spawn(
    connection: Arc<Connection>,
    setup: Setup,
    tx: Sender<Batch>,
) -> io::Result<()> {
    thread(
        "wsync-open",
        opener_stack_size(setup.config.reader_stack_size),
    )
    .spawn(move || open_then_read(connection, setup, tx))
    .map(drop)
}

/// The opener's stack: [`OPENER_STACK_FACTOR`] times the reader's.
fn opener_stack_size(reader: usize) -> usize {
    reader.saturating_mul(OPENER_STACK_FACTOR)
}

/// How much larger the opener's stack is than the reader's: room for name resolution and TLS,
/// and more than four times the reader's, so that glibc, which hands a new thread a cached stack
/// of an ended one only if it is at most four times the size asked for, never gives a reader
/// the stack of an ended opener with the pages it touched still resident. Only address space:
/// the pages an opener does not touch cost nothing.
const OPENER_STACK_FACTOR: usize = 8;

/// A thread builder with the connection's name and stack size.
fn thread(name: &str, stack_size: usize) -> std::thread::Builder {
    std::thread::Builder::new()
        .name(name.into())
        .stack_size(stack_size)
}

/// Whether a read failed because its timeout passed (the keepalive's).
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The close event of a failed connection.
fn abnormal() -> CloseEvent {
    CloseEvent {
        code: 1006,
        reason: String::new(),
        was_clean: false,
    }
}

/// The opener thread: opens the connection, then starts the reader (or reads here, should no
/// thread start), or reports why it could not open.
fn open_then_read(connection: Arc<Connection>, setup: Setup, tx: Sender<Batch>) {
    #[cfg(test)]
    connection.threads.ran("open");
    let mut events = Outbox::new(tx, setup.pool.clone());
    let opened = open(&connection, &setup).and_then(|read| {
        if connection
            .state
            .transition(ReadyState::Connecting, ReadyState::Open)
        {
            Ok(read)
        } else {
            connection.writer().shut();
            Err(Error::Aborted)
        }
    });
    let opened = match opened {
        Ok(opened) => opened,
        Err(e) => {
            let e = match connection.socket.is_aborted() {
                true => Error::Aborted,
                false => e,
            };
            connection.state.set_closed();
            events.end(Some(e), abnormal());
            connection.socket.finish();
            return;
        }
    };
    // Reported from here, so that the reader allocates nothing while nothing arrives: a thread
    // that never allocates has no malloc cache of its own.
    events.push(Event::Open);
    events.flush(0);
    let config = &setup.config;
    let mut decoder = Decoder::new(config.frame_limit(), config.max_message_size);
    if let Some(inflater) = opened.inflater {
        decoder = decoder.with_inflater(inflater);
    }
    let reading = Reading {
        connection,
        read: opened.read,
        leftover: opened.leftover,
        decoder,
        events,
        keepalive: Keepalive::new(config.ping_interval, config.pong_timeout),
    };
    // The setup (the TLS connector, the target, the proxy) is not needed past here.
    let stack_size = config.reader_stack_size;
    drop(setup);
    let slot = Arc::new(Mutex::new(Some(reading)));
    let theirs = slot.clone();
    let started = thread("wsync-reader", stack_size).spawn(move || {
        let reading = lock(&theirs).take();
        drop(theirs);
        if let Some(reading) = reading {
            reading.run();
        }
    });
    // A failed spawn drops its closure unrun, and the connection with it still in the slot.
    if started.is_err() {
        if let Some(reading) = lock(&slot).take() {
            reading.run();
        }
    }
}

/// An open connection on its way to the reader thread.
struct Reading {
    connection: Arc<Connection>,
    read: ReadHalf,
    /// Frame bytes that arrived with the handshake response.
    leftover: Vec<u8>,
    decoder: Decoder,
    events: Outbox,
    keepalive: Keepalive,
}

impl Reading {
    /// The reader thread: reads until the connection ends, and reports how.
    fn run(self) {
        let Reading {
            connection,
            read,
            leftover,
            decoder,
            events,
            keepalive,
        } = self;
        #[cfg(test)]
        connection.threads.ran("read");
        let mut session = Session {
            connection: &connection,
            read,
            buf: Vec::new(),
            decoder,
            events,
            keepalive,
            timeout: None,
            quiet: Duration::ZERO,
        };
        session.run(leftover);
        connection.socket.finish();
    }
}

/// An open connection, from the reader thread's side.
struct Session<'a> {
    connection: &'a Arc<Connection>,
    read: ReadHalf,
    /// The read buffer, [`READ_BUF`] bytes; empty while the connection is idle.
    buf: Vec<u8>,
    decoder: Decoder,
    events: Outbox,
    keepalive: Keepalive,
    /// The socket's read timeout as last set: the idle period while the reader holds a read
    /// buffer, or keepalive's next deadline, whichever comes first.
    timeout: Option<Duration>,
    /// How long nothing has arrived, counted in the timeouts that ran out since the last bytes.
    quiet: Duration,
}

/// How reading ended.
enum Ending {
    /// The server's close frame: its code and reason, or `None` for an empty body.
    Close(Option<(u16, String)>),
    /// The connection failed.
    Failed(Error),
}

impl Session<'_> {
    /// Reads until the connection ends, then closes it and reports.
    fn run(&mut self, leftover: Vec<u8>) {
        match self.read_until_end(leftover) {
            Ending::Close(close) => self.closed_by_frame(close),
            Ending::Failed(e) => self.fail(e),
        }
    }

    fn read_until_end(&mut self, leftover: Vec<u8>) -> Ending {
        if let Some(end) = self.process(&leftover) {
            return end;
        }
        drop(leftover);
        loop {
            if let Some(end) = self.read_payload_directly() {
                return end;
            }
            // Whatever was decoded goes to the application before the reader blocks again.
            self.events.flush(self.decoder.partial_len());
            self.events.wait_for_room();
            self.events.pool.waiting();
            if self.buf.is_empty() {
                if let Some(end) = self.wake() {
                    return end;
                }
            }
            if let Some(end) = self.arm() {
                return end;
            }
            let n = match self.read.read(&mut self.buf) {
                Ok(0) => return Ending::Failed(self.lost(None)),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if is_timeout(&e) => match self.timed_out() {
                    Some(end) => return end,
                    None => continue,
                },
                Err(e) => return Ending::Failed(self.lost(Some(e))),
            };
            self.heard();
            let buf = std::mem::take(&mut self.buf);
            let end = self.process(&buf[..n]);
            self.buf = buf;
            if let Some(end) = end {
                return end;
            }
        }
    }

    /// The read timeout the reader needs now: the idle period while it holds a read buffer
    /// (see [`Session::timed_out`]), and keepalive's next deadline while the connection is open.
    fn wanted_timeout(&self) -> Option<Duration> {
        let idle = (!self.buf.is_empty()).then(|| IDLE.saturating_sub(self.quiet));
        let keepalive = match self.connection.state.ready_state() {
            ReadyState::Open => self.keepalive.due_in(),
            _ => None,
        };
        match (idle, keepalive) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
        .map(|t| t.max(Duration::from_millis(1)))
    }

    /// Sets the socket's read timeout to [`Session::wanted_timeout`], with a system call only
    /// when it changes.
    fn arm(&mut self) -> Option<Ending> {
        let want = self.wanted_timeout();
        if want != self.timeout {
            if let Err(e) = self.read.tcp().set_read_timeout(want) {
                return Some(Ending::Failed(Error::Io(e)));
            }
            self.timeout = want;
        }
        None
    }

    /// Bytes arrived: the connection is not idle, and keepalive waits a whole interval again.
    fn heard(&mut self) {
        self.quiet = Duration::ZERO;
        self.keepalive.received();
    }

    /// A read, or the wait for bytes, timed out: nothing arrived for the timeout just set.
    /// After [`IDLE`] of that, the read buffers go (this one and the TLS layer's): an idle
    /// connection holds none until bytes come (see [`Session::wake`]). Keepalive counts the
    /// silence too: it pings, or fails the connection when its last ping went unanswered.
    fn timed_out(&mut self) -> Option<Ending> {
        let waited = self.timeout.unwrap_or_default();
        self.quiet += waited;
        if !self.buf.is_empty() && self.quiet >= IDLE {
            self.buf = Vec::new();
            self.read.release_buffers();
            #[cfg(test)]
            self.connection.read_buffers.released();
        }
        if self.connection.state.ready_state() != ReadyState::Open {
            return None;
        }
        match self.keepalive.waited(waited) {
            None => None,
            Some(Silence::Dead) => Some(Ending::Failed(Error::Timeout(Timeout::Pong))),
            // Sent the way pongs are: the reader never waits for the writer or the socket.
            Some(Silence::Ping(payload)) => {
                self.connection.send_ping(&payload);
                None
            }
        }
    }

    /// With no read buffer: waits for bytes to read (keepalive still timing the silence), then
    /// takes the buffer.
    fn wake(&mut self) -> Option<Ending> {
        loop {
            if let Some(end) = self.arm() {
                return Some(end);
            }
            match self.read.wait_readable() {
                Err(e) if is_timeout(&e) => {
                    if let Some(end) = self.timed_out() {
                        return Some(end);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Readable, at the end of the stream, or failed: the read tells which.
                _ => break,
            }
        }
        self.buf = vec![0u8; READ_BUF];
        #[cfg(test)]
        self.connection.read_buffers.taken();
        None
    }

    /// The zero-copy path: with the read buffer drained and a large data payload pending, reads
    /// the payload straight into the sink. Returns how reading ends, if it does.
    fn read_payload_directly(&mut self) -> Option<Ending> {
        loop {
            let remaining = self.decoder.payload_pending()?;
            if remaining < DIRECT_MIN {
                return None;
            }
            let want = if self.decoder.is_text_pending() {
                remaining.min(TEXT_STEP)
            } else {
                remaining
            };
            self.events.flush(self.decoder.partial_len());
            self.events.wait_for_room();
            if let Some(end) = self.arm() {
                return Some(end);
            }
            let sink = self.events.sink();
            // Room for the whole read at once. The decoder reserved room for the frame when it
            // began, but in the batch just sent if the frame began with no payload yet.
            if sink.try_reserve(want as usize).is_err() {
                let size = self.decoder.partial_len() as u64 + remaining;
                return Some(Ending::Failed(self.decoder.too_large(size).into()));
            }
            let from = sink.len();
            // A read that timed out keeps what it appended: the rest comes after the timeout
            // is dealt with.
            let timed_out = match self.read.read_append(sink, want) {
                Ok(_) => false,
                Err(e) if is_timeout(&e) => true,
                Err(e) => return Some(Ending::Failed(self.lost(Some(e)))),
            };
            let appended = self.events.sink_tail(from);
            let got = appended.len() as u64;
            let item = self.decoder.payload_appended(appended);
            if got > 0 {
                self.heard();
            }
            match item {
                Err(e) => return Some(Ending::Failed(e.into())),
                Ok(_) if got < want && !timed_out => return Some(Ending::Failed(self.lost(None))),
                Ok(Some(item)) => return self.handle(item),
                Ok(None) => {}
            }
            if timed_out {
                if let Some(end) = self.timed_out() {
                    return Some(end);
                }
            }
        }
    }

    /// Why the stream ended without a close frame.
    fn lost(&self, e: Option<io::Error>) -> Error {
        if self.connection.socket.is_timed_out() {
            return Error::Timeout(Timeout::Close);
        }
        if self.connection.socket.is_send_timed_out() {
            return Error::Timeout(Timeout::Send);
        }
        match e.map(transport::tls_error) {
            Some(Ok(tls)) => tls,
            Some(Err(e)) if e.kind() != io::ErrorKind::UnexpectedEof => Error::Io(e),
            _ => Error::AbnormalClosure,
        }
    }

    /// Decodes `data` and acts on each item; returns how reading ends, if it does.
    fn process(&mut self, mut data: &[u8]) -> Option<Ending> {
        while !data.is_empty() {
            // The common case, whole small messages, without `decode`'s larger answer.
            if let Some((text, len, used)) =
                self.decoder.decode_whole_message(data, self.events.sink())
            {
                data = &data[used..];
                match self.handle(Item::Message { text, len }) {
                    Some(end) => return Some(end),
                    None => continue,
                }
            }
            let (used, item) = match self.decoder.decode(data, self.events.sink()) {
                Ok(found) => found,
                Err(e) => return Some(Ending::Failed(e.into())),
            };
            data = &data[used..];
            if let Some(end) = item.and_then(|item| self.handle(item)) {
                return Some(end);
            }
        }
        None
    }

    /// Acts on one item; returns how reading ends, if it does.
    // Inlined into `process`, so that the item is not copied out of the decoder's result again
    // (see `WebSocket::take`).
    #[inline(always)]
    fn handle(&mut self, item: Item) -> Option<Ending> {
        match item {
            // Messages that arrive once the closing handshake has started are dropped.
            Item::Message { text, len }
                if self.connection.state.ready_state() == ReadyState::Open =>
            {
                self.events.push_message(text, len);
            }
            Item::Message { len, .. } => self.events.discard(len),
            Item::Ping(payload) => {
                // "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in
                // response ... The Pong frame MUST have identical Application data".
                // Never waits for a sender that holds the writer, nor for the socket (see
                // writer_lock.rs).
                self.connection.pong(&payload);
            }
            // "A response to an unsolicited Pong frame is not expected." Reported only when
            // asked for, with the round trip of the ping it answers.
            Item::Pong(payload) => {
                if let Some(pings) = &self.connection.pings {
                    let round_trip = pings.answered(&payload);
                    if self.connection.state.ready_state() == ReadyState::Open {
                        self.events.push(Event::Pong(PongEvent {
                            payload,
                            round_trip,
                        }));
                    }
                }
            }
            Item::Close(close) => return Some(Ending::Close(close)),
        }
        None
    }

    /// The server sent a close frame: echo it if we had not sent ours, wait for the server to
    /// close TCP (bounded by the close timeout), and report a clean close.
    fn closed_by_frame(&mut self, close: Option<(u16, String)>) {
        let connection = self.connection;
        self.events.flush(0);
        connection
            .state
            .transition(ReadyState::Open, ReadyState::Closing);
        // "If an endpoint receives a Close frame and did not previously send a Close frame, the
        // endpoint MUST send a Close frame in response. (When sending a Close frame in response,
        // the endpoint typically echos the status code it received.)"
        let echo = close_payload(close.as_ref().map(|(code, _)| *code), "");
        let limit = connection.close_timeout;
        // Should the server not read the echo, the close timeout shuts the socket down, which
        // ends the write.
        connection.arm_close_timeout();
        let mut writer = connection.writer_for_ending(limit);
        writer.close_received();
        let clean = writer.close(&echo).is_ok() && writer.is_clean();
        drop(writer);
        // "the server MUST close the underlying TCP connection immediately; the client SHOULD
        // wait for the server to close the connection".
        self.drain(limit);
        connection.writer_for_ending(limit).shut();
        connection.state.set_closed();
        let (code, reason) = close.unwrap_or((1005, String::new()));
        self.events.end(
            None,
            CloseEvent {
                code,
                reason,
                was_clean: clean,
            },
        );
    }

    /// Fails the connection (RFC 6455 §7.1.7): a close frame with the reason's code where the
    /// socket still allows, then the events, then a bounded wait so the frame can arrive.
    fn fail(&mut self, e: Error) {
        let connection = self.connection;
        let limit = connection.close_timeout;
        let code = match &e {
            Error::Protocol(p) => {
                self.events.flush(0);
                let events = &self.events;
                connection
                    .progress
                    .wait_for_app(events.sent, || events.is_drained(), limit);
                Some(p.close_code())
            }
            _ => None,
        };
        // One hold of the writer for the close frame and the shutdown. Should the server not
        // read the frame, the close timeout shuts the socket down, which ends the write.
        if code.is_some() {
            connection.arm_close_timeout();
        }
        let mut writer = connection.writer_for_ending(limit);
        let sent = code
            .is_some_and(|code| matches!(writer.close(&close_payload(Some(code), "")), Ok(true)));
        writer.shut();
        drop(writer);
        connection.state.set_closed();
        self.events.end(Some(e), abnormal());
        if sent {
            self.drain(limit);
        }
    }

    /// Reads and discards until the server closes the stream, or `timeout` passes.
    fn drain(&mut self, timeout: Duration) {
        let deadline = timer::deadline_after(timeout);
        let mut sink = [0u8; 4096];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.read.tcp().set_read_timeout(Some(left)).is_err() {
                return;
            }
            match self.read.read(&mut sink) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Message;
    use crate::websocket::WebSocket;
    use std::io::Write;
    use std::net::TcpListener;

    const WAIT: Duration = Duration::from_secs(10);

    /// A server on a thread of its own for one connection, plain or over TLS (then the URL's
    /// host is `localhost`): `run` gets the accepted tungstenite socket.
    fn server<F>(tls: bool, run: F) -> (String, std::thread::JoinHandle<()>)
    where
        F: FnOnce(&mut dyn ServerSide) + Send + 'static,
    {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let url = match tls {
            true => format!("wss://localhost:{port}/"),
            false => format!("ws://127.0.0.1:{port}/"),
        };
        let t = std::thread::spawn(move || {
            let (tcp, _) = l.accept().unwrap();
            tcp.set_read_timeout(Some(WAIT)).unwrap();
            #[cfg(feature = "native-tls")]
            if tls {
                let p12 = include_bytes!("../../tests/fixtures/tls/localhost.p12");
                let id = native_tls::Identity::from_pkcs12(p12, "wsync").unwrap();
                let stream = native_tls::TlsAcceptor::new(id)
                    .unwrap()
                    .accept(tcp)
                    .unwrap();
                return run(&mut tungstenite::accept(stream).unwrap());
            }
            assert!(!tls, "TLS needs the native-tls feature");
            run(&mut tungstenite::accept(tcp).unwrap());
        });
        (url, t)
    }

    /// The server's side of a test: tungstenite's socket, and the raw stream under it.
    trait ServerSide {
        /// The next message, `None` once the connection has ended.
        fn ws_read(&mut self) -> Option<tungstenite::Message>;
        fn ws_send(&mut self, m: tungstenite::Message);
        fn raw(&mut self) -> &mut dyn Write;
    }

    impl<S: io::Read + Write> ServerSide for tungstenite::WebSocket<S> {
        fn ws_read(&mut self) -> Option<tungstenite::Message> {
            self.read().ok()
        }
        fn ws_send(&mut self, m: tungstenite::Message) {
            self.send(m).unwrap()
        }
        fn raw(&mut self) -> &mut dyn Write {
            self.get_mut()
        }
    }

    fn connect(url: &str) -> WebSocket {
        WebSocket::builder(url)
            .add_root_certificate_pem(include_bytes!("../../tests/fixtures/tls/ca.pem"))
            .connect()
            .unwrap()
    }

    fn next_message(ws: &WebSocket) -> Message {
        match ws.recv_timeout(WAIT) {
            Ok(Event::Open) => next_message(ws),
            Ok(Event::Message(m)) => m,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    /// Waits (bounded) until the reader has let its buffers go `n` times in all.
    fn wait_for_releases(ws: &WebSocket, n: u64) {
        let releases = ws
            .connection()
            .read_buffers
            .wait_for_releases(n, WAIT + IDLE);
        assert!(releases >= n, "the reader never found the connection idle");
    }

    #[test]
    fn one_thread_opens_and_another_reads() {
        for tls in transports() {
            let (url, t) = server(tls, |ws| while ws.ws_read().is_some() {});
            let ws = connect(&url);
            // The reader starts after `Open` is reported.
            assert_eq!(
                ws.connection().threads.wait_for(2, WAIT),
                ["open on wsync-open", "read on wsync-reader"],
                "tls {tls}"
            );
            drop(ws);
            t.join().unwrap();
        }
    }

    #[test]
    fn an_openers_stack_is_never_reused_for_a_reader() {
        // glibc reuses an ended thread's stack for a new one asking at least a quarter of it.
        for reader in [32 << 10, crate::config::DEFAULT_READER_STACK_SIZE, 1 << 20] {
            let opener = opener_stack_size(reader);
            assert!(opener / 4 > reader, "{opener} for a reader of {reader}");
            assert!(opener <= 8 * reader, "only as large as needed");
        }
        assert_eq!(opener_stack_size(usize::MAX), usize::MAX);
    }

    fn transports() -> Vec<bool> {
        match cfg!(feature = "native-tls") {
            true => vec![false, true],
            false => vec![false],
        }
    }

    #[test]
    fn a_connection_that_receives_nothing_holds_no_read_buffer() {
        for tls in transports() {
            let (go_tx, go) = crossbeam_channel::bounded::<()>(1);
            let (url, t) = server(tls, move |ws| {
                go.recv_timeout(WAIT).unwrap();
                ws.ws_send(tungstenite::Message::text("first"));
                while ws.ws_read().is_some() {}
            });
            // Open once `connect` returns.
            let ws = connect(&url);
            let buffers = &ws.connection().read_buffers;
            assert_eq!(buffers.takes(), 0, "nothing arrived, no buffer taken");
            go_tx.send(()).unwrap();
            assert_eq!(next_message(&ws), Message::Text("first".into()));
            assert_eq!(buffers.takes(), 1, "taken when bytes came");
            drop(ws);
            t.join().unwrap();
        }
    }

    #[test]
    fn an_idle_connection_lets_its_read_buffers_go_and_still_works() {
        for tls in transports() {
            let (url, t) = server(tls, |ws| {
                while let Some(m) = ws.ws_read() {
                    if m.is_text() {
                        ws.ws_send(m);
                    }
                }
            });
            let ws = connect(&url);
            ws.send("before").unwrap();
            assert_eq!(next_message(&ws), Message::Text("before".into()));
            wait_for_releases(&ws, 1);
            let buffers = &ws.connection().read_buffers;
            assert_eq!(
                (buffers.takes(), buffers.releases()),
                (1, 1),
                "once per idle spell"
            );
            ws.send("after").unwrap();
            assert_eq!(next_message(&ws), Message::Text("after".into()));
            assert_eq!(buffers.takes(), 2, "taken back when bytes came");
            // Reading again, with the buffers back, and idle again later.
            wait_for_releases(&ws, 2);
            drop(ws);
            t.join().unwrap();
        }
    }

    #[test]
    fn a_large_message_that_stalls_past_the_idle_period_arrives_whole() {
        for tls in transports() {
            let len = 4 * DIRECT_MIN as usize;
            let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let sent = payload.clone();
            let (ready_tx, ready) = crossbeam_channel::bounded::<()>(1);
            let (url, t) = server(tls, move |ws| {
                // After the client's first message, so that the frame comes through a read.
                assert!(ws.ws_read().is_some());
                let mut frame = vec![0x82, 127];
                frame.extend_from_slice(&(len as u64).to_be_bytes());
                frame.extend_from_slice(&sent[..len / 2]);
                let raw = ws.raw();
                raw.write_all(&frame).unwrap();
                raw.flush().unwrap();
                // The client stalls, mid-payload, until it has found the connection idle.
                ready.recv_timeout(WAIT + IDLE).unwrap();
                let raw = ws.raw();
                raw.write_all(&sent[len / 2..]).unwrap();
                raw.flush().unwrap();
                let _ = ws.ws_read();
            });
            let ws = connect(&url);
            ws.send("go").unwrap();
            wait_for_releases(&ws, 1);
            ready_tx.send(()).unwrap();
            assert_eq!(next_message(&ws), Message::Binary(payload));
            drop(ws);
            t.join().unwrap();
        }
    }
}
