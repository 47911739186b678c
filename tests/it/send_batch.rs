//! `send_batch` sends many messages in order, each a complete masked frame, with the same state
//! rules as `send`: InvalidStateError while connecting, dropped but counted once closing.

use crate::common;
use crate::common::{builder, expect_close, RawPeer, Transport, OP_BINARY, OP_CLOSE, OP_TEXT};
use wsync::{Error, Payload, ReadyState};

#[test]
fn a_batch_arrives_whole_and_in_order() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, |mut conn| {
            conn.handshake();
            for i in 0..3000u32 {
                let f = conn.read_frame();
                assert!(f.fin && f.mask.is_some(), "frame {i}: {f:?}");
                if i % 100 == 0 {
                    assert_eq!(
                        (f.opcode, f.payload),
                        (OP_BINARY, vec![i as u8; 70_000]),
                        "frame {i}"
                    );
                } else {
                    assert_eq!(f.opcode, OP_TEXT, "frame {i}");
                    assert_eq!(String::from_utf8(f.payload).unwrap(), format!("m{i}"));
                }
            }
            assert_eq!(conn.read_frame().opcode, OP_CLOSE);
            conn.write(&common::close_frame(1000, ""));
        });
        let ws = builder(&url).connect().unwrap();
        let batch = (0..3000u32).map(|i| -> Payload<'static> {
            if i % 100 == 0 {
                vec![i as u8; 70_000].into()
            } else {
                format!("m{i}").into()
            }
        });
        ws.send_batch(batch).unwrap();
        assert_eq!(ws.buffered_amount(), 0, "{t:?}");
        ws.close().unwrap();
        assert!(expect_close(&ws).was_clean);
        peer.join();
    }
}

#[test]
fn batch_follows_the_state_rules_of_send() {
    let (requested, request_seen) = crossbeam_channel::bounded(1);
    let (url, peer) = RawPeer::spawn(move |mut conn| {
        conn.read_request();
        requested.send(()).unwrap();
        // Never answer: the socket stays CONNECTING until the client gives up.
        let _ = conn.try_read_frame();
    });
    let ws = builder(&url).build().unwrap();
    request_seen.recv_timeout(common::WAIT).unwrap();
    assert!(matches!(
        ws.send_batch(["a", "b"]),
        Err(Error::InvalidState)
    ));
    ws.close().unwrap();
    // close() while CONNECTING fails the connection: CLOSING at once, or already CLOSED when
    // the reader thread has finished failing it in the meantime.
    let state = ws.ready_state();
    assert!(
        matches!(state, ReadyState::Closing | ReadyState::Closed),
        "ready state right after close() while connecting: {state:?}"
    );
    ws.send_batch(["abc", "de"]).unwrap();
    assert_eq!(ws.buffered_amount(), 5, "dropped data is still counted");
    drop(ws);
    peer.join();
}
