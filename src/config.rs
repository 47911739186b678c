//! The settings of one socket, with their documented defaults: the builder fills a [`Config`],
//! checks it once, and the I/O edge reads it. Nothing here connects or spawns.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::proto::deflate::negotiation::{ClientMaxWindowBits, Offer};
use crate::proto::proxy::{BadProxy, Proxy};
use crate::proto::token;

/// Default for [`Builder::connect_timeout`](crate::Builder::connect_timeout): 30 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default for [`Builder::handshake_timeout`](crate::Builder::handshake_timeout): 30 seconds.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default for [`Builder::close_timeout`](crate::Builder::close_timeout): 5 seconds.
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Default for [`Builder::max_frame_size`](crate::Builder::max_frame_size): 64 MiB, the message
/// limit ([`DEFAULT_MAX_MESSAGE_SIZE`]). Unless set, the frame limit follows
/// [`Builder::max_message_size`](crate::Builder::max_message_size), so that any message the
/// message limit accepts is accepted in a single frame too, as browsers do: servers such as
/// Python's `websockets` and Node's `ws` send a message in one frame whatever its size.
pub const DEFAULT_MAX_FRAME_SIZE: usize = DEFAULT_MAX_MESSAGE_SIZE;
/// Default for [`Builder::max_message_size`](crate::Builder::max_message_size): 64 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 << 20;
/// Default for [`Builder::max_response_size`](crate::Builder::max_response_size): 16 KiB.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 16 << 10;
/// Default for [`Builder::event_queue_capacity`](crate::Builder::event_queue_capacity): 16 batches (at most 4096 events).
pub const DEFAULT_EVENT_QUEUE_CAPACITY: usize = 16;
/// Default for [`Builder::event_queue_bytes`](crate::Builder::event_queue_bytes): 4 MiB. On the 1 MiB receive benchmark a smaller
/// limit made the reader wait for the application too often, and a larger one let the buffers
/// in rotation outgrow the batch pool, which cost the reader CPU time (see PERFORMANCE.md).
pub const DEFAULT_EVENT_QUEUE_BYTES: usize = 4 << 20;
/// Default for [`Builder::fragment_size`](crate::Builder::fragment_size): 16 MiB, the default frame limit of common servers.
pub const DEFAULT_FRAGMENT_SIZE: usize = 16 << 20;
/// Default for [`Builder::reader_stack_size`](crate::Builder::reader_stack_size): 128 KiB.
pub const DEFAULT_READER_STACK_SIZE: usize = 128 << 10;
/// Default for [`Builder::ping_interval`](crate::Builder::ping_interval): 20 seconds, as Python's
/// `websockets` does. Browsers send no pings, but a browser tab rarely outlives a dead network
/// the way a feed consumer does: without pings, a server that vanished without closing TCP (a
/// NAT that forgot the connection, a crashed host) is never noticed. 20 s is short enough to
/// keep NAT and proxy idle timers (commonly 30–60 s or more) from dropping a quiet connection,
/// and costs one small frame each way per 20 s of silence.
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(20);
/// Default for [`Builder::pong_timeout`](crate::Builder::pong_timeout): 20 seconds, as Python's
/// `websockets` does: long enough for a busy server or a slow link to answer, so a dead peer is
/// noticed within 40 s of silence.
pub const DEFAULT_PONG_TIMEOUT: Duration = Duration::from_secs(20);

/// The settings of one socket, validated. `Debug` never shows a proxy password (see
/// [`Proxy`]).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) protocols: Vec<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) connect_timeout: Duration,
    pub(crate) handshake_timeout: Duration,
    pub(crate) close_timeout: Duration,
    /// The frame limit if set; `None` leaves frames to `max_message_size` (see
    /// [`Config::frame_limit`]).
    pub(crate) max_frame_size: Option<usize>,
    pub(crate) max_message_size: usize,
    pub(crate) max_response_size: usize,
    pub(crate) event_queue_capacity: usize,
    pub(crate) event_queue_bytes: usize,
    pub(crate) reader_stack_size: usize,
    /// Ping after this long without receiving anything; zero turns pings off.
    pub(crate) ping_interval: Duration,
    /// Fail the connection when nothing arrives this long after a keepalive ping.
    pub(crate) pong_timeout: Duration,
    /// Fail a send that makes no progress for this long; `None` waits for ever.
    pub(crate) send_timeout: Option<Duration>,
    /// Report pongs as [`Event::Pong`](crate::Event::Pong).
    pub(crate) pong_events: bool,
    pub(crate) fragment_size: usize,
    /// Whether ports that browsers block may be connected to.
    pub(crate) allow_blocked_ports: bool,
    pub(crate) tls: TlsConfig,
    /// permessage-deflate: what to offer and how to compress; `None` offers nothing.
    pub(crate) compression: Option<Compression>,
    /// The proxy of [`Builder::proxy`](crate::Builder::proxy), parsed when it was given; a
    /// URL that did not parse waits here for [`Config::validate`].
    pub(crate) proxy: Option<std::result::Result<Proxy, BadProxy>>,
    /// Whether the environment's proxy is used when no explicit one is given.
    pub(crate) proxy_from_env: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            protocols: Vec::new(),
            headers: Vec::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            max_frame_size: None,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            event_queue_capacity: DEFAULT_EVENT_QUEUE_CAPACITY,
            event_queue_bytes: DEFAULT_EVENT_QUEUE_BYTES,
            reader_stack_size: DEFAULT_READER_STACK_SIZE,
            ping_interval: DEFAULT_PING_INTERVAL,
            pong_timeout: DEFAULT_PONG_TIMEOUT,
            send_timeout: None,
            pong_events: false,
            fragment_size: DEFAULT_FRAGMENT_SIZE,
            allow_blocked_ports: false,
            tls: TlsConfig::default(),
            compression: Some(Compression::default()),
            proxy: None,
            proxy_from_env: true,
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

