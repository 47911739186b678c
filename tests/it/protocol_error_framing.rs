//! A frame that breaks RFC 6455 §5 fails the connection: the client sends a close frame with
//! 1002, then reports `Error::Protocol(..)` and `Close { code: 1006, was_clean: false }`.

use crate::common::raw::frame_with;
use crate::common::raw::{header, LenForm};
use crate::common::{
    failed_by_peer_bytes, frame, frame_raw, masked_frame, Transport, OP_BINARY, OP_CLOSE, OP_CONT,
    OP_PING, OP_PONG, OP_TEXT,
};
use wsync::{Error, Message, ProtocolError};

/// The peer sends `bytes` after the handshake and keeps the connection open until it has read
/// the client's close frame (so the client must detect the error without waiting for more
/// bytes or for EOF). Checks the client's close code is `expected.close_code()` == `code`, that
/// the client then closes TCP, and that the app sees exactly `expected`
/// ([`failed_by_peer_bytes`]).
fn fails_with(t: Transport, bytes: Vec<u8>, expected: ProtocolError, code: u16) {
    fails_after(t, bytes, &[], expected, code);
}

/// [`fails_with`], where `bytes` first deliver the messages `before`.
fn fails_after(
    t: Transport,
    bytes: Vec<u8>,
    before: &[Message],
    expected: ProtocolError,
    code: u16,
) {
    assert_eq!(expected.close_code(), code, "test table: {expected:?}");
    match failed_by_peer_bytes(t, |b| b, bytes, before, code) {
        Error::Protocol(p) => assert_eq!(p, expected, "{t:?}"),
        other => panic!("{t:?}: expected Error::Protocol({expected:?}), got {other:?}"),
    }
}

#[test]
fn reserved_bits_set() {
    for t in Transport::ALL {
        // FIN + TEXT with RSV1, RSV2, RSV3, and all three; on a control frame too.
        for first in [0xC1, 0xA1, 0x91, 0xF1, 0xC9, 0xB2] {
            fails_with(
                t,
                frame_raw(first, b"hi"),
                ProtocolError::ReservedBits,
                1002,
            );
        }
    }
}

#[test]
fn reserved_opcodes() {
    for t in Transport::ALL {
        for op in (3..=7).chain(0xB..=0xF) {
            fails_with(
                t,
                frame_raw(0x80 | op, b"x"),
                ProtocolError::ReservedOpcode(op),
                1002,
            );
        }
    }
}

#[test]
fn masked_server_frame() {
    for t in Transport::ALL {
        for op in [OP_TEXT, OP_BINARY, OP_PING] {
            fails_with(
                t,
                masked_frame(true, op, b"hi", [1, 2, 3, 4]),
                ProtocolError::MaskedFrame,
                1002,
            );
        }
    }
}

#[test]
fn control_frame_over_125_bytes() {
    for t in Transport::ALL {
        for op in [OP_PING, OP_PONG, OP_CLOSE] {
            let mut payload = vec![b'a'; 126];
            payload[..2].copy_from_slice(&1000u16.to_be_bytes());
            fails_with(
                t,
                frame(true, op, &payload),
                ProtocolError::ControlFrameTooLong(126),
                1002,
            );
        }
    }
}

#[test]
fn fragmented_control_frame() {
    for t in Transport::ALL {
        for op in [OP_PING, OP_PONG] {
            fails_with(
                t,
                frame(false, op, b"x"),
                ProtocolError::FragmentedControlFrame,
                1002,
            );
        }
    }
}

#[test]
fn continuation_without_a_message() {
    for t in Transport::ALL {
        fails_with(
            t,
            frame(true, OP_CONT, b"x"),
            ProtocolError::UnexpectedContinuation,
            1002,
        );
        // Also right after a complete message.
        let mut bytes = frame(true, OP_TEXT, b"done");
        bytes.extend(frame(false, OP_CONT, b"x"));
        let done = [Message::Text("done".into())];
        fails_after(t, bytes, &done, ProtocolError::UnexpectedContinuation, 1002);
    }
}

#[test]
fn new_data_frame_while_a_message_is_open() {
    for t in Transport::ALL {
        for op in [OP_TEXT, OP_BINARY] {
            let mut bytes = frame(false, OP_TEXT, b"first");
            bytes.extend(frame(true, op, b"second"));
            fails_with(t, bytes, ProtocolError::ExpectedContinuation, 1002);
        }
    }
}

#[test]
fn non_minimal_length_encoding() {
    for t in Transport::ALL {
        // 5 bytes in the 16-bit and the 64-bit forms; 200 bytes in the 64-bit form.
        fails_with(
            t,
            frame_with(0x81, b"hello", LenForm::Force16),
            ProtocolError::BadLength,
            1002,
        );
        fails_with(
            t,
            frame_with(0x82, b"hello", LenForm::Force64),
            ProtocolError::BadLength,
            1002,
        );
        fails_with(
            t,
            frame_with(0x82, &[0; 200], LenForm::Force64),
            ProtocolError::BadLength,
            1002,
        );
        // "the most significant bit MUST be 0": header only, the payload is never sent.
        fails_with(
            t,
            header(0x82, 1 << 63, LenForm::Force64, None),
            ProtocolError::BadLength,
            1002,
        );
    }
}
