//! The reader thread: connects, runs the opening handshake, then reads, decodes and reports
//! events until the connection ends. It is the only thread that reads the socket and the only
//! one that emits events, so events come in order and `Close` is always the last.

use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Sender, TrySendError};

use crate::batch::Batch;
use crate::builder::Config;
use crate::close::encode_close_payload;
use crate::decoder::{Decoder, Item};
use crate::error::{Error, HandshakeError, Result, Timeout};
use crate::event::{CloseEvent, Event, ReadyState};
use crate::handshake;
use crate::pool::Pool;
use crate::shared::Shared;
use crate::spin;
use crate::target::Target;
use crate::transport::{ReadHalf, WriteHalf};

/// The read buffer's size. It holds hundreds of small frames per read; the payload of a larger
/// frame is read straight into its message instead (see [`DIRECT_MIN`]), so it never needs to
/// grow, and an idle connection holds no more than this.
const READ_BUF: usize = 16 * 1024;

/// Payloads with at least this much still to come are read straight into the message buffer,
/// not through the read buffer.
const DIRECT_MIN: u64 = READ_BUF as u64;

/// Text read straight into its message goes in steps of this size, so that bad UTF-8 is found
/// as it arrives.
const TEXT_STEP: u64 = 64 * 1024;

/// Everything the reader thread needs to open the connection.
pub(crate) struct Setup {
    pub(crate) target: Target,
    pub(crate) config: Config,
    #[cfg(feature = "native-tls")]
    pub(crate) tls: Option<native_tls::TlsConnector>,
    /// Emptied batches the handle gives back, so that batches are not allocated anew.
    pub(crate) pool: Arc<Pool>,
}

/// Starts the reader thread.
pub(crate) fn spawn(shared: Arc<Shared>, setup: Setup, tx: Sender<Batch>) -> io::Result<()> {
    std::thread::Builder::new()
        .name("wsync-reader".into())
        .stack_size(setup.config.reader_stack_size)
        .spawn(move || run(shared, setup, tx))
        .map(drop)
}

/// The most events in one batch, so that the application can start on a long run of small
/// messages while the reader still decodes.
const MAX_BATCH: usize = 256;

/// The event channel's sending end, dropped right after the `Close` event; the batch being
/// gathered; and how many events were sent. What goes through the channel is the events decoded
/// from one read, in order: one hand-off per read instead of one per message keeps the cost of
/// the thread hop off small messages.
struct Events {
    tx: Option<Sender<Batch>>,
    /// How long to poll for room in a full queue before sleeping.
    spin: spin::Budget,
    batch: Batch,
    sent: u64,
    pool: Arc<Pool>,
}

impl Events {
    /// Adds an event that is not a message to the batch.
    fn push(&mut self, event: Event) {
        if self.tx.is_some() {
            self.sent += 1;
            self.batch.push_event(event);
            self.flush_if_full();
        }
    }

    /// Adds the message whose payload is the last `len` bytes of the sink to the batch.
    fn push_message(&mut self, text: bool, len: usize) {
        if self.tx.is_some() {
            self.sent += 1;
            self.batch.push_message(text, len);
            self.flush_if_full();
        }
    }

    /// A full batch is sent at once; a message has just ended, so none is being assembled.
    fn flush_if_full(&mut self) {
        if self.batch.slot_count() >= MAX_BATCH {
            self.flush(0);
        }
    }

    /// The buffer that message payloads are decoded into, taken from the pool when the reader
    /// holds none.
    fn sink(&mut self) -> &mut Vec<u8> {
        if self.batch.slot_count() == 0 && self.batch.capacity() == 0 {
            self.batch = self.pool.take();
        }
        self.batch.sink()
    }

    /// Drops the last `len` bytes of the sink: a message that is not reported.
    fn discard(&mut self, len: usize) {
        let sink = self.batch.sink();
        sink.truncate(sink.len() - len);
    }

