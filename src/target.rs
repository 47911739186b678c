//! The URL a socket connects to: parsing, scheme mapping and the browser's validation rules.

use crate::error::{Error, Result};

/// Where to connect and what to ask for, from a validated URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The URL as resolved: absolute, scheme `ws` or `wss`.
    pub(crate) url: url::Url,
    /// Whether the scheme is `wss`.
    pub(crate) secure: bool,
    /// The host to resolve and to name in TLS (SNI): a domain, or an IP literal without brackets.
    pub(crate) host: String,
    /// The port, explicit or the scheme's default.
    pub(crate) port: u16,
    /// The `Host` header: host (IPv6 in brackets) and `:port` unless it is the default.
    pub(crate) host_header: String,
    /// The request target: path and `?query`, never empty (`/` at least).
    pub(crate) resource: String,
}

/// Parses and validates a URL as the browser's constructor does.
pub(crate) fn parse(_url: &str) -> Result<Target> {
    todo!()
}

/// Whether `s` is a non-empty HTTP token (RFC 7230 `tchar`s).
pub(crate) fn is_token(_s: &str) -> bool {
    todo!()
}

/// Subprotocols: each an HTTP token, none twice (case-sensitive), else SyntaxError.
pub(crate) fn validate_protocols(_protocols: &[String]) -> Result<()> {
    let _ = Error::InvalidState;
    todo!()
}
