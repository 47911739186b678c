//! The benchmark's peer and its measuring tools.
//!
//! The peer is a raw in-process WebSocket server with its own tiny handshake and framing,
//! written for speed (big reads, big writes, no per-frame allocation) so that it is never the
//! bottleneck, and identical for every client it serves. The URL path picks its behaviour:
//!
//! - `/sink?n=N`: counts the client's complete data messages by parsing frame lengths (payloads
//!   are skipped, not unmasked) and reports the instant the N-th one arrived on [`Peer::done`].
//! - `/source?n=N&size=S`: pre-encodes N server frames of S bytes (before it answers the
//!   handshake), waits for one data message from the client ("go"), then writes them in big
//!   writes.
//! - `/echo`: unmasks each client frame and echoes it, one write per read's worth of frames.
//! - `/rawsink?bytes=B`, `/rawsource?bytes=B`: no WebSocket at all, for the raw TCP limit: the
//!   client sends the request head, then B bytes (sink) or one byte, after which the peer writes B
//!   bytes in 1 MiB writes (source).
//!
//! Each connection gets its own thread; its thread id goes out on [`Peer::conns`] so that the
//! benchmark can subtract the peer's CPU time from the process's.
//!
//! The second peer, [`Peer::spawn_tungstenite`], is a real implementation in the server role:
//! tungstenite's server, which reads, unmasks and allocates each message as real servers do, and
//! writes each through its own buffer. It serves `/sink`, `/source` and `/echo` alike (no raw
//! paths).
//!
//! The idle-connections measurement uses another peer, [`IdlePeer`], in a child process, so that
//! the measuring process holds only the clients; and [`mem_breakdown`] to see where their memory
//! goes.

#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha1::{Digest, Sha1};

const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const READ_BUF: usize = 256 * 1024;
const BLOCK: usize = 1 << 20;

/// A stream the peer can serve: plain TCP or TLS.
pub trait PeerStream: Read + Write + Send + 'static {
    /// Ends the stream after the closing handshake.
    fn finish(&mut self);
}

impl PeerStream for TcpStream {
    fn finish(&mut self) {
        let _ = self.shutdown(Shutdown::Write);
    }
}

impl PeerStream for native_tls::TlsStream<TcpStream> {
    fn finish(&mut self) {
        let _ = self.shutdown();
        let _ = self.get_ref().shutdown(Shutdown::Write);
    }
}

/// One connection the peer accepted: the id of the thread that serves it.
#[derive(Debug, Clone, Copy)]
pub struct ConnInfo {
    pub tid: u32,
}

/// A running peer on 127.0.0.1.
pub struct Peer {
    pub addr: SocketAddr,
    /// One entry per accepted connection, sent before the handshake response.
    pub conns: Receiver<ConnInfo>,
    /// The instant a sink counted its N-th message (or a raw sink its B-th byte).
    pub done: Receiver<Instant>,
}

/// How a peer serves one connection, over either stream.
type Serve<S> = fn(S, Sender<ConnInfo>, Sender<Instant>);

impl Peer {
    /// Binds 127.0.0.1:0 and serves each connection on its own thread, over TLS if given an
    /// acceptor.
    pub fn spawn(tls: Option<native_tls::TlsAcceptor>) -> Peer {
        Peer::listen("peer", tls, serve, serve)
    }

    /// Like [`Peer::spawn`], with tungstenite's server in place of the raw one.
    pub fn spawn_tungstenite(tls: Option<native_tls::TlsAcceptor>) -> Peer {
        Peer::listen("tung-peer", tls, tung_serve, tung_serve)
    }

    /// The accepting thread, named `{name}-accept`, and a thread `{name}-conn` per connection,
    /// which runs `plain` or, after the TLS handshake, `secure`.
    fn listen(
        name: &'static str,
        tls: Option<native_tls::TlsAcceptor>,
        plain: Serve<TcpStream>,
        secure: Serve<native_tls::TlsStream<TcpStream>>,
    ) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let (conn_tx, conns) = channel();
        let (done_tx, done) = channel();
        thread::Builder::new()
            .name(format!("{name}-accept"))
            .spawn(move || {
                for tcp in listener.incoming() {
                    let Ok(tcp) = tcp else { continue };
                    let _ = tcp.set_nodelay(true);
                    let (conn_tx, done_tx, tls) = (conn_tx.clone(), done_tx.clone(), tls.clone());
                    thread::Builder::new()
                        .name(format!("{name}-conn"))
                        .spawn(move || {
                            pin_peer();
                            match tls {
                                None => plain(tcp, conn_tx, done_tx),
                                Some(acceptor) => match acceptor.accept(tcp) {
                                    Ok(s) => secure(s, conn_tx, done_tx),
                                    Err(e) => eprintln!("{name}: TLS accept failed: {e}"),
                                },
                            }
                        })
                        .expect("spawn peer thread");
                }
            })
            .expect("spawn peer");
        Peer { addr, conns, done }
    }
}