    /// Sends the batch; blocks while the queue is full (backpressure). The last `partial` bytes
    /// of the sink, a message still being assembled, move on to the next batch. If the handle and
    /// every receiver are gone, the events are dropped.
    fn flush(&mut self, partial: usize) {
        if self.batch.slot_count() == 0 {
            return;
        }
        // Between messages the reader holds no buffer until the next read brings data, so an
        // idle connection's spare memory is all in the pool, where it can shrink.
        let mut next = match partial {
            0 => Batch::default(),
            _ => self.pool.take(),
        };
        self.batch.move_tail(partial, &mut next);
        let mut batch = std::mem::replace(&mut self.batch, next);
        let Some(tx) = &self.tx else {
            return;
        };
        self.pool.charge(&mut batch);
        let batch = match tx.try_send(batch) {
            Err(TrySendError::Full(batch)) => batch,
            // Sent at once, or no one is listening any more.
            _ => return,
        };
        // A full queue usually has room again within microseconds: poll before sleeping, which
        // spares the application a wake-up call for each batch it takes.
        let started = Instant::now();
        let mut batch = Some(batch);
        spin::poll_for(self.spin.get(), || match tx.try_send(batch.take()?) {
            Err(TrySendError::Full(back)) => {
                batch = Some(back);
                None
            }
            _ => Some(()),
        });
        if let Some(batch) = batch {
            let _ = tx.send(batch);
        }
        self.spin.record(started.elapsed());
    }

    /// Waits while the application has the read-ahead limit's worth of bytes still to take.
    fn wait_for_room(&self) {
        if self.tx.is_some() {
            self.pool.wait_for_room(&self.spin);
        }
    }

    /// Whether every event sent has been taken from the queue.
    fn is_drained(&self) -> bool {
        self.batch.slot_count() == 0 && self.tx.as_ref().is_none_or(Sender::is_empty)
    }

    /// Sends the error, if any, then the close event, and disconnects the channel.
    fn end(&mut self, error: Option<Error>, close: CloseEvent) {
        if let Some(e) = error {
            self.push(Event::Error(e));
        }
        self.push(Event::Close(close));
        self.flush(0);
        self.tx = None;
    }
}

/// The close event of a failed connection.
fn abnormal() -> CloseEvent {
    CloseEvent {
        code: 1006,
        reason: String::new(),
        was_clean: false,
    }
}

fn run(shared: Arc<Shared>, setup: Setup, tx: Sender<Batch>) {
    let mut events = Events {
        tx: Some(tx),
        spin: spin::Budget::default(),
        batch: Batch::default(),
        sent: 0,
        pool: setup.pool.clone(),
    };
    let opened = open(&shared, &setup).and_then(|read| {
        if shared.transition(ReadyState::Connecting, ReadyState::Open) {
            Ok(read)
        } else {
            shared.writer().shut();
            Err(Error::Aborted)
        }
    });
    match opened {
        Err(e) => {
            let e = if shared.is_aborted() {
                Error::Aborted
            } else {
                e
            };
            shared.set_closed();
            events.end(Some(e), abnormal());
        }
        Ok((read, leftover)) => {
            events.push(Event::Open);
            events.flush(0);
            let config = &setup.config;
            let mut session = Session {
                shared: &shared,
                read,
                decoder: Decoder::new(config.max_frame_size, config.max_message_size),
                events,
            };
            session.run(&leftover);
        }
    }
    shared.finish();
}

/// Resolves the host and connects to the first address that answers.
fn connect(shared: &Shared, target: &Target, timeout: Duration) -> Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host resolved to no address");
    for addr in (target.host.as_str(), target.port).to_socket_addrs()? {
        if shared.is_aborted() {
            return Err(Error::Aborted);
        }
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(tcp) => {
                tcp.set_nodelay(true)?;
                return Ok(tcp);
            }
            Err(e) => last = e,
        }
    }
    if last.kind() == io::ErrorKind::TimedOut {
        return Err(Error::Timeout(Timeout::Connect));
    }
    Err(Error::Io(last))
}

/// An I/O error that the TLS layer raised becomes [`Error::Tls`].
fn from_tls(e: io::Error) -> std::result::Result<Error, io::Error> {
    #[cfg(feature = "native-tls")]
    return crate::tls::tls_failure(e);
    #[cfg(not(feature = "native-tls"))]
    Err(e)
}

/// Maps an I/O error during the handshake: a read timeout is the handshake timeout.
fn handshake_io(e: io::Error) -> Error {
    let e = match from_tls(e) {
        Ok(tls) => return tls,
        Err(e) => e,
    };
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Error::Timeout(Timeout::Handshake),
        _ => Error::Io(e),
    }
}

