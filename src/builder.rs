//! The one configuration object: a builder with documented defaults, checked when it builds.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::tls_config::{Certificate, Identity, TlsConfig};
use crate::websocket::WebSocket;

/// Default for [`Builder::connect_timeout`]: 30 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default for [`Builder::handshake_timeout`]: 30 seconds.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default for [`Builder::close_timeout`]: 5 seconds.
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Default for [`Builder::max_frame_size`]: 16 MiB.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 16 << 20;
/// Default for [`Builder::max_message_size`]: 64 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 << 20;
/// Default for [`Builder::max_response_size`]: 16 KiB.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 16 << 10;
/// Default for [`Builder::event_queue_capacity`]: 16 batches (at most 4096 events).
pub const DEFAULT_EVENT_QUEUE_CAPACITY: usize = 16;
/// Default for [`Builder::event_queue_bytes`]: 4 MiB. On the 1 MiB receive benchmark a smaller
/// limit made the reader wait for the application too often, and a larger one let the buffers
/// in rotation outgrow the batch pool, which cost the reader CPU time (see the README's
/// Performance section).
pub const DEFAULT_EVENT_QUEUE_BYTES: usize = 4 << 20;
/// Default for [`Builder::fragment_size`]: 16 MiB, the default frame limit of common servers.
pub const DEFAULT_FRAGMENT_SIZE: usize = 16 << 20;
/// Default for [`Builder::reader_stack_size`]: 128 KiB.
pub const DEFAULT_READER_STACK_SIZE: usize = 128 << 10;

/// The settings of one socket, validated.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) protocols: Vec<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) connect_timeout: Duration,
    pub(crate) handshake_timeout: Duration,
    pub(crate) close_timeout: Duration,
    pub(crate) max_frame_size: usize,
    pub(crate) max_message_size: usize,
    pub(crate) max_response_size: usize,
    pub(crate) event_queue_capacity: usize,
    pub(crate) event_queue_bytes: usize,
    pub(crate) reader_stack_size: usize,
    pub(crate) fragment_size: usize,
    pub(crate) tls: TlsConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            protocols: Vec::new(),
            headers: Vec::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            event_queue_capacity: DEFAULT_EVENT_QUEUE_CAPACITY,
            event_queue_bytes: DEFAULT_EVENT_QUEUE_BYTES,
            reader_stack_size: DEFAULT_READER_STACK_SIZE,
            fragment_size: DEFAULT_FRAGMENT_SIZE,
            tls: TlsConfig::default(),
        }
    }
}

/// Request headers that the handshake sets itself and a caller may not override.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "upgrade",
    "connection",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-protocol",
    "sec-websocket-extensions",
    "content-length",
    "transfer-encoding",
];

/// Configures a [`WebSocket`] before it connects. Start from [`WebSocket::builder`].
///
/// Every setting has a documented default; a setting out of range makes [`Builder::build`] and
/// [`Builder::connect`] return [`Error::InvalidConfig`], never panic.
///
/// ```no_run
/// use std::time::Duration;
/// let ws = wsync::WebSocket::builder("ws://127.0.0.1:9001/chat")
///     .protocols(["chat.v2", "chat.v1"])
///     .header("Origin", "https://example.com")
///     .connect_timeout(Duration::from_secs(5))
///     .connect()?;
/// # Ok::<(), wsync::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` or `connect`"]
pub struct Builder {
    url: String,
    config: Config,
}

impl Builder {
    pub(crate) fn new(url: &str) -> Builder {
        Builder {
            url: url.to_owned(),
            config: Config::default(),
        }
    }

