//! `max_frame_size` and `max_message_size` fail the connection with 1009 as soon as a header
//! announces too much, before the payload arrives (so memory stays bounded); a message of
//! exactly the limit is accepted.

use crate::common;
use crate::common::raw::{header, LenForm};
use crate::common::{
    builder, drain_to_close, expect_message, failed_by_peer_bytes, frame, RawPeer, Transport,
    OP_BINARY, OP_CONT, OP_TEXT,
};
use wsync::{Builder, Error, Message, ProtocolError};

/// The peer sends `bytes` and then waits for the client's close frame without sending any
/// payload the headers announced: the client must fail on the header alone. Returns the error
/// reported to the app; checks the close code 1009 on the wire and the 1006 close event
/// ([`failed_by_peer_bytes`]).
fn fails_with_1009(t: Transport, config: fn(Builder) -> Builder, bytes: Vec<u8>) -> ProtocolError {
    match failed_by_peer_bytes(t, config, bytes, &[], 1009) {
        Error::Protocol(p) => p,
        other => panic!("{t:?}: expected a protocol error, got {other:?}"),
    }
}

/// Messages within the limits arrive whole; then a clean close.
fn accepted(t: Transport, config: fn(Builder) -> Builder, bytes: Vec<u8>, expected: Vec<Message>) {
    let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
        conn.handshake();
        conn.write(&bytes);
        conn.write(&common::close_frame(1000, ""));
        assert_eq!(conn.expect_close(), Some((1000, String::new())));
    });
    let ws = config(builder(&url)).connect().expect("connect");
    for m in expected {
        assert_eq!(expect_message(&ws), m, "{t:?}");
    }
    let (rest, close) = drain_to_close(&ws);
    assert!(rest.is_empty(), "{t:?}: unexpected events {rest:?}");
    assert!(close.was_clean && close.code == 1000, "{t:?}: {close:?}");
    peer.join();
}

fn frame_1024(b: Builder) -> Builder {
    b.max_frame_size(1024)
}

fn message_100(b: Builder) -> Builder {
    b.max_message_size(100)
}

#[test]
fn frame_announcing_2_pow_40_bytes_fails_at_once() {
    for t in Transport::ALL {
        for first in [0x82, 0x81, 0x80 | OP_CONT] {
            // A continuation needs a message in progress: open one first.
            let mut bytes = if first & 0x0F == OP_CONT {
                frame(false, OP_BINARY, b"start")
            } else {
                Vec::new()
            };
            bytes.extend(header(first, 1 << 40, LenForm::Minimal, None));
            let e = fails_with_1009(t, frame_1024, bytes);
            assert_eq!(
                e,
                ProtocolError::FrameTooLarge {
                    size: 1 << 40,
                    limit: 1024
                },
                "{t:?}"
            );
        }
        // One byte over the limit, 16-bit length form.
        let e = fails_with_1009(t, frame_1024, header(0x82, 1025, LenForm::Minimal, None));
        assert_eq!(
            e,
            ProtocolError::FrameTooLarge {
                size: 1025,
                limit: 1024
            }
        );
    }
}

#[test]
fn frame_of_exactly_the_limit_is_accepted() {
    for t in Transport::ALL {
        let data: Vec<u8> = (0..1024u32).map(|i| i as u8).collect();
        accepted(
            t,
            frame_1024,
            frame(true, OP_BINARY, &data),
            vec![Message::Binary(data.clone())],
        );
    }
}

#[test]
fn fragments_adding_up_past_the_message_limit_fail() {
    for t in Transport::ALL {
        for op in [OP_TEXT, OP_BINARY] {
            // 50 + 50 is the limit; the last fragment's one more byte is announced, never sent.
            let mut bytes = frame(false, op, &[b'a'; 50]);
            bytes.extend(frame(false, OP_CONT, &[b'b'; 50]));
            bytes.extend(header(0x80 | OP_CONT, 1, LenForm::Minimal, None));
            let e = fails_with_1009(t, message_100, bytes);
            assert_eq!(
                e,
                ProtocolError::MessageTooLarge {
                    size: 101,
                    limit: 100
                },
                "{t:?}"
            );
        }
        // A single frame within the frame limit (the default) but over the message limit,
        // its payload never sent.
        let e = fails_with_1009(t, message_100, header(0x82, 200, LenForm::Minimal, None));
        assert_eq!(
            e,
            ProtocolError::MessageTooLarge {
                size: 200,
                limit: 100
            },
            "{t:?}"
        );
    }
}

#[test]
fn message_of_exactly_the_limit_is_accepted() {
    for t in Transport::ALL {
        let mut bytes = frame(false, OP_TEXT, &[b'x'; 60]);
        bytes.extend(frame(false, OP_CONT, b""));
        bytes.extend(frame(true, OP_CONT, &[b'y'; 40]));
        bytes.extend(frame(true, OP_BINARY, &[7; 100]));
        let text = format!("{}{}", "x".repeat(60), "y".repeat(40));
        accepted(
            t,
            message_100,
            bytes,
            vec![Message::Text(text), Message::Binary(vec![7; 100])],
        );
    }
}