/// Default for [`Compression::level`]: 7, zlib-rs's level closest to what browsers and Node's
/// `ws` send at zlib's default level, 6. zlib-rs (wsync's zlib) numbers its levels as zlib-ng
/// does: 1 uses static Huffman codes only, 3 to 6 a faster matcher than zlib's ("medium"), which
/// leaves JSON a little larger than zlib's 6, and 7 to 9 zlib's lazy matching. At 7, wsync's
/// messages are no larger than a browser's, for less CPU than zlib takes at 6; level 1 costs
/// several times less CPU per message for noticeably more bytes (PERFORMANCE.md has the
/// figures; `cargo bench --bench deflate -- codec` measures them).
pub const DEFAULT_COMPRESSION_LEVEL: u32 = 7;

/// The settings of permessage-deflate (RFC 7692), for [`Builder::compression`](crate::Builder::compression).
///
/// The default is what browsers offer, `permessage-deflate; client_max_window_bits`: the server
/// chooses whether to compress and may limit our window; both sides keep their compression
/// context from message to message, which is what makes repetitive JSON small. Each direction's
/// zlib state is allocated on its first compressed message, so a connection that never
/// exchanges one pays nothing. Once allocated, inflating takes about 46 KiB and compressing
/// about 370 KiB at a 15-bit window (zlib-rs, memLevel 8); ask for no context takeover to
/// release the inflater between messages.
///
/// Without the `deflate` cargo feature nothing is offered, whatever these settings say.
///
/// ```
/// let settings = wsync::Compression::default()
///     .server_max_window_bits(12) // the server keeps a 4 KiB window for us
///     .level(1);                  // cheaper compression, somewhat more bytes
/// let builder = wsync::WebSocket::builder("ws://127.0.0.1:9001").compression(settings);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compression {
    pub(crate) offer: Offer,
    pub(crate) level: u32,
    pub(crate) min_size: Option<usize>,
}

impl Default for Compression {
    fn default() -> Compression {
        Compression {
            offer: Offer::default(),
            level: DEFAULT_COMPRESSION_LEVEL,
            min_size: None,
        }
    }
}

impl Compression {
    /// Asks the server to compress each message on its own (`server_no_context_takeover`), so
    /// that our inflater's state can be released between messages, at the cost of larger
    /// messages. Default: false.
    pub fn server_no_context_takeover(mut self, on: bool) -> Compression {
        self.offer.server_no_context_takeover = on;
        self
    }

    /// Compresses each of our messages on its own (`client_no_context_takeover`), and says so.
    /// Default: false.
    pub fn client_no_context_takeover(mut self, on: bool) -> Compression {
        self.offer.client_no_context_takeover = on;
        self
    }

    /// Asks the server to compress with a window of at most 2^`bits` bytes, 8 to 15
    /// (`server_max_window_bits`). Default: not asked (the server's choice, up to 15).
    pub fn server_max_window_bits(mut self, bits: u8) -> Compression {
        self.offer.server_max_window_bits = Some(bits);
        self
    }

    /// Compresses with a window of at most 2^`bits` bytes, 8 to 15, and tells the server so
    /// (`client_max_window_bits=bits`). Default: offered without a value, which lets the
    /// server set the limit.
    pub fn client_max_window_bits(mut self, bits: u8) -> Compression {
        self.offer.client_max_window_bits = ClientMaxWindowBits::Value(bits);
        self
    }

    /// Leaves `client_max_window_bits` out of the offer, for the rare server that mishandles
    /// it; the server then may not limit our window. Default: offered.
    pub fn without_client_max_window_bits(mut self) -> Compression {
        self.offer.client_max_window_bits = ClientMaxWindowBits::Omitted;
        self
    }

    /// The compression level of our messages, 0 (stored, no compression) to 9, as zlib-rs
    /// numbers them (see [`DEFAULT_COMPRESSION_LEVEL`], the default, for how they differ from
    /// zlib's).
    pub fn level(mut self, level: u32) -> Compression {
        self.level = level;
        self
    }

    /// Messages shorter than this go out uncompressed, as RFC 7692 allows message by message.
    /// Default: 0 (every message is compressed) while our compression context is kept between
    /// messages, where even short messages shrink by referring to earlier ones; 64 bytes when
    /// it is not (when we or the server asked for `client_no_context_takeover`), where shorter
    /// messages barely shrink or grow.
    pub fn min_size(mut self, bytes: usize) -> Compression {
        self.min_size = Some(bytes);
        self
    }