/// One connection of the tungstenite peer: the handshake (the request's path picks the
/// behaviour, as for the raw peer), then the behaviour, until the client closes.
fn tung_serve<S: Read + Write>(s: S, conns: Sender<ConnInfo>, done: Sender<Instant>) {
    use tungstenite::handshake::server::{Request, Response};
    use tungstenite::Message;
    let mut target = String::new();
    #[allow(clippy::result_large_err)] // tungstenite's callback type
    let callback = |req: &Request, resp: Response| {
        target = req.uri().to_string();
        let _ = conns.send(ConnInfo { tid: thread_tid() });
        Ok(resp)
    };
    let Ok(mut ws) = tungstenite::accept_hdr(s, callback) else {
        return;
    };
    let (path, params) = path_and_params(&format!("GET {target} HTTP/1.1"));
    let is_data = |m: &Message| matches!(m, Message::Binary(_) | Message::Text(_));
    match path.as_str() {
        "/sink" => {
            let n = param(&params, "n");
            let mut count = 0u64;
            while let Ok(m) = ws.read() {
                if is_data(&m) {
                    count += 1;
                    if count == n {
                        let _ = done.send(Instant::now());
                    }
                }
            }
        }
        "/source" => {
            let (n, size) = (param(&params, "n"), param(&params, "size") as usize);
            let payload =
                tungstenite::Bytes::from((0..size).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
            loop {
                match ws.read() {
                    Ok(m) if is_data(&m) => break,
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
            for _ in 0..n {
                if ws.write(Message::Binary(payload.clone())).is_err() {
                    return;
                }
            }
            if ws.flush().is_err() {
                return;
            }
            while ws.read().is_ok() {}
        }
        "/echo" => {
            while let Ok(m) = ws.read() {
                if is_data(&m) && ws.send(m).is_err() {
                    return;
                }
            }
        }
        other => eprintln!("tungstenite peer: unknown path {other}"),
    }
}

/// `--pin`: each peer connection thread runs on CPU 0 only, and the client (the benchmark's
/// main thread, and every thread it starts: wsync's reader and timer) on CPU 1 only, as when the
/// server is on another machine. The idle-connections peer, a child process started from the
/// main thread, shares CPU 1 (its figures are memory, not time). Off by default: the kernel
/// places every thread.
pub static PIN: AtomicBool = AtomicBool::new(false);

/// Restricts the calling thread (and the threads it starts later) to one CPU.
pub fn pin_to(cpu: usize) {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; CPU_SET writes inside it, and
    // sched_setaffinity reads size_of::<cpu_set_t>() bytes from it.
    let rc = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
    };
    assert_eq!(
        rc,
        0,
        "sched_setaffinity to CPU {cpu}: {}",
        io::Error::last_os_error()
    );
}

/// Pins a peer connection thread to CPU 0 if `--pin` was given.
fn pin_peer() {
    if PIN.load(Ordering::Relaxed) {
        pin_to(0);
    }
}

/// The calling thread's kernel id.
pub fn thread_tid() -> u32 {
    let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
    let s = link.to_string_lossy();
    s.rsplit('/').next().unwrap().parse().expect("tid")
}

/// CPU time a thread of this process has used (ns, from schedstat); 0 once it has exited.
pub fn thread_cpu_ns(tid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// The process's CPU time, user + system, all threads including exited ones (ns).
pub fn process_cpu_ns() -> u64 {
    // SAFETY: getrusage writes into the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    (us(ru.ru_utime) + us(ru.ru_stime)) * 1000
}

/// The process's minor page faults so far, all threads (getrusage).
pub fn minor_faults() -> u64 {
    // SAFETY: getrusage writes into the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    ru.ru_minflt as u64
}

/// A field of /proc/self/status in KiB (VmRSS, Threads...).
pub fn proc_status(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix(field) {
            if let Some(v) = rest.strip_prefix(':') {
                return v.split_whitespace().next().unwrap().parse().unwrap();
            }
        }
    }
    panic!("no {field} in /proc/self/status")
}

/// Reads the request head; returns it and whatever came after it.
fn read_head<S: Read>(s: &mut S) -> io::Result<(String, Vec<u8>)> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            return Ok((String::from_utf8_lossy(&buf).into_owned(), rest));
        }
    }
}