    /// The subprotocols to offer, most preferred first (`Sec-WebSocket-Protocol`). Default: none.
    /// Each must be an HTTP token and appear once, or building fails with [`Error::Syntax`].
    pub fn protocols<I, S>(mut self, protocols: I) -> Builder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a request header to the opening handshake, such as `Origin`, `Authorization` or
    /// `Cookie`. Default: none. Headers that the handshake itself sets or that would change
    /// the request's framing (`Host`, `Upgrade`, `Connection`, `Sec-WebSocket-Key`,
    /// `-Version`, `-Protocol` and `-Extensions`, `Content-Length`, `Transfer-Encoding`) are
    /// refused with [`Error::InvalidConfig`], as is a name or value that is not valid HTTP.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Builder {
        self.config.headers.push((name.into(), value.into()));
        self
    }

    /// How long to wait for the TCP connection, per resolved address.
    /// Default: [`DEFAULT_CONNECT_TIMEOUT`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Builder {
        self.config.connect_timeout = timeout;
        self
    }

    /// How long the TLS and WebSocket opening handshakes may take together.
    /// Default: [`DEFAULT_HANDSHAKE_TIMEOUT`].
    pub fn handshake_timeout(mut self, timeout: Duration) -> Builder {
        self.config.handshake_timeout = timeout;
        self
    }

    /// How long to wait, after sending a close frame, for the server's close frame and then for
    /// the server to close the TCP connection. Past it the socket is shut down; without the
    /// server's close frame the close is unclean (1006). Default: [`DEFAULT_CLOSE_TIMEOUT`].
    pub fn close_timeout(mut self, timeout: Duration) -> Builder {
        self.config.close_timeout = timeout;
        self
    }

    /// The largest frame payload accepted from the server; a larger one fails the connection
    /// with 1009 before any of it is buffered. Default: [`DEFAULT_MAX_FRAME_SIZE`].
    pub fn max_frame_size(mut self, bytes: usize) -> Builder {
        self.config.max_frame_size = bytes;
        self
    }

    /// The largest message accepted from the server, all fragments together; a larger one fails
    /// the connection with 1009. Default: [`DEFAULT_MAX_MESSAGE_SIZE`].
    pub fn max_message_size(mut self, bytes: usize) -> Builder {
        self.config.max_message_size = bytes;
        self
    }

    /// The largest handshake response (status line and headers) accepted from the server; at
    /// least 256 bytes. Default: [`DEFAULT_MAX_RESPONSE_SIZE`].
    pub fn max_response_size(mut self, bytes: usize) -> Builder {
        self.config.max_response_size = bytes;
        self
    }

    /// How many batches of events may wait in the channel before the reader thread stops
    /// reading from the socket until you receive some (backpressure). A batch holds the events
    /// decoded from one read, at most 256. Default: [`DEFAULT_EVENT_QUEUE_CAPACITY`].
    pub fn event_queue_capacity(mut self, batches: usize) -> Builder {
        self.config.event_queue_capacity = batches;
        self
    }

    /// How many bytes of message payload the reader thread reads ahead of you: once the
    /// batches you have not yet taken (or, through [`WebSocket::events`](crate::WebSocket::events),
    /// not yet dropped) hold this much, it stops reading from the socket until you take some,
    /// and TCP holds the server back. One batch always goes through, so a message longer than
    /// this still arrives, and 0 means one batch at a time. The bound on memory that a fast
    /// server can make a slow reader hold, with [`event_queue_capacity`](Builder::event_queue_capacity)
    /// and the message size limit. Default: [`DEFAULT_EVENT_QUEUE_BYTES`].
    pub fn event_queue_bytes(mut self, bytes: usize) -> Builder {
        self.config.event_queue_bytes = bytes;
        self
    }

    /// The stack size of the reader thread; at least 32 KiB.
    /// Default: [`DEFAULT_READER_STACK_SIZE`].
    pub fn reader_stack_size(mut self, bytes: usize) -> Builder {
        self.config.reader_stack_size = bytes;
        self
    }

    /// Outgoing messages longer than this are sent as several frames of at most this many
    /// bytes (RFC 6455 §5.4 fragmentation). Default: [`DEFAULT_FRAGMENT_SIZE`].
    pub fn fragment_size(mut self, bytes: usize) -> Builder {
        self.config.fragment_size = bytes;
        self
    }

    /// Trusts an extra root certificate, in PEM, for wss:// (in addition to the system's).
    /// A certificate that does not parse makes `build` fail with [`Error::Tls`] when the URL is
    /// `wss://` (a `ws://` URL never reads it).
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Builder {
        self.config.tls.roots.push(Certificate::Pem(pem.to_vec()));
        self
    }

    /// Trusts an extra root certificate, in DER, for wss:// (in addition to the system's).
    /// A certificate that does not parse makes `build` fail with [`Error::Tls`] for `wss://`.
    pub fn add_root_certificate_der(mut self, der: &[u8]) -> Builder {
        self.config.tls.roots.push(Certificate::Der(der.to_vec()));
        self
    }

    /// Presents a client certificate from a PKCS#12 archive (DER) and its password.
    pub fn identity_pkcs12(mut self, der: &[u8], password: &str) -> Builder {
        self.config.tls.identity = Some(Identity::Pkcs12 {
            der: der.to_vec(),
            password: password.to_owned(),
        });
        self
    }

    /// Presents a client certificate: a PEM certificate chain and a PKCS#8 PEM private key.
    pub fn identity_pem(mut self, chain: &[u8], key: &[u8]) -> Builder {
        self.config.tls.identity = Some(Identity::Pem {
            chain: chain.to_vec(),
            key: key.to_vec(),
        });
        self
    }

    /// **Dangerous**: accepts any server certificate, expired, self-signed or for another host.
    /// The connection is then open to anyone in the middle. For tests only. Default: false.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Builder {
        self.config.tls.accept_invalid_certs = accept;
        self
    }

    /// **Dangerous**: accepts a valid certificate issued for another host name. For tests only.
    /// Default: false.
    pub fn danger_accept_invalid_hostnames(mut self, accept: bool) -> Builder {
        self.config.tls.accept_invalid_hostnames = accept;
        self
    }

    /// Uses your own `native_tls::TlsConnector` for wss://; the other TLS settings are then
    /// ignored. The connector still checks the host name unless you configured it not to.
    #[cfg(feature = "native-tls")]
    pub fn tls_connector(mut self, connector: native_tls::TlsConnector) -> Builder {
        self.config.tls.connector = Some(connector);
        self
    }

    /// Validates the URL and the settings and starts connecting in the background, like the
    /// browser's constructor: the socket is returned in CONNECTING, and an [`Event::Open`]
    /// (or an [`Event::Error`] then [`Event::Close`]) follows.
    ///
    /// [`Event::Open`]: crate::Event::Open
    /// [`Event::Error`]: crate::Event::Error
    /// [`Event::Close`]: crate::Event::Close
    pub fn build(self) -> Result<WebSocket> {
        self.config.validate()?;
        WebSocket::start(&self.url, self.config)
    }

    /// Like [`Builder::build`], then waits until the socket is OPEN, or returns the failure.
    pub fn connect(self) -> Result<WebSocket> {
        self.build()?.wait_open()
    }
}

