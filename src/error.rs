//! The one error type of the crate, and the protocol and handshake failures it carries.

use std::fmt;
use std::io;

use crate::response::Response;

/// A specialised `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, from a bad argument to a peer that breaks RFC 6455.
///
/// The first four variants are the browser's exceptions, thrown synchronously by the constructor,
/// [`send`](crate::WebSocket::send) and [`close`](crate::WebSocket::close_with). The others
/// describe why a connection failed; they reach you as an [`Event::Error`](crate::Event::Error)
/// just before the final [`Event::Close`](crate::Event::Close), or as the `Err` of
/// [`WebSocket::connect`](crate::WebSocket::connect).
///
/// A normal close is never an error: it is a [`CloseEvent`](crate::CloseEvent).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The browser's `SyntaxError`: an unparsable URL, a scheme other than ws, wss, http or https,
    /// a fragment, a duplicate or malformed subprotocol, or a close reason over 123 bytes.
    Syntax(String),
    /// The browser's `SecurityError`: the URL names a port that browsers block
    /// ([`Builder::allow_blocked_ports`](crate::Builder::allow_blocked_ports) lifts this).
    Security {
        /// The blocked port.
        port: u16,
    },
    /// The browser's `InvalidAccessError`: a close code other than 1000 or 3000–4999.
    InvalidAccess(String),
    /// The browser's `InvalidStateError`: `send` or `ping` was called while the socket is still
    /// CONNECTING; or a [`ReconnectingWebSocket`](crate::ReconnectingWebSocket) has no open
    /// connection to send on.
    InvalidState,
    /// A builder setting is out of range (a zero limit, a zero timeout, a header that is not
    /// valid HTTP, ...).
    InvalidConfig(String),
    /// A `wss://` URL was given but the crate was built without the `native-tls` feature.
    TlsUnavailable,
    /// The host name did not resolve (DNS): no such host, no address for it, or no answer from
    /// the resolver. The `io::Error` is the resolver's, and the
    /// [`source()`](std::error::Error::source).
    Dns(io::Error),
    /// The server's host refused the TCP connection: nothing listens on that port. When the
    /// name resolved to several addresses, each was tried and the last one's failure tells.
    ConnectionRefused(io::Error),
    /// The TCP connection could not be made for another reason (network unreachable, ...), or
    /// the socket failed later (connection reset, ...).
    Io(io::Error),
    /// The TLS layer failed; [`TlsError::kind`] tells how (untrusted, expired or wrong-host
    /// certificate, a peer that does not speak TLS, a failed handshake, ...).
    /// [`source()`](std::error::Error::source) gives the TLS library's error: a
    /// `native_tls::Error` when the handshake fails, and after it the `io::Error` that the TLS
    /// stream reported, whose own source is the TLS library's error where it gave one.
    Tls(TlsError),
    /// The server's reply to the opening handshake was not an acceptable WebSocket upgrade.
    Handshake(HandshakeError),
    /// The proxy (see [`Builder::proxy`](crate::Builder::proxy)) could not be reached or did
    /// not open the tunnel to the server: see [`ProxyError`]. A proxy that does not answer in
    /// time is [`Timeout::Handshake`] instead.
    Proxy(ProxyError),
    /// The peer broke RFC 6455; the connection was failed with [`ProtocolError::close_code`].
    Protocol(ProtocolError),
    /// A deadline passed: see [`Timeout`].
    Timeout(Timeout),
    /// The server closed the TCP connection without a close frame (close code 1006).
    AbnormalClosure,
    /// `close()` was called while the socket was still connecting, which fails the connection.
    Aborted,
}

/// Which deadline passed, for [`Error::Timeout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Timeout {
    /// The TCP connection to the server was not established within the connect timeout (to a
    /// proxy, that is [`ProxyError::Unreachable`]).
    Connect,
    /// The proxy's tunnel (when there is a proxy), the TLS and the WebSocket opening handshakes
    /// did not finish within the handshake timeout.
    Handshake,
    /// The server did not answer our close frame within the close timeout.
    Close,
    /// Keepalive: nothing arrived within the pong timeout after a ping; the server is gone.
    Pong,
    /// A send made no progress within the send timeout: the server stopped reading.
    Send,
}

