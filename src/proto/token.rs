//! HTTP tokens (RFC 7230 §3.2.6): subprotocol names and header names, and header values that
//! are safe to send.

use crate::error::{Error, Result};

/// Whether `b` is an RFC 7230 `tchar`: `!#$%&'*+-.^_`|~`, DIGIT or ALPHA.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `s` is a non-empty HTTP token (RFC 7230 `tchar`s).
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// Subprotocols: each an HTTP token, none twice (case-sensitive), else SyntaxError.
pub(crate) fn validate_protocols(protocols: &[String]) -> Result<()> {
    for (i, p) in protocols.iter().enumerate() {
        if !is_token(p) {
            return Err(Error::Syntax(format!(
                "subprotocol {p:?} is not an HTTP token"
            )));
        }
        if protocols[..i].contains(p) {
            return Err(Error::Syntax(format!("subprotocol {p:?} is given twice")));
        }
    }
    Ok(())
}

/// Whether `value` may stand as an HTTP header field value in a request we send: no CR, LF,
/// NUL or other control character but horizontal tab (RFC 7230 §3.2 `field-value`), so that a
/// value cannot end the header or smuggle in another one.
pub(crate) fn is_field_value(value: &str) -> bool {
    !value.bytes().any(|b| b < 0x20 && b != b'\t' || b == 0x7f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tokens() {
        assert!(is_token("chat"));
        assert!(is_token("v1.json.api"));
        assert!(is_token("!#$%&'*+-.^_`|~09azAZ"));
        assert!(!is_token(""));
        assert!(!is_token("a b"));
        assert!(!is_token("a,b"));
        assert!(!is_token("é"));
        for c in "()<>@,;:\\\"/[]?={} \t".chars() {
            assert!(!is_token(&c.to_string()), "{c:?}");
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn protocols() {
        assert!(validate_protocols(&[]).is_ok());
        assert!(validate_protocols(&strings(&["chat", "superchat"])).is_ok());
        // Case-sensitive: these are two different protocols.
        assert!(validate_protocols(&strings(&["chat", "Chat"])).is_ok());
        match validate_protocols(&strings(&["chat", "x", "chat"])) {
            Err(Error::Syntax(m)) => assert!(m.contains("chat"), "{m}"),
            other => panic!("{other:?}"),
        }
        match validate_protocols(&strings(&["ok", "bad proto"])) {
            Err(Error::Syntax(m)) => assert!(m.contains("bad proto"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            validate_protocols(&strings(&[""])),
            Err(Error::Syntax(_))
        ));
        assert!(matches!(
            validate_protocols(&strings(&["ünicode"])),
            Err(Error::Syntax(_))
        ));
    }

    #[test]
    fn field_values() {
        assert!(is_field_value("https://example.com"));
        assert!(is_field_value("a\tb"));
        assert!(is_field_value(""));
        for bad in ["a\r\nInjected: 1", "a\nb", "a\0b", "a\x7fb", "a\x1bb"] {
            assert!(!is_field_value(bad), "{bad:?}");
        }
    }

    /// Only control characters are refused: a space, the first character that is not one, and
    /// everything above it but DEL pass.
    #[test]
    fn field_values_refuse_control_characters_only() {
        assert!(is_field_value("a b"));
        assert!(is_field_value("~ \u{80} é"));
        assert!(!is_field_value("\u{1f}"));
    }

    proptest! {
        #![proptest_config(crate::proto::testing::deterministic(1024, 7230))]

        #[test]
        fn non_tchar_refused(prefix in "[a-z]{0,5}", bad in any::<char>(), suffix in "[a-z]{0,5}") {
            let mut buf = [0u8; 4];
            prop_assume!(!bad.is_ascii() || !is_tchar(bad.encode_utf8(&mut buf).as_bytes()[0]));
            let s = format!("{prefix}{bad}{suffix}");
            prop_assert!(!is_token(&s));
            prop_assert!(validate_protocols(&[s]).is_err());
        }

        #[test]
        fn tchar_strings_accepted(s in "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}") {
            prop_assert!(is_token(&s));
            prop_assert!(validate_protocols(std::slice::from_ref(&s)).is_ok());
            prop_assert!(validate_protocols(&[s.clone(), s]).is_err());
        }
    }
}
