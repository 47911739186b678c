//! The reader thread: opens the connection, then reads, decodes and reports events until the
//! connection ends. It is the only thread that reads the socket and the only one that emits
//! events, so events come in order and `Close` is always the last. It never writes to the
//! socket while waiting on a sender: pongs go through the writer lock's hand-off, and its close
//! frames wait for the writer at most the close timeout.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use crate::connection::keepalive::{Keepalive, Silence};
use crate::connection::open::{open, Setup};
use crate::connection::shared::Connection;
use crate::delivery::batch::Batch;
use crate::delivery::outbox::Outbox;
use crate::error::{Error, Timeout};
use crate::event::{CloseEvent, Event, PongEvent, ReadyState};
use crate::proto::close::close_payload;
use crate::proto::decoder::{Decoder, Item};
use crate::sync::timer;
use crate::transport::{self, ReadHalf};

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

/// Starts the reader thread.
pub(crate) fn spawn(
    connection: Arc<Connection>,
    setup: Setup,
    tx: Sender<Batch>,
) -> io::Result<()> {
    std::thread::Builder::new()
        .name("wsync-reader".into())
        .stack_size(setup.config.reader_stack_size)
        .spawn(move || run(connection, setup, tx))
        .map(drop)
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

fn run(connection: Arc<Connection>, setup: Setup, tx: Sender<Batch>) {
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
    match opened {
        Err(e) => {
            let e = match connection.socket.is_aborted() {
                true => Error::Aborted,
                false => e,
            };
            connection.state.set_closed();
            events.end(Some(e), abnormal());
        }
        Ok(opened) => {
            events.push(Event::Open);
            events.flush(0);
            let config = &setup.config;
            let mut decoder = Decoder::new(config.frame_limit(), config.max_message_size);
            if let Some(inflater) = opened.inflater {
                decoder = decoder.with_inflater(inflater);
            }
            let mut session = Session {
                connection: &connection,
                read: opened.read,
                decoder,
                events,
                keepalive: Keepalive::new(config.ping_interval, config.pong_timeout),
            };
            session.run(&opened.leftover);
        }
    }
    connection.socket.finish();
}

/// An open connection, from the reader thread's side.
struct Session<'a> {
    connection: &'a Arc<Connection>,
    read: ReadHalf,
    decoder: Decoder,
    events: Outbox,
    keepalive: Keepalive,
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
        if let Err(e) = self.set_read_timeout() {
            return Ending::Failed(Error::Io(e));
        }
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
                Err(e) if is_timeout(&e) => match self.silence() {
                    Some(end) => return end,
                    None => continue,
                },
                Err(e) => return Ending::Failed(self.lost(Some(e))),
            };
            if let Some(end) = self.heard() {
                return end;
            }
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
            let (got, timed_out) = match self.read.read_append(sink, want) {
                Ok(n) => (n as u64, false),
                // What arrived before the timeout is in the sink.
                Err(e) if is_timeout(&e) => ((sink.len() - from) as u64, true),
                Err(e) => return Some(Ending::Failed(self.lost(Some(e)))),
            };
            if got > 0 {
                if let Some(end) = self.heard() {
                    return Some(end);
                }
            }
            let appended = self.events.sink_tail(from);
            match self.decoder.payload_appended(appended) {
                Err(e) => return Some(Ending::Failed(e.into())),
                Ok(_) if got < want && !timed_out => return Some(Ending::Failed(self.lost(None))),
                Ok(Some(item)) => return self.handle(item),
                Ok(None) => {}
            }
            if timed_out {
                if let Some(end) = self.silence() {
                    return Some(end);
                }
            }
        }
    }

    /// Sets the socket's read timeout to what keepalive needs now.
    fn set_read_timeout(&self) -> io::Result<()> {
        self.read
            .tcp()
            .set_read_timeout(self.keepalive.read_timeout())
    }

    /// Bytes arrived: keepalive waits a whole interval again.
    fn heard(&mut self) -> Option<Ending> {
        if self.keepalive.received() {
            if let Err(e) = self.set_read_timeout() {
                return Some(Ending::Failed(Error::Io(e)));
            }
        }
        None
    }

    /// A read timed out, so nothing arrived for the keepalive's timeout: ping, or fail the
    /// connection if the last ping went unanswered. Once the closing handshake has begun the
    /// close timeout governs instead, and reads wait without a timeout.
    fn silence(&mut self) -> Option<Ending> {
        if self.connection.state.ready_state() != ReadyState::Open {
            return match self.read.tcp().set_read_timeout(None) {
                Ok(()) => None,
                Err(e) => Some(Ending::Failed(Error::Io(e))),
            };
        }
        match self.keepalive.silence() {
            Silence::Dead => Some(Ending::Failed(Error::Timeout(Timeout::Pong))),
            Silence::Ping(payload) => {
                // Sent the way pongs are: the reader never waits for the writer or the socket.
                self.connection.send_ping(&payload);
                self.set_read_timeout()
                    .err()
                    .map(|e| Ending::Failed(Error::Io(e)))
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