/// A failure of the TLS layer, for [`Error::Tls`]: what kind it is, and the TLS library's own
/// error behind it.
///
/// ```no_run
/// use wsync::{Error, TlsErrorKind};
/// match wsync::WebSocket::connect("wss://self-signed.example/") {
///     Err(Error::Tls(e)) if e.kind() == TlsErrorKind::UntrustedCertificate => {
///         eprintln!("the server's certificate is not trusted: {e}")
///     }
///     Err(e) => eprintln!("failed: {e}"),
///     Ok(_) => {}
/// }
/// ```
#[derive(Debug)]
pub struct TlsError {
    kind: TlsErrorKind,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl TlsError {
    /// A failure of `kind`, caused by the TLS library's error `source`.
    #[cfg_attr(not(feature = "native-tls"), allow(dead_code))]
    pub(crate) fn new(
        kind: TlsErrorKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> TlsError {
        TlsError {
            kind,
            source: source.into(),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TlsErrorKind {
        self.kind
    }

    /// The TLS library's error: a `native_tls::Error` for a failed handshake or configuration,
    /// an `io::Error` for a session that failed later (see [`Error::Tls`]).
    pub fn get_ref(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.source
    }

    /// The TLS library's error, by value.
    pub fn into_inner(self) -> Box<dyn std::error::Error + Send + Sync> {
        self.source
    }
}

/// What kind of TLS failure a [`TlsError`] is.
///
/// The TLS library (native-tls) reports an opaque error; wsync tells the kinds apart from
/// OpenSSL's verification result and reason, as native-tls uses OpenSSL on Linux and most
/// Unix systems. With the macOS and Windows TLS libraries the certificate kinds are recognised
/// where their messages say so, and a failure not recognised is
/// [`HandshakeFailed`](TlsErrorKind::HandshakeFailed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsErrorKind {
    /// The server's certificate does not lead to a trusted root: self-signed, issued by an
    /// unknown authority, or by one you did not add with
    /// [`add_root_certificate_pem`](crate::Builder::add_root_certificate_pem).
    UntrustedCertificate,
    /// The server's certificate (or one in its chain) has expired, or is not valid yet.
    ExpiredCertificate,
    /// The server's certificate is valid, but for other host names than the URL's.
    HostnameMismatch,
    /// The server's certificate was refused for another reason (revoked, bad signature, wrong
    /// usage, weak key, ...).
    InvalidCertificate,
    /// The server does not speak TLS on that port: it answered the TLS hello with something
    /// else, such as plain HTTP (a `wss://` URL for a `ws://` server, say).
    NotTls,
    /// The TLS handshake failed otherwise: the server sent an alert (no protocol version or
    /// cipher in common, a client certificate required or refused, ...) or the connection was
    /// cut short.
    HandshakeFailed,
    /// The TLS settings could not be used: a root certificate or client identity that does not
    /// parse, or a connector that could not be built. Reported by
    /// [`Builder::build`](crate::Builder::build), before connecting.
    Configuration,
    /// The TLS session failed after the handshake: an alert from the server, or a record that
    /// does not decrypt.
    Session,
}

impl fmt::Display for TlsErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsErrorKind::UntrustedCertificate => "untrusted certificate",
            TlsErrorKind::ExpiredCertificate => "expired or not yet valid certificate",
            TlsErrorKind::HostnameMismatch => "certificate for another host name",
            TlsErrorKind::InvalidCertificate => "invalid certificate",
            TlsErrorKind::NotTls => "the server does not speak TLS",
            TlsErrorKind::HandshakeFailed => "handshake failed",
            TlsErrorKind::Configuration => "unusable TLS settings",
            TlsErrorKind::Session => "session failed",
        })
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.source)
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// Why the server's reply to the opening handshake was refused (RFC 6455 §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The reply is not valid HTTP/1.1.
    Malformed(String),
    /// The reply headers are larger than the configured limit.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The server answered with a status other than 101: its [`Response`], with the status,
    /// the headers (such as `WWW-Authenticate`, or the `Location` of a redirect, which is not
    /// followed) and the start of the body, which often says why. Match it as
    /// `Error::Handshake(HandshakeError::Status(response))`, then `response.status()`.
    Status(Box<Response>),
    /// The reply lacks `Upgrade: websocket`.
    MissingUpgrade,
    /// The reply lacks `Connection: Upgrade`.
    MissingConnection,
    /// `Sec-WebSocket-Accept` is missing or does not match the key we sent.
    BadAccept,
    /// The server chose a subprotocol we did not offer.
    UnofferedProtocol(String),
    /// We offered subprotocols and the server chose none.
    MissingProtocol,
    /// The server selected an extension we did not offer.
    UnofferedExtension(String),
    /// The server's answer to our permessage-deflate offer breaks RFC 7692 §7.1: a parameter
    /// we did not offer, or twice, or with a bad value.
    Extension(String),
    /// The connection closed before the reply was complete.
    Incomplete,
}

