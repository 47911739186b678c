//! Close codes and reasons: what a caller may send and what a peer may send (RFC 6455 §7.4).

use crate::error::Result;

/// Validates the arguments of `close(code, reason)` as the browser does: a code other than 1000
/// or 3000–4999 is InvalidAccessError; a reason over 123 bytes of UTF-8 is SyntaxError.
pub(crate) fn validate_user_close(_code: u16, _reason: &str) -> Result<()> {
    todo!()
}

/// Whether a peer may put `code` in a close frame: 1000–1003, 1007–1014, 3000–4999.
pub(crate) fn is_valid_wire_code(_code: u16) -> bool {
    todo!()
}
