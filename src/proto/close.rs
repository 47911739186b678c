//! Close codes and reasons: what a caller may send and what a peer may send (RFC 6455 §7.4).

use crate::close_code;
use crate::error::{Error, ProtocolError, Result};

/// The longest close reason, in bytes of UTF-8: a control frame carries at most 125 bytes
/// (RFC 6455 §5.5), two of which are the code.
const MAX_REASON_BYTES: usize = 123;

/// Validates the arguments of `close(code, reason)` as the browser does: a code other than 1000
/// or 3000–4999 is InvalidAccessError; a reason over 123 bytes of UTF-8 is SyntaxError.
pub(crate) fn validate_user_close(code: u16, reason: &str) -> Result<()> {
    if !close_code::is_sendable(code) {
        return Err(Error::InvalidAccess(format!(
            "close code {code} is neither 1000 nor in 3000-4999"
        )));
    }
    if reason.len() > MAX_REASON_BYTES {
        return Err(Error::Syntax(format!(
            "close reason of {} bytes exceeds {MAX_REASON_BYTES} bytes of UTF-8",
            reason.len()
        )));
    }
    Ok(())
}

/// Whether a peer may put `code` in a close frame: 1000–1003, 1007–1014, 3000–4999.
///
/// RFC 6455 §7.4.2: "Status codes in the range 0-999 are not used." 1004 is reserved, and
/// §7.4.1 says of 1005, 1006 and 1015 that each "MUST NOT be set as a status code in a Close
/// control frame by an endpoint". 1012–1014 are registered with IANA; 1016–2999 are reserved
/// for future revisions and extensions, 3000–4999 are for libraries, frameworks and
/// applications, and codes from 5000 up do not exist.
pub(crate) fn is_valid_wire_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// The body of a close frame: empty without a code, else the code in network byte order, then
/// the reason.
///
/// RFC 6455 §5.5.1: "If there is a body, the first two bytes of the body MUST be a 2-byte
/// unsigned integer (in network byte order) representing a status code [...]. Following the
/// 2-byte integer, the body MAY contain UTF-8-encoded data with value /reason/".
pub(crate) fn close_payload(code: Option<u16>, reason: &str) -> Vec<u8> {
    let Some(code) = code else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(2 + reason.len());
    out.extend_from_slice(&code.to_be_bytes());
    out.extend_from_slice(reason.as_bytes());
    out
}

/// Decodes the body of a close frame from the peer: `None` for an empty body (reported as
/// 1005), else the code and the reason.
///
/// RFC 6455 §5.5.1: "The Close frame MAY contain a body [...]. If there is a body, the first two
/// bytes of the body MUST be a 2-byte unsigned integer (in network byte order) representing a
/// status code with value /code/ defined in Section 7.4." A one-byte body therefore fails the
/// connection, as does a code not valid on the wire. "Following the 2-byte integer, the body MAY
/// contain UTF-8-encoded data with value /reason/": a reason that is not UTF-8 fails it too
/// (§8.1, code 1007).
pub(crate) fn decode_close_payload(payload: &[u8]) -> Result<Option<(u16, String)>, ProtocolError> {
    match payload {
        [] => Ok(None),
        [_] => Err(ProtocolError::BadClosePayload),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !is_valid_wire_code(code) {
                return Err(ProtocolError::InvalidCloseCode(code));
            }
            let reason = std::str::from_utf8(reason).map_err(|_| ProtocolError::InvalidUtf8)?;
            Ok(Some((code, reason.to_owned())))
        }
    }
}

/// Where our close frame stands.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Ours {
    /// Not sent: data may still go out.
    #[default]
    NotSent,
    /// Our close frame is being written: no more data goes out.
    Writing,
    /// Writing stopped (the connection failed or ended) before our close frame went out in
    /// full: nothing more goes out.
    Stopped,
    /// Our close frame was written in full.
    Written,
}

/// The closing handshake (RFC 6455 §7.1.2–§7.1.4) as one state: what we sent and what we
/// received. It lives with the writer, under its lock, where both the senders and the reader
/// thread reach it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClosingHandshake {
    ours: Ours,
    theirs_received: bool,
}