/// Why a connection through a proxy failed before the WebSocket handshake began, for
/// [`Error::Proxy`].
///
/// - the proxy itself could not be reached: [`ProxyError::Unreachable`];
/// - it refused the tunnel, the server being unreachable from it included:
///   [`ProxyError::Status`] (HTTP, with the proxy's `Proxy-Authenticate` challenge for a 407)
///   and [`ProxyError::SocksRefused`] (SOCKS5, the reply code by name);
/// - it rejected the credentials, or wants some that the URL lacks:
///   [`ProxyError::Status`] with code 407, [`ProxyError::SocksAuthRejected`] and
///   [`ProxyError::SocksNoAcceptableMethod`];
/// - it broke its protocol or hung up: [`ProxyError::Malformed`] and [`ProxyError::Closed`].
///
/// No variant holds the proxy's credentials; the proxy is named as `scheme://host:port`.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProxyError {
    /// The proxy's host did not resolve, or no TCP connection to it could be made within the
    /// connect timeout (the `io::Error`'s kind is then `TimedOut`). Distinct from the server
    /// being unreachable, which the proxy reports with a refusal.
    Unreachable {
        /// The proxy, as `scheme://host:port`, without credentials.
        proxy: String,
        /// Why; also the [`source()`](std::error::Error::source).
        error: io::Error,
    },
    /// The HTTP proxy answered `CONNECT` with a status other than 2xx: 407 when it wants
    /// (other) credentials, 403 when its rules forbid the tunnel, 502 or 504 when it could not
    /// reach the server, and so on.
    Status {
        /// The HTTP status code.
        code: u16,
        /// The reason phrase, possibly empty.
        reason: String,
        /// The `Proxy-Authenticate` challenges (several headers joined with `, `), if any.
        proxy_authenticate: Option<String>,
    },
    /// The SOCKS5 proxy answered the `CONNECT` request with this failure (RFC 1928 §6).
    SocksRefused(SocksReply),
    /// The SOCKS5 proxy rejected the user name and password (RFC 1929); the status it sent,
    /// never 0.
    SocksAuthRejected {
        /// The status byte.
        status: u8,
    },
    /// The SOCKS5 proxy accepts none of the authentication methods offered: usually it wants a
    /// user name and password and the proxy URL has none.
    SocksNoAcceptableMethod {
        /// Whether username/password was among the methods offered.
        offered_password: bool,
    },
    /// The proxy's reply breaks its protocol (not HTTP, not SOCKS5, too large, ...), or the
    /// proxy sent bytes after opening a tunnel for `wss://`, before the TLS handshake could
    /// begin; what is wrong.
    Malformed(String),
    /// The proxy closed the connection before the tunnel was open.
    Closed,
}