/// The 101 response for a request head.
fn response(head: &str) -> Vec<u8> {
    let key = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("sec-websocket-key")
                .then(|| value.trim().to_owned())
        })
        .expect("Sec-WebSocket-Key");
    let accept = base64::engine::general_purpose::STANDARD
        .encode(Sha1::digest(format!("{key}{WS_GUID}").as_bytes()));
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n\r\n"
    )
    .into_bytes()
}

/// The path and a query parameter of the request line.
fn path_and_params(head: &str) -> (String, Vec<(String, u64)>) {
    let target = head.split_whitespace().nth(1).unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let params = query
        .split('&')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.to_owned(), v.parse().ok()?))
        })
        .collect();
    (path.to_owned(), params)
}

fn param(params: &[(String, u64)], name: &str) -> u64 {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("missing parameter {name}"))
}

/// Appends an unmasked server frame header.
pub fn server_header(out: &mut Vec<u8>, op: u8, len: usize) {
    out.push(0x80 | op);
    if len < 126 {
        out.push(len as u8);
    } else if len <= 0xffff {
        out.push(126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// A parsed client frame header.
#[derive(Clone, Copy)]
struct Header {
    fin: bool,
    op: u8,
    len: u64,
    mask: [u8; 4],
    size: usize,
}

fn parse_header(b: &[u8]) -> Option<Header> {
    if b.len() < 2 {
        return None;
    }
    let masked = b[1] & 0x80 != 0;
    let (len, mut at) = match b[1] & 0x7f {
        126 => {
            if b.len() < 4 {
                return None;
            }
            (u16::from_be_bytes([b[2], b[3]]) as u64, 4)
        }
        127 => {
            if b.len() < 10 {
                return None;
            }
            (u64::from_be_bytes(b[2..10].try_into().unwrap()), 10)
        }
        n => (n as u64, 2),
    };
    let mut mask = [0u8; 4];
    if masked {
        if b.len() < at + 4 {
            return None;
        }
        mask.copy_from_slice(&b[at..at + 4]);
        at += 4;
    }
    Some(Header {
        fin: b[0] & 0x80 != 0,
        op: b[0] & 0x0f,
        len,
        mask,
        size: at,
    })
}

/// The peer's read buffer: `buf[start..end]` is unparsed.
struct Input {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Input {
    fn new(leftover: Vec<u8>) -> Input {
        let mut buf = vec![0u8; READ_BUF.max(leftover.len())];
        buf[..leftover.len()].copy_from_slice(&leftover);
        Input {
            buf,
            start: 0,
            end: leftover.len(),
        }
    }

    fn avail(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Reads more, keeping what is unparsed; makes room for `need` unparsed bytes in all.
    /// `Ok(false)` at the end of the stream.
    fn fill<S: Read>(&mut self, s: &mut S, need: usize) -> io::Result<bool> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.start > 0 && (self.buf.len() - self.end < 64 * 1024 || need > 0) {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if need > self.buf.len() {
            self.buf.resize(need, 0);
        }
        let n = s.read(&mut self.buf[self.end..])?;
        self.end += n;
        Ok(n > 0)
    }
}

const OP_CLOSE: u8 = 8;
const OP_PING: u8 = 9;
const OP_PONG: u8 = 10;

/// Answers a close frame with 1000 and ends the stream.
fn close<S: PeerStream>(s: &mut S) {
    let _ = s.write_all(&[0x88, 0x02, 0x03, 0xe8]);
    let _ = s.flush();
    s.finish();
}

/// Counts complete data messages, skipping payloads; returns at the client's close frame or the
/// end of the stream. `target` is the message count at which to report `done`.
fn sink<S: PeerStream>(s: &mut S, input: &mut Input, target: u64, done: &Sender<Instant>) {
    let mut count = 0u64;
    let mut skip = 0u64;
    loop {
        if skip > 0 {
            let take = skip.min((input.end - input.start) as u64);
            input.start += take as usize;
            skip -= take;
            if skip > 0 {
                input.start = input.end;
                match input.fill(s, 0) {
                    Ok(true) => continue,
                    _ => return,
                }
            }
        }
        let Some(h) = parse_header(input.avail()) else {
            match input.fill(s, 0) {
                Ok(true) => continue,
                _ => return,
            }
        };
        input.start += h.size;
        if h.op == OP_CLOSE {
            close(s);
            return;
        }
        if h.op < 8 && h.fin {
            count += 1;
            if count == target {
                let _ = done.send(Instant::now());
            }
        }
        skip = h.len;
    }
}

/// Echoes every data frame (and answers pings) until the client's close frame.
fn echo<S: PeerStream>(s: &mut S, input: &mut Input) {
    let mut out = Vec::with_capacity(READ_BUF);
    loop {
        while let Some(h) = parse_header(input.avail()) {
            let total = h.size + h.len as usize;
            if input.end - input.start < total {
                break;
            }
            let at = input.start + h.size;
            let payload = &input.buf[at..at + h.len as usize];
            input.start += total;
            match h.op {
                OP_CLOSE => {
                    let _ = s.write_all(&out);
                    close(s);
                    return;
                }
                OP_PONG => continue,
                _ => {}
            }
            let op = if h.op == OP_PING { OP_PONG } else { h.op };
            server_header(&mut out, op, payload.len());
            let from = out.len();
            out.extend_from_slice(payload);
            for (i, b) in out[from..].iter_mut().enumerate() {
                *b ^= h.mask[i & 3];
            }
        }
        if !out.is_empty() {
            if s.write_all(&out).and_then(|_| s.flush()).is_err() {
                return;
            }
            out.clear();
        }
        let need = parse_header(input.avail()).map_or(0, |h| h.size + h.len as usize);
        match input.fill(s, need) {
            Ok(true) => {}
            _ => return,
        }
    }
}

/// Waits for one complete data message from the client.
fn wait_go<S: PeerStream>(s: &mut S, input: &mut Input) -> bool {
    loop {
        if let Some(h) = parse_header(input.avail()) {
            let total = h.size + h.len as usize;
            if input.end - input.start >= total {
                input.start += total;
                if h.op < 8 && h.fin {
                    return true;
                }
                continue;
            }
        }
        if !matches!(input.fill(s, 0), Ok(true)) {
            return false;
        }
    }
}

/// One block of server frames, about 1 MiB, and how many frames it holds.
fn frame_block(size: usize) -> (Vec<u8>, u64) {
    let mut frame = Vec::with_capacity(size + 10);
    server_header(&mut frame, 2, size);
    frame.extend((0..size).map(|i| (i % 251) as u8));
    let per = (BLOCK / frame.len()).max(1);
    (frame.repeat(per), per as u64)
}

fn serve<S: PeerStream>(mut s: S, conns: Sender<ConnInfo>, done: Sender<Instant>) {
    let Ok((head, leftover)) = read_head(&mut s) else {
        return;
    };
    let (path, params) = path_and_params(&head);
    let _ = conns.send(ConnInfo { tid: thread_tid() });
    let mut input = Input::new(leftover);
    match path.as_str() {
        "/rawsink" => {
            let bytes = param(&params, "bytes");
            let mut got = (input.end - input.start) as u64;
            let mut buf = vec![0u8; READ_BUF];
            while got < bytes {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => got += n as u64,
                }
            }
            let _ = done.send(Instant::now());
            while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
        }
        "/rawsource" => {
            let bytes = param(&params, "bytes");
            let block = vec![0x5au8; BLOCK];
            if input.end == input.start && !matches!(input.fill(&mut s, 0), Ok(true)) {
                return;
            }
            let mut left = bytes;
            while left > 0 {
                let n = left.min(BLOCK as u64) as usize;
                if s.write_all(&block[..n]).is_err() {
                    return;
                }
                left -= n as u64;
            }
            let _ = s.flush();
            let mut buf = vec![0u8; READ_BUF];
            while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
        }
        "/sink" => {
            let n = param(&params, "n");
            if s.write_all(&response(&head))
                .and_then(|_| s.flush())
                .is_err()
            {
                return;
            }
            sink(&mut s, &mut input, n, &done);
        }
        "/source" => {
            let (n, size) = (param(&params, "n"), param(&params, "size") as usize);
            let (block, per) = frame_block(size);
            let frame_len = block.len() / per as usize;
            if s.write_all(&response(&head))
                .and_then(|_| s.flush())
                .is_err()
            {
                return;
            }
            if !wait_go(&mut s, &mut input) {
                return;
            }
            let mut left = n;
            while left > 0 {
                let k = left.min(per);
                if s.write_all(&block[..k as usize * frame_len]).is_err() {
                    return;
                }
                left -= k;
            }
            let _ = s.flush();
            sink(&mut s, &mut input, u64::MAX, &done);
        }
        "/echo" => {
            if s.write_all(&response(&head))
                .and_then(|_| s.flush())
                .is_err()
            {
                return;
            }
            echo(&mut s, &mut input);
        }
        other => eprintln!("peer: unknown path {other}"),
    }
}

/// The peer of the idle-connections measurement, in a child process (this benchmark binary run
/// with `--idle-peer`, see [`idle_peer_main`]), so that the measuring process holds only the
/// client side of each connection: its fds, threads and memory.
pub struct IdlePeer {
    pub addr: SocketAddr,
    child: std::process::Child,
}

impl IdlePeer {
    /// Starts the peer process and reads the port it listens on. Holds one fd (the pipe to the
    /// child's stdin) while it lives.
    pub fn spawn() -> IdlePeer {
        use std::io::BufRead;
        use std::process::{Command, Stdio};
        let exe = std::env::current_exe().expect("own executable");
        let mut child = Command::new(exe)
            .arg("--idle-peer")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the idle peer process");
        let mut line = String::new();
        io::BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("idle peer's port");
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("idle peer printed {line:?}, not a port"));
        IdlePeer {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            child,
        }
    }

    /// The peer process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Closes the peer's stdin, upon which it exits and the kernel closes every connection it
    /// held; waits for it.
    pub fn release(mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The idle peer process (`--idle-peer`): listens on 127.0.0.1:0, prints the port on stdout,
/// then accepts connections one by one, answers each handshake (on `/idle-talk`, then sends one
/// message) and keeps the connection open without reading from it, until its stdin closes;
/// then exits.
pub fn idle_peer_main() -> ! {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    {
        let mut out = io::stdout().lock();
        writeln!(out, "{}", listener.local_addr().unwrap().port()).unwrap();
        out.flush().unwrap();
    }
    thread::Builder::new()
        .name("stdin-watch".into())
        .spawn(|| {
            let mut buf = [0u8; 64];
            let mut stdin = io::stdin().lock();
            while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
            std::process::exit(0);
        })
        .expect("spawn stdin watcher");
    let mut held = Vec::new();
    let mut complained = false;
    loop {
        match listener.accept() {
            Ok((mut tcp, _)) => {
                tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let Ok((head, _)) = read_head(&mut tcp) else {
                    continue;
                };
                let mut reply = response(&head);
                // `/idle-talk`: one 100-byte text message after the handshake, as a feed sends
                // its snapshot; what the client sends stays unread.
                if head.starts_with("GET /idle-talk ") {
                    reply.extend_from_slice(&[0x81, 100]);
                    reply.extend_from_slice(&[b'x'; 100]);
                }
                if tcp.write_all(&reply).is_ok() {
                    held.push(tcp);
                }
            }
            Err(e) => {
                if !complained {
                    eprintln!("idle peer: accept: {e} (holding {})", held.len());
                    complained = true;
                }
                thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Stack pointers of this process's threads other than the caller's, sorted, from
/// `/proc/self/task/*/syscall` (which gives a blocked thread's stack pointer); and how many
/// threads were running, so that their stack pointer was not known.
pub fn thread_stack_pointers() -> (Vec<u64>, u64) {
    let me = thread_tid();
    let mut sps = Vec::new();
    let mut running = 0;
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return (sps, 0);
    };
    for entry in dir.flatten() {
        let Some(tid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if tid == me {
            continue;
        }
        // Gone if the thread has exited meanwhile.
        let Ok(s) = std::fs::read_to_string(format!("/proc/self/task/{tid}/syscall")) else {
            continue;
        };
        // "nr arg1 .. arg6 sp pc" in a system call, "-1 sp pc" blocked outside one, "running".
        let f: Vec<&str> = s.split_whitespace().collect();
        let sp = match f.len() {
            9 => f[7],
            3 => f[1],
            _ => {
                running += 1;
                continue;
            }
        };
        if let Ok(sp) = u64::from_str_radix(sp.trim_start_matches("0x"), 16) {
            sps.push(sp);
        }
    }
    sps.sort_unstable();
    (sps, running)
}

/// This process's resident memory (KiB) by kind of mapping, from `/proc/self/smaps`.
#[derive(Debug, Default, Clone)]
pub struct MemBreakdown {
    /// Rss of the mappings that hold another thread's stack pointer: thread stacks (with glibc,
    /// the thread's descriptor and static TLS live at the top of the same mapping).
    pub stacks: u64,
    /// How many such mappings.
    pub stack_mappings: u64,
    /// The most common (stack mapping size, size of the inaccessible guard mapping right
    /// below it) in KiB.
    pub stack_shape: (u64, u64),
    /// Threads whose stack was not located (they were running).
    pub threads_unlocated: u64,
    /// Rss of `[heap]`: the main malloc arena.
    pub heap: u64,
    /// Rss of the other anonymous mappings: malloc's per-thread arenas, blocks malloc maps on
    /// their own (≥128 KiB), anything else mapped anonymously.
    pub anon: u64,
    /// Everything else: the executable and libraries, the main thread's `[stack]`, vdso.
    pub other: u64,
}

impl MemBreakdown {
    pub fn total(&self) -> u64 {
        self.stacks + self.heap + self.anon + self.other
    }
}

/// Reads `/proc/self/smaps` as a stream (no copy of it in memory, so that reading it barely
/// changes what it reports) and sums each mapping's Rss by kind.
pub fn mem_breakdown() -> MemBreakdown {
    use std::io::BufRead;
    #[derive(Clone, Copy, PartialEq)]
    enum K {
        Stack,
        Heap,
        Anon,
        Other,
    }
    let (sps, running) = thread_stack_pointers();
    let mut b = MemBreakdown {
        threads_unlocated: running,
        ..MemBreakdown::default()
    };
    let Ok(file) = std::fs::File::open("/proc/self/smaps") else {
        return b;
    };
    let mut r = io::BufReader::with_capacity(64 << 10, file);
    let mut shapes: std::collections::BTreeMap<(u64, u64), u64> = Default::default();
    let mut line = String::with_capacity(512);
    let mut kind = K::Other;
    // The previous mapping: its end, and its size if it was an inaccessible anonymous one.
    let mut prev: (u64, Option<u64>) = (0, None);
    while r.read_line(&mut line).unwrap_or(0) > 0 {
        let mut tokens = line.split_whitespace();
        let first = tokens.next().unwrap_or("");
        if !first.ends_with(':') && first.contains('-') {
            let (start, end) = first.split_once('-').unwrap();
            let start = u64::from_str_radix(start, 16).unwrap_or(0);
            let end = u64::from_str_radix(end, 16).unwrap_or(0);
            let perms = tokens.next().unwrap_or("");
            let name = tokens.nth(3).unwrap_or("");
            let i = sps.partition_point(|&sp| sp < start);
            kind = if i < sps.len() && sps[i] < end {
                K::Stack
            } else if name == "[heap]" {
                K::Heap
            } else if name.is_empty() {
                K::Anon
            } else {
                K::Other
            };
            let size = (end - start) / 1024;
            if kind == K::Stack {
                b.stack_mappings += 1;
                let guard = match prev {
                    (e, Some(g)) if e == start => g,
                    _ => 0,
                };
                *shapes.entry((size, guard)).or_default() += 1;
            }
            let inaccessible = perms.starts_with("---") && name.is_empty();
            prev = (end, inaccessible.then_some(size));
        } else if first == "Rss:" {
            let rss: u64 = tokens.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            match kind {
                K::Stack => b.stacks += rss,
                K::Heap => b.heap += rss,
                K::Anon => b.anon += rss,
                K::Other => b.other += rss,
            }
        }
        line.clear();
    }
    b.stack_shape = shapes
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map_or((0, 0), |(shape, _)| shape);
    b
}

/// The processor's model name, from `/proc/cpuinfo`, for the benchmarks' headings.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
