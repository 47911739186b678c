//! A scripted raw peer for misbehaviour: it writes exactly the bytes a test gives it, over plain
//! TCP or TLS ([`RawPeer::bind_on`]), so that misbehaviour tests run over ws:// and wss:// alike.
//!
//! It has its own small frame codec, written from RFC 6455 §5.2 and independent of wsync's:
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//! |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//! | |1|2|3|       |K|             |                               |
//! +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//! ```

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use base64::Engine as _;
use sha1::{Digest, Sha1};

use super::bounded::{spawn_bounded, BoundedThread};
use super::server::{ServerStream, Transport};
use super::WAIT;

/// Opcode of a continuation frame (RFC 6455 §5.2: "%x0 denotes a continuation frame").
pub const OP_CONT: u8 = 0x0;
/// Opcode of a text frame ("%x1 denotes a text frame").
pub const OP_TEXT: u8 = 0x1;
/// Opcode of a binary frame ("%x2 denotes a binary frame").
pub const OP_BINARY: u8 = 0x2;
/// Opcode of a close frame ("%x8 denotes a connection close").
pub const OP_CLOSE: u8 = 0x8;
/// Opcode of a ping frame ("%x9 denotes a ping").
pub const OP_PING: u8 = 0x9;
/// Opcode of a pong frame ("%xA denotes a pong").
pub const OP_PONG: u8 = 0xA;

/// The GUID of RFC 6455 §1.3, appended to the key to compute `Sec-WebSocket-Accept`.
pub const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The safety-net read timeout of a [`RawConn`]: a broken test fails instead of hanging.
pub const READ_TIMEOUT: Duration = WAIT;

/// The safety-net write timeout of a [`RawConn`]: a peer writing to a client that stopped
/// reading fails instead of hanging.
pub const WRITE_TIMEOUT: Duration = WAIT;

/// How long [`RawPeer::accept`] waits for a client before failing the test.
pub const ACCEPT_WAIT: Duration = WAIT;

/// A listening raw peer on `127.0.0.1:0`.
#[derive(Debug)]
pub struct RawPeer {
    /// The listener; [`RawPeer::accept`] takes one connection from it.
    listener: TcpListener,
    /// `ws://127.0.0.1:{port}/`, or `wss://localhost:{port}/` over TLS.
    pub url: String,
    /// The listening port.
    pub port: u16,
    /// Plain TCP or TLS.
    transport: Transport,
}

impl RawPeer {
    /// Binds `127.0.0.1:0`, plain TCP.
    pub fn bind() -> RawPeer {
        RawPeer::bind_on(Transport::Plain)
    }

