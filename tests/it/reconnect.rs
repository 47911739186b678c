//! The reconnecting client (`wsync::reconnect`), a submodule per behaviour:
//! - `after_drop`: a peer that drops TCP, a server that restarts on the same port: the client
//!   reconnects, and messages flow again both ways;
//! - `refused`: a handshake refused with 401 ends the client (and is retried when asked);
//!   429 and 503 are retried;
//! - `close_codes`: a listed close code ends the client, an unlisted one does not;
//! - `app_close`: the application's `close()` while open, while waiting to reconnect, while
//!   connecting, and the handle's drop: no reconnect, the supervisor ends, the channel
//!   disconnects;
//! - `caps`: the cap on attempts and on time give up, and the reported delays are those of the
//!   seeded schedule;
//! - `send`: a send with no connection to reach, or before its `Open` was taken, is an error;
//!   sends from many threads;
//! - `select`: the client's channel in `select!`, across a reconnect, to the end.
//!
//! The backoff is in milliseconds and the delays are read from the `Scheduled` events; nothing
//! sleeps to wait for something. The schedule's own arithmetic is unit-tested in
//! `src/reconnect/backoff.rs`.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use wsync::reconnect::{Backoff, GiveUp, ReconnectBuilder};
use wsync::{
    CloseEvent, Error, Event, Message, ReconnectEvent, ReconnectingWebSocket, RecvTimeoutError,
};

use crate::common::{builder, frame, RawConn, OP_CLOSE, WAIT};

mod after_drop;
mod app_close;
mod caps;
mod close_codes;
mod refused;
mod select;
mod send;

/// A reconnecting client for `url` (trusting the test CA) whose delays are a few
/// milliseconds, without jitter.
pub fn fast(url: &str) -> ReconnectBuilder {
    ReconnectingWebSocket::builder(builder(url)).backoff(fast_backoff())
}

/// 2 ms, then 4, 8, 16, 20, 20, ...: no jitter.
pub fn fast_backoff() -> Backoff {
    Backoff::new()
        .initial(Duration::from_millis(2))
        .max(Duration::from_millis(20))
        .jitter(0.0)
}

/// A loopback URL where nothing listens: connecting is refused at once.
pub fn refusing_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("local_addr").port();
    drop(listener);
    format!("ws://127.0.0.1:{port}/")
}

/// The next event, waiting at most [`WAIT`].
#[track_caller]
pub fn next(ws: &ReconnectingWebSocket) -> ReconnectEvent {
    match ws.recv_timeout(WAIT) {
        Ok(event) => event,
        Err(e) => panic!("no event within {WAIT:?}: {e:?}"),
    }
}

/// Expects a connection's `Open`.
#[track_caller]
pub fn expect_open(ws: &ReconnectingWebSocket) {
    match next(ws) {
        ReconnectEvent::Socket(Event::Open) => {}
        other => panic!("expected Open, got {other:?}"),
    }
}

/// Expects a message and returns it.
#[track_caller]
pub fn expect_message(ws: &ReconnectingWebSocket) -> Message {
    match next(ws) {
        ReconnectEvent::Socket(Event::Message(m)) => m,
        other => panic!("expected a Message, got {other:?}"),
    }
}

/// Expects a connection's `Close` and returns it.
#[track_caller]
pub fn expect_close(ws: &ReconnectingWebSocket) -> CloseEvent {
    match next(ws) {
        ReconnectEvent::Socket(Event::Close(c)) => c,
        other => panic!("expected Close, got {other:?}"),
    }
}

/// Expects a failed connection: an `Error`, then a `Close` 1006 unclean. Returns the error.
#[track_caller]
pub fn expect_failure(ws: &ReconnectingWebSocket) -> Error {
    let error = match next(ws) {
        ReconnectEvent::Socket(Event::Error(e)) => e,
        other => panic!("expected Error, got {other:?}"),
    };
    let close = expect_close(ws);
    assert!(
        close.code == 1006 && !close.was_clean,
        "after {error:?}, expected Close 1006 unclean, got {close:?}"
    );
    error
}

/// Expects a `Scheduled` and returns its attempt and delay.
#[track_caller]
pub fn expect_scheduled(ws: &ReconnectingWebSocket) -> (u32, Duration) {
    match next(ws) {
        ReconnectEvent::Scheduled { attempt, delay } => (attempt, delay),
        other => panic!("expected Scheduled, got {other:?}"),
    }
}

/// Expects `GaveUp` and returns its attempts and reason.
#[track_caller]
pub fn expect_gave_up(ws: &ReconnectingWebSocket) -> (u32, GiveUp) {
    match next(ws) {
        ReconnectEvent::GaveUp { attempts, reason } => (attempts, reason),
        other => panic!("expected GaveUp, got {other:?}"),
    }
}

/// Asserts that the channel disconnects within [`WAIT`] with no event before: the supervisor
/// has ended.
#[track_caller]
pub fn assert_disconnected(ws: &ReconnectingWebSocket) {
    match ws.recv_timeout(WAIT) {
        Err(RecvTimeoutError::Disconnected) => {}
        Err(RecvTimeoutError::Timeout) => panic!("channel still connected after {WAIT:?}"),
        Ok(event) => panic!("expected a disconnected channel, got {event:?}"),
    }
}

/// Takes events until the next `Open`, through any number of failed attempts (a server that is
/// not back yet); fails the test after [`WAIT`]. Returns the attempts scheduled on the way.
#[track_caller]
pub fn until_open(ws: &ReconnectingWebSocket) -> Vec<u32> {
    let deadline = Instant::now() + WAIT;
    let mut attempts = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match ws.recv_timeout(left) {
            Ok(ReconnectEvent::Socket(Event::Open)) => return attempts,
            Ok(ReconnectEvent::Scheduled { attempt, .. }) => attempts.push(attempt),
            Ok(ReconnectEvent::Socket(Event::Error(_) | Event::Close(_))) => {}
            Ok(other) => panic!("waiting for Open, got {other:?}"),
            Err(e) => panic!("no Open within {WAIT:?}: {e:?} after attempts {attempts:?}"),
        }
    }
}

/// In a peer: reads up to the client's close frame, answers it and closes TCP, as a server
/// does (RFC 6455 §7.1.1), so that the client is done at once rather than after its close
/// timeout. Returns the client's code and reason.
#[track_caller]
pub fn answer_close(conn: &mut RawConn) -> Option<(u16, String)> {
    let close = conn.expect_close();
    let _ = conn.try_write(&frame(true, OP_CLOSE, &[]));
    conn.shutdown();
    close
}
