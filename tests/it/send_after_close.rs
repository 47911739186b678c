//! `send()` once the close has started (CLOSING or CLOSED) returns Ok and drops the data: no
//! data frame follows the close frame, and `buffered_amount()` grows by exactly each length and
//! never goes back. While OPEN, `buffered_amount()` is 0 once sends complete.

use std::sync::mpsc;
use std::time::Duration;

use crate::common::{
    builder, close_frame, expect_close, RawPeer, Transport, OP_BINARY, OP_CLOSE, OP_TEXT, WAIT,
};
use wsync::ReadyState;

#[test]
fn sends_after_close_are_counted_and_dropped() {
    for t in Transport::ALL {
        let big: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let big_for_peer = big.clone();
        let (closed_tx, closed_rx) = mpsc::channel::<()>();
        let (sent_tx, sent_rx) = mpsc::channel::<()>();
        let (rest_tx, rest_rx) = mpsc::channel();
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            let f = conn.read_frame();
            assert_eq!((f.opcode, f.payload.as_slice()), (OP_TEXT, &b"before"[..]));
            let f = conn.read_frame();
            assert_eq!(f.opcode, OP_BINARY);
            assert!(f.payload == big_for_peer, "{t:?}: large message corrupted");
            let f = conn.read_frame();
            assert_eq!(f.opcode, OP_CLOSE, "{t:?}: {f:?}");
            closed_tx.send(()).unwrap();
            sent_rx.recv_timeout(WAIT).expect("sent signal");
            conn.write(&close_frame(1000, ""));
            let mut rest = Vec::new();
            while let Ok(f) = conn.try_read_frame() {
                rest.push(f);
            }
            rest_tx.send(rest).unwrap();
        });
        let ws = builder(&url)
            .close_timeout(Duration::from_millis(300))
            .connect()
            .unwrap();
        assert_eq!(ws.buffered_amount(), 0);
        ws.send("before").unwrap();
        assert_eq!(ws.buffered_amount(), 0, "{t:?}: after a completed send");
        ws.send(&big).unwrap();
        assert_eq!(
            ws.buffered_amount(),
            0,
            "{t:?}: after a completed large send"
        );

        ws.close_with(1000, "").unwrap();
        closed_rx.recv_timeout(WAIT).expect("peer saw no close");
        assert_eq!(ws.ready_state(), ReadyState::Closing);
        assert_eq!(ws.buffered_amount(), 0);
        let mut expected = 0u64;
        let mut check = |ws: &wsync::WebSocket, len: usize| -> u64 {
            expected += len as u64;
            assert_eq!(
                ws.buffered_amount(),
                expected,
                "{t:?}: after sending {len} bytes"
            );
            expected
        };
        ws.send("abc").unwrap();
        check(&ws, 3);
        ws.send(vec![7u8; 1000]).unwrap();
        check(&ws, 1000);
        ws.send("").unwrap();
        check(&ws, 0);
        ws.send("€uro").unwrap(); // bytes, not characters: 6
        check(&ws, 6);
        ws.send(&big).unwrap();
        let total = check(&ws, big.len());
        sent_tx.send(()).unwrap();

        let close = expect_close(&ws);
        assert!(close.was_clean, "{t:?}: {close:?}");
        assert_eq!(ws.ready_state(), ReadyState::Closed);
        assert_eq!(
            ws.buffered_amount(),
            total,
            "{t:?}: data sent after the close started must stay counted, not be reset at close"
        );
        ws.send("after closed").unwrap();
        check(&ws, 12);
        ws.send(vec![0u8; 5]).unwrap();
        check(&ws, 5);

        let rest = rest_rx.recv_timeout(WAIT).expect("peer result");
        assert!(
            rest.is_empty(),
            "{t:?}: frames after the close frame: {:?}",
            rest.iter()
                .map(|f| (f.opcode, f.payload.len()))
                .collect::<Vec<_>>()
        );
        peer.join();
    }
}
