//! Messages of every size arrive intact and in order however the reads split them: small ones
//! batched together, the ones before an unfinished message delivered without waiting for it, a
//! message whose start came with others and whose rest came later, large ones read straight into
//! a buffer of their own, and buffers reused from one message to the next.

use std::sync::mpsc;

use crate::common;
use crate::common::{
    binary, connect, drain_to_close, expect_message, frame, text, wait_for_test, BoundedThread,
    RawPeer, Transport, OP_BINARY, OP_CONT, OP_TEXT,
};
use wsync::{Message, WebSocket};

/// `len` bytes that differ from one position and one message to the next.
fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// Checks a binary message byte for byte, without printing megabytes when it differs.
fn assert_binary(got: Message, want: &[u8], what: &str) {
    match got {
        Message::Binary(b) => {
            assert_eq!(b.len(), want.len(), "{what}: length");
            assert!(b == want, "{what}: bytes differ");
        }
        other => panic!("{what}: expected binary, got a {} B text", other.len()),
    }
}

/// Nothing more than a clean close follows, and the peer saw it through.
fn ends_cleanly(ws: &WebSocket, peer: BoundedThread<()>, t: Transport) {
    let (rest, close) = drain_to_close(ws);
    assert!(rest.is_empty(), "{t:?}: unexpected events {rest:?}");
    assert!(close.was_clean, "{t:?}: {close:?}");
    peer.join();
}

#[test]
fn messages_before_an_unfinished_one_are_delivered_without_waiting_for_it() {
    for t in Transport::ALL {
        let big = pattern(7, 200 * 1024);
        let text_big: String = "añb€".repeat(30_000);
        let (go, wait) = mpsc::channel::<()>();
        let (big2, text2) = (big.clone(), text_big.clone());
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            // Two whole messages and the first half of a large frame, in one write.
            let whole = frame(true, OP_BINARY, &big2);
            let cut = whole.len() / 2;
            let mut first = text("a");
            first.extend(binary(&[1, 2, 3]));
            first.extend(&whole[..cut]);
            conn.write(&first);
            wait_for_test(&wait);
            // The rest, then a fragmented text whose first fragment shares a write with a
            // small message, and whose last comes after the client had the others.
            let bytes = text2.as_bytes();
            let mut second = whole[cut..].to_vec();
            second.extend(text("b"));
            second.extend(frame(false, OP_TEXT, &bytes[..1001]));
            conn.write(&second);
            wait_for_test(&wait);
            let mut third = frame(false, OP_CONT, &bytes[1001..70_000]);
            third.extend(frame(true, OP_CONT, &bytes[70_000..]));
            third.extend(text("c"));
            third.extend(common::close_frame(1000, ""));
            conn.write(&third);
            assert_eq!(conn.expect_close(), Some((1000, String::new())));
        });
        let ws = connect(&url);
        assert_eq!(expect_message(&ws), Message::Text("a".into()), "{t:?}");
        assert_eq!(expect_message(&ws), Message::Binary(vec![1, 2, 3]), "{t:?}");
        go.send(()).unwrap();
        assert_binary(expect_message(&ws), &big, &format!("{t:?}: large frame"));
        assert_eq!(expect_message(&ws), Message::Text("b".into()), "{t:?}");
        go.send(()).unwrap();
        assert!(
            expect_message(&ws) == Message::Text(text_big.clone()),
            "{t:?}: fragmented text differs"
        );
        assert_eq!(expect_message(&ws), Message::Text("c".into()), "{t:?}");
        ends_cleanly(&ws, peer, t);
    }
}

#[test]
fn a_large_frame_whose_header_came_alone_after_a_message_arrives_intact() {
    // The header of a large frame ends a read that also held a whole message: the message goes
    // to the application before the payload comes, and the payload is read straight into a new
    // buffer.
    for t in Transport::ALL {
        let big = pattern(3, 300 * 1024);
        let (go, wait) = mpsc::channel::<()>();
        let big2 = big.clone();
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            let whole = frame(true, OP_BINARY, &big2);
            let header_len = whole.len() - big2.len();
            let mut first = text("before");
            first.extend(&whole[..header_len]);
            conn.write(&first);
            wait_for_test(&wait);
            let mut rest = whole[header_len..].to_vec();
            rest.extend(common::close_frame(1000, ""));
            conn.write(&rest);
            assert_eq!(conn.expect_close(), Some((1000, String::new())));
        });
        let ws = connect(&url);
        assert_eq!(expect_message(&ws), Message::Text("before".into()), "{t:?}");
        go.send(()).unwrap();
        assert_binary(expect_message(&ws), &big, &format!("{t:?}: large frame"));
        ends_cleanly(&ws, peer, t);
    }
}

#[test]
fn large_and_small_messages_mixed_in_one_write_arrive_intact() {
    // Sizes around the points where the receive path changes: small ones copied out of a shared
    // buffer, large ones (64 KiB and more) handed over whole, huge ones (over 2 MiB) not kept
    // for reuse; several rounds so that reused buffers get refilled.
    let sizes = [16, 64 * 1024 - 1, 64 * 1024, 0, 100_000, 5, 3 << 20, 1, 0];
    let messages: Vec<Vec<u8>> = (0..3)
        .flat_map(|round| {
            sizes
                .iter()
                .enumerate()
                .map(move |(i, &n)| pattern((round * 16 + i) as u8, n))
        })
        .collect();
    for t in Transport::ALL {
        let sent = messages.clone();
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            let mut all = Vec::new();
            for m in &sent {
                all.extend(binary(m));
            }
            all.extend(common::close_frame(1000, ""));
            conn.write(&all);
            assert_eq!(conn.expect_close(), Some((1000, String::new())));
        });
        let ws = connect(&url);
        for (i, want) in messages.iter().enumerate() {
            assert_binary(expect_message(&ws), want, &format!("{t:?}: message {i}"));
        }
        ends_cleanly(&ws, peer, t);
    }
}