    /// Binds `127.0.0.1:0`; over TLS, connections are accepted with the test CA's localhost leaf.
    pub fn bind_on(transport: Transport) -> RawPeer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local_addr").port();
        let url = match transport {
            Transport::Plain => format!("ws://127.0.0.1:{port}/"),
            Transport::Tls => format!("wss://localhost:{port}/"),
        };
        RawPeer {
            listener,
            url,
            port,
            transport,
        }
    }

    /// The URL of this port for a client that speaks TLS: `wss://localhost:{port}/`, also for a
    /// plain-TCP peer that runs (or refuses) the TLS handshake itself.
    // Used only by the `tls_*` modules, which need the `native-tls` feature.
    #[cfg_attr(not(feature = "native-tls"), allow(dead_code))]
    pub fn wss_url(&self) -> String {
        format!("wss://localhost:{}/", self.port)
    }

    /// [`RawPeer::spawn`] over the given transport.
    pub fn spawn_on<T, F>(transport: Transport, f: F) -> (String, BoundedThread<T>)
    where
        T: Send + 'static,
        F: FnOnce(RawConn) -> T + Send + 'static,
    {
        let peer = RawPeer::bind_on(transport);
        let url = peer.url.clone();
        (url, peer.serve(f))
    }

    /// Binds, then runs `f` on the first connection in a new thread. Returns the URL to connect
    /// to and the thread, to join at the end of the test: the join yields what `f` returned,
    /// re-raises its panic, and fails the test if the thread is still running after
    /// [`JOIN_WAIT`](super::JOIN_WAIT).
    pub fn spawn<T, F>(f: F) -> (String, BoundedThread<T>)
    where
        T: Send + 'static,
        F: FnOnce(RawConn) -> T + Send + 'static,
    {
        RawPeer::spawn_on(Transport::Plain, f)
    }

    /// Runs `f` on the first connection (see [`RawPeer::accept`]) in a new thread, as
    /// [`RawPeer::spawn`] does, for a peer bound beforehand.
    pub fn serve<T, F>(self, f: F) -> BoundedThread<T>
    where
        T: Send + 'static,
        F: FnOnce(RawConn) -> T + Send + 'static,
    {
        spawn_bounded(format!("raw-peer-{}", self.port), move || f(self.accept()))
    }

    /// Accepts one connection within [`ACCEPT_WAIT`], with `TCP_NODELAY`, a [`READ_TIMEOUT`]
    /// read timeout and a [`WRITE_TIMEOUT`] write timeout; over TLS, completes the server side
    /// of the TLS handshake. Fails the test when no client connects in time.
    #[track_caller]
    pub fn accept(&self) -> RawConn {
        self.accept_within(ACCEPT_WAIT)
    }

    /// [`RawPeer::accept`], failing the test when no client connects within `limit`.
    #[track_caller]
    pub fn accept_within(&self, limit: Duration) -> RawConn {
        let (stream, _) = accept_tcp_within(&self.listener, limit);
        stream.set_nodelay(true).expect("TCP_NODELAY");
        stream
            .set_read_timeout(Some(READ_TIMEOUT))
            .expect("read timeout");
        stream
            .set_write_timeout(Some(WRITE_TIMEOUT))
            .expect("write timeout");
        let stream = match self.transport {
            Transport::Plain => ServerStream::Plain(stream),
            Transport::Tls => ServerStream::Tls(
                super::tls::accept(stream, super::tls::Leaf::Good).expect("raw peer: TLS accept"),
            ),
        };
        RawConn {
            stream,
            buf: Vec::new(),
        }
    }
}

/// Accepts one connection on `listener` (any listener, e.g. on `[::1]`), failing the test when
/// none comes within `limit`. Returns the stream as accepted and the client's address.
///
/// A watchdog thread waits out `limit` and then wakes the blocked `accept` by connecting to
/// the listener itself; accepting in time dismisses the watchdog. Nothing polls or sleeps.
#[track_caller]
pub fn accept_tcp_within(listener: &TcpListener, limit: Duration) -> (TcpStream, SocketAddr) {
    let addr = listener.local_addr().expect("local_addr");
    let expired = Arc::new(AtomicBool::new(false));
    let (dismiss, dismissed) = mpsc::channel::<()>();
    {
        let expired = expired.clone();
        thread::Builder::new()
            .name(format!("accept-watchdog-{}", addr.port()))
            .spawn(move || {
                if let Err(RecvTimeoutError::Timeout) = dismissed.recv_timeout(limit) {
                    expired.store(true, Ordering::SeqCst);
                    let _ = TcpStream::connect(addr);
                }
            })
            .expect("spawn the accept watchdog");
    }
    let accepted = listener.accept();
    drop(dismiss);
    if expired.load(Ordering::SeqCst) {
        panic!(
            "raw peer on port {}: no client connected within {limit:?}",
            addr.port()
        );
    }
    accepted.expect("raw peer: accept")
}

/// The client's opening handshake request, as read.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// The request line, e.g. `GET /chat HTTP/1.1`.
    pub request_line: String,
    /// The header fields in order, names as sent, values trimmed.
    pub headers: Vec<(String, String)>,
}

impl HttpRequest {
    /// The first header with this name, compared case-insensitively (RFC 7230 §3.2).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the headers with this name, case-insensitively.
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The `Sec-WebSocket-Key` header; panics when it is missing.
    pub fn key(&self) -> &str {
        self.header("Sec-WebSocket-Key")
            .expect("request has no Sec-WebSocket-Key")
    }

    /// The request target, the second word of the request line (e.g. `/chat?x=1`).
    pub fn target(&self) -> &str {
        self.request_line.split(' ').nth(1).unwrap_or("")
    }
}

