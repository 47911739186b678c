//! The constructors of a [`WebSocket`] and the [`Builder`] behind them, which fills a
//! [`Config`] (with its documented defaults) and checks it when it builds.

use std::time::Duration;

use crate::config::{Certificate, Compression, Config, Identity};
use crate::error::Result;
use crate::proto::proxy::Proxy;
use crate::websocket::WebSocket;

/// The constructors live beside the builder they use, so that the handle's module does not
/// depend on the builder's.
///
/// Each takes the URL as anything that gives a `&str`: `&str`, `String`, `&String`, or a
/// [`url::Url`](https://docs.rs/url/latest/url/struct.Url.html) (by value or by reference).
impl WebSocket {
    /// The browser's `new WebSocket(url)`: validates `url` (a `&str`, `String` or `url::Url`)
    /// and starts connecting in the background. Returns in [`ReadyState::Connecting`](crate::ReadyState::Connecting); an [`Event::Open`](crate::Event::Open), or an
    /// [`Event::Error`](crate::Event::Error) then [`Event::Close`](crate::Event::Close), follows.
    ///
    /// Fails at once with [`Error::Syntax`](crate::Error::Syntax) for a URL the browser would refuse, and with
    /// [`Error::Security`](crate::Error::Security) for a blocked port (see
    /// [`Builder::allow_blocked_ports`]).
    pub fn new(url: impl AsRef<str>) -> Result<WebSocket> {
        Builder::new(url.as_ref()).build()
    }

    /// The browser's `new WebSocket(url, protocols)`: like [`WebSocket::new`], offering the
    /// given subprotocols, most preferred first. A duplicate or one that is not an HTTP token is
    /// an [`Error::Syntax`](crate::Error::Syntax).
    pub fn with_protocols<I, S>(url: impl AsRef<str>, protocols: I) -> Result<WebSocket>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Builder::new(url.as_ref()).protocols(protocols).build()
    }

    /// Connects and waits until the socket is OPEN, or returns why it could not open. For
    /// scripts: `let ws = WebSocket::connect("ws://...")?;`.
    pub fn connect(url: impl AsRef<str>) -> Result<WebSocket> {
        Builder::new(url.as_ref()).connect()
    }

    /// Configures a socket: subprotocols, headers, timeouts, limits. See [`Builder`].
    pub fn builder(url: impl AsRef<str>) -> Builder {
        Builder::new(url.as_ref())
    }
}