/// A SOCKS5 failure reply code (RFC 1928 §6), for [`ProxyError::SocksRefused`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SocksReply {
    /// 1: general SOCKS server failure.
    GeneralFailure,
    /// 2: connection not allowed by ruleset.
    NotAllowed,
    /// 3: network unreachable.
    NetworkUnreachable,
    /// 4: host unreachable.
    HostUnreachable,
    /// 5: connection refused.
    ConnectionRefused,
    /// 6: TTL expired.
    TtlExpired,
    /// 7: command not supported.
    CommandNotSupported,
    /// 8: address type not supported.
    AddressTypeNotSupported,
    /// 9 to 255: a code RFC 1928 does not assign.
    Unassigned(u8),
}

impl SocksReply {
    /// The failure for a reply byte; `None` for 0, success.
    pub(crate) fn from_byte(b: u8) -> Option<SocksReply> {
        Some(match b {
            0 => return None,
            1 => SocksReply::GeneralFailure,
            2 => SocksReply::NotAllowed,
            3 => SocksReply::NetworkUnreachable,
            4 => SocksReply::HostUnreachable,
            5 => SocksReply::ConnectionRefused,
            6 => SocksReply::TtlExpired,
            7 => SocksReply::CommandNotSupported,
            8 => SocksReply::AddressTypeNotSupported,
            other => SocksReply::Unassigned(other),
        })
    }

    /// The reply byte, 1 to 255.
    pub fn code(self) -> u8 {
        match self {
            SocksReply::GeneralFailure => 1,
            SocksReply::NotAllowed => 2,
            SocksReply::NetworkUnreachable => 3,
            SocksReply::HostUnreachable => 4,
            SocksReply::ConnectionRefused => 5,
            SocksReply::TtlExpired => 6,
            SocksReply::CommandNotSupported => 7,
            SocksReply::AddressTypeNotSupported => 8,
            SocksReply::Unassigned(b) => b,
        }
    }
}

impl fmt::Display for SocksReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SocksReply::GeneralFailure => "general SOCKS server failure",
            SocksReply::NotAllowed => "connection not allowed by the proxy's ruleset",
            SocksReply::NetworkUnreachable => "network unreachable",
            SocksReply::HostUnreachable => "host unreachable",
            SocksReply::ConnectionRefused => "connection refused by the destination host",
            SocksReply::TtlExpired => "TTL expired",
            SocksReply::CommandNotSupported => "command not supported",
            SocksReply::AddressTypeNotSupported => "address type not supported",
            SocksReply::Unassigned(_) => "unassigned reply code",
        })
    }
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::Unreachable { proxy, error } => {
                write!(f, "cannot connect to the proxy {proxy}: {error}")
            }
            ProxyError::Status {
                code,
                reason,
                proxy_authenticate,
            } => {
                write!(f, "the proxy refused the tunnel: HTTP {code}")?;
                if !reason.is_empty() {
                    write!(f, " {reason}")?;
                }
                if let Some(challenge) = proxy_authenticate {
                    write!(f, " (Proxy-Authenticate: {challenge})")?;
                }
                Ok(())
            }
            ProxyError::SocksRefused(reply) => write!(
                f,
                "the SOCKS5 proxy refused the tunnel: {reply} (SOCKS5 reply {})",
                reply.code()
            ),
            ProxyError::SocksAuthRejected { status } => write!(
                f,
                "the SOCKS5 proxy rejected the user name and password (status {status})"
            ),
            ProxyError::SocksNoAcceptableMethod {
                offered_password: true,
            } => f.write_str(
                "the SOCKS5 proxy accepts neither no authentication nor a user name and password",
            ),
            ProxyError::SocksNoAcceptableMethod {
                offered_password: false,
            } => f.write_str(
                "the SOCKS5 proxy requires authentication and the proxy URL has no credentials",
            ),
            ProxyError::Malformed(why) => write!(f, "malformed reply from the proxy: {why}"),
            ProxyError::Closed => {
                f.write_str("the proxy closed the connection before the tunnel was open")
            }
        }
    }
}