/// One frame as the client sent it, payload already unmasked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The FIN bit.
    pub fin: bool,
    /// RSV1..RSV3 as a 3-bit number (RSV1 is 4).
    pub rsv: u8,
    /// The opcode.
    pub opcode: u8,
    /// The masking key, when the MASK bit was set.
    pub mask: Option<[u8; 4]>,
    /// The payload, unmasked.
    pub payload: Vec<u8>,
}

/// One accepted connection of a [`RawPeer`].
#[derive(Debug)]
pub struct RawConn {
    /// The stream, plain or TLS.
    stream: ServerStream,
    /// Bytes read but not consumed yet (e.g. frames that followed the request).
    buf: Vec<u8>,
}

impl RawConn {
    /// The socket, e.g. to change its read timeout.
    pub fn stream(&self) -> &TcpStream {
        self.stream.tcp()
    }

    /// The plain TCP stream, for a peer that speaks something else on it (its own TLS, say).
    /// Panics over TLS, or when bytes were read and not consumed.
    pub fn into_tcp(self) -> TcpStream {
        assert!(
            self.buf.is_empty(),
            "raw peer: unconsumed bytes {:?}",
            self.buf
        );
        match self.stream {
            ServerStream::Plain(tcp) => tcp,
            ServerStream::Tls(_) => panic!("raw peer: into_tcp on a TLS connection"),
        }
    }

    /// Sets the read timeout (default [`READ_TIMEOUT`]).
    pub fn set_read_timeout(&self, timeout: Duration) {
        self.stream
            .tcp()
            .set_read_timeout(Some(timeout))
            .expect("set read timeout");
    }

