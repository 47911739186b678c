//! Opening a connection, on the reader thread: DNS, TCP, the proxy's tunnel when there is a
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
use crate::proto::handshake;
use crate::proto::proxy::Proxy;
use crate::proto::url::Target;
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

/// Resolves the host and connects to the first address that answers.
fn connect(connection: &Connection, host: &str, port: u16, timeout: Duration) -> Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host resolved to no address");
    for addr in (host, port).to_socket_addrs()? {
        if connection.socket.is_aborted() {
            return Err(Error::Aborted);
        }
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(tcp) => {
                tcp.set_nodelay(true)?;
                return Ok(tcp);
            }
            Err(e) => last = e,
        }
    }
    if last.kind() == io::ErrorKind::TimedOut {
        return Err(Error::Timeout(Timeout::Connect));
    }
    Err(Error::Io(last))
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
        Error::Io(e) => unreachable(e),
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

/// Connects, runs the TLS and WebSocket handshakes, and installs the write half. Returns the
/// read half and any frame bytes that arrived with the handshake response.
pub(crate) fn open(connection: &Connection, setup: &Setup) -> Result<(ReadHalf, Vec<u8>)> {
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
    let request = handshake::request(target, &config.protocols, &config.headers, None);
    write.write_all(&request.bytes).map_err(handshake_io)?;
    let accepted = loop {
        // Parsed before the first read too: the buffer may start with the proxy's leftover.
        let offered = &config.protocols;
        if let Some(a) =
            handshake::parse_response(&buf, &request, offered, None, config.max_response_size)?
        {
            break a;
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
    read.tcp().set_write_timeout(None)?;
    connection
        .state
        .set_negotiated(accepted.protocol, accepted.extensions);
    connection.writer().attach(write);
    buf.drain(..accepted.len);
    Ok((read, buf))
}