impl Config {
    /// Checks every setting; the first one out of range is the error.
    pub(crate) fn validate(&self) -> Result<()> {
        let positive = [
            ("connect_timeout", self.connect_timeout),
            ("handshake_timeout", self.handshake_timeout),
            ("close_timeout", self.close_timeout),
        ];
        for (name, value) in positive {
            if value.is_zero() {
                return Err(Error::InvalidConfig(format!("{name} must not be zero")));
            }
        }
        let sizes = [
            ("max_frame_size", self.max_frame_size, 1),
            ("max_message_size", self.max_message_size, 1),
            ("max_response_size", self.max_response_size, 256),
            ("event_queue_capacity", self.event_queue_capacity, 1),
            ("reader_stack_size", self.reader_stack_size, 32 << 10),
            ("fragment_size", self.fragment_size, 1),
        ];
        for (name, value, min) in sizes {
            if value < min {
                return Err(Error::InvalidConfig(format!(
                    "{name} must be at least {min}, got {value}"
                )));
            }
        }
        for (name, value) in &self.headers {
            if !crate::target::is_token(name) {
                return Err(Error::InvalidConfig(format!(
                    "header name {name:?} is not an HTTP token"
                )));
            }
            if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                return Err(Error::InvalidConfig(format!(
                    "header {name:?} is set by the handshake itself"
                )));
            }
            if value
                .bytes()
                .any(|b| b == b'\r' || b == b'\n' || b == 0 || (b < 0x20 && b != b'\t'))
            {
                return Err(Error::InvalidConfig(format!(
                    "header {name:?} has a control character in its value"
                )));
            }
        }
        crate::target::validate_protocols(&self.protocols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(Config::default().validate().is_ok());
    }

    #[test]
    fn zero_settings_are_refused() {
        type Set = Box<dyn Fn(&mut Config)>;
        let cases: Vec<Set> = vec![
            Box::new(|c| c.connect_timeout = Duration::ZERO),
            Box::new(|c| c.handshake_timeout = Duration::ZERO),
            Box::new(|c| c.close_timeout = Duration::ZERO),
            Box::new(|c| c.max_frame_size = 0),
            Box::new(|c| c.max_message_size = 0),
            Box::new(|c| c.max_response_size = 10),
            Box::new(|c| c.event_queue_capacity = 0),
            Box::new(|c| c.reader_stack_size = 1024),
        ];
        for set in cases {
            let mut c = Config::default();
            set(&mut c);
            assert!(
                matches!(c.validate(), Err(Error::InvalidConfig(_))),
                "{c:?}"
            );
        }
    }

    #[test]
    fn reserved_and_malformed_headers_are_refused() {
        for (n, v) in [
            ("Sec-WebSocket-Key", "x"),
            ("host", "x"),
            ("Bad Name", "x"),
            ("X-Ok", "a\r\nInjected: 1"),
        ] {
            let c = Config {
                headers: vec![(n.into(), v.into())],
                ..Config::default()
            };
            assert!(
                matches!(c.validate(), Err(Error::InvalidConfig(_))),
                "{n}: {v}"
            );
        }
        let ok = Config {
            headers: vec![("Origin".into(), "https://example.com".into())],
            ..Config::default()
        };
        assert!(ok.validate().is_ok());
    }
}
