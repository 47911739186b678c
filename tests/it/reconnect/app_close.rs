//! The application's `close()` ends the client wherever it is: open (the connection closes, no
//! reconnect), waiting out a backoff (the wait ends at once), connecting (the attempt is
//! aborted). Dropping the handle does the same, closing with 1001, even while the supervisor
//! waits for room in a full channel. In every case the supervisor ends and the channel
//! disconnects.

use std::sync::mpsc;
use std::time::Duration;

use wsync::crossbeam_channel::RecvTimeoutError;
use wsync::reconnect::Backoff;
use wsync::{Error, ReadyState, ReconnectingWebSocket};

use super::{
    answer_close, assert_disconnected, expect_close, expect_failure, expect_open, expect_scheduled,
    fast, refusing_url,
};
use crate::common::{builder, spawn_bounded, text, wait_for_test, RawPeer, WAIT};

/// An hour between attempts: a test that ends sooner was not kept waiting by the backoff.
fn an_hour() -> Backoff {
    Backoff::new()
        .initial(Duration::from_secs(3600))
        .max(Duration::from_secs(3600))
        .jitter(0.0)
}

/// Drains a receiver the test kept; fails unless it disconnects within [`WAIT`].
fn assert_receiver_disconnects(
    events: &wsync::crossbeam_channel::Receiver<wsync::reconnect::ReconnectBatch>,
) {
    loop {
        match events.recv_timeout(WAIT) {
            Ok(_) => {}
            Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => panic!("the supervisor still runs after {WAIT:?}"),
        }
    }
}

#[test]
fn close_while_open_does_not_reconnect() {
    let peer = RawPeer::bind();
    let url = peer.url.clone();
    // The server answers once the test has seen CLOSING: an answer read before that would
    // make the state CLOSED already.
    let (seen, closing_seen) = mpsc::channel::<()>();
    let server = spawn_bounded("peer", move || {
        let mut conn = peer.accept();
        conn.handshake();
        closing_seen
            .recv_timeout(WAIT)
            .expect("the test saw CLOSING");
        assert_eq!(answer_close(&mut conn), Some((4000, "done".into())));
    });
    let ws = fast(&url).build().unwrap();
    expect_open(&ws);
    ws.close_with(4000, "done").unwrap();
    assert_eq!(ws.ready_state(), ReadyState::Closing);
    seen.send(()).unwrap();
    let close = expect_close(&ws);
    // The code is the server's: its answer had none.
    assert_eq!((close.code, close.was_clean), (1005, true));
    assert_disconnected(&ws);
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    // Closing again, with or without a connection, does nothing more.
    ws.close().unwrap();
    assert!(matches!(
        ws.close_with(1001, ""),
        Err(Error::InvalidAccess(_))
    ));
    server.join();
}

#[test]
fn close_during_the_backoff_ends_the_wait_at_once() {
    let ws = ReconnectingWebSocket::builder(builder(&refusing_url()))
        .backoff(an_hour())
        .build()
        .unwrap();
    expect_failure(&ws);
    assert_eq!(expect_scheduled(&ws), (1, Duration::from_secs(3600)));
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    ws.close().unwrap();
    assert_disconnected(&ws);
    assert_eq!(ws.ready_state(), ReadyState::Closed);
}

#[test]
fn close_while_a_reconnect_is_connecting_aborts_it() {
    let peer = RawPeer::bind();
    let url = peer.url.clone();
    let (requested, request_seen) = mpsc::channel();
    let server = spawn_bounded("peer", move || {
        let mut first = peer.accept();
        first.handshake();
        first.shutdown();
        let mut second = peer.accept();
        second.read_request();
        requested.send(()).unwrap();
        // Never answered: the client must give the attempt up.
        assert!(
            second.read_to_eof(),
            "the aborted attempt kept its connection"
        );
    });
    let ws = fast(&url).build().unwrap();
    expect_open(&ws);
    expect_failure(&ws);
    expect_scheduled(&ws);
    request_seen.recv_timeout(WAIT).unwrap();
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    ws.close().unwrap();
    let error = expect_failure(&ws);
    assert!(matches!(error, Error::Aborted), "{error:?}");
    assert_disconnected(&ws);
    server.join();
}

#[test]
fn close_before_the_first_connection_opens_aborts_it() {
    let peer = RawPeer::bind();
    let url = peer.url.clone();
    let (requested, request_seen) = mpsc::channel();
    let server = spawn_bounded("peer", move || {
        let mut conn = peer.accept();
        conn.read_request();
        requested.send(()).unwrap();
        assert!(conn.read_to_eof());
    });
    let ws = fast(&url).build().unwrap();
    request_seen.recv_timeout(WAIT).unwrap();
    ws.close().unwrap();
    assert!(matches!(expect_failure(&ws), Error::Aborted));
    assert_disconnected(&ws);
    server.join();
}

#[test]
fn dropping_the_handle_closes_with_going_away_and_ends_the_supervisor() {
    let peer = RawPeer::bind();
    let url = peer.url.clone();
    let server = spawn_bounded("peer", move || {
        let mut conn = peer.accept();
        conn.handshake();
        assert_eq!(answer_close(&mut conn), Some((1001, String::new())));
    });
    let ws = fast(&url).build().unwrap();
    expect_open(&ws);
    let events = ws.events().clone();
    drop(ws);
    assert_receiver_disconnects(&events);
    server.join();
}

#[test]
fn dropping_the_handle_during_the_backoff_ends_the_supervisor() {
    let ws = ReconnectingWebSocket::builder(builder(&refusing_url()))
        .backoff(an_hour())
        .build()
        .unwrap();
    expect_failure(&ws);
    expect_scheduled(&ws);
    let events = ws.events().clone();
    drop(ws);
    assert_receiver_disconnects(&events);
}

/// The application stopped reading: the supervisor waits for room in a one-batch channel
/// (and the connection's queue fills behind it). Dropping the handle still ends it, though
/// the test keeps a receiver of the channel alive.
#[test]
fn dropping_the_handle_ends_a_supervisor_blocked_on_a_full_channel() {
    let peer = RawPeer::bind();
    let url = peer.url.clone();
    let (go, wait) = mpsc::channel();
    let server = spawn_bounded("peer", move || {
        let mut conn = peer.accept();
        conn.handshake();
        for i in 0..64 {
            conn.write(&text(&format!("message {i}")));
        }
        wait_for_test(&wait);
        assert_eq!(answer_close(&mut conn), Some((1001, String::new())));
    });
    let ws = fast(&url).event_queue_capacity(1).build().unwrap();
    expect_open(&ws);
    let events = ws.events().clone();
    go.send(()).unwrap();
    drop(ws);
    assert_receiver_disconnects(&events);
    server.join();
}