    /// Reads more bytes into the buffer; `Ok(0)` at EOF.
    fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// Takes exactly `n` bytes, reading as needed; `UnexpectedEof` if the client closes first.
    fn take(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if self.fill()? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("EOF after {} of {n} bytes", self.buf.len()),
                ));
            }
        }
        let rest = self.buf.split_off(n);
        Ok(std::mem::replace(&mut self.buf, rest))
    }

    /// Reads and discards exactly `n` bytes of whatever the client sends (frames or not), a
    /// MiB at a time; `UnexpectedEof` if the client closes first.
    pub fn skip(&mut self, mut n: usize) -> io::Result<()> {
        while n > 0 {
            let step = n.min(1 << 20);
            self.take(step)?;
            n -= step;
        }
        Ok(())
    }

    /// Reads the opening handshake request up to the empty line; bytes after it stay buffered
    /// for the frame reads. Panics on EOF, timeout or a malformed request.
    pub fn read_request(&mut self) -> HttpRequest {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            match self.fill() {
                Ok(0) => panic!("raw peer: EOF before the end of the request"),
                Ok(_) => {}
                Err(e) => panic!("raw peer: reading the request: {e}"),
            }
        };
        let head = self.take(end + 4).expect("buffered");
        let text = String::from_utf8(head[..end].to_vec()).expect("request is not UTF-8");
        let mut lines = text.split("\r\n");
        let request_line = lines.next().unwrap_or_default().to_owned();
        let headers = lines
            .map(|line| {
                let (n, v) = line
                    .split_once(':')
                    .unwrap_or_else(|| panic!("raw peer: malformed header line {line:?}"));
                (n.to_owned(), v.trim().to_owned())
            })
            .collect();
        HttpRequest {
            request_line,
            headers,
        }
    }

    /// `Sec-WebSocket-Accept` for a key (RFC 6455 §4.2.2: "concatenate this with the Globally
    /// Unique Identifier ... take the SHA-1 hash of this concatenated value ... base64-encode").
    pub fn accept_key(key: &str) -> String {
        let mut sha = Sha1::new();
        sha.update(key.as_bytes());
        sha.update(WS_GUID.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(sha.finalize())
    }

    /// Reads the request and answers with a correct `101 Switching Protocols`.
    pub fn handshake(&mut self) -> HttpRequest {
        self.handshake_with("")
    }

    /// Like [`RawConn::handshake`], with extra raw header lines in the response, each ending in
    /// `\r\n` (e.g. `"Sec-WebSocket-Protocol: chat\r\n"`).
    pub fn handshake_with(&mut self, extra_headers: &str) -> HttpRequest {
        let req = self.read_request();
        let accept = RawConn::accept_key(req.key());
        self.write(
            format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                 Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n{extra_headers}\r\n"
            )
            .as_bytes(),
        );
        req
    }

    /// Writes all the bytes and flushes; panics on failure.
    pub fn write(&mut self, bytes: &[u8]) {
        self.try_write(bytes).expect("raw peer: write");
    }

    /// Writes all the bytes and flushes, returning the error (the client may be gone already).
    pub fn try_write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Reads one frame; panics on EOF or timeout.
    pub fn read_frame(&mut self) -> Frame {
        self.try_read_frame()
            .unwrap_or_else(|e| panic!("raw peer: no frame from the client: {e}"))
    }

    /// Reads one frame (RFC 6455 §5.2); `Err` on EOF or timeout. Lenient: it reports what was
    /// sent (mask or not, any RSV bits, any opcode) and leaves the judging to the test.
    pub fn try_read_frame(&mut self) -> io::Result<Frame> {
        let head = self.take(2)?;
        let fin = head[0] & 0x80 != 0;
        let rsv = (head[0] >> 4) & 0x07;
        let opcode = head[0] & 0x0F;
        let masked = head[1] & 0x80 != 0;
        // "The length of the "Payload data", in bytes: if 0-125, that is the payload length.
        // If 126, the following 2 bytes interpreted as a 16-bit unsigned integer are the payload
        // length. If 127, the following 8 bytes interpreted as a 64-bit unsigned integer (the
        // most significant bit MUST be 0) are the payload length."
        let len = match head[1] & 0x7F {
            126 => {
                let b = self.take(2)?;
                u64::from(u16::from_be_bytes([b[0], b[1]]))
            }
            127 => {
                let b = self.take(8)?;
                u64::from_be_bytes(b.try_into().expect("8 bytes"))
            }
            n => u64::from(n),
        };
        let mask = if masked {
            let k = self.take(4)?;
            Some([k[0], k[1], k[2], k[3]])
        } else {
            None
        };
        let len = usize::try_from(len)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "frame length"))?;
        let mut payload = self.take(len)?;
        if let Some(key) = mask {
            // §5.3: "Octet i of the transformed data is the XOR of octet i of the original data
            // with octet at index i modulo 4 of the masking key."
            apply_mask(&mut payload, key);
        }
        Ok(Frame {
            fin,
            rsv,
            opcode,
            mask,
            payload,
        })
    }

    /// Reads frames until a close frame, skipping any others, and decodes its body: `None` for
    /// an empty body, else the code and the reason. Panics on EOF, timeout, a one-byte body or a
    /// reason that is not UTF-8.
    pub fn expect_close(&mut self) -> Option<(u16, String)> {
        loop {
            let f = self.read_frame();
            if f.opcode != OP_CLOSE {
                continue;
            }
            return match f.payload.len() {
                0 => None,
                1 => panic!("raw peer: close frame with a one-byte body"),
                _ => {
                    let code = u16::from_be_bytes([f.payload[0], f.payload[1]]);
                    let reason = String::from_utf8(f.payload[2..].to_vec())
                        .expect("close reason is not UTF-8");
                    Some((code, reason))
                }
            };
        }
    }

    /// Reads the client's next frame and checks it is a pong carrying exactly `payload`: FIN
    /// set, no RSV bits, masked (RFC 6455 §5.5.3: "A Pong frame sent in response to a Ping
    /// frame must have identical "Application data" as found in the message body of the Ping
    /// frame being replied to").
    #[track_caller]
    pub fn expect_pong(&mut self, payload: &[u8]) {
        let f = self.read_frame();
        assert_eq!(
            (f.fin, f.rsv, f.opcode),
            (true, 0, OP_PONG),
            "expected a pong, got {f:?}"
        );
        assert!(f.mask.is_some(), "unmasked pong: {f:?}");
        assert_eq!(f.payload, payload, "pong payload differs from the ping's");
    }

    /// Reads and discards until the client closes TCP: true when it did (EOF or reset) within
    /// the read timeout, false on timeout.
    pub fn read_to_eof(&mut self) -> bool {
        self.buf.clear();
        let mut chunk = [0u8; 8192];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return false
                }
                Err(_) => return true,
            }
        }
    }

    /// Shuts the TCP connection down both ways, ignoring errors.
    pub fn shutdown(&self) {
        let _ = self.stream.tcp().shutdown(Shutdown::Both);
    }
}

