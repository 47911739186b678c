//! A close started by the client: the server receives the code and reason given (or an empty
//! body for `close()`), the state goes CLOSING then CLOSED, and the Close event carries the
//! server's answering code, clean.

use std::sync::mpsc;

use crate::common::{
    assert_disconnected, close_frame, connect, expect_close, frame, serve, RawPeer, Transport,
    OP_CLOSE, WAIT,
};
use tungstenite::Message as TMessage;
use wsync::ReadyState;

/// tungstenite as the server: it must decode our close frame as the code and reason given.
/// The handler waits for `go` before reading, so CLOSING is observable before the answer.
#[test]
fn tungstenite_server_receives_code_and_reason() {
    for t in Transport::ALL {
        for args in [Some((3000u16, "done")), None] {
            let (go_tx, go_rx) = mpsc::channel::<()>();
            let (seen_tx, seen_rx) = mpsc::channel();
            let server = serve(t, move |mut ws| {
                go_rx.recv_timeout(WAIT).expect("go signal");
                loop {
                    match ws.read() {
                        Ok(TMessage::Close(cf)) => {
                            let cf = cf.map(|c| (u16::from(c.code), c.reason.to_string()));
                            seen_tx.send(cf).unwrap();
                        }
                        Ok(_) => {}
                        Err(_) => return,
                    }
                }
            });
            let ws = connect(&server.url);
            match args {
                Some((code, reason)) => ws.close_with(code, reason).unwrap(),
                None => ws.close().unwrap(),
            }
            assert_eq!(ws.ready_state(), ReadyState::Closing, "{t:?} {args:?}");
            go_tx.send(()).unwrap();
            let seen = seen_rx
                .recv_timeout(WAIT)
                .expect("server saw no close frame");
            let close = expect_close(&ws);
            match args {
                Some((code, reason)) => {
                    assert_eq!(seen, Some((code, reason.to_owned())), "{t:?}");
                    // tungstenite echoes the code it received.
                    assert_eq!(close.code, code, "{t:?}: {close:?}");
                }
                None => {
                    assert_eq!(seen, None, "{t:?}: close() must send an empty body");
                    // The server's echo has no body either: reported as 1005.
                    assert_eq!(close.code, 1005, "{t:?}: {close:?}");
                }
            }
            assert!(close.was_clean, "{t:?}: {close:?}");
            assert_eq!(ws.ready_state(), ReadyState::Closed);
            assert_disconnected(&ws);
            server.join();
        }
    }
}

/// A raw peer checks the exact bytes, and answers with a code different from ours: the Close
/// event must report the server's code and reason, not the client's.
#[test]
fn raw_peer_sees_exact_close_body_and_event_has_servers_code() {
    for t in Transport::ALL {
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            let f = conn.read_frame();
            assert_eq!(
                f.opcode, OP_CLOSE,
                "{t:?}: expected a close frame, got {f:?}"
            );
            assert!(f.fin, "close frame must have FIN set");
            assert!(f.mask.is_some(), "client frames are masked");
            let mut want = 3000u16.to_be_bytes().to_vec();
            want.extend_from_slice(b"done");
            assert_eq!(f.payload, want, "{t:?}: close body");
            go_rx.recv_timeout(WAIT).expect("go signal");
            conn.write(&close_frame(4321, "server says bye"));
            conn.shutdown();
        });
        let ws = connect(&url);
        ws.close_with(3000, "done").unwrap();
        assert_eq!(ws.ready_state(), ReadyState::Closing, "{t:?}");
        go_tx.send(()).unwrap();
        let close = expect_close(&ws);
        assert_eq!(close.code, 4321, "{t:?}: {close:?}");
        assert_eq!(close.reason, "server says bye", "{t:?}");
        assert!(close.was_clean, "{t:?}: {close:?}");
        assert_eq!(ws.ready_state(), ReadyState::Closed);
        assert_disconnected(&ws);
        peer.join();
    }
}

/// `close()` with no arguments: the raw peer reads a close frame with an empty payload; the
/// server answering with an empty body gives the event code 1005.
#[test]
fn close_without_arguments_sends_empty_body() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            let f = conn.read_frame();
            assert_eq!(
                f.opcode, OP_CLOSE,
                "{t:?}: expected a close frame, got {f:?}"
            );
            assert!(f.payload.is_empty(), "{t:?}: close() body {:?}", f.payload);
            conn.write(&frame(true, OP_CLOSE, &[]));
            conn.shutdown();
        });
        let ws = connect(&url);
        ws.close().unwrap();
        let close = expect_close(&ws);
        assert_eq!(close.code, 1005, "{t:?}: {close:?}");
        assert_eq!(close.reason, "");
        assert!(close.was_clean, "{t:?}: {close:?}");
        assert_eq!(ws.ready_state(), ReadyState::Closed);
        assert_disconnected(&ws);
        peer.join();
    }
}