impl ClosingHandshake {
    /// Whether data frames may still be sent: "After sending a Close frame, the endpoint MUST
    /// NOT send any more data frames" (§5.5.1).
    pub(crate) fn may_send(&self) -> bool {
        self.ours == Ours::NotSent
    }

    /// Our close frame is about to be written; false if one was sent before or writing
    /// stopped, and then none may be.
    pub(crate) fn start_close(&mut self) -> bool {
        let first = self.may_send();
        if first {
            self.ours = Ours::Writing;
        }
        first
    }

    /// The close frame that [`start_close`](Self::start_close) allowed went out in full.
    pub(crate) fn close_written(&mut self) {
        if self.ours == Ours::Writing {
            self.ours = Ours::Written;
        }
    }

    /// Nothing more will be written (the stream is being shut down, or a write failed).
    pub(crate) fn stop(&mut self) {
        if self.ours != Ours::Written {
            self.ours = Ours::Stopped;
        }
    }

    /// The peer's close frame arrived.
    pub(crate) fn received(&mut self) {
        self.theirs_received = true;
    }

    /// Whether our close frame was written in full, now or earlier.
    pub(crate) fn is_written(&self) -> bool {
        self.ours == Ours::Written
    }

    /// "If the TCP connection was closed after the WebSocket closing handshake was completed,
    /// the WebSocket connection is said to have been closed _cleanly_" (§7.1.4): both close
    /// frames, ours written in full.
    pub(crate) fn is_clean(&self) -> bool {
        self.is_written() && self.theirs_received
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn user_codes() {
        for code in [1000, 3000, 3001, 4000, 4999] {
            assert!(validate_user_close(code, "").is_ok(), "{code}");
        }
        for code in [
            0, 999, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1011, 1014, 1015, 1016, 2999, 5000,
            65535,
        ] {
            assert!(
                matches!(validate_user_close(code, ""), Err(Error::InvalidAccess(_))),
                "{code}"
            );
        }
    }

    #[test]
    fn reason_length_in_bytes() {
        let euros = "€".repeat(41);
        assert_eq!(euros.len(), 123);
        assert!(validate_user_close(1000, &euros).is_ok());
        let too_long = format!("{euros}a");
        assert_eq!(too_long.len(), 124);
        assert!(matches!(
            validate_user_close(1000, &too_long),
            Err(Error::Syntax(_))
        ));
        // 42 chars but 124 bytes: a char count would wrongly accept it.
        assert_eq!(too_long.chars().count(), 42);
        assert!(validate_user_close(3000, &"a".repeat(123)).is_ok());
        assert!(validate_user_close(3000, &"a".repeat(124)).is_err());
    }

    #[test]
    fn code_checked_before_reason() {
        let long = "a".repeat(200);
        assert!(matches!(
            validate_user_close(1001, &long),
            Err(Error::InvalidAccess(_))
        ));
    }

    #[test]
    fn wire_code_boundaries() {
        let valid = [1000, 1001, 1002, 1003, 1007, 1010, 1011, 1014, 3000, 4999];
        let invalid = [
            0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535,
        ];
        for c in valid {
            assert!(is_valid_wire_code(c), "{c}");
        }
        for c in invalid {
            assert!(!is_valid_wire_code(c), "{c}");
        }
    }

    #[test]
    fn encode_layout() {
        assert_eq!(
            close_payload(Some(1000), "bye"),
            [0x03, 0xE8, b'b', b'y', b'e']
        );
        assert_eq!(close_payload(Some(4999), ""), [0x13, 0x87]);
        assert_eq!(close_payload(None, "ignored"), [] as [u8; 0]);
    }

    #[test]
    fn the_closing_handshake_is_clean_only_with_both_frames() {
        let mut h = ClosingHandshake::default();
        assert!(h.may_send() && !h.is_written() && !h.is_clean());
        h.received();
        assert!(h.may_send(), "the echo is still to be sent");
        assert!(!h.is_clean());
        assert!(h.start_close());
        assert!(!h.may_send(), "no data after our close frame started");
        assert!(!h.start_close(), "one close frame only");
        assert!(!h.is_clean(), "not before ours is written in full");
        h.close_written();
        assert!(h.is_written() && h.is_clean());
        h.stop();
        assert!(h.is_clean(), "stopping after the handshake changes nothing");
    }

    #[test]
    fn a_stopped_writer_never_sends_a_close_frame() {
        let mut h = ClosingHandshake::default();
        h.stop();
        assert!(!h.may_send() && !h.start_close());
        h.close_written();
        h.received();
        assert!(!h.is_written() && !h.is_clean());
        let mut ours_only = ClosingHandshake::default();
        assert!(ours_only.start_close());
        ours_only.close_written();
        assert!(
            ours_only.is_written() && !ours_only.is_clean(),
            "theirs is missing"
        );
    }

    /// Found by the `close_payload` fuzz target: the decoder of a close body leaves its length
    /// to the frame decoder (a control frame has at most 125 bytes) and takes all the rest as
    /// the reason.
    #[test]
    fn the_whole_rest_is_the_reason() {
        let mut body = vec![0x03, 0xf0];
        body.extend([b'-'; 127]);
        assert_eq!(
            decode_close_payload(&body),
            Ok(Some((1008, "-".repeat(127))))
        );
    }

    #[test]
    fn decode_cases() {
        assert_eq!(decode_close_payload(&[]), Ok(None));
        assert_eq!(
            decode_close_payload(&[0x03]),
            Err(ProtocolError::BadClosePayload)
        );
        assert_eq!(
            decode_close_payload(&[0x03, 0xE8]),
            Ok(Some((1000, String::new())))
        );
        assert_eq!(
            decode_close_payload(&[0x03, 0xE9, b'h', b'i']),
            Ok(Some((1001, "hi".to_owned())))
        );
        for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            let b = code.to_be_bytes();
            assert_eq!(
                decode_close_payload(&[b[0], b[1], b'x']),
                Err(ProtocolError::InvalidCloseCode(code))
            );
        }
        assert_eq!(
            decode_close_payload(&[0x03, 0xE8, 0xFF]),
            Err(ProtocolError::InvalidUtf8)
        );
        // A truncated multi-byte sequence ("€" is E2 82 AC).
        assert_eq!(
            decode_close_payload(&[0x03, 0xE8, 0xE2, 0x82]),
            Err(ProtocolError::InvalidUtf8)
        );
    }