/// XORs `data` with the masking key in place (RFC 6455 §5.3).
pub fn apply_mask(data: &mut [u8], key: [u8; 4]) {
    for (i, b) in data.iter_mut().enumerate() {
        *b ^= key[i % 4];
    }
}

/// How to encode the payload length of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LenForm {
    /// The shortest form, as RFC 6455 §5.2 requires ("the minimal number of bytes MUST be used").
    Minimal,
    /// Always the 16-bit form (126 then 2 bytes), even when 7 bits would do.
    Force16,
    /// Always the 64-bit form (127 then 8 bytes), even when fewer would do.
    Force64,
}

/// A frame header: `first_byte`, then the length `len` in `form`, with the mask bit and key when
/// `mask` is given. No payload.
pub fn header(first_byte: u8, len: u64, form: LenForm, mask: Option<[u8; 4]>) -> Vec<u8> {
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    let mut out = vec![first_byte];
    let form = match form {
        LenForm::Minimal if len <= 125 => None,
        LenForm::Minimal if len <= 0xFFFF => Some(LenForm::Force16),
        LenForm::Minimal => Some(LenForm::Force64),
        f => Some(f),
    };
    match form {
        None => out.push(mask_bit | len as u8),
        Some(LenForm::Force16) => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&u16::try_from(len).expect("16-bit length").to_be_bytes());
        }
        Some(_) => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
    if let Some(key) = mask {
        out.extend_from_slice(&key);
    }
    out
}

/// A frame with an exact first byte (FIN, RSV bits and opcode as given, for reserved bits and
/// opcodes), unmasked, minimal length.
pub fn frame_raw(first_byte: u8, payload: &[u8]) -> Vec<u8> {
    frame_with(first_byte, payload, LenForm::Minimal)
}

/// A frame with an exact first byte, unmasked, its length in the given form (for
/// non-minimal-length tests).
pub fn frame_with(first_byte: u8, payload: &[u8], form: LenForm) -> Vec<u8> {
    let mut out = header(first_byte, payload.len() as u64, form, None);
    out.extend_from_slice(payload);
    out
}

/// The first byte for FIN and an opcode.
fn first_byte(fin: bool, opcode: u8) -> u8 {
    (if fin { 0x80 } else { 0 }) | (opcode & 0x0F)
}

/// A server frame: unmasked, minimal length encoding (7-bit, 16-bit or 64-bit).
pub fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    frame_raw(first_byte(fin, opcode), payload)
}

/// A masked frame, as a client sends it (a server must not; RFC 6455 §5.1).
pub fn masked_frame(fin: bool, opcode: u8, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    let mut out = header(
        first_byte(fin, opcode),
        payload.len() as u64,
        LenForm::Minimal,
        Some(key),
    );
    let start = out.len();
    out.extend_from_slice(payload);
    apply_mask(&mut out[start..], key);
    out
}

/// A close frame with a code and a reason (RFC 6455 §5.5.1: "the first two bytes of the body
/// MUST be a 2-byte unsigned integer (in network byte order)").
pub fn close_frame(code: u16, reason: &str) -> Vec<u8> {
    let mut body = code.to_be_bytes().to_vec();
    body.extend_from_slice(reason.as_bytes());
    frame(true, OP_CLOSE, &body)
}

/// A single-frame text message.
pub fn text(s: &str) -> Vec<u8> {
    frame(true, OP_TEXT, s.as_bytes())
}

/// A single-frame binary message.
pub fn binary(b: &[u8]) -> Vec<u8> {
    frame(true, OP_BINARY, b)
}

/// A ping.
pub fn ping(p: &[u8]) -> Vec<u8> {
    frame(true, OP_PING, p)
}

/// A pong.
pub fn pong(p: &[u8]) -> Vec<u8> {
    frame(true, OP_PONG, p)
}
