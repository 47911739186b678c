//! Opening a connection, on the opener thread ([`super::reader`]): DNS, TCP, the proxy's tunnel when there is a
//! proxy ([`super::proxy`]), TLS, and the opening handshake's I/O (the request and the
//! response's rules are [`crate::proto::handshake`]'s).

use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::connection::proxy;
use crate::connection::shared::Connection;
use crate::delivery::pool::Pool;
use crate::error::{Error, HandshakeError, ProxyError, Result, Timeout};
use crate::proto::deflate::{self, negotiation::negotiate, Inflater};
use crate::proto::proxy::Proxy;
use crate::proto::url::Target;
use crate::proto::{handshake, http};
use crate::response::Response;
use crate::sync::timer;
use crate::transport::{self, ReadHalf, Tls};

/// Everything the reader thread needs to open the connection.
pub(crate) struct Setup {
    pub(crate) target: Target,
    /// The proxy to tunnel through, if any.
    pub(crate) proxy: Option<Proxy>,
    pub(crate) config: Config,
    /// The TLS connector for a wss:// target.
    pub(crate) tls: Option<Tls>,
    /// Emptied batches the handle gives back, so that batches are not allocated anew.
    pub(crate) pool: Arc<Pool>,
}

/// The TLS connector a wss:// target needs, built before the thread starts so that bad
/// certificates fail the constructor; none for ws://.
pub(crate) fn tls_for(target: &Target, config: &Config) -> Result<Option<Tls>> {
    match target.secure {
        true => transport::tls(&config.tls).map(Some),
        false => Ok(None),
    }
}

/// Resolves the host and connects to the first address that answers. A failure to resolve is
/// [`Error::Dns`]; else the last address's failure tells: a timeout, a refusal, or another.
fn connect(connection: &Connection, host: &str, port: u16, timeout: Duration) -> Result<TcpStream> {
    let addrs = (host, port).to_socket_addrs().map_err(Error::Dns)?;
    let mut last = None;
    for addr in addrs {
        if connection.socket.is_aborted() {
            return Err(Error::Aborted);
        }
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(tcp) => {
                tcp.set_nodelay(true)?;
                return Ok(tcp);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        None => Error::Dns(io::Error::new(
            io::ErrorKind::NotFound,
            "the host resolved to no address",
        )),
        Some(e) if e.kind() == io::ErrorKind::TimedOut => Error::Timeout(Timeout::Connect),
        Some(e) if e.kind() == io::ErrorKind::ConnectionRefused => Error::ConnectionRefused(e),
        Some(e) => Error::Io(e),
    })
}

/// Connects to the proxy. Failing to reach it is [`ProxyError::Unreachable`], the connect
/// timeout passing included, so that it is not taken for the server being unreachable (which
/// the proxy reports with a refusal); `close()` meanwhile is still [`Error::Aborted`].
fn connect_to_proxy(
    connection: &Connection,
    proxy: &Proxy,
    timeout: Duration,
) -> Result<TcpStream> {
    let unreachable = |error| {
        Error::Proxy(ProxyError::Unreachable {
            proxy: proxy.to_string(),
            error,
        })
    };
    connect(connection, &proxy.host, proxy.port, timeout).map_err(|e| match e {
        Error::Io(e) | Error::Dns(e) | Error::ConnectionRefused(e) => unreachable(e),
        Error::Timeout(Timeout::Connect) => unreachable(io::Error::new(
            io::ErrorKind::TimedOut,
            "the connect timeout passed",
        )),
        other => other,
    })
}

/// Maps an I/O error during the handshake: a read timeout is the handshake timeout.
fn handshake_io(e: io::Error) -> Error {
    let e = match transport::tls_error(e) {
        Ok(tls) => return tls,
        Err(e) => e,
    };
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Error::Timeout(Timeout::Handshake),
        _ => Error::Io(e),
    }
}

/// How long the body of a refusal may pause before what has arrived is taken as all of it: a
/// server that neither delimits it nor closes the connection must not hold the error back
/// until the handshake timeout.
const BODY_PAUSE: Duration = Duration::from_millis(500);

