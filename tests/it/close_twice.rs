//! `close()` when the socket is already CLOSING or CLOSED does nothing and returns no error:
//! exactly one close frame goes out.

use std::sync::mpsc;
use std::time::Duration;

use crate::common::{
    assert_disconnected, builder, close_frame, expect_close, RawPeer, Transport, OP_CLOSE, WAIT,
};
use wsync::ReadyState;

#[test]
fn a_second_close_sends_nothing() {
    for t in Transport::ALL {
        let (first_tx, first_rx) = mpsc::channel::<()>();
        let (again_tx, again_rx) = mpsc::channel::<()>();
        let (frames_tx, frames_rx) = mpsc::channel();
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            let f = conn.read_frame();
            assert_eq!(f.opcode, OP_CLOSE, "{t:?}: {f:?}");
            assert_eq!(f.payload, [&1000u16.to_be_bytes()[..], b"first"].concat());
            first_tx.send(()).unwrap();
            // The test calls close() again meanwhile (in CLOSING).
            again_rx.recv_timeout(WAIT).expect("again signal");
            conn.write(&close_frame(1000, ""));
            // Everything the client sends until it shuts the connection.
            let mut rest = Vec::new();
            while let Ok(f) = conn.try_read_frame() {
                rest.push(f);
            }
            frames_tx.send(rest).unwrap();
        });
        let ws = builder(&url)
            .close_timeout(Duration::from_millis(300))
            .connect()
            .unwrap();
        ws.close_with(1000, "first").unwrap();
        first_rx
            .recv_timeout(WAIT)
            .expect("peer saw no close frame");
        assert_eq!(ws.ready_state(), ReadyState::Closing);
        ws.close().unwrap();
        ws.close_with(3000, "second").unwrap();
        ws.close_with(4999, "third").unwrap();
        assert_eq!(ws.ready_state(), ReadyState::Closing);
        again_tx.send(()).unwrap();

        let close = expect_close(&ws);
        assert!(close.was_clean, "{t:?}: {close:?}");
        assert_eq!(ws.ready_state(), ReadyState::Closed);
        // In CLOSED too: no error, no state change, no event.
        ws.close().unwrap();
        ws.close_with(3000, "after").unwrap();
        assert_eq!(ws.ready_state(), ReadyState::Closed);
        assert_disconnected(&ws);

        let rest = frames_rx.recv_timeout(WAIT).expect("peer result");
        assert!(
            rest.is_empty(),
            "{t:?}: frames after the first close frame: {rest:?}"
        );
        peer.join();
    }
}
