//! A fragmented message from the server (RFC 6455 §5.4) arrives as one message, with control
//! frames interleaved between its fragments answered at once, and empty fragments allowed.

use crate::common;
use crate::common::{
    connect, drain_to_close, expect_message, frame, ping, RawPeer, Transport, OP_BINARY, OP_CONT,
    OP_PING, OP_TEXT,
};
use wsync::{Message, ReadyState};

/// The peer sends `first` (data opcode), then for each later fragment a ping, waits for its
/// pong *before* sending the fragment (so the pong must come while the message is still open),
/// and finally closes with 1000. The client must see exactly `expected`, then a clean close.
fn fragmented_with_pings(t: Transport, opcode: u8, fragments: Vec<Vec<u8>>, expected: Message) {
    let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
        conn.handshake();
        let last = fragments.len() - 1;
        for (i, part) in fragments.iter().enumerate() {
            let op = if i == 0 { opcode } else { OP_CONT };
            conn.write(&frame(i == last, op, part));
            if i < last {
                let payload = format!("ping-{i}").into_bytes();
                conn.write(&ping(&payload));
                // The message is incomplete here: the pong must not wait for its end.
                conn.expect_pong(&payload);
            }
        }
        conn.write(&common::close_frame(1000, ""));
        assert_eq!(conn.expect_close(), Some((1000, String::new())));
    });
    let ws = connect(&url);
    assert_eq!(expect_message(&ws), expected, "{t:?}");
    let (rest, close) = drain_to_close(&ws);
    assert!(rest.is_empty(), "{t:?}: unexpected events {rest:?}");
    assert!(close.was_clean && close.code == 1000, "{t:?}: {close:?}");
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    peer.join();
}

#[test]
fn text_in_three_fragments_with_pings_between() {
    for t in Transport::ALL {
        fragmented_with_pings(
            t,
            OP_TEXT,
            vec![b"Hello".to_vec(), b", wo".to_vec(), b"rld!".to_vec()],
            Message::Text("Hello, world!".into()),
        );
    }
}

#[test]
fn text_with_a_character_split_across_fragments() {
    // "€" is E2 82 AC: its bytes straddle the fragment boundaries.
    for t in Transport::ALL {
        fragmented_with_pings(
            t,
            OP_TEXT,
            vec![vec![b'a', 0xE2], vec![0x82], vec![0xAC, b'b']],
            Message::Text("a€b".into()),
        );
    }
}

#[test]
fn binary_in_three_fragments_with_pings_between() {
    let parts = vec![vec![0u8, 0xFF, 1], vec![0x80, 0xC0], vec![0xFE; 200]];
    let whole = parts.concat();
    for t in Transport::ALL {
        fragmented_with_pings(t, OP_BINARY, parts.clone(), Message::Binary(whole.clone()));
    }
}

#[test]
fn empty_fragments_are_allowed() {
    for t in Transport::ALL {
        // Empty first, middle and last fragments around real data.
        fragmented_with_pings(
            t,
            OP_TEXT,
            vec![vec![], b"abc".to_vec(), vec![], b"de".to_vec(), vec![]],
            Message::Text("abcde".into()),
        );
        fragmented_with_pings(
            t,
            OP_BINARY,
            vec![vec![], vec![7, 8], vec![]],
            Message::Binary(vec![7, 8]),
        );
        // A message made only of empty fragments is an empty message.
        fragmented_with_pings(
            t,
            OP_TEXT,
            vec![vec![], vec![]],
            Message::Text(String::new()),
        );
        fragmented_with_pings(
            t,
            OP_BINARY,
            vec![vec![], vec![]],
            Message::Binary(Vec::new()),
        );
    }
}

#[test]
fn fragments_and_ping_in_one_write_give_one_message_then_the_next() {
    // Everything in a single write: the client must split it into the frames itself, answer the
    // ping, and deliver the fragmented message then the following single-frame message in order.
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, |mut conn| {
            conn.handshake();
            let mut bytes = frame(false, OP_TEXT, b"one ");
            bytes.extend(frame(true, OP_PING, b"mid"));
            bytes.extend(frame(false, OP_CONT, b"two "));
            bytes.extend(frame(true, OP_CONT, b"three"));
            bytes.extend(common::text("next"));
            conn.write(&bytes);
            conn.expect_pong(b"mid");
            conn.write(&common::close_frame(1000, ""));
            assert_eq!(conn.expect_close(), Some((1000, String::new())));
        });
        let ws = connect(&url);
        assert_eq!(expect_message(&ws), Message::Text("one two three".into()));
        assert_eq!(expect_message(&ws), Message::Text("next".into()));
        let (rest, close) = drain_to_close(&ws);
        assert!(rest.is_empty(), "{t:?}: unexpected events {rest:?}");
        assert!(close.was_clean && close.code == 1000, "{t:?}: {close:?}");
        peer.join();
    }
}
