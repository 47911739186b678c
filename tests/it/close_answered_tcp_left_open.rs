//! The server answers the closing handshake but never closes TCP: the close is still clean
//! (both close frames were exchanged), reported with the server's code within a bound, and the
//! client shuts the connection itself after the close timeout.

use std::time::{Duration, Instant};

use crate::common::{builder, close_frame, expect_close, RawPeer, Transport, OP_CLOSE};
use wsync::ReadyState;

const CLOSE_TIMEOUT: Duration = Duration::from_millis(300);
const BOUND: Duration = Duration::from_secs(5);

#[test]
fn client_initiated_close_answered_but_tcp_left_open() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            assert_eq!(conn.expect_close(), Some((3000, "x".into())), "{t:?}");
            conn.write(&close_frame(4002, "ack"));
            assert!(conn.read_to_eof(), "{t:?}: the client never closed TCP");
        });
        let ws = builder(&url)
            .close_timeout(CLOSE_TIMEOUT)
            .connect()
            .unwrap();
        let start = Instant::now();
        ws.close_with(3000, "x").unwrap();
        let close = expect_close(&ws);
        let elapsed = start.elapsed();
        assert_eq!(close.code, 4002, "{t:?}: {close:?}");
        assert_eq!(close.reason, "ack");
        assert!(close.was_clean, "{t:?}: {close:?}");
        assert!(elapsed < BOUND, "{t:?}: took {elapsed:?}");
        assert_eq!(ws.ready_state(), ReadyState::Closed);
        peer.join();
    }
}

#[test]
fn server_initiated_close_echoed_but_tcp_left_open() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            conn.write(&close_frame(1001, "going"));
            let f = conn.read_frame();
            assert_eq!(f.opcode, OP_CLOSE, "{t:?}: {f:?}");
            assert!(conn.read_to_eof(), "{t:?}: the client never closed TCP");
        });
        let ws = builder(&url)
            .close_timeout(CLOSE_TIMEOUT)
            .connect()
            .unwrap();
        let start = Instant::now();
        let close = expect_close(&ws);
        let elapsed = start.elapsed();
        assert_eq!((close.code, close.reason.as_str()), (1001, "going"));
        assert!(close.was_clean, "{t:?}: {close:?}");
        assert!(elapsed < BOUND, "{t:?}: took {elapsed:?}");
        peer.join();
    }
}
