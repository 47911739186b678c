//! Helpers that drive a [`wsync::WebSocket`] and check the events it reports.
//!
//! Each waits at most [`WAIT`] for an event, then fails the test.

use wsync::{CloseEvent, Error, Event, Message, ReadyState, RecvTimeoutError, WebSocket};

use super::bounded::{spawn_bounded, BoundedThread};
use super::raw::RawPeer;
use super::server::Transport;
use super::WAIT;

/// The next event, waiting at most [`WAIT`]; panics when none comes.
pub fn next_event(ws: &WebSocket) -> Event {
    ws.recv_timeout(WAIT).expect("no event within WAIT")
}

/// Expects the next event to be [`Event::Open`].
pub fn expect_open(ws: &WebSocket) {
    match next_event(ws) {
        Event::Open => {}
        other => panic!("expected Open, got {other:?}"),
    }
}

/// Expects the next event to be a message and returns it.
pub fn expect_message(ws: &WebSocket) -> Message {
    match next_event(ws) {
        Event::Message(m) => m,
        other => panic!("expected a Message, got {other:?}"),
    }
}

/// Expects the next event to be [`Event::Close`] (nothing skipped) and returns it.
pub fn expect_close(ws: &WebSocket) -> CloseEvent {
    match next_event(ws) {
        Event::Close(c) => c,
        other => panic!("expected Close, got {other:?}"),
    }
}

/// Expects a failure: an [`Event::Error`], seen when the ready state is already CLOSED, then
/// an [`Event::Close`] with code 1006 and `was_clean` false. Returns both.
pub fn expect_error_then_close(ws: &WebSocket) -> (Error, CloseEvent) {
    let error = match next_event(ws) {
        Event::Error(e) => e,
        other => panic!("expected Error, got {other:?}"),
    };
    assert_eq!(
        ws.ready_state(),
        ReadyState::Closed,
        "ready state when the Error ({error:?}) is seen"
    );
    let close = expect_close(ws);
    assert!(
        close.code == 1006 && !close.was_clean,
        "after an Error, expected Close 1006 unclean, got {close:?} (error: {error:?})"
    );
    (error, close)
}

/// Collects every event up to the [`Event::Close`]; returns those before it and the close.
pub fn drain_to_close(ws: &WebSocket) -> (Vec<Event>, CloseEvent) {
    let mut events = Vec::new();
    loop {
        match next_event(ws) {
            Event::Close(c) => return (events, c),
            other => events.push(other),
        }
    }
}

/// Asserts that the event channel is disconnected (as it must be after the Close event): a
/// receive returns `Disconnected` at once rather than an event or a timeout.
pub fn assert_disconnected(ws: &WebSocket) {
    match ws.recv_timeout(WAIT) {
        Err(RecvTimeoutError::Disconnected) => {}
        Err(RecvTimeoutError::Timeout) => panic!("channel still connected after {WAIT:?}"),
        Ok(event) => panic!("expected a disconnected channel, got {event:?}"),
    }
}

/// A connection failed by what a raw peer sent: connects over `t` (the builder passed through
/// `configure`) to a raw peer that, after the handshake, writes `bytes` (ignoring write errors:
/// the client may fail and close before reading them all), reads the client's close frame and
/// then reads until the client closes TCP. The peer writes nothing more, so the client must
/// fail on the bytes it has, without waiting for more or for EOF.
///
/// Checks that the application gets the messages `before`, then an `Error` and `Close` 1006
/// ([`expect_error_then_close`]), that the ready state is CLOSED, that the client's close frame
/// carried `code`, and that the client closed TCP. Returns the error for the caller to check.
pub fn failed_by_peer_bytes(
    t: Transport,
    configure: impl FnOnce(wsync::Builder) -> wsync::Builder,
    bytes: Vec<u8>,
    before: &[Message],
    code: u16,
) -> Error {
    let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
        conn.handshake();
        let _ = conn.try_write(&bytes);
        // Waits at most the raw peer's read timeout: a client that waits for the rest of a
        // frame or message makes this fail.
        let close = conn.expect_close();
        (close, conn.read_to_eof())
    });
    let ws = configure(builder(&url)).connect().expect("connect");
    for m in before {
        assert_eq!(&expect_message(&ws), m, "{t:?}");
    }
    let (error, _close) = expect_error_then_close(&ws);
    assert_eq!(ws.ready_state(), ReadyState::Closed, "{t:?}: {error:?}");
    let (close, eof) = peer.join();
    assert_eq!(
        close.map(|(c, _)| c),
        Some(code),
        "{t:?}: close code the client sent for {error:?}"
    );
    assert!(
        eof,
        "{t:?}: the client did not close TCP after failing with {error:?}"
    );
    error
}

/// A builder for `url` that trusts the test CA, so the same test runs over ws:// and wss://.
pub fn builder(url: &str) -> wsync::Builder {
    WebSocket::builder(url).add_root_certificate_pem(super::tls::ca_pem())
}

/// Connects to `url` (trusting the test CA) and waits until OPEN.
pub fn connect(url: &str) -> WebSocket {
    builder(url).connect().expect("connect")
}

/// Far more than loopback buffers hold: a send this large blocks while the peer is not reading.
pub const BLOCKING_SEND: usize = 32 << 20;

/// Connects to `url` (close timeout 300 ms) and starts a [`BLOCKING_SEND`]-byte send on a
/// thread of its own, returning once it has begun (`buffered_amount` is above 0); with a peer
/// that does not read, the send then blocks, holding the writer. The thread yields the send's
/// result; its join fails the test if the send never returns.
pub fn connect_and_block_a_send(
    url: &str,
) -> (std::sync::Arc<WebSocket>, BoundedThread<wsync::Result<()>>) {
    let ws = std::sync::Arc::new(
        builder(url)
            .close_timeout(std::time::Duration::from_millis(300))
            .connect()
            .expect("connect"),
    );
    let sender = {
        let ws = ws.clone();
        spawn_bounded("blocked-send", move || ws.send(vec![7u8; BLOCKING_SEND]))
    };
    let deadline = std::time::Instant::now() + WAIT;
    while ws.buffered_amount() == 0 {
        assert!(std::time::Instant::now() < deadline, "the send never began");
        std::thread::yield_now();
    }
    (ws, sender)
}

/// Ends a test of [`connect_and_block_a_send`]: the blocked send must have failed (not hung,
/// not succeeded); then lets the peer go and joins it.
#[track_caller]
pub fn blocked_send_failed<T>(
    t: Transport,
    sender: BoundedThread<wsync::Result<()>>,
    release_peer: std::sync::mpsc::Sender<()>,
    peer: BoundedThread<T>,
) -> T {
    assert!(
        sender.join().is_err(),
        "{t:?}: the blocked send returned Ok"
    );
    release_peer.send(()).unwrap();
    peer.join()
}
