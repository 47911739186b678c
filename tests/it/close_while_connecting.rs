//! `close()` while CONNECTING fails the connection: CLOSING at once, then `Error(Aborted)` and
//! `Close(1006, unclean)`, and the socket is dropped; `send()` while CONNECTING is
//! `Error::InvalidState` and is not counted in `buffered_amount`.

use std::net::TcpListener;
use std::sync::mpsc;

use crate::common::{
    assert_disconnected, builder, expect_error_then_close, RawPeer, Transport, WAIT,
};
use wsync::{Error, ReadyState};

fn assert_aborted(ws: &wsync::WebSocket, t: Transport) {
    let (error, _) = expect_error_then_close(ws);
    assert!(
        matches!(error, Error::Aborted),
        "{t:?}: expected Error::Aborted, got {error:?}"
    );
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    assert_disconnected(ws);
}

/// Right after `close()`: CLOSING, or already CLOSED when the reader thread has finished
/// failing the connection in the meantime (it runs concurrently); never CONNECTING or OPEN.
fn assert_left_connecting(ws: &wsync::WebSocket, t: Transport) {
    let state = ws.ready_state();
    assert!(
        matches!(state, ReadyState::Closing | ReadyState::Closed),
        "{t:?}: ready state right after close() while connecting: {state:?}"
    );
}

#[test]
fn close_during_the_handshake_aborts() {
    for t in Transport::ALL {
        let (got_request, request_seen) = mpsc::channel();
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.read_request();
            got_request.send(()).unwrap();
            // Never answer; the client must drop the connection.
            assert!(conn.read_to_eof(), "the aborted client kept the connection");
        });
        let ws = builder(&url).build().unwrap();
        // The client is now waiting for the reply: surely CONNECTING.
        request_seen.recv_timeout(WAIT).unwrap();
        assert_eq!(ws.ready_state(), ReadyState::Connecting);

        assert!(matches!(ws.send("early"), Err(Error::InvalidState)));
        assert!(matches!(
            ws.send(&[1u8, 2, 3][..]),
            Err(Error::InvalidState)
        ));
        assert_eq!(ws.buffered_amount(), 0, "a refused send is not counted");

        ws.close().unwrap();
        assert_left_connecting(&ws, t);
        // A second close is a no-op; a send is no longer InvalidState (it is dropped).
        ws.close().unwrap();
        ws.send("late").expect("send after close() is not an error");
        assert_aborted(&ws, t);
        peer.join();
    }
}

#[test]
fn close_right_after_construction_aborts() {
    for t in Transport::ALL {
        // A listener that never accepts: the TCP connection completes in the backlog, but
        // neither TLS nor HTTP is ever answered.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = format!("{}://127.0.0.1:{port}/", t.scheme());
        let ws = builder(&url).build().unwrap();
        ws.close().unwrap();
        assert_left_connecting(&ws, t);
        assert_aborted(&ws, t);
        // Also with a code and reason: the same abort.
        let ws = builder(&url).build().unwrap();
        ws.close_with(4000, "bye").unwrap();
        assert_left_connecting(&ws, t);
        assert_aborted(&ws, t);
        drop(listener);
    }
}