/// Configures a [`WebSocket`] before it connects. Start from [`WebSocket::builder`].
///
/// Every setting has a documented default; a setting out of range makes [`Builder::build`] and
/// [`Builder::connect`] return [`Error::InvalidConfig`](crate::Error::InvalidConfig), never panic.
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
    /// Each must be an HTTP token and appear once, or building fails with [`Error::Syntax`](crate::Error::Syntax).
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
    /// refused with [`Error::InvalidConfig`](crate::Error::InvalidConfig), as is a name or value that is not valid HTTP.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Builder {
        self.config.headers.push((name.into(), value.into()));
        self
    }

    /// How long to wait for the TCP connection (to the proxy, when there is one), per resolved
    /// address.
    /// Default: [`DEFAULT_CONNECT_TIMEOUT`](crate::DEFAULT_CONNECT_TIMEOUT).
    pub fn connect_timeout(mut self, timeout: Duration) -> Builder {
        self.config.connect_timeout = timeout;
        self
    }

    /// How long the opening handshakes may take together: the proxy's tunnel when there is a
    /// proxy, TLS for wss://, and the WebSocket handshake.
    /// Default: [`DEFAULT_HANDSHAKE_TIMEOUT`](crate::DEFAULT_HANDSHAKE_TIMEOUT).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Builder {
        self.config.handshake_timeout = timeout;
        self
    }

    /// How long to wait, after sending a close frame, for the server's close frame and then for
    /// the server to close the TCP connection. Past it the socket is shut down; without the
    /// server's close frame the close is unclean (1006). Default: [`DEFAULT_CLOSE_TIMEOUT`](crate::DEFAULT_CLOSE_TIMEOUT).
    pub fn close_timeout(mut self, timeout: Duration) -> Builder {
        self.config.close_timeout = timeout;
        self
    }

    /// The largest frame payload accepted from the server; a larger one fails the connection
    /// with 1009 before any of it is buffered. Default: the message limit
    /// ([`max_message_size`](Builder::max_message_size); when neither is set,
    /// [`DEFAULT_MAX_FRAME_SIZE`](crate::DEFAULT_MAX_FRAME_SIZE)), so that a message is never
    /// refused for coming in one frame.
    pub fn max_frame_size(mut self, bytes: usize) -> Builder {
        self.config.max_frame_size = Some(bytes);
        self
    }

    /// The largest message accepted from the server, all fragments together; a larger one fails
    /// the connection with 1009. Default: [`DEFAULT_MAX_MESSAGE_SIZE`](crate::DEFAULT_MAX_MESSAGE_SIZE).
    pub fn max_message_size(mut self, bytes: usize) -> Builder {
        self.config.max_message_size = bytes;
        self
    }

    /// The largest handshake response (status line and headers) accepted from the server, and
    /// from an HTTP proxy its reply to CONNECT; at least 256 bytes. Of a refusal's body, as much
    /// is kept too ([`Response::body`](crate::Response::body)).
    /// Default: [`DEFAULT_MAX_RESPONSE_SIZE`](crate::DEFAULT_MAX_RESPONSE_SIZE).
    pub fn max_response_size(mut self, bytes: usize) -> Builder {
        self.config.max_response_size = bytes;
        self
    }

    /// How many batches of events may wait in the channel before the reader thread stops
    /// reading from the socket until you receive some (backpressure). A batch holds the events
    /// decoded from one read, at most 256. Default: [`DEFAULT_EVENT_QUEUE_CAPACITY`](crate::DEFAULT_EVENT_QUEUE_CAPACITY).
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
    /// and the message size limit. Default: [`DEFAULT_EVENT_QUEUE_BYTES`](crate::DEFAULT_EVENT_QUEUE_BYTES).
    pub fn event_queue_bytes(mut self, bytes: usize) -> Builder {
        self.config.event_queue_bytes = bytes;
        self
    }

    /// The stack size of the reader thread; at least 32 KiB. The thread that opens the
    /// connection before it (name resolution, proxy, TLS, handshake) and then ends gets eight
    /// times as much: only address space, of which an idle connection keeps nothing.
    /// Default: [`DEFAULT_READER_STACK_SIZE`](crate::DEFAULT_READER_STACK_SIZE).
    pub fn reader_stack_size(mut self, bytes: usize) -> Builder {
        self.config.reader_stack_size = bytes;
        self
    }

    /// Keepalive: sends a ping after this long without receiving anything from the server, and
    /// fails the connection when nothing (a pong or any other frame) arrives within
    /// [`pong_timeout`](Builder::pong_timeout) after it: an [`Event::Error`](crate::Event::Error)
    /// with [`Timeout::Pong`](crate::Timeout::Pong), then a `Close` with 1006. So a server
    /// that vanished without closing TCP is noticed. `Duration::ZERO` turns pings off, as in
    /// the browser. The reader thread's read timeout does the timing: no thread or timer per
    /// connection, and one wake-up per interval of silence. Pings go out the way pongs do,
    /// without the reader ever waiting for the socket. Default:
    /// [`DEFAULT_PING_INTERVAL`](crate::DEFAULT_PING_INTERVAL).
    pub fn ping_interval(mut self, interval: Duration) -> Builder {
        self.config.ping_interval = interval;
        self
    }

    /// How long after a keepalive ping the server has to send something before the connection
    /// fails (see [`ping_interval`](Builder::ping_interval)); not zero. Default:
    /// [`DEFAULT_PONG_TIMEOUT`](crate::DEFAULT_PONG_TIMEOUT).
    pub fn pong_timeout(mut self, timeout: Duration) -> Builder {
        self.config.pong_timeout = timeout;
        self
    }

    /// Fails a send that makes no progress for this long, because the server stopped reading
    /// and the socket's send buffer is full: that `send` returns
    /// [`Error::Timeout`](crate::Error::Timeout) with [`Timeout::Send`](crate::Timeout::Send),
    /// and the connection fails (`Event::Error`, then `Close` with 1006), since a frame cut in
    /// the middle cannot be resumed. It bounds each write to the socket, so a large send to a
    /// slow but live server goes on as long as it keeps reading. Not zero. Default: none, a
    /// send waits as long as the server takes, as in the browser.
    pub fn send_timeout(mut self, timeout: Duration) -> Builder {
        self.config.send_timeout = Some(timeout);
        self
    }

    /// Reports every pong from the server as an [`Event::Pong`](crate::Event::Pong), with the
    /// round-trip time of the ping it answers (ours, from
    /// [`WebSocket::ping`](crate::WebSocket::ping) or keepalive). Default: false, so that only
    /// the browser's four events appear.
    pub fn pong_events(mut self, on: bool) -> Builder {
        self.config.pong_events = on;
        self
    }

    /// Outgoing messages longer than this are sent as several frames of at most this many
    /// bytes (RFC 6455 §5.4 fragmentation). Default: [`DEFAULT_FRAGMENT_SIZE`](crate::DEFAULT_FRAGMENT_SIZE).
    pub fn fragment_size(mut self, bytes: usize) -> Builder {
        self.config.fragment_size = bytes;
        self
    }

    /// Offers permessage-deflate (RFC 7692) with these settings. Default: on, with
    /// [`Compression::default()`], the browser's offer. Whether messages are compressed is
    /// the server's choice: [`WebSocket::extensions`](crate::WebSocket::extensions) tells what it
    /// agreed to. Without the `deflate` cargo feature nothing is offered.
    pub fn compression(mut self, settings: Compression) -> Builder {
        self.config.compression = Some(settings);
        self
    }

    /// Offers no compression: every message goes out and comes in as it is. Default: offered
    /// (see [`Builder::compression`]).
    pub fn no_compression(mut self) -> Builder {
        self.config.compression = None;
        self
    }

    /// Lets the socket connect to a port that browsers block, such as 6000 (X11) or 10080
    /// (Amanda), which is otherwise an [`Error::Security`](crate::Error::Security) as in the
    /// browser. Browsers block the ports of other protocols (mail, FTP, IRC, ...) so that a web
    /// page cannot make the user's browser send requests to those services (cross-protocol
    /// attacks); a native program that chose its URL itself may need one, say for a local
    /// server. Default: false.
    pub fn allow_blocked_ports(mut self, allow: bool) -> Builder {
        self.config.allow_blocked_ports = allow;
        self
    }

    /// Connects through this proxy, whatever the environment says: `http://host:port` (HTTP
    /// CONNECT), `socks5://host:port` (SOCKS5, the server's name resolved here and its first
    /// address sent) or `socks5h://host:port` (SOCKS5, the name resolved by the proxy). Default:
    /// none, and the environment's proxy if any (see [`Builder::proxy_from_env`]).
    ///
    /// - Credentials go in the userinfo, percent-encoded: `http://alice:p%40ss@proxy:3128`
    ///   sends the password `p@ss`, with Basic authentication to an HTTP proxy (RFC 7617) and
    ///   username/password to a SOCKS5 one (RFC 1929). They never appear in `Debug`, `Display`,
    ///   errors or the log; the proxy is shown as `scheme://host:port`.
    /// - Without a port: 80 for `http://`, 1080 for SOCKS5. Without a scheme
    ///   (`proxy.corp:3128`): `http://`, as curl takes it.
    /// - The environment is not read at all, `NO_PROXY` included: this proxy is used for every
    ///   host.
    /// - Refused, as not supported: `https://` (TLS to the proxy itself: a `wss://` connection
    ///   would run TLS inside TLS), `socks4://` and `socks4a://` (no IPv6, no password; every
    ///   common SOCKS server speaks SOCKS5, and `socks5h://` resolves on the proxy as SOCKS4a
    ///   does), and SOCKS5's GSSAPI authentication.
    ///
    /// A URL that does not parse, or has another scheme, a path or a query, makes
    /// [`Builder::build`] fail with [`Error::InvalidConfig`](crate::Error::InvalidConfig), whose
    /// message never holds the password.
    ///
    /// For `wss://` the TLS session runs inside the tunnel, end to end: the server's name is the
    /// one sent for SNI and checked in its certificate. The `Host` header and the request target
    /// are the server's, as without a proxy. [`Builder::connect_timeout`] bounds the TCP
    /// connection to the proxy, and [`Builder::handshake_timeout`] the tunnel's opening together
    /// with the TLS and WebSocket handshakes. The proxy's failures are
    /// [`Error::Proxy`](crate::Error::Proxy) (see [`ProxyError`](crate::ProxyError): unreachable,
    /// refused, credentials rejected, malformed reply); one that does not answer in time is
    /// [`Timeout::Handshake`](crate::Timeout::Handshake).
    ///
    /// ```no_run
    /// let ws = wsync::WebSocket::builder("wss://echo.example/chat")
    ///     .proxy("http://alice:s3cret@proxy.corp:3128")
    ///     .connect()?;
    /// # Ok::<(), wsync::Error>(())
    /// ```
    pub fn proxy(mut self, url: &str) -> Builder {
        self.config.proxy = Some(Proxy::parse(url));
        self
    }

    /// Whether to use the proxy that the environment names when [`Builder::proxy`] was not
    /// called. Default: true, as curl and most HTTP clients do; `false` connects directly.
    ///
    /// The first of these variables set to a value that is not blank names the proxy:
    ///
    /// | URL | variables, in this order |
    /// | --- | --- |
    /// | `ws://` | `ws_proxy`, `WS_PROXY`, `http_proxy`, `HTTP_PROXY`, `all_proxy`, `ALL_PROXY` |
    /// | `wss://` | `wss_proxy`, `WSS_PROXY`, `https_proxy`, `HTTPS_PROXY`, `all_proxy`, `ALL_PROXY` |
    ///
    /// `HTTP_PROXY` is skipped when `REQUEST_METHOD` is set: in a CGI program it comes from the
    /// request's `Proxy` header ("httpoxy", CVE-2016-5385). Its value is a URL as
    /// [`Builder::proxy`] takes it.
    ///
    /// Then `no_proxy`, or when it is unset or blank `NO_PROXY` (the two are not merged), lists
    /// the servers to reach directly, separated by commas or white space. An entry is `*`
    /// (every server); a domain, with or without a leading `.` (`example.com` and
    /// `.example.com` both match `example.com` and `a.example.com`); or an IP address or CIDR
    /// block (`127.0.0.1`, `::1`, `10.0.0.0/8`), which matches a URL with that IP literal only:
    /// names are not resolved, so list `localhost` and `127.0.0.1` both to exempt both. Any
    /// of them may end in `:port` to exempt that port only (`[::1]:8080` for IPv6).
    ///
    /// The variables are read once per socket, when it is built. A value that names the proxy
    /// to use but is not a usable proxy URL makes [`Builder::build`] fail with
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig) naming the variable (never quoting
    /// the value), rather than connecting directly against the user's wish.
    pub fn proxy_from_env(mut self, enabled: bool) -> Builder {
        self.config.proxy_from_env = enabled;
        self
    }

    /// Trusts an extra root certificate, in PEM, for wss:// (in addition to the system's).
    /// A certificate that does not parse makes `build` fail with [`Error::Tls`](crate::Error::Tls) when the URL is
    /// `wss://` (a `ws://` URL never reads it).
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Builder {
        self.config.tls.roots.push(Certificate::Pem(pem.to_vec()));
        self
    }

    /// Trusts an extra root certificate, in DER, for wss:// (in addition to the system's).
    /// A certificate that does not parse makes `build` fail with [`Error::Tls`](crate::Error::Tls) for `wss://`.
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
    /// browser's constructor: the socket is returned in CONNECTING, and an [`Event::Open`](crate::Event::Open)
    /// (or an [`Event::Error`](crate::Event::Error) then [`Event::Close`](crate::Event::Close)) follows.
    ///
    /// [`Event::Open`](crate::Event::Open): crate::Event::Open
    /// [`Event::Error`](crate::Event::Error): crate::Event::Error
    /// [`Event::Close`](crate::Event::Close): crate::Event::Close
    pub fn build(self) -> Result<WebSocket> {
        self.config.validate()?;
        WebSocket::start(&self.url, self.config)
    }

    /// Like [`Builder::build`], then waits until the socket is OPEN, or returns the failure.
    pub fn connect(self) -> Result<WebSocket> {
        self.build()?.wait_open()
    }
}