impl std::error::Error for ProxyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProxyError::Unreachable { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// How the server broke RFC 6455, and the close code we failed the connection with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// RSV1, RSV2 or RSV3 set without a negotiated extension that defines it (§5.2).
    ReservedBits,
    /// An opcode that RFC 6455 reserves (§5.2).
    ReservedOpcode(u8),
    /// A frame from the server was masked (§5.1).
    MaskedFrame,
    /// A control frame with FIN clear (§5.5).
    FragmentedControlFrame,
    /// A control frame with a payload over 125 bytes (§5.5).
    ControlFrameTooLong(u64),
    /// A continuation frame with no message in progress (§5.4).
    UnexpectedContinuation,
    /// A new data frame while a fragmented message was still in progress (§5.4).
    ExpectedContinuation,
    /// A payload length not in its minimal form, or with the most significant bit set (§5.2).
    BadLength,
    /// A text message that is not valid UTF-8, or a close reason that is not (§8.1).
    InvalidUtf8,
    /// A close frame with a one-byte payload (§5.5.1).
    BadClosePayload,
    /// A close code that may not be sent on the wire (§7.4).
    InvalidCloseCode(u16),
    /// A frame larger than the configured maximum frame size.
    FrameTooLarge {
        /// The announced size.
        size: u64,
        /// The limit.
        limit: usize,
    },
    /// A message larger than the configured maximum message size.
    MessageTooLarge {
        /// The size the message would reach with the frame that broke the limit.
        size: u64,
        /// The limit.
        limit: usize,
    },
    /// Data arrived after the server's close frame.
    DataAfterClose,
    /// A compressed message (permessage-deflate, RFC 7692) whose payload is not valid DEFLATE
    /// data.
    BadCompressedData(String),
}

impl ProtocolError {
    /// The close code sent to the server when failing the connection for this reason
    /// (RFC 6455 §7.4.1): 1007 for bad UTF-8 or compressed data that does not inflate ("data
    /// within a message that was not consistent with the type of the message"), 1009 for a
    /// frame or message over a limit, 1002 for everything else.
    pub fn close_code(&self) -> u16 {
        match self {
            ProtocolError::InvalidUtf8 | ProtocolError::BadCompressedData(_) => 1007,
            ProtocolError::FrameTooLarge { .. } | ProtocolError::MessageTooLarge { .. } => 1009,
            _ => 1002,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::ReservedBits => f.write_str("reserved bits set in a frame header"),
            ProtocolError::ReservedOpcode(op) => write!(f, "reserved opcode {op:#x}"),
            ProtocolError::MaskedFrame => f.write_str("the server sent a masked frame"),
            ProtocolError::FragmentedControlFrame => f.write_str("fragmented control frame"),
            ProtocolError::ControlFrameTooLong(n) => {
                write!(f, "control frame payload of {n} bytes (at most 125)")
            }
            ProtocolError::UnexpectedContinuation => {
                f.write_str("continuation frame with no message in progress")
            }
            ProtocolError::ExpectedContinuation => {
                f.write_str("new data frame while a fragmented message is in progress")
            }
            ProtocolError::BadLength => f.write_str("payload length not in minimal form"),
            ProtocolError::InvalidUtf8 => {
                f.write_str("invalid UTF-8 in a text message or close reason")
            }
            ProtocolError::BadClosePayload => f.write_str("close frame with a one-byte payload"),
            ProtocolError::InvalidCloseCode(c) => write!(f, "invalid close code {c}"),
            ProtocolError::FrameTooLarge { size, limit } => {
                write!(f, "frame of {size} bytes exceeds the limit of {limit}")
            }
            ProtocolError::MessageTooLarge { size, limit } => {
                write!(f, "message of {size} bytes exceeds the limit of {limit}")
            }
            ProtocolError::DataAfterClose => f.write_str("data after the server's close frame"),
            ProtocolError::BadCompressedData(why) => {
                write!(
                    f,
                    "invalid compressed data in a message (RFC 7692 §7.2.2): {why}"
                )
            }
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::Malformed(why) => write!(f, "malformed HTTP response: {why}"),
            HandshakeError::TooLarge { limit } => {
                write!(f, "response headers exceed {limit} bytes")
            }
            HandshakeError::Status(response) => status(f, response),
            HandshakeError::MissingUpgrade => f.write_str("missing `Upgrade: websocket`"),
            HandshakeError::MissingConnection => f.write_str("missing `Connection: Upgrade`"),
            HandshakeError::BadAccept => f.write_str("wrong or missing Sec-WebSocket-Accept"),
            HandshakeError::UnofferedProtocol(p) => {
                write!(f, "server chose subprotocol {p:?}, which was not offered")
            }
            HandshakeError::MissingProtocol => {
                f.write_str("subprotocols were offered and the server chose none")
            }
            HandshakeError::UnofferedExtension(e) => {
                write!(f, "server selected extension {e:?}, which was not offered")
            }
            HandshakeError::Extension(why) => write!(f, "invalid extension answer: {why}"),
            HandshakeError::Incomplete => f.write_str("connection closed during the handshake"),
        }
    }
}

