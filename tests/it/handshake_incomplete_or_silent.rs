//! A server that closes the connection in the middle of its reply fails the handshake with
//! `HandshakeError::Incomplete`; one that never answers fails it with
//! `Timeout::Handshake` once `handshake_timeout` has passed.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common;
use crate::common::{
    assert_disconnected, builder, expect_error_then_close, RawPeer, Transport, WAIT,
};
use wsync::{Error, HandshakeError, ReadyState, Timeout};

/// Checks one failure through the events, then through `connect()`.
fn fails_with(
    t: Transport,
    peer: impl Fn(common::RawConn) + Clone + Send + 'static,
    configure: impl Fn(wsync::Builder) -> wsync::Builder,
    expected: impl Fn(&Error) -> bool,
) {
    let (url, handle) = RawPeer::spawn_on(t, peer.clone());
    let ws = configure(builder(&url)).build().unwrap();
    let (error, _) = expect_error_then_close(&ws);
    assert!(expected(&error), "{t:?}: got {error:?}");
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    assert_disconnected(&ws);
    handle.join();

    let (url, handle) = RawPeer::spawn_on(t, peer);
    let error = configure(builder(&url))
        .connect()
        .expect_err("must not open");
    assert!(expected(&error), "{t:?} (connect): got {error:?}");
    handle.join();
}

#[test]
fn closing_mid_response_is_incomplete() {
    for t in Transport::ALL {
        for partial in [
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n",
            "HTTP/1.1 101 Swit",
            "",
        ] {
            let peer = move |mut conn: common::RawConn| {
                conn.read_request();
                conn.write(partial.as_bytes());
                conn.shutdown();
            };
            fails_with(
                t,
                peer,
                |b| b,
                |e| matches!(e, Error::Handshake(HandshakeError::Incomplete)),
            );
        }
    }
}

#[test]
fn a_silent_server_times_the_handshake_out() {
    for t in Transport::ALL {
        // The timeout covers the TCP connect and, over wss, the TLS handshake too: long enough
        // for those on a loaded machine (300 ms was not, once in a while), short for a test.
        let timeout = Duration::from_secs(1);
        let (started_tx, started_rx) = mpsc::channel::<Instant>();
        let peer = move |mut conn: common::RawConn| {
            conn.read_request();
            let _ = started_tx.send(Instant::now());
            // Never answer; wait for the client to give up and close.
            assert!(
                conn.read_to_eof(),
                "the client did not close after its timeout"
            );
        };
        let start = Instant::now();
        fails_with(
            t,
            peer,
            move |b| b.handshake_timeout(timeout),
            |e| matches!(e, Error::Timeout(Timeout::Handshake)),
        );
        // Two attempts, each bounded by the timeout (with a generous margin: did not hang).
        assert!(start.elapsed() < WAIT, "{t:?}: took {:?}", start.elapsed());
        // Neither attempt gave up before its timeout was due.
        assert!(
            start.elapsed() >= 2 * timeout,
            "{t:?}: gave up early, after {:?}",
            start.elapsed()
        );
        // Both attempts had sent their request: it was the reply that was awaited.
        assert_eq!(started_rx.try_iter().count(), 2);
    }
}
