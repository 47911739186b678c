//! Keepalive, pings from the application, pong events and the send timeout (issue 14): a
//! server that keeps TCP open but never answers is noticed within ping interval + pong
//! timeout; one that answers is never failed; a send to a server that stopped reading fails
//! after the send timeout.

use std::time::{Duration, Instant};

use crate::common::{
    builder, connect, echo, expect_error_then_close, expect_message, next_event, text,
    wait_for_test, RawPeer, Transport, BLOCKING_SEND, OP_PING, WAIT,
};
use wsync::{Error, Event, Message, ReadyState, Timeout};

const INTERVAL: Duration = Duration::from_millis(100);
const PONG_TIMEOUT: Duration = Duration::from_millis(150);

#[test]
fn a_server_that_never_answers_pings_is_failed_within_interval_plus_pong_timeout() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, |mut conn| {
            conn.handshake();
            // Read the keepalive ping, never answer it, keep TCP open until the client leaves.
            let f = conn.read_frame();
            assert_eq!(f.opcode, OP_PING, "{f:?}");
            assert_eq!(f.payload.len(), 8, "an 8-byte ping counter: {f:?}");
            conn.read_to_eof();
        });
        let ws = builder(&url)
            .ping_interval(INTERVAL)
            .pong_timeout(PONG_TIMEOUT)
            .connect()
            .expect("connect");
        let started = Instant::now();
        let (error, _close) = expect_error_then_close(&ws);
        let took = started.elapsed();
        assert!(
            matches!(error, Error::Timeout(Timeout::Pong)),
            "{t:?}: {error:?}"
        );
        assert!(
            took >= INTERVAL + PONG_TIMEOUT - Duration::from_millis(20),
            "{t:?}: failed too early, after {took:?}"
        );
        assert!(took < INTERVAL + PONG_TIMEOUT + WAIT / 4, "{t:?}: {took:?}");
        peer.join();
    }
}

#[test]
fn a_server_that_answers_is_never_failed_and_pongs_report_their_round_trip() {
    for t in Transport::ALL {
        let server = echo(t);
        let ws = builder(&server.url)
            .ping_interval(Duration::from_millis(20))
            .pong_timeout(Duration::from_millis(500))
            .pong_events(true)
            .connect()
            .expect("connect");
        // Ten keepalive pings answered in a row: no failure in between.
        for i in 0..10 {
            match next_event(&ws) {
                Event::Pong(p) => {
                    assert_eq!(p.payload.len(), 8, "{t:?} {i}");
                    assert!(p.round_trip.is_some(), "{t:?} {i}: {p:?}");
                }
                other => panic!("{t:?} {i}: expected a pong, got {other:?}"),
            }
        }
        assert_eq!(ws.ready_state(), ReadyState::Open);
        ws.close().unwrap();
        drop(ws);
        server.join();
    }
}

#[test]
fn data_counts_as_a_sign_of_life() {
    // The server never answers pings but sends a message every 40 ms: keepalive never fires.
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        for i in 0..15 {
            conn.write(&text(&format!("tick {i}")));
            // The client's next ping would come 300 ms after the last byte it received; a
            // message every 40 ms keeps it from ever being sent. (Pacing, not waiting.)
            std::thread::sleep(Duration::from_millis(40));
        }
        conn.write(&crate::common::close_frame(1000, ""));
        // Only the close comes back, no ping.
        let f = conn.read_frame();
        assert_eq!(f.opcode, crate::common::OP_CLOSE, "{f:?}");
    });
    let ws = builder(&url)
        .ping_interval(Duration::from_millis(300))
        .pong_timeout(Duration::from_millis(300))
        .connect()
        .expect("connect");
    for i in 0..15 {
        assert_eq!(expect_message(&ws), Message::Text(format!("tick {i}")));
    }
    let close = crate::common::expect_close(&ws);
    assert!(close.was_clean, "{close:?}");
    peer.join();
}

#[test]
fn zero_turns_pings_off() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        // Nothing arrives while the client is idle.
        conn.set_read_timeout(Duration::from_millis(400));
        assert!(conn.try_read_frame().is_err(), "a frame came");
        conn.write(&crate::common::close_frame(1000, ""));
    });
    let ws = builder(&url)
        .ping_interval(Duration::ZERO)
        .connect()
        .expect("connect");
    let close = crate::common::expect_close(&ws);
    assert_eq!(close.code, 1000);
    peer.join();
}

#[test]
fn ping_returns_at_once_and_its_pong_is_reported() {
    for t in Transport::ALL {
        let server = echo(t);
        let ws = builder(&server.url)
            .pong_events(true)
            .connect()
            .expect("connect");
        ws.ping(b"are you there").unwrap();
        match next_event(&ws) {
            Event::Pong(p) => {
                assert_eq!(p.payload, b"are you there");
                assert!(p.round_trip.is_some_and(|rtt| rtt < WAIT), "{p:?}");
            }
            other => panic!("{t:?}: expected a pong, got {other:?}"),
        }
        assert!(matches!(ws.ping(&[0; 126]), Err(Error::Syntax(_))));
        ws.ping(&[0; 125]).unwrap();
        ws.close().unwrap();
        ws.ping(b"after close").unwrap();
        server.join();
    }
}

#[test]
fn pongs_are_no_events_unless_asked_for() {
    let server = echo(Transport::Plain);
    let ws = connect(&server.url);
    ws.ping(b"quiet").unwrap();
    ws.send("after").unwrap();
    // The echo of the message is the next event: the pong before it raised none.
    assert_eq!(expect_message(&ws), Message::Text("after".into()));
    ws.close().unwrap();
    server.join();
}

#[test]
fn ping_while_connecting_is_invalid_state() {
    let peer = RawPeer::bind();
    let ws = builder(&peer.url).build().expect("build");
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    assert!(matches!(ws.ping(b"x"), Err(Error::InvalidState)));
}

#[test]
fn a_send_to_a_server_that_stopped_reading_times_out_and_fails_the_connection() {
    for t in Transport::ALL {
        let (go, wait) = std::sync::mpsc::channel();
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            // Never read: the client's send fills the socket buffers and stalls.
            wait_for_test(&wait);
        });
        let ws = builder(&url)
            .send_timeout(Duration::from_millis(200))
            .close_timeout(Duration::from_millis(200))
            .connect()
            .expect("connect");
        let started = Instant::now();
        let result = ws.send(vec![7u8; BLOCKING_SEND]);
        assert!(
            matches!(result, Err(Error::Timeout(Timeout::Send))),
            "{t:?}: {result:?}"
        );
        assert!(started.elapsed() < WAIT, "{t:?}");
        let (error, _) = expect_error_then_close(&ws);
        assert!(
            matches!(error, Error::Timeout(Timeout::Send)),
            "{t:?}: {error:?}"
        );
        drop(ws);
        go.send(()).unwrap();
        peer.join();
    }
}