/// A refusal in one line: `status 401 Unauthorized, expected 101: missing token`, with the
/// redirect's target or the first line of the body, cut at [`MAX_BODY_LINE`] characters.
fn status(f: &mut fmt::Formatter<'_>, response: &Response) -> fmt::Result {
    write!(f, "status {}", response.status())?;
    if !response.reason().is_empty() {
        write!(f, " {}", response.reason())?;
    }
    match response.location() {
        Some(location) => write!(f, " (redirect to {location} not followed)")?,
        None => f.write_str(", expected 101")?,
    }
    let body = response.body_text();
    let line = body.lines().map(str::trim).find(|l| !l.is_empty());
    if let Some(line) = line {
        match line.char_indices().nth(MAX_BODY_LINE) {
            Some((cut, _)) => write!(f, ": {}…", &line[..cut])?,
            None => write!(f, ": {line}")?,
        }
    }
    Ok(())
}

/// The most characters of a refusal's body that its `Display` shows.
const MAX_BODY_LINE: usize = 200;

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Timeout::Connect => "connect timed out",
            Timeout::Handshake => "opening handshake timed out",
            Timeout::Close => "closing handshake timed out",
            Timeout::Pong => "no answer to a keepalive ping within the pong timeout",
            Timeout::Send => "a send made no progress within the send timeout",
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Syntax(why) => write!(f, "SyntaxError: {why}"),
            Error::Security { port } => write!(f, "SecurityError: port {port} is blocked"),
            Error::InvalidAccess(why) => write!(f, "InvalidAccessError: {why}"),
            Error::InvalidState => f.write_str("InvalidStateError: the socket is still connecting"),
            Error::InvalidConfig(why) => write!(f, "invalid configuration: {why}"),
            Error::TlsUnavailable => {
                f.write_str("wss:// needs the `native-tls` feature, which this build lacks")
            }
            Error::Dns(e) => write!(f, "host not found: {e}"),
            Error::ConnectionRefused(e) => write!(f, "connection refused: {e}"),
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::Tls(e) => write!(f, "TLS error: {e}"),
            Error::Handshake(e) => write!(f, "handshake failed: {e}"),
            Error::Proxy(e) => e.fmt(f),
            Error::Protocol(e) => write!(f, "protocol error: {e}"),
            Error::Timeout(t) => t.fmt(f),
            Error::AbnormalClosure => f.write_str("the connection closed without a close frame"),
            Error::Aborted => f.write_str("close() was called before the connection opened"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Dns(e) | Error::ConnectionRefused(e) | Error::Io(e) => Some(e),
            // The TLS library's error, as the kind is in the `TlsError` the caller matched.
            Error::Tls(e) => Some(&*e.source),
            Error::Handshake(e) => Some(e),
            Error::Proxy(e) => Some(e),
            Error::Protocol(e) => Some(e),
            _ => None,
        }
    }
}

impl std::error::Error for HandshakeError {}
impl std::error::Error for ProtocolError {}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Error::Protocol(e)
    }
}

impl From<ProxyError> for Error {
    fn from(e: ProxyError) -> Self {
        Error::Proxy(e)
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Error::Handshake(e)
    }
}
