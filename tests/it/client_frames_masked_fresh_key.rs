//! Every client frame is masked, with a fresh masking key per frame (RFC 6455 §5.3), including
//! each fragment of one message and control frames.

use std::collections::HashSet;

use crate::common;
use crate::common::{builder, expect_close, ping, RawPeer, Transport, OP_CLOSE, OP_PONG};

#[test]
fn each_frame_has_its_own_nonzero_key() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            // 20 messages of 25 bytes at fragment size 10: 60 frames.
            let mut frames: Vec<_> = (0..60).map(|_| conn.read_frame()).collect();
            // Pongs are masked too.
            conn.write(&ping(b"k"));
            let pong = conn.read_frame();
            assert_eq!((pong.opcode, pong.payload.as_slice()), (OP_PONG, &b"k"[..]));
            frames.push(pong);
            // The echo of our close frame is masked too.
            conn.write(&common::close_frame(1000, ""));
            let close = conn.read_frame();
            assert_eq!(close.opcode, OP_CLOSE, "{close:?}");
            frames.push(close);
            frames
        });
        let ws = builder(&url).fragment_size(10).connect().expect("connect");
        for i in 0..20u8 {
            ws.send(vec![i; 25]).unwrap();
        }
        let close = expect_close(&ws);
        assert!(close.was_clean, "{t:?}: {close:?}");
        let frames = peer.join();
        let keys: Vec<[u8; 4]> = frames
            .iter()
            .map(|f| {
                f.mask
                    .unwrap_or_else(|| panic!("{t:?}: unmasked frame {f:?}"))
            })
            .collect();
        assert!(
            keys.iter().any(|k| *k != [0; 4]),
            "{t:?}: all keys are zero"
        );
        let distinct: HashSet<_> = keys.iter().collect();
        assert!(
            distinct.len() > 1,
            "{t:?}: one key for every frame: {:?}",
            keys[0]
        );
        // A fresh key per frame: two frames in a row never share one (a collision of two
        // random 32-bit keys has probability 2^-32).
        for w in keys.windows(2) {
            assert_ne!(
                w[0], w[1],
                "{t:?}: consecutive frames share a key: {keys:?}"
            );
        }
        // The payloads, unmasked with the reported keys, are what was sent.
        for (i, f) in frames[..60].iter().enumerate() {
            let msg = (i / 3) as u8;
            assert!(
                f.payload.iter().all(|b| *b == msg),
                "{t:?}: frame {i}: {f:?}"
            );
        }
    }
}
