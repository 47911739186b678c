//! Proxies at the I/O edge: choosing the proxy when the socket is built (the only place that
//! reads the environment), and opening the tunnel through it on the opener thread, blocking,
//! bounded by the handshake deadline. The URLs, the environment's rules and the bytes on the
//! wire are [`crate::proto::proxy`]'s.
//!
//! [`open`](super::open) connects to the proxy as it would to the server, within the connect
//! timeout, then calls [`tunnel`]; on success the socket is a tunnel to the server, where the
//! TLS and WebSocket handshakes follow.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::error::{Error, ProxyError, Result, Timeout};
use crate::proto::proxy::{
    connect_request, parse_connect_response, parse_socks5_auth_reply, parse_socks5_method,
    parse_socks5_reply, route, socks5_auth_request, socks5_connect_request, socks5_greeting, Proxy,
    ProxyKind, SocksMethod, Step, TargetAddr,
};
use crate::proto::url::Target;

/// How much one read of the reply to CONNECT asks for.
const CHUNK: usize = 1024;

/// The proxy a connection to `target` goes through: the builder's, else the environment's
/// unless the builder turned it off (see [`route`]). A bad value in the environment is an
/// [`Error::InvalidConfig`] naming the variable.
pub(crate) fn choose(target: &Target, config: &Config) -> Result<Option<Proxy>> {
    // `Config::validate` refused a URL that did not parse.
    let explicit = config.proxy.as_ref().and_then(|p| p.as_ref().ok());
    let routed = route(explicit, config.proxy_from_env, target, env_var)
        .map_err(|e| Error::InvalidConfig(format!("proxy: {e}")))?;
    Ok(routed.map(|(proxy, source)| {
        log::debug!(
            "wsync: {}:{} through the proxy {proxy}, from {source}",
            target.host,
            target.port
        );
        proxy
    }))
}

/// An environment variable's value. One that is not Unicode is taken lossily, so that it is
/// reported as a bad proxy URL rather than ignored.
fn env_var(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}

/// Asks the proxy that `tcp` is connected to for a tunnel to the target, and waits for it
/// until `deadline`.
///
/// Returns the bytes that arrived after the proxy's reply, which belong to the tunnel: the
/// reply to CONNECT is read in chunks and anything after its head is handed back for the
/// WebSocket handshake (a proxy should send nothing there, but it is not lost). For `wss://`
/// such bytes are an error, since TLS cannot begin with them. A SOCKS5 reply is read to its
/// exact length, so nothing follows it.
///
/// Failures are [`Error::Proxy`]; the deadline passing is [`Timeout::Handshake`]; another
/// socket error is [`Error::Io`]. For `socks5://` the target's name is resolved here, without
/// a bound (the system resolver has none), as for a direct connection.
pub(crate) fn tunnel(
    tcp: &TcpStream,
    proxy: &Proxy,
    target: &Target,
    deadline: Instant,
    max_reply: usize,
) -> Result<Vec<u8>> {
    let mut conn = Conn { tcp, deadline };
    let result = match proxy.kind {
        ProxyKind::HttpConnect => http_connect(&mut conn, proxy, target, max_reply),
        ProxyKind::Socks5 | ProxyKind::Socks5h => {
            socks5(&mut conn, proxy, target).map(|()| Vec::new())
        }
    };
    let (host, port) = (&target.host, target.port);
    match &result {
        Ok(_) => log::debug!("wsync: the proxy {proxy} opened a tunnel to {host}:{port}"),
        Err(e) => log::debug!("wsync: the proxy {proxy} opened no tunnel to {host}:{port}: {e}"),
    }
    result
}

/// HTTP CONNECT: the request, then the reply's head, read in chunks.
fn http_connect(
    conn: &mut Conn<'_>,
    proxy: &Proxy,
    target: &Target,
    max_reply: usize,
) -> Result<Vec<u8>> {
    let request = connect_request(&target.host, target.port, proxy.credentials.as_ref());
    conn.write_all(&request)?;
    let mut buf = Vec::with_capacity(CHUNK);
    loop {
        let start = buf.len();
        buf.resize(start + CHUNK, 0);
        let n = conn.read(&mut buf[start..])?;
        buf.truncate(start + n);
        if let Some(len) = parse_connect_response(&buf, max_reply)? {
            buf.drain(..len);
            if target.secure && !buf.is_empty() {
                return Err(ProxyError::Malformed(format!(
                    "{} bytes followed the reply to CONNECT, before the TLS handshake began",
                    buf.len()
                ))
                .into());
            }
            return Ok(buf);
        }
    }
}

/// SOCKS5: greeting, authentication if the proxy chose it, then CONNECT.
fn socks5(conn: &mut Conn<'_>, proxy: &Proxy, target: &Target) -> Result<()> {
    let addr = match TargetAddr::from_host(&target.host) {
        TargetAddr::Domain(name) if proxy.kind == ProxyKind::Socks5 => resolve(&name, target.port)?,
        addr => addr,
    };
    let credentials = proxy.credentials.as_ref();
    conn.write_all(&socks5_greeting(credentials.is_some()))?;
    let mut buf = Vec::with_capacity(32);
    let method = conn.read_reply(&mut buf, |b| parse_socks5_method(b, credentials.is_some()))?;
    if let (SocksMethod::Password, Some(c)) = (method, credentials) {
        conn.write_all(&socks5_auth_request(c))?;
        conn.read_reply(&mut buf, parse_socks5_auth_reply)?;
    }
    conn.write_all(&socks5_connect_request(&addr, target.port))?;
    conn.read_reply(&mut buf, parse_socks5_reply)
}

