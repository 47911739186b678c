//! Invalid UTF-8 in a text message or a close reason fails the connection with 1007 (RFC 6455
//! §8.1), as soon as the bad byte arrives: before the rest of the frame or message.

use crate::common::raw::{header, LenForm};
use crate::common::{
    failed_by_peer_bytes, frame, frame_raw, Transport, OP_CLOSE, OP_CONT, OP_TEXT,
};
use wsync::{Error, ProtocolError};

/// The peer sends `bytes` after the handshake and then waits, never finishing what it started,
/// until it has read the client's close frame: the client must fail on the bytes it has. Checks
/// the close code 1007 on the wire and `Error::Protocol(InvalidUtf8)` then 1006 for the app
/// ([`failed_by_peer_bytes`]).
fn fails_with_1007(t: Transport, bytes: Vec<u8>) {
    let error = failed_by_peer_bytes(t, |b| b, bytes, &[], 1007);
    assert!(
        matches!(error, Error::Protocol(ProtocolError::InvalidUtf8)),
        "{t:?}: expected Error::Protocol(InvalidUtf8), got {error:?}"
    );
}

#[test]
fn bad_byte_early_in_a_large_frame_fails_before_the_frame_ends() {
    for t in Transport::ALL {
        // A single text frame announcing 1000 bytes, of which only the first 20 are sent; the
        // 0xFF at byte 10 can never be valid UTF-8.
        let mut first20 = b"0123456789 abcdefghi".to_vec();
        first20[10] = 0xFF;
        let mut bytes = header(0x81, 1000, LenForm::Minimal, None);
        bytes.extend_from_slice(&first20);
        fails_with_1007(t, bytes);
        // The same in a larger frame (64-bit length), where a reader may take the payload
        // another way; an overlong encoding (C0 AF) is the bad sequence.
        let mut bytes = header(0x81, 1 << 20, LenForm::Minimal, None);
        bytes.extend_from_slice(b"valid prefix \xC0\xAF then more");
        fails_with_1007(t, bytes);
    }
}

#[test]
fn bad_continuation_in_a_later_fragment_fails_before_the_message_ends() {
    for t in Transport::ALL {
        // The first fragment ends mid-character (valid so far); the second starts with a byte
        // that cannot continue it. The message is never finished.
        let mut bytes = frame(false, OP_TEXT, b"caf\xC3");
        bytes.extend(frame(false, OP_CONT, b"(rest"));
        fails_with_1007(t, bytes);
        // A complete first fragment, and a second that starts with a lone continuation byte,
        // in a frame whose payload is not all sent.
        let mut bytes = frame(false, OP_TEXT, b"hello");
        bytes.extend(header(OP_CONT, 500, LenForm::Minimal, None));
        bytes.extend_from_slice(b"\x80 world");
        fails_with_1007(t, bytes);
        // A surrogate code point (ED A0 80) split across fragments.
        let mut bytes = frame(false, OP_TEXT, b"ok \xED");
        bytes.extend(frame(false, OP_CONT, b"\xA0\x80"));
        fails_with_1007(t, bytes);
    }
}

#[test]
fn text_message_ending_mid_character() {
    for t in Transport::ALL {
        fails_with_1007(t, frame(true, OP_TEXT, &[0xE2, 0x82]));
        // Fragmented: the final fragment leaves the character incomplete.
        let mut bytes = frame(false, OP_TEXT, b"x\xF0\x9F");
        bytes.extend(frame(true, OP_CONT, b"\x98"));
        fails_with_1007(t, bytes);
    }
}

#[test]
fn close_reason_that_is_not_utf8() {
    for t in Transport::ALL {
        fails_with_1007(t, frame_raw(0x80 | OP_CLOSE, b"\x03\xE8bad \xFF reason"));
        fails_with_1007(t, frame(true, OP_CLOSE, &[0x03, 0xE8, 0xE2, 0x82]));
    }
}
