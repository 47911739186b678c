//! `buffered_amount` counts the bytes not yet transmitted, as the browser's `bufferedAmount`
//! does: during a large send it falls as the message's pieces are written, not only when
//! `send` returns, and it comes back to exactly 0.

use std::sync::{mpsc, Arc};
use std::time::Instant;

use crate::common::{
    builder, spawn_bounded, wait_for_test, RawPeer, Transport, BLOCKING_SEND, WAIT,
};

/// The message: far more than loopback buffers hold, so the send blocks until the peer reads.
const SIZE: usize = BLOCKING_SEND;

/// What the peer reads before it stops: enough for some pieces of the message to be written
/// whatever the socket buffers hold.
const READ_FIRST: usize = 1 << 20;

/// A masked frame header for a payload of 64 KiB or more: 2 bytes, the 8-byte length, the key.
const HEADER: usize = 2 + 8 + 4;

#[test]
fn buffered_amount_falls_during_a_large_send() {
    for t in Transport::ALL {
        let (go, go_rx) = mpsc::channel::<()>();
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            conn.skip(READ_FIRST).expect("peer: the first MiB");
            wait_for_test(&go_rx);
            conn.skip(HEADER + SIZE - READ_FIRST)
                .expect("peer: the rest of the message");
            conn.expect_close()
        });
        let ws = Arc::new(
            builder(&url)
                .fragment_size(SIZE)
                .connect()
                .expect("connect"),
        );
        let sender = {
            let ws = ws.clone();
            spawn_bounded("large-send", move || ws.send(vec![7u8; SIZE]))
        };

        // While the send is blocked on a peer that stopped reading, part of it is written.
        let deadline = Instant::now() + WAIT;
        loop {
            let now = ws.buffered_amount();
            if now > 0 && now < SIZE as u64 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{t:?}: buffered_amount stayed at {now} of {SIZE} during the send"
            );
            std::thread::yield_now();
        }
        assert!(
            !sender.finished_within(std::time::Duration::ZERO),
            "{t:?}: the send returned while the peer was not reading"
        );
        go.send(()).unwrap();
        sender.join().expect("the send");
        assert_eq!(ws.buffered_amount(), 0, "{t:?}: after the send");
        ws.close().unwrap();
        assert_eq!(peer.join(), None, "{t:?}");
    }
}