/// The first address `host` resolves to, for `socks5://`; a failure is [`Error::Io`], as
/// for a direct connection.
fn resolve(host: &str, port: u16) -> Result<TargetAddr> {
    let first = (host, port).to_socket_addrs()?.next();
    let addr = first.ok_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, "the host resolved to no address")
    })?;
    Ok(TargetAddr::Ip(addr.ip()))
}

/// The socket connected to the proxy, and the deadline that bounds every read and write on it.
struct Conn<'a> {
    tcp: &'a TcpStream,
    deadline: Instant,
}

impl Conn<'_> {
    /// The time left, or [`Timeout::Handshake`] once none is.
    fn left(&self) -> Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::Timeout(Timeout::Handshake));
        }
        Ok(left)
    }

    /// Writes all of `bytes` before the deadline.
    fn write_all(&mut self, mut bytes: &[u8]) -> Result<()> {
        while !bytes.is_empty() {
            self.tcp.set_write_timeout(Some(self.left()?))?;
            match self.tcp.write(bytes) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero).into()),
                Ok(n) => bytes = &bytes[n..],
                Err(e) => retry_or_fail(e)?,
            }
        }
        Ok(())
    }

    /// Reads at least one byte into `buf` before the deadline; the end of the stream is
    /// [`ProxyError::Closed`].
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        loop {
            self.tcp.set_read_timeout(Some(self.left()?))?;
            match self.tcp.read(buf) {
                Ok(0) => return Err(ProxyError::Closed.into()),
                Ok(n) => return Ok(n),
                Err(e) => retry_or_fail(e)?,
            }
        }
    }

    /// Reads one SOCKS5 reply into `buf` (cleared first), never past its end.
    fn read_reply<T>(
        &mut self,
        buf: &mut Vec<u8>,
        parse: impl Fn(&[u8]) -> std::result::Result<Step<T>, ProxyError>,
    ) -> Result<T> {
        buf.clear();
        loop {
            match parse(buf)? {
                Step::Done(value) => return Ok(value),
                Step::NeedMore(total) => {
                    let start = buf.len();
                    buf.resize(total, 0);
                    let n = self.read(&mut buf[start..])?;
                    buf.truncate(start + n);
                }
            }
        }
    }
}

/// Sorts a socket error: `Ok` to try again (interrupted), the handshake timeout, or the error.
fn retry_or_fail(e: io::Error) -> Result<()> {
    match e.kind() {
        io::ErrorKind::Interrupted => Ok(()),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            Err(Error::Timeout(Timeout::Handshake))
        }
        _ => Err(Error::Io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::proxy::Proxy;
    use crate::proto::url::parse;
    use std::net::TcpListener;

    /// A connected pair: ours, and the proxy's end.
    fn pair() -> (TcpStream, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let ours = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let theirs = l.accept().unwrap().0;
        theirs
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        (ours, theirs)
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(10)
    }

    #[test]
    fn a_socks5_reply_is_read_to_its_end_and_no_further() {
        let (ours, mut theirs) = pair();
        let peer = std::thread::spawn(move || {
            let mut greeting = [0u8; 3];
            theirs.read_exact(&mut greeting).unwrap();
            theirs.write_all(&[5, 0]).unwrap();
            let mut request = [0u8; 10];
            theirs.read_exact(&mut request).unwrap();
            // The reply and the server's first bytes in one write.
            theirs
                .write_all(&[
                    5, 0, 0, 1, 127, 0, 0, 1, 0, 80, b'E', b'A', b'R', b'L', b'Y',
                ])
                .unwrap();
            request
        });
        let proxy = Proxy::parse("socks5://127.0.0.1:1").unwrap();
        let target = parse("ws://127.0.0.1:8080/", false).unwrap();
        let leftover = tunnel(&ours, &proxy, &target, soon(), 1024).unwrap();
        assert!(leftover.is_empty());
        assert_eq!(peer.join().unwrap(), [5, 1, 0, 1, 127, 0, 0, 1, 0x1F, 0x90]);
        let mut early = [0u8; 5];
        (&ours).read_exact(&mut early).unwrap();
        assert_eq!(&early, b"EARLY");
    }

    #[test]
    fn bytes_after_connect_go_to_ws_and_fail_wss() {
        for (url, ok) in [("ws://h:8080/", true), ("wss://h:8080/", false)] {
            let (ours, mut theirs) = pair();
            let peer = std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    theirs.read_exact(&mut byte).unwrap();
                    head.push(byte[0]);
                }
                theirs.write_all(b"HTTP/1.1 200 OK\r\n\r\nEXTRA").unwrap();
                String::from_utf8(head).unwrap()
            });
            let proxy = Proxy::parse("http://127.0.0.1:1").unwrap();
            let target = parse(url, false).unwrap();
            let result = tunnel(&ours, &proxy, &target, soon(), 1024);
            assert_eq!(
                peer.join().unwrap(),
                "CONNECT h:8080 HTTP/1.1\r\nHost: h:8080\r\n\r\n"
            );
            match result {
                Ok(leftover) if ok => assert_eq!(leftover, b"EXTRA"),
                Err(Error::Proxy(ProxyError::Malformed(why))) if !ok => {
                    assert!(why.starts_with("5 bytes followed"), "{why}")
                }
                other => panic!("{url}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_passed_deadline_sends_nothing() {
        let (ours, mut theirs) = pair();
        let proxy = Proxy::parse("http://127.0.0.1:1").unwrap();
        let target = parse("ws://h:8080/", false).unwrap();
        let e = tunnel(&ours, &proxy, &target, Instant::now(), 1024).unwrap_err();
        assert!(matches!(e, Error::Timeout(Timeout::Handshake)), "{e:?}");
        drop(ours);
        let mut got = Vec::new();
        theirs.read_to_end(&mut got).unwrap();
        assert!(got.is_empty(), "{got:?}");
    }
}