    fn valid_code() -> impl Strategy<Value = u16> {
        prop_oneof![1000u16..=1003, 1007u16..=1014, 3000u16..=4999]
    }

    proptest! {
        #![proptest_config(crate::proto::testing::deterministic(1024, 1005))]

        #[test]
        fn roundtrip(code in valid_code(), reason in ".{0,60}") {
            let out = close_payload(Some(code), &reason);
            prop_assert_eq!(out.len(), 2 + reason.len());
            prop_assert_eq!(decode_close_payload(&out), Ok(Some((code, reason))));
        }

        #[test]
        fn invalid_codes_refused(code in any::<u16>(), reason in ".{0,10}") {
            prop_assume!(!is_valid_wire_code(code));
            let out = close_payload(Some(code), &reason);
            prop_assert_eq!(decode_close_payload(&out), Err(ProtocolError::InvalidCloseCode(code)));
        }

        #[test]
        fn user_close_iff(code in any::<u16>(), len in 0usize..200) {
            let reason = "a".repeat(len);
            let r = validate_user_close(code, &reason);
            let code_ok = code == 1000 || (3000..=4999).contains(&code);
            match r {
                Ok(()) => prop_assert!(code_ok && len <= 123),
                Err(Error::InvalidAccess(_)) => prop_assert!(!code_ok),
                Err(Error::Syntax(_)) => prop_assert!(code_ok && len > 123),
                Err(e) => prop_assert!(false, "unexpected {e:?}"),
            }
        }
    }
}