/// Connects, runs the TLS and WebSocket handshakes, and installs the write half. Returns the
/// read half and any frame bytes that arrived with the handshake response.
fn open(shared: &Shared, setup: &Setup) -> Result<(ReadHalf, Vec<u8>)> {
    let (target, config) = (&setup.target, &setup.config);
    let tcp = Arc::new(connect(shared, target, config.connect_timeout)?);
    shared.register_socket(&tcp)?;
    let deadline = crate::timer::deadline_after(config.handshake_timeout);
    tcp.set_write_timeout(Some(config.handshake_timeout))?;
    let (mut read, mut write) = split(tcp, setup, deadline)?;
    let request = handshake::request(target, &config.protocols, &config.headers, None);
    write.write_all(&request.bytes).map_err(handshake_io)?;
    let mut buf = Vec::with_capacity(1024);
    let accepted = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::Timeout(Timeout::Handshake));
        }
        read.tcp().set_read_timeout(Some(left))?;
        let start = buf.len();
        buf.resize(start + 1024, 0);
        let n = read.read(&mut buf[start..]).map_err(handshake_io)?;
        buf.truncate(start + n);
        if n == 0 {
            return Err(HandshakeError::Incomplete.into());
        }
        let offered = &config.protocols;
        if let Some(a) =
            handshake::parse_response(&buf, &request, offered, None, config.max_response_size)?
        {
            break a;
        }
    };
    read.tcp().set_read_timeout(None)?;
    read.tcp().set_write_timeout(None)?;
    shared.set_negotiated(accepted.protocol, accepted.extensions);
    shared.writer().attach(write);
    buf.drain(..accepted.len);
    Ok((read, buf))
}

/// Splits the connected socket into its halves, running the TLS handshake for wss.
fn split(tcp: Arc<TcpStream>, setup: &Setup, deadline: Instant) -> Result<(ReadHalf, WriteHalf)> {
    if setup.target.secure {
        #[cfg(feature = "native-tls")]
        if let Some(connector) = &setup.tls {
            let (r, w) = crate::tls::handshake(connector, &setup.target.host, tcp, deadline)?;
            return Ok((ReadHalf::Tls(r), WriteHalf::Tls(w)));
        }
        let _ = deadline;
        return Err(Error::TlsUnavailable);
    }
    Ok((ReadHalf::Plain(tcp.clone()), WriteHalf::Plain(tcp)))
}