    /// The threshold for a connection whose context takeover is as negotiated.
    pub(crate) fn min_size_for(&self, no_context_takeover: bool) -> usize {
        self.min_size
            .unwrap_or(if no_context_takeover { 64 } else { 0 })
    }

    fn validate(&self) -> Result<()> {
        self.offer
            .validate()
            .map_err(|why| Error::InvalidConfig(why.to_owned()))?;
        if self.level > 9 {
            return Err(Error::InvalidConfig(format!(
                "compression level must be 0 to 9, got {}",
                self.level
            )));
        }
        Ok(())
    }
}

/// A certificate as the caller gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Certificate {
    /// PEM text.
    Pem(Vec<u8>),
    /// DER bytes.
    Der(Vec<u8>),
}

/// A client identity as the caller gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Identity {
    /// A PKCS#12 archive and its password.
    Pkcs12 { der: Vec<u8>, password: String },
    /// A PEM certificate chain and a PKCS#8 PEM private key.
    Pem { chain: Vec<u8>, key: Vec<u8> },
}

/// The TLS settings of one socket.
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsConfig {
    pub(crate) roots: Vec<Certificate>,
    pub(crate) identity: Option<Identity>,
    pub(crate) accept_invalid_certs: bool,
    pub(crate) accept_invalid_hostnames: bool,
    #[cfg(feature = "native-tls")]
    pub(crate) connector: Option<native_tls::TlsConnector>,
}

impl Config {
    /// The frame limit to check apart from the message limit: the one set, else none, as the
    /// message limit bounds every frame anyway (and a frame over it is reported as the message
    /// too large that it is).
    pub(crate) fn frame_limit(&self) -> usize {
        self.max_frame_size.unwrap_or(usize::MAX)
    }

    /// Checks every setting; the first one out of range is the error.
    pub(crate) fn validate(&self) -> Result<()> {
        let positive = [
            ("connect_timeout", self.connect_timeout),
            ("handshake_timeout", self.handshake_timeout),
            ("close_timeout", self.close_timeout),
            ("pong_timeout", self.pong_timeout),
            ("send_timeout", self.send_timeout.unwrap_or(Duration::MAX)),
        ];
        for (name, value) in positive {
            if value.is_zero() {
                return Err(Error::InvalidConfig(format!("{name} must not be zero")));
            }
        }
        let sizes = [
            ("max_frame_size", self.max_frame_size.unwrap_or(1), 1),
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
            if !token::is_token(name) {
                return Err(Error::InvalidConfig(format!(
                    "header name {name:?} is not an HTTP token"
                )));
            }
            if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                return Err(Error::InvalidConfig(format!(
                    "header {name:?} is set by the handshake itself"
                )));
            }
            if !token::is_field_value(value) {
                return Err(Error::InvalidConfig(format!(
                    "header {name:?} has a control character in its value"
                )));
            }
        }
        if let Some(compression) = &self.compression {
            compression.validate()?;
        }
        if let Some(Err(e)) = &self.proxy {
            return Err(Error::InvalidConfig(format!("proxy: {e}")));
        }
        token::validate_protocols(&self.protocols)
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
    fn frames_are_bounded_by_the_message_limit_unless_a_frame_limit_is_set() {
        assert_eq!(DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_MESSAGE_SIZE);
        let mut c = Config::default();
        assert_eq!(c.frame_limit(), usize::MAX, "no limit of its own");
        c.max_frame_size = Some(1024);
        assert_eq!(c.frame_limit(), 1024);
    }

    #[test]
    fn zero_settings_are_refused() {
        type Set = Box<dyn Fn(&mut Config)>;
        let cases: Vec<Set> = vec![
            Box::new(|c| c.connect_timeout = Duration::ZERO),
            Box::new(|c| c.handshake_timeout = Duration::ZERO),
            Box::new(|c| c.close_timeout = Duration::ZERO),
            Box::new(|c| c.max_frame_size = Some(0)),
            Box::new(|c| c.max_message_size = 0),
            Box::new(|c| c.max_response_size = 10),
            Box::new(|c| c.event_queue_capacity = 0),
            Box::new(|c| c.reader_stack_size = 1024),
            Box::new(|c| c.pong_timeout = Duration::ZERO),
            Box::new(|c| c.send_timeout = Some(Duration::ZERO)),
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

    #[test]
    fn a_bad_proxy_url_is_refused_without_its_password() {
        let c = Config {
            proxy: Some(Proxy::parse("https://alice:hunter2@proxy:3128")),
            ..Config::default()
        };
        match c.validate() {
            Err(Error::InvalidConfig(why)) => {
                assert!(why.starts_with("proxy: unsupported proxy scheme"), "{why}");
                assert!(!why.contains("hunter2"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        let ok = Config {
            proxy: Some(Proxy::parse("http://alice:hunter2@proxy:3128")),
            ..Config::default()
        };
        assert!(ok.validate().is_ok());
        assert!(!format!("{ok:?}").contains("hunter2"), "{ok:?}");
    }
}
