//! Close codes and reasons: what a caller may send and what a peer may send (RFC 6455 §7.4).

use crate::error::{Error, ProtocolError, Result};

/// The longest close reason, in bytes of UTF-8: a control frame carries at most 125 bytes
/// (RFC 6455 §5.5), two of which are the code.
const MAX_REASON_BYTES: usize = 123;

/// Validates the arguments of `close(code, reason)` as the browser does: a code other than 1000
/// or 3000–4999 is InvalidAccessError; a reason over 123 bytes of UTF-8 is SyntaxError.
pub(crate) fn validate_user_close(code: u16, reason: &str) -> Result<()> {
    if code != 1000 && !(3000..=4999).contains(&code) {
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

/// Appends the body of a close frame to `out`: the code in network byte order, then the reason.
///
/// RFC 6455 §5.5.1: "If there is a body, the first two bytes of the body MUST be a 2-byte
/// unsigned integer (in network byte order) representing a status code [...]. Following the
/// 2-byte integer, the body MAY contain UTF-8-encoded data with value /reason/".
pub(crate) fn encode_close_payload(code: u16, reason: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(&code.to_be_bytes());
    out.extend_from_slice(reason.as_bytes());
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
        let mut out = vec![0xAA];
        encode_close_payload(1000, "bye", &mut out);
        assert_eq!(out, [0xAA, 0x03, 0xE8, b'b', b'y', b'e']);
        let mut out = Vec::new();
        encode_close_payload(4999, "", &mut out);
        assert_eq!(out, [0x13, 0x87]);
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
        #[test]
        fn roundtrip(code in valid_code(), reason in ".{0,60}") {
            let mut out = Vec::new();
            encode_close_payload(code, &reason, &mut out);
            prop_assert_eq!(out.len(), 2 + reason.len());
            prop_assert_eq!(decode_close_payload(&out), Ok(Some((code, reason))));
        }

        #[test]
        fn invalid_codes_refused(code in any::<u16>(), reason in ".{0,10}") {
            prop_assume!(!is_valid_wire_code(code));
            let mut out = Vec::new();
            encode_close_payload(code, &reason, &mut out);
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
