//! Dropping the handle: an open socket sends close 1001 (going away) and, with no answer, is
//! shut down after the close timeout; a socket still CONNECTING is failed and its TCP
//! connection closed, without hanging.

use std::sync::mpsc;
use std::time::Duration;

use crate::common::{builder, connect, serve, RawPeer, Transport, WAIT};
use tungstenite::Message as TMessage;
use wsync::ReadyState;

/// The raw peer reads the 1001 close frame and never answers: the client must still shut the
/// connection (the peer reads EOF before its own 10 s read timeout).
#[test]
fn dropping_an_open_socket_sends_1001_then_shuts_after_the_timeout() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            assert_eq!(conn.expect_close(), Some((1001, String::new())), "{t:?}");
            assert!(
                conn.read_to_eof(),
                "{t:?}: the dropped socket was not shut after its close timeout"
            );
        });
        let ws = builder(&url)
            .close_timeout(Duration::from_millis(300))
            .connect()
            .unwrap();
        drop(ws);
        peer.join();
    }
}

/// A real peer sees "going away" when the handle is dropped.
#[test]
fn tungstenite_sees_going_away() {
    for t in Transport::ALL {
        let (seen_tx, seen_rx) = mpsc::channel();
        let server = serve(t, move |mut ws| loop {
            match ws.read() {
                Ok(TMessage::Close(cf)) => {
                    seen_tx.send(cf.map(|c| u16::from(c.code))).unwrap();
                }
                Ok(_) => {}
                Err(_) => return,
            }
        });
        drop(connect(&server.url));
        assert_eq!(
            seen_rx.recv_timeout(WAIT).expect("no close"),
            Some(1001),
            "{t:?}"
        );
        server.join();
    }
}

/// Dropped during the opening handshake (the peer has the request and never answers): the
/// client closes the TCP connection instead of waiting out its 30 s handshake timeout.
#[test]
fn dropping_a_connecting_socket_closes_the_connection() {
    for t in Transport::ALL {
        let (got_request_tx, got_request_rx) = mpsc::channel::<()>();
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.read_request();
            got_request_tx.send(()).unwrap();
            assert!(
                conn.read_to_eof(),
                "{t:?}: the connection stayed open after the handle was dropped"
            );
        });
        let ws = builder(&url).build().unwrap();
        got_request_rx.recv_timeout(WAIT).expect("no request");
        assert_eq!(ws.ready_state(), ReadyState::Connecting);
        drop(ws);
        peer.join();
    }
}
