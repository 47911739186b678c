//! The settings of one socket, with their documented defaults: the builder fills a [`Config`],
//! checks it once, and the I/O edge reads it. Nothing here connects or spawns.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::proto::proxy::{BadProxy, Proxy};
use crate::proto::token;

/// Default for [`Builder::connect_timeout`](crate::Builder::connect_timeout): 30 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default for [`Builder::handshake_timeout`](crate::Builder::handshake_timeout): 30 seconds.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default for [`Builder::close_timeout`](crate::Builder::close_timeout): 5 seconds.
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Default for [`Builder::max_frame_size`](crate::Builder::max_frame_size): 16 MiB.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 16 << 20;
/// Default for [`Builder::max_message_size`](crate::Builder::max_message_size): 64 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 << 20;
/// Default for [`Builder::max_response_size`](crate::Builder::max_response_size): 16 KiB.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 16 << 10;
/// Default for [`Builder::event_queue_capacity`](crate::Builder::event_queue_capacity): 16 batches (at most 4096 events).
pub const DEFAULT_EVENT_QUEUE_CAPACITY: usize = 16;
/// Default for [`Builder::event_queue_bytes`](crate::Builder::event_queue_bytes): 4 MiB. On the 1 MiB receive benchmark a smaller
/// limit made the reader wait for the application too often, and a larger one let the buffers
/// in rotation outgrow the batch pool, which cost the reader CPU time (see the README's
/// Performance section).
pub const DEFAULT_EVENT_QUEUE_BYTES: usize = 4 << 20;
/// Default for [`Builder::fragment_size`](crate::Builder::fragment_size): 16 MiB, the default frame limit of common servers.
pub const DEFAULT_FRAGMENT_SIZE: usize = 16 << 20;
/// Default for [`Builder::reader_stack_size`](crate::Builder::reader_stack_size): 128 KiB.
pub const DEFAULT_READER_STACK_SIZE: usize = 128 << 10;

/// The settings of one socket, validated. `Debug` never shows a proxy password (see
/// [`Proxy`]).
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
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            event_queue_capacity: DEFAULT_EVENT_QUEUE_CAPACITY,
            event_queue_bytes: DEFAULT_EVENT_QUEUE_BYTES,
            reader_stack_size: DEFAULT_READER_STACK_SIZE,
            fragment_size: DEFAULT_FRAGMENT_SIZE,
            tls: TlsConfig::default(),
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