/// An open connection, from the reader thread's side.
struct Session<'a> {
    shared: &'a Arc<Shared>,
    read: ReadHalf,
    decoder: Decoder,
    events: Events,
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
    fn run(&mut self, leftover: &[u8]) {
        match self.read_until_end(leftover) {
            Ending::Close(close) => self.closed_by_frame(close),
            Ending::Failed(e) => self.fail(e),
        }
    }

    fn read_until_end(&mut self, leftover: &[u8]) -> Ending {
        if let Some(end) = self.process(leftover) {
            return end;
        }
        let mut buf = vec![0u8; READ_BUF];
        loop {
            if let Some(end) = self.read_payload_directly() {
                return end;
            }
            // Whatever was decoded goes to the application before the reader blocks again.
            self.events.flush(self.decoder.partial_len());
            self.events.wait_for_room();
            self.events.pool.waiting();
            let n = match self.read.read(&mut buf) {
                Ok(0) => return Ending::Failed(self.lost(None)),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Ending::Failed(self.lost(Some(e))),
            };
            if let Some(end) = self.process(&buf[..n]) {
                return end;
            }
        }
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
            let sink = self.events.sink();
            // Room for the whole read at once. The decoder reserved room for the frame when it
            // began, but in the batch just sent if the frame began with no payload yet.
            if sink.try_reserve(want as usize).is_err() {
                let size = self.decoder.partial_len() as u64 + remaining;
                return Some(Ending::Failed(self.decoder.too_large(size).into()));
            }
            let from = sink.len();
            let got = match self.read.read_append(sink, want) {
                Ok(n) => n as u64,
                Err(e) => return Some(Ending::Failed(self.lost(Some(e)))),
            };
            let appended = &self.events.batch.sink()[from..];
            match self.decoder.payload_appended(appended) {
                Err(e) => return Some(Ending::Failed(e.into())),
                Ok(_) if got < want => return Some(Ending::Failed(self.lost(None))),
                Ok(Some(item)) => return self.handle(item),
                Ok(None) => {}
            }
        }
    }

    /// Why the stream ended without a close frame.
    fn lost(&self, e: Option<io::Error>) -> Error {
        if self.shared.is_timed_out() {
            return Error::Timeout(Timeout::Close);
        }
        match e.map(from_tls) {
            Some(Ok(tls)) => tls,
            Some(Err(e)) if e.kind() != io::ErrorKind::UnexpectedEof => Error::Io(e),
            _ => Error::AbnormalClosure,
        }
    }

    /// Decodes `data` and acts on each item; returns how reading ends, if it does.
    fn process(&mut self, mut data: &[u8]) -> Option<Ending> {
        while !data.is_empty() {
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
    fn handle(&mut self, item: Item) -> Option<Ending> {
        match item {
            // Messages that arrive once the closing handshake has started are dropped.
            Item::Message { text, len } if self.shared.ready_state() == ReadyState::Open => {
                self.events.push_message(text, len);
            }
            Item::Message { len, .. } => self.events.discard(len),
            Item::Ping(payload) => {
                // "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in
                // response ... The Pong frame MUST have identical Application data".
                // Never waits for a sender that holds the writer, nor for the socket (see
                // writer_lock.rs).
                self.shared.pong(&payload);
            }
            // "A response to an unsolicited Pong frame is not expected."
            Item::Pong => {}
            Item::Close(close) => return Some(Ending::Close(close)),
        }
        None
    }

    /// The server sent a close frame: echo it if we had not sent ours, wait for the server to
    /// close TCP (bounded by the close timeout), and report a clean close.
    fn closed_by_frame(&mut self, close: Option<(u16, String)>) {
        self.events.flush(0);
        self.shared
            .transition(ReadyState::Open, ReadyState::Closing);
        // "If an endpoint receives a Close frame and did not previously send a Close frame, the
        // endpoint MUST send a Close frame in response. (When sending a Close frame in response,
        // the endpoint typically echos the status code it received.)"
        let mut echo = Vec::with_capacity(2);
        if let Some((code, _)) = &close {
            encode_close_payload(*code, "", &mut echo);
        }
        let limit = self.shared.close_timeout;
        // Should the server not read the echo, the close timeout shuts the socket down, which
        // ends the write.
        self.shared.arm_close_timeout();
        let mut writer = self.shared.writer_for_ending(limit);
        // RFC 6455 §7.1.4: "If the TCP connection was closed after the WebSocket closing
        // handshake was completed, the WebSocket connection is said to have been closed
        // _cleanly_": only if our close frame went out, now or before.
        let clean = writer.close(&echo).is_ok() && writer.close_written();
        drop(writer);
        // "the server MUST close the underlying TCP connection immediately; the client SHOULD
        // wait for the server to close the connection".
        self.drain(limit);
        self.shared.writer_for_ending(limit).shut();
        self.shared.set_closed();
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
        let limit = self.shared.close_timeout;
        let code = match &e {
            Error::Protocol(p) => {
                self.events.flush(0);
                let events = &self.events;
                self.shared
                    .wait_for_app(events.sent, || events.is_drained(), limit);
                Some(p.close_code())
            }
            _ => None,
        };
        // One hold of the writer for the close frame and the shutdown. Should the server not
        // read the frame, the close timeout shuts the socket down, which ends the write.
        if code.is_some() {
            self.shared.arm_close_timeout();
        }
        let mut writer = self.shared.writer_for_ending(limit);
        let sent = code.is_some_and(|code| {
            let mut payload = Vec::with_capacity(2);
            encode_close_payload(code, "", &mut payload);
            matches!(writer.close(&payload), Ok(true))
        });
        writer.shut();
        drop(writer);
        self.shared.set_closed();
        self.events.end(Some(e), abnormal());
        if sent {
            self.drain(self.shared.close_timeout);
        }
    }

    /// Reads and discards until the server closes the stream, or `timeout` passes.
    fn drain(&mut self, timeout: Duration) {
        let deadline = crate::timer::deadline_after(timeout);
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
