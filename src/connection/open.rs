//! Opening a connection, on the reader thread: DNS, TCP, TLS, and the opening handshake's I/O
//! (the request and the response's rules are [`crate::proto::handshake`]'s).

use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::connection::shared::Connection;
use crate::delivery::pool::Pool;
use crate::error::{Error, HandshakeError, Result, Timeout};
use crate::proto::deflate::{self, negotiation::negotiate, Inflater};
use crate::proto::handshake;
use crate::proto::url::Target;
use crate::sync::timer;
use crate::transport::{self, ReadHalf, Tls};

/// Everything the reader thread needs to open the connection.
pub(crate) struct Setup {
    pub(crate) target: Target,
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
fn connect(connection: &Connection, target: &Target, timeout: Duration) -> Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host resolved to no address");
    for addr in (target.host.as_str(), target.port).to_socket_addrs()? {
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
    let tcp = Arc::new(connect(connection, target, config.connect_timeout)?);
    connection.socket.register(&tcp)?;
    let deadline = timer::deadline_after(config.handshake_timeout);
    tcp.set_write_timeout(Some(config.handshake_timeout))?;
    let (mut read, mut write) = transport::split(tcp, setup.tls.as_ref(), &target.host, deadline)?;
    let compression = config.compression.filter(|_| deflate::AVAILABLE);
    let offer = compression.map(|c| c.offer.header_value());
    let offer = offer.as_deref();
    let request = handshake::request(target, &config.protocols, &config.headers, offer);
    write.write_all(&request.bytes).map_err(handshake_io)?;
    let mut buf = Vec::with_capacity(1024);
    let accepted = loop {
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
        let offered = &config.protocols;
        if let Some(a) =
            handshake::parse_response(&buf, &request, offered, offer, config.max_response_size)?
        {
            break a;
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
    writer.attach(write);
    drop(writer);
    buf.drain(..accepted.len);
    Ok(Opened {
        read,
        leftover: buf,
        inflater,
    })
}
