//! With `fragment_size(10)`, outgoing messages longer than 10 bytes go out as a TEXT/BINARY
//! frame and CONTINUATION frames of at most 10 bytes, FIN only on the last (RFC 6455 §5.4).

use crate::common;
use crate::common::{
    builder, expect_close, Frame, RawPeer, Transport, OP_BINARY, OP_CONT, OP_TEXT,
};

/// (FIN, opcode, payload length) of each frame.
fn shape(frames: &[Frame]) -> Vec<(bool, u8, usize)> {
    frames
        .iter()
        .map(|f| (f.fin, f.opcode, f.payload.len()))
        .collect()
}

#[test]
fn messages_are_split_at_the_fragment_size() {
    const TEXT25: &str = "abcdefghijklmnopqrstuvwxy";
    let bin25: Vec<u8> = (0..25u8).map(|i| i.wrapping_mul(37) ^ 0xA5).collect();
    for t in Transport::ALL {
        let expected_bin = bin25.clone();
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            // 25-byte text: 10 + 10 + 5.
            let frames: Vec<Frame> = (0..3).map(|_| conn.read_frame()).collect();
            assert_eq!(
                shape(&frames),
                [
                    (false, OP_TEXT, 10),
                    (false, OP_CONT, 10),
                    (true, OP_CONT, 5)
                ],
                "{frames:?}"
            );
            let joined: Vec<u8> = frames.iter().flat_map(|f| f.payload.clone()).collect();
            assert_eq!(joined, TEXT25.as_bytes());
            for f in &frames {
                assert_eq!(f.rsv, 0, "{f:?}");
                assert!(f.mask.is_some(), "unmasked client frame {f:?}");
            }
            // 25-byte binary: the same split, BINARY first.
            let frames: Vec<Frame> = (0..3).map(|_| conn.read_frame()).collect();
            assert_eq!(
                shape(&frames),
                [
                    (false, OP_BINARY, 10),
                    (false, OP_CONT, 10),
                    (true, OP_CONT, 5)
                ],
                "{frames:?}"
            );
            let joined: Vec<u8> = frames.iter().flat_map(|f| f.payload.clone()).collect();
            assert_eq!(joined, expected_bin);
            // Exactly the fragment size: one frame. 20 bytes: two full frames, no empty third.
            let f = conn.read_frame();
            assert_eq!(
                (f.fin, f.opcode, f.payload.as_slice()),
                (true, OP_TEXT, &b"0123456789"[..])
            );
            let frames: Vec<Frame> = (0..2).map(|_| conn.read_frame()).collect();
            assert_eq!(shape(&frames), [(false, OP_TEXT, 10), (true, OP_CONT, 10)]);
            // An empty message: one empty final frame.
            let f = conn.read_frame();
            assert_eq!((f.fin, f.opcode, f.payload.len()), (true, OP_BINARY, 0));
            // Nothing else before the close frame.
            let f = conn.read_frame();
            assert_eq!(f.opcode, common::OP_CLOSE, "unexpected frame {f:?}");
            conn.write(&common::close_frame(1000, ""));
        });
        let ws = builder(&url).fragment_size(10).connect().expect("connect");
        ws.send(TEXT25).unwrap();
        ws.send(&bin25).unwrap();
        ws.send("0123456789").unwrap();
        ws.send("abcdefghij0123456789").unwrap();
        ws.send(Vec::<u8>::new()).unwrap();
        ws.close().unwrap();
        let close = expect_close(&ws);
        assert!(close.was_clean, "{t:?}: {close:?}");
        peer.join();
    }
}