/// Reads the body of a refused response, `raw` being what followed its head so far, as far as
/// [`http::Body`] says it goes (its length, its last chunk, the connection's end, the limit),
/// by `deadline` at the latest and while it keeps coming (see [`BODY_PAUSE`]): whatever arrived
/// by then, or before a failed read, is the body. The refusal is the error either way, so
/// nothing here fails.
fn read_body(
    read: &mut ReadHalf,
    response: &mut Response,
    mut raw: Vec<u8>,
    deadline: Instant,
    limit: usize,
) {
    let body = http::Body::new(response, limit);
    while !body.is_complete(&raw) {
        let left = deadline.saturating_duration_since(Instant::now());
        let wait = left.min(BODY_PAUSE);
        if wait.is_zero() || read.tcp().set_read_timeout(Some(wait)).is_err() {
            break;
        }
        let start = raw.len();
        raw.resize(start + 1024, 0);
        let got = read.read(&mut raw[start..]);
        raw.truncate(start + *got.as_ref().unwrap_or(&0));
        match got {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    response.set_body(body.decode(&raw));
}

/// An open connection, for the reader thread.
pub(crate) struct Opened {
    /// The read half of the stream.
    pub(crate) read: ReadHalf,
    /// Frame bytes that arrived with the handshake response.
    pub(crate) leftover: Vec<u8>,
    /// The inflater of the server's messages, when permessage-deflate was agreed.
    pub(crate) inflater: Option<Inflater>,
}

/// Connects, runs the TLS and WebSocket handshakes, and installs the write half (with its
/// compressor, when permessage-deflate was agreed).
pub(crate) fn open(connection: &Connection, setup: &Setup) -> Result<Opened> {
    let (target, config) = (&setup.target, &setup.config);
    let tcp = match &setup.proxy {
        Some(proxy) => connect_to_proxy(connection, proxy, config.connect_timeout)?,
        None => connect(
            connection,
            &target.host,
            target.port,
            config.connect_timeout,
        )?,
    };
    let tcp = Arc::new(tcp);
    connection.socket.register(&tcp)?;
    let deadline = timer::deadline_after(config.handshake_timeout);
    // What the proxy sent after opening the tunnel belongs to the handshake's reply.
    let mut buf = match &setup.proxy {
        Some(proxy) => proxy::tunnel(&tcp, proxy, target, deadline, config.max_response_size)?,
        None => Vec::with_capacity(1024),
    };
    tcp.set_write_timeout(Some(config.handshake_timeout))?;
    let (mut read, mut write) = transport::split(tcp, setup.tls.as_ref(), &target.host, deadline)?;
    let compression = config.compression.filter(|_| deflate::AVAILABLE);
    let offer = compression.map(|c| c.offer.header_value());
    let offer = offer.as_deref();
    let request = handshake::request(target, &config.protocols, &config.headers, offer);
    write.write_all(&request.bytes).map_err(handshake_io)?;
    let accepted = loop {
        // Parsed before the first read too: the buffer may start with the proxy's leftover.
        let offered = &config.protocols;
        match handshake::parse_response(&buf, &request, offered, offer, config.max_response_size) {
            Ok(Some(a)) => break a,
            Ok(None) => {}
            Err(HandshakeError::Status(mut response)) => {
                let head = http::head_len(&buf).unwrap_or(buf.len());
                buf.drain(..head);
                let limit = config.max_response_size;
                read_body(&mut read, &mut response, buf, deadline, limit);
                return Err(HandshakeError::Status(response).into());
            }
            Err(e) => return Err(e.into()),
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::Timeout(Timeout::Handshake));
        }
        read.tcp().set_read_timeout(Some(left))?;
        let start = buf.len();
        buf.resize(start + 1024, 0);
        let n = read.read(&mut buf[start..]).map_err(handshake_io)?;
        buf.truncate(start + n);
        if n == 0 {
            return Err(HandshakeError::Incomplete.into());
        }
    };
    read.tcp().set_read_timeout(None)?;
    read.tcp().set_write_timeout(config.send_timeout)?;
    let mut writer = connection.writer();
    let mut inflater = None;
    if let Some(compression) = compression {
        let answer = [accepted.extensions.as_str()];
        let agreed = negotiate(&compression.offer, &answer)
            .map_err(|e| HandshakeError::Extension(e.to_string()))?;
        if let Some(params) = agreed {
            if let Some((inflate, deflater)) = deflate::codecs(&params, compression.level) {
                let min_size = compression.min_size_for(params.client_no_context_takeover);
                writer.compress_with(deflater, min_size);
                inflater = Some(inflate);
            }
        }
    }
    connection
        .state
        .set_negotiated(accepted.protocol, accepted.extensions);
    connection.state.set_response(accepted.response);
    writer.attach(write);
    drop(writer);
    buf.drain(..accepted.len);
    Ok(Opened {
        read,
        leftover: buf,
        inflater,
    })
}
