//! Close codes (RFC 6455 §7.4, and the IANA "WebSocket Close Code Number Registry"), for
//! [`WebSocket::close_with`](crate::WebSocket::close_with) and for reading a
//! [`CloseEvent::code`](crate::CloseEvent::code).
//!
//! What you may **send**, as in the browser: [`NORMAL`] (1000), or a code of your own in
//! [`REGISTERED`] (3000–3999: codes registered with IANA for libraries and frameworks) or
//! [`PRIVATE`] (4000–4999: for private agreement between your client and your server, no
//! registration). Anything else is an [`Error::InvalidAccess`](crate::Error::InvalidAccess).
//! The others are what a **server** may send (1000–1003, 1007–1014) or what wsync **reports**
//! without any close frame saying so ([`NO_STATUS_RECEIVED`], [`ABNORMAL`]).
//!
//! ```no_run
//! use wsync::close_code;
//! # let ws = wsync::WebSocket::connect("ws://127.0.0.1:9001")?;
//! ws.close_with(close_code::NORMAL, "bye")?;
//! # Ok::<(), wsync::Error>(())
//! ```

use std::ops::RangeInclusive;

/// 1000, Normal Closure: the purpose of the connection has been fulfilled. The one code below
/// 3000 that an application may send.
pub const NORMAL: u16 = 1000;
/// 1001, Going Away: the endpoint is going away, such as a server shutting down or a browser
/// leaving the page. wsync sends it when a [`WebSocket`](crate::WebSocket) is dropped while open.
pub const GOING_AWAY: u16 = 1001;
/// 1002, Protocol Error: the endpoint is failing the connection because of a protocol error.
pub const PROTOCOL_ERROR: u16 = 1002;
/// 1003, Unsupported Data: the endpoint received a type of data it cannot accept (e.g. binary
/// where it only understands text).
pub const UNSUPPORTED_DATA: u16 = 1003;
/// 1005, No Status Received: reported when the close frame had no code. Never sent.
pub const NO_STATUS_RECEIVED: u16 = 1005;
/// 1006, Abnormal Closure: reported when the connection ended without a close frame, or
/// failed. Never sent.
pub const ABNORMAL: u16 = 1006;
/// 1007, Invalid Payload Data: a message's data was inconsistent with its type (e.g. a text
/// message that is not UTF-8).
pub const INVALID_PAYLOAD: u16 = 1007;
/// 1008, Policy Violation: a message violated the endpoint's policy (a generic code when no
/// other fits).
pub const POLICY_VIOLATION: u16 = 1008;
/// 1009, Message Too Big: a message was too large to process.
pub const MESSAGE_TOO_BIG: u16 = 1009;
/// 1010, Mandatory Extension: the client expected the server to negotiate an extension that it
/// did not.
pub const MANDATORY_EXTENSION: u16 = 1010;
/// 1011, Internal Error: the server met an unexpected condition.
pub const INTERNAL_ERROR: u16 = 1011;
/// 1012, Service Restart: the server is restarting.
pub const SERVICE_RESTART: u16 = 1012;
/// 1013, Try Again Later: the server is overloaded; try again later.
pub const TRY_AGAIN_LATER: u16 = 1013;
/// 1014, Bad Gateway: the server, acting as a gateway or proxy, got an invalid answer upstream.
pub const BAD_GATEWAY: u16 = 1014;
/// 1015, TLS Handshake: reserved for a TLS handshake failure. Never sent; wsync reports TLS
/// failures as [`Error::Tls`](crate::Error::Tls) with [`ABNORMAL`].
pub const TLS_HANDSHAKE: u16 = 1015;

/// 3000–3999: codes registered with IANA for libraries, frameworks and applications. An
/// application may send them.
pub const REGISTERED: RangeInclusive<u16> = 3000..=3999;
/// 4000–4999: codes for private use, agreed between your client and your server. An
/// application may send them.
pub const PRIVATE: RangeInclusive<u16> = 4000..=4999;

/// Whether an application may send `code` with
/// [`close_with`](crate::WebSocket::close_with): [`NORMAL`], [`REGISTERED`] or [`PRIVATE`].
pub fn is_sendable(code: u16) -> bool {
    code == NORMAL || REGISTERED.contains(&code) || PRIVATE.contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sendable_codes_are_the_browsers() {
        let sendable: Vec<u16> = (0..=u16::MAX).filter(|&c| is_sendable(c)).collect();
        assert_eq!(sendable.len(), 1 + 2000);
        assert_eq!(sendable[0], NORMAL);
        assert_eq!(sendable[1..], (3000..=4999).collect::<Vec<u16>>()[..]);
    }
}
