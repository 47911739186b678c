//! permessage-deflate (RFC 7692): wsync against Node's `ws` client (zlib in C), doing the same
//! work against the same real servers, side by side in one run.
//!
//! ```text
//! bash scripts/peers.sh                               # once: Python websockets, Node ws
//! cargo bench --bench deflate                         # everything
//! cargo bench --bench deflate -- recv                 # scenarios whose name contains "recv"
//! cargo bench --bench deflate -- --quick              # N = 10,000, 3 rounds: a fast look
//! cargo bench --bench deflate -- --n=50000 --rounds=5
//! cargo bench --bench deflate -- send --levels=1,8    # extra wsync rows (default 1,6)
//! cargo bench --bench deflate -- =send-ws --only=wsync  # one scenario, one client: profiling
//! ```
//!
//! `--only=` takes `ws`, `ws-off`, `wsync`, `wsync-off` or `wsync-lN`.
//!
//! The feed is `market.js`'s ticker messages (~530 B of JSON each, 528.5 on average, about
//! 4.2× smaller with zlib at level 6 and context takeover), the same bytes from every server and
//! client (`market` below). Scenarios:
//!
//! - `recv-websockets`: a Python `websockets` 17 server (its own default deflate settings:
//!   windows of 12 bits, memLevel 5) sends N messages (`echo_websockets.py --feed N
//!   --feed-shape market --default-deflate`), which the client receives.
//! - `recv-ws`: the same from a Node `ws` 8 server (`echo_ws.js --feed N --feed-shape
//!   market`: windows of 15 bits, level 6, every message compressed).
//! - `recv-replay`: what the `ws` server sent to each client in `recv-ws`'s warm-up round,
//!   recorded and replayed by this process as fast as the client reads: the clients' own
//!   receiving speed, which the real servers' speed hides.
//! - `send-ws`: the client sends N messages (`market(i % 4096)`, made before the clock starts)
//!   to a Node `ws` server that counts them (`echo_ws.js --sink N`) and answers "done BYTES".
//! - `codec`: no WebSocket, the compressors alone: zlib-rs (wsync's, in this process) against
//!   C zlib (the system's, through the virtualenv's Python) at every level, on the feed and on
//!   ~64 KiB messages: bytes and CPU per message. zlib-rs's levels are not zlib's: 1 uses static
//!   Huffman trees only, 3 to 6 zlib-ng's "medium" strategy, 7 to 9 zlib's lazy matching.
//!
//! The clients: Node's `ws` client (`tests/peers/client_ws.js`, perMessageDeflate at its
//! defaults: zlib level 6, memLevel 8) and wsync (this binary run again with `--client=...`),
//! with compression at its default, at `level(1)` and `level(6)` (sending only: the level is
//! the sender's; `--levels=` for others), and both without compression as the baseline. Each client runs in
//! a process of its own and reports its own CPU time (getrusage / `process.cpuUsage()`: all its threads, zlib's thread
//! pool for `ws` included) from just before it connects to the N-th message (receiving) or the
//! server's "done" (sending), so that neither the server's CPU nor this process's is counted.
//! Wire bytes are counted by a TCP relay in this process between the client and the server
//! (the replay counts what it writes); they include the opening handshake.
//!
//! Each scenario runs its clients alternately: a warm-up round, then the measured rounds, who
//! goes first rotating. The table gives the median and range over rounds, and the ratios to
//! `ws` computed within each round (each pair measured side by side), then their median and
//! range: the machine is shared, so absolute figures move from run to run; the ratios less.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha1::{Digest, Sha1};
use wsync::{Compression, Event, Message, WebSocket};

#[path = "support/mod.rs"]
mod support;

/// How many distinct messages the senders cycle through: far more than a 32 KiB window holds
/// (~60), so that cycling changes nothing to compression.
const DISTINCT: usize = 4096;
/// The longest a client process may take.
const CLIENT_DEADLINE: Duration = Duration::from_secs(600);

// ---------------------------------------------------------------------------------------------
// The feed: the same bytes as marketMessage in tests/peers/market.js and market_message in
// tests/peers/echo_websockets.py.

/// A 32-bit hash of (i, k), as market.js's `mix`.
fn mix(i: u64, k: u64) -> u32 {
    let mut x = (i as u32)
        .wrapping_mul(0x9e37_79b1)
        .wrapping_add(((k + 1) as u32).wrapping_mul(0x85eb_ca77));
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}

/// `v` / 10^scale with `scale` decimals.
fn dec(v: u64, scale: u32) -> String {
    let unit = 10u64.pow(scale);
    format!("{}.{:0w$}", v / unit, v % unit, w = scale as usize)
}

/// The i-th message of the market feed.
fn market(i: u64) -> String {
    let m = |k: u64| mix(i, k) as u64;
    let price = 6_500_000 + m(0) % 20_000;
    let bid = price - 1 - m(1) % 5;
    let ask = price + 1 + m(2) % 5;
    let level =
        |at: u64, k: u64| format!("[\"{}\",\"{}\"]", dec(at, 2), dec(m(k) % 300_000_000, 8));
    let bids = format!("{},{}", level(bid, 30), level(bid - (1 + m(11) % 3), 31));
    let asks = format!("{},{}", level(ask, 35), level(ask + (1 + m(21) % 3), 36));
    format!(
        concat!(
            "{{\"type\":\"ticker\",\"sequence\":{},\"product_id\":\"BTC-USD\",\"price\":\"{}\",",
            "\"open_24h\":\"64210.55\",\"volume_24h\":\"{}\",\"low_24h\":\"63877.01\",",
            "\"high_24h\":\"65312.99\",\"volume_30d\":\"{}\",\"best_bid\":\"{}\",",
            "\"best_bid_size\":\"{}\",\"best_ask\":\"{}\",\"best_ask_size\":\"{}\",",
            "\"side\":\"{}\",\"time\":\"2026-01-01T{:02}:{:02}:{:02}.{:06}Z\",",
            "\"trade_id\":{},\"last_size\":\"{}\",\"bids\":[{}],\"asks\":[{}]}}"
        ),
        37_475_248_783 + i,
        dec(price, 2),
        dec(1_200_000_000_000 + i * 7919 % 100_000_000, 8),
        dec(98_000_000_000_000 + i * 104_729 % 1_000_000_000, 8),
        dec(bid, 2),
        dec(m(3) % 300_000_000, 8),
        dec(ask, 2),
        dec(m(4) % 300_000_000, 8),
        if m(5) & 1 == 1 { "buy" } else { "sell" },
        i / 3_600_000 % 24,
        i / 60_000 % 60,
        i / 1000 % 60,
        i % 1000 * 1000 + m(6) % 1000,
        370_843_401 + i,
        dec(m(7) % 100_000_000, 8),
        bids,
        asks
    )
}

// ---------------------------------------------------------------------------------------------
// The clients.

/// What a client does.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    Recv,
    Send,
}

impl Dir {
    fn arg(self) -> &'static str {
        match self {
            Dir::Recv => "recv",
            Dir::Send => "send",
        }
    }
}

/// wsync's compression settings.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Level {
    /// `Compression::default()`.
    Default,
    /// `Compression::default().level(n)`.
    At(u32),
    /// `no_compression()`.
    Off,
}

impl Level {
    fn arg(self) -> String {
        match self {
            Level::Default => "default".into(),
            Level::At(n) => format!("level{n}"),
            Level::Off => "off".into(),
        }
    }

    fn parse(s: &str) -> Level {
        match s {
            "default" => Level::Default,
            "off" => Level::Off,
            other => match other.strip_prefix("level").and_then(|n| n.parse().ok()) {
                Some(n) => Level::At(n),
                None => panic!("unknown compression {other}"),
            },
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Client {
    /// Node's `ws`, with or without its permessage-deflate.
    Ws {
        deflate: bool,
    },
    Wsync(Level),
}

impl Client {
    fn name(self) -> String {
        match self {
            Client::Ws { deflate: true } => "ws".into(),
            Client::Ws { deflate: false } => "ws, no deflate".into(),
            Client::Wsync(Level::Default) => "wsync".into(),
            Client::Wsync(Level::At(n)) => format!("wsync, level({n})"),
            Client::Wsync(Level::Off) => "wsync, no_compression()".into(),
        }
    }

    /// The `--only=` key.
    fn key(self) -> String {
        match self {
            Client::Ws { deflate: true } => "ws".into(),
            Client::Ws { deflate: false } => "ws-off".into(),
            Client::Wsync(Level::Default) => "wsync".into(),
            Client::Wsync(Level::At(n)) => format!("wsync-l{n}"),
            Client::Wsync(Level::Off) => "wsync-off".into(),
        }
    }

    /// The client its ratios are taken against: `ws` in the same mode.
    fn reference(self) -> Option<Client> {
        match self {
            Client::Ws { .. } => None,
            Client::Wsync(Level::Off) => Some(Client::Ws { deflate: false }),
            Client::Wsync(_) => Some(Client::Ws { deflate: true }),
        }
    }

    fn command(self, dir: Dir, url: &str, n: u64) -> Command {
        match self {
            Client::Ws { deflate } => {
                let mut cmd = Command::new("node");
                cmd.arg(scripts_dir().join("client_ws.js"))
                    .arg(dir.arg())
                    .arg(url)
                    .arg(n.to_string())
                    .arg("--deflate")
                    .arg(if deflate { "on" } else { "off" })
                    .env("NODE_PATH", peers_dir().join("node_modules"));
                cmd
            }
            Client::Wsync(level) => {
                let mut cmd = Command::new(std::env::current_exe().expect("own executable"));
                cmd.arg(format!("--client={}", dir.arg()))
                    .arg(format!("--url={url}"))
                    .arg(format!("--n={n}"))
                    .arg(format!("--compression={}", level.arg()));
                cmd
            }
        }
    }
}

/// What a client process reports.
#[derive(Clone, Debug)]
struct Report {
    n: u64,
    bytes: u64,
    secs: f64,
    cpu_us: f64,
    ext: String,
}

/// Runs a client process to its end and reads its `RESULT` line.
fn run_client(mut cmd: Command) -> Report {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
    let mut out = String::new();
    let mut stdout = child.stdout.take().unwrap();
    let reader = thread::spawn(move || {
        let _ = stdout.read_to_string(&mut out);
        out
    });
    let deadline = Instant::now() + CLIENT_DEADLINE;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for the client") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} took more than {CLIENT_DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(5));
    };
    let out = reader.join().unwrap();
    assert!(status.success(), "{cmd:?} failed ({status}): {out}");
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("{cmd:?} printed no RESULT: {out}"));
    let (fields, ext) = line.split_once(" ext=").unwrap_or((line, ""));
    let get = |name: &str| -> f64 {
        fields
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {line}"))
    };
    Report {
        n: get("n") as u64,
        bytes: get("bytes") as u64,
        secs: get("secs"),
        cpu_us: get("user_us") + get("sys_us"),
        ext: ext.trim().to_owned(),
    }
}

/// This process's CPU time, user and system, all threads (µs).
fn cpu_us() -> (u64, u64) {
    // SAFETY: getrusage writes into the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    (us(ru.ru_utime), us(ru.ru_stime))
}

/// wsync as the client (`--client=recv|send`), in this process of its own.
fn wsync_client(dir: Dir, url: &str, n: u64, level: Level) {
    let builder = WebSocket::builder(url);
    let builder = match level {
        Level::Default => builder.compression(Compression::default()),
        Level::At(n) => builder.compression(Compression::default().level(n)),
        Level::Off => builder.no_compression(),
    };
    let messages: Vec<String> = match dir {
        Dir::Send => (0..DISTINCT as u64).map(market).collect(),
        Dir::Recv => Vec::new(),
    };
    let expected: u64 = match dir {
        Dir::Send => (0..n as usize)
            .map(|i| messages[i % DISTINCT].len() as u64)
            .sum(),
        Dir::Recv => 0,
    };

    let t0 = Instant::now();
    let cpu0 = cpu_us();
    let ws = builder.connect().expect("wsync connects");
    let mut first: Option<Message> = None;
    let mut last: Option<Message> = None;
    let bytes = match dir {
        Dir::Recv => {
            let mut count = 0;
            let mut bytes = 0u64;
            while count < n {
                match ws.recv() {
                    Some(Event::Message(m)) => {
                        count += 1;
                        bytes += m.len() as u64;
                        if count == 1 {
                            first = Some(m);
                        } else if count == n {
                            last = Some(m);
                        }
                    }
                    Some(Event::Pong(_)) => {}
                    other => panic!("wsync: {other:?} after {count} messages"),
                }
            }
            bytes
        }
        Dir::Send => {
            for i in 0..n as usize {
                ws.send(messages[i % DISTINCT].as_str()).expect("send");
            }
            match ws.recv() {
                Some(Event::Message(m)) => last = Some(m),
                other => panic!("wsync: {other:?} instead of done"),
            }
            expected
        }
    };
    let secs = t0.elapsed().as_secs_f64();
    let cpu1 = cpu_us();

    // Checked after the clock: the bytes are market.js's, and the server counted them all.
    match dir {
        Dir::Recv => {
            assert_eq!(first.and_then(Message::into_text), Some(market(0)));
            if n > 1 {
                assert_eq!(last.and_then(Message::into_text), Some(market(n - 1)));
            }
        }
        Dir::Send => {
            assert_eq!(
                last.and_then(Message::into_text),
                Some(format!("done {expected}"))
            );
        }
    }
    println!(
        "RESULT n={n} bytes={bytes} secs={secs} user_us={} sys_us={} ext={}",
        cpu1.0 - cpu0.0,
        cpu1.1 - cpu0.1,
        ws.extensions()
    );
    let _ = std::io::stdout().flush();
    let _ = ws.close();
    while let Some(ev) = ws.recv() {
        if matches!(ev, Event::Close(_)) {
            break;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The servers, the relay and the replay.

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where `scripts/peers.sh` installed the servers (as tests/it/real_peers/peer.rs).
fn peers_dir() -> PathBuf {
    match std::env::var_os("WSYNC_PEERS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => manifest_dir().join("target").join("peers"),
    }
}

fn scripts_dir() -> PathBuf {
    manifest_dir().join("tests").join("peers")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ServerKind {
    Websockets,
    Ws,
}

/// A real server in a process of its own; it exits when its stdin closes (on drop).
struct Server {
    port: u16,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Server {
    fn spawn(kind: ServerKind, args: &[&str]) -> Server {
        let peers = peers_dir();
        let mut cmd = match kind {
            ServerKind::Websockets => {
                let python = peers.join("venv/bin/python");
                assert!(
                    python.exists(),
                    "{} missing: run `bash scripts/peers.sh` first",
                    python.display()
                );
                let mut cmd = Command::new(python);
                cmd.arg(scripts_dir().join("echo_websockets.py"));
                cmd
            }
            ServerKind::Ws => {
                let modules = peers.join("node_modules");
                assert!(
                    modules.join("ws").exists(),
                    "{} missing: run `bash scripts/peers.sh` first",
                    modules.join("ws").display()
                );
                let mut cmd = Command::new("node");
                cmd.arg(scripts_dir().join("echo_ws.js"))
                    .env("NODE_PATH", modules);
                cmd
            }
        };
        let mut child = cmd
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("start {kind:?}: {e}"));
        let stdin = child.stdin.take();
        let mut lines = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        lines.read_line(&mut line).expect("the server's port");
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{kind:?} printed {line:?}, not a port"));
        thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
        Server { port, child, stdin }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bytes that went each way on one connection.
#[derive(Debug, Default, Clone)]
struct Wire {
    /// Client to server.
    up: u64,
    /// Server to client.
    down: u64,
    /// What the server sent, when recording.
    recorded: Option<Vec<u8>>,
}

/// A TCP relay between the clients and a server that counts the bytes of each connection, and
/// can record what the server sends.
struct Relay {
    addr: SocketAddr,
    wires: mpsc::Receiver<Wire>,
    record: Arc<AtomicBool>,
}

impl Relay {
    fn spawn(server: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        let addr = listener.local_addr().unwrap();
        let (tx, wires) = mpsc::channel();
        let record = Arc::new(AtomicBool::new(false));
        let rec = record.clone();
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let server = TcpStream::connect(server).expect("the relay reaches the server");
                let recording = rec.load(Ordering::SeqCst);
                let tx = tx.clone();
                thread::spawn(move || {
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                    let up = thread::spawn(move || pipe(c2, s2, false).0);
                    let (down, recorded) = pipe(server, client, recording);
                    let up = up.join().unwrap();
                    let _ = tx.send(Wire { up, down, recorded });
                });
            }
        });
        Relay {
            addr,
            wires,
            record,
        }
    }
}

/// Copies `from` to `to` until the end of `from`, then ends `to`'s writing side; returns the
/// bytes copied, and them all if `record`.
fn pipe(mut from: TcpStream, mut to: TcpStream, record: bool) -> (u64, Option<Vec<u8>>) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    let mut kept = record.then(Vec::new);
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        total += n as u64;
        if let Some(k) = kept.as_mut() {
            k.extend_from_slice(&buf[..n]);
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    (total, kept)
}

/// Serves a recorded server stream to whoever connects: the handshake answered with the
/// recorded response's extensions, then the recorded frames in 256 KiB writes, as fast as the
/// client reads them; then it reads until the client is gone.
struct Replay {
    addr: SocketAddr,
    wires: mpsc::Receiver<Wire>,
}

impl Replay {
    fn spawn(recorded: Vec<u8>) -> Replay {
        let end = find(&recorded, b"\r\n\r\n").expect("a recorded response head") + 4;
        let head = String::from_utf8_lossy(&recorded[..end]).into_owned();
        let extensions = header(&head, "sec-websocket-extensions");
        let body = Arc::new(recorded[end..].to_vec());
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the replay");
        let addr = listener.local_addr().unwrap();
        let (tx, wires) = mpsc::channel();
        thread::spawn(move || {
            for s in listener.incoming() {
                let Ok(mut s) = s else { continue };
                let _ = s.set_nodelay(true);
                let (body, extensions, tx) = (body.clone(), extensions.clone(), tx.clone());
                thread::spawn(move || {
                    let mut wire = Wire::default();
                    let mut req = Vec::new();
                    let mut buf = vec![0u8; 64 * 1024];
                    while find(&req, b"\r\n\r\n").is_none() {
                        match s.read(&mut buf) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => req.extend_from_slice(&buf[..n]),
                        }
                    }
                    wire.up += req.len() as u64;
                    let key = header(&String::from_utf8_lossy(&req), "sec-websocket-key")
                        .expect("Sec-WebSocket-Key");
                    let accept = base64::engine::general_purpose::STANDARD.encode(Sha1::digest(
                        format!("{key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11").as_bytes(),
                    ));
                    let mut response = format!(
                        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                         Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n"
                    );
                    if let Some(e) = extensions {
                        response += &format!("Sec-WebSocket-Extensions: {e}\r\n");
                    }
                    response += "\r\n";
                    let mut ok = s.write_all(response.as_bytes()).is_ok();
                    wire.down += response.len() as u64;
                    for chunk in body.chunks(256 * 1024) {
                        ok = ok && s.write_all(chunk).is_ok();
                    }
                    wire.down += body.len() as u64;
                    let _ = s.shutdown(Shutdown::Write);
                    while let Ok(n @ 1..) = s.read(&mut buf) {
                        wire.up += n as u64;
                    }
                    if ok {
                        let _ = tx.send(wire);
                    }
                });
            }
        });
        Replay { addr, wires }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A header's value in an HTTP head.
fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

// ---------------------------------------------------------------------------------------------
// Rounds and tables.

/// One client's measured round.
#[derive(Clone, Debug)]
struct Sample {
    report: Report,
    wire: Wire,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// "median [min–max]".
fn spread(v: &[f64], fmt: impl Fn(f64) -> String) -> String {
    let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    format!("{} [{}–{}]", fmt(median(v.to_vec())), fmt(lo), fmt(hi))
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Where the clients connect for a scenario.
enum Target<'a> {
    Relay(&'a Relay),
    /// A replay per client.
    Replay(Vec<(Client, Replay)>),
}

struct Bench {
    n: u64,
    rounds: usize,
    only: Option<String>,
    /// What the `ws` server sent each client in `recv-ws`'s warm-up round.
    recordings: Vec<(Client, Vec<u8>)>,
}

impl Bench {
    /// Runs `clients` alternately against `target` and prints the table.
    fn scenario(
        &mut self,
        title: &str,
        dir: Dir,
        target: &Target<'_>,
        clients: &[Client],
        record: bool,
    ) {
        let clients: Vec<Client> = clients
            .iter()
            .copied()
            .filter(|c| self.only.as_deref().is_none_or(|o| o == c.key()))
            .collect();
        let n = self.n;
        let expected: u64 = match dir {
            Dir::Recv => (0..n).map(|i| market(i).len() as u64).sum(),
            Dir::Send => {
                let lens: Vec<u64> = (0..DISTINCT as u64)
                    .map(|i| market(i).len() as u64)
                    .collect();
                (0..n as usize).map(|i| lens[i % DISTINCT]).sum()
            }
        };
        let load0 = load();
        let t0 = Instant::now();
        let k = clients.len();
        let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); k];
        for r in 0..=self.rounds {
            for j in 0..k {
                let i = (j + r) % k;
                let client = clients[i];
                let (url, relay_wires) = match target {
                    Target::Relay(relay) => {
                        while relay.wires.try_recv().is_ok() {}
                        relay.record.store(record && r == 0, Ordering::SeqCst);
                        (format!("ws://{}/", relay.addr), Some(&relay.wires))
                    }
                    Target::Replay(replays) => {
                        let (_, replay) = replays
                            .iter()
                            .find(|(c, _)| *c == client)
                            .expect("a recording for each client");
                        while replay.wires.try_recv().is_ok() {}
                        (format!("ws://{}/", replay.addr), Some(&replay.wires))
                    }
                };
                let report = run_client(client.command(dir, &url, n));
                assert_eq!(report.n, n);
                assert_eq!(
                    report.bytes,
                    expected,
                    "{}: the bytes of the messages",
                    client.name()
                );
                let wire = relay_wires
                    .unwrap()
                    .recv_timeout(Duration::from_secs(30))
                    .expect("the connection ended");
                if r == 0 {
                    if let Some(rec) = wire.recorded {
                        self.recordings.push((client, rec));
                    }
                } else {
                    samples[i].push(Sample { report, wire });
                }
            }
        }
        let secs = t0.elapsed().as_secs_f64();
        self.table(title, dir, &clients, &samples, expected);
        println!();
        println!(
            "{} rounds of N = {n} after a warm-up round, {secs:.0} s; load average {load0} before, {} after.",
            self.rounds,
            load()
        );
        println!();
    }

    fn table(
        &self,
        title: &str,
        dir: Dir,
        clients: &[Client],
        samples: &[Vec<Sample>],
        expected: u64,
    ) {
        let n = self.n as f64;
        let wire_of = |s: &Sample| match dir {
            Dir::Recv => s.wire.down,
            Dir::Send => s.wire.up,
        } as f64;
        let wire_med = |i: usize| median(samples[i].iter().map(wire_of).collect());
        let plain = clients
            .iter()
            .position(|c| *c == Client::Wsync(Level::Off))
            .map(wire_med);
        let find = |c: Client| clients.iter().position(|x| *x == c);
        let way = match dir {
            Dir::Recv => "server→client",
            Dir::Send => "client→server",
        };
        println!("### {title}");
        println!();
        println!(
            "Messages of {:.1} B of JSON on average. Ratios per round against `ws` in the same mode \
             (deflate or not), then median [min–max] over rounds: CPU > 1 = wsync uses less, \
             throughput > 1 = wsync faster.",
            expected as f64 / n
        );
        println!();
        println!(
            "| client | negotiated | wire bytes {way} per message (total) | fewer than uncompressed | messages/s | CPU per message | CPU: ws ÷ client | throughput: client ÷ ws |"
        );
        println!("|---|---|---:|---:|---:|---:|---:|---:|");
        for (i, c) in clients.iter().enumerate() {
            let s = &samples[i];
            let wire = wire_med(i);
            let fewer = match plain {
                Some(p) if c.reference() != Some(Client::Ws { deflate: false }) => {
                    format!("{:.2}×", p / wire)
                }
                _ => "—".into(),
            };
            let rate: Vec<f64> = s.iter().map(|x| n / x.report.secs).collect();
            let cpu: Vec<f64> = s.iter().map(|x| x.report.cpu_us / n).collect();
            let (cpu_ratio, rate_ratio) = match c.reference().and_then(find) {
                Some(j) => {
                    let cr: Vec<f64> = s
                        .iter()
                        .zip(&samples[j])
                        .map(|(a, b)| b.report.cpu_us / a.report.cpu_us)
                        .collect();
                    let rr: Vec<f64> = s
                        .iter()
                        .zip(&samples[j])
                        .map(|(a, b)| b.report.secs / a.report.secs)
                        .collect();
                    (
                        spread(&cr, |v| format!("{v:.2}×")),
                        spread(&rr, |v| format!("{v:.2}×")),
                    )
                }
                None => ("—".into(), "—".into()),
            };
            let ext = &s[0].report.ext;
            println!(
                "| {} | {} | {:.1} B ({:.2} MB) | {} | {} | {} | **{}** | {} |",
                c.name(),
                if ext.is_empty() {
                    "none".to_owned()
                } else {
                    format!("`{ext}`")
                },
                wire / n,
                wire / 1e6,
                fewer,
                spread(&rate, |v| format!("{:.1} k", v / 1e3)),
                spread(&cpu, |v| format!("{v:.2} µs")),
                cpu_ratio,
                rate_ratio,
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The codecs alone: zlib-rs (through flate2, as wsync uses it) against C zlib (the system's,
// through Python's zlib module), compressing and inflating the feed in memory, level by level.

/// C zlib's side of `codec`, run by the websockets virtualenv's Python: for each level, the
/// compressed bytes per message and the CPU time per message (min of 3 passes), then inflate.
const C_ZLIB: &str = r#"
import sys, time, zlib
n = int(sys.argv[1]); levels = [int(x) for x in sys.argv[2].split(',')]
msgs = [line.encode() for line in sys.stdin.read().split('\n') if line]
def run(level):
    best = None
    for _ in range(3):
        c = zlib.compressobj(level, zlib.DEFLATED, -15, 8); total = 0; out = []
        t0 = time.thread_time()
        for i in range(n):
            z = c.compress(msgs[i % len(msgs)]) + c.flush(zlib.Z_SYNC_FLUSH)
            total += len(z) - 4
            if level == 6: out.append(z)
        t = time.thread_time() - t0
        best = t if best is None else min(best, t)
    print("deflate", level, total, best * 1e9 / n)
    return out
for level in levels:
    z = run(level)
    if z:
        best = None
        for _ in range(3):
            d = zlib.decompressobj(-15)
            t0 = time.thread_time()
            for x in z: d.decompress(x)
            t = time.thread_time() - t0
            best = t if best is None else min(best, t)
        print("inflate", 6, 0, best * 1e9 / n)
print("version", zlib.ZLIB_RUNTIME_VERSION, 0, 0)
"#;

/// This thread's CPU time (ns), as Python's `time.thread_time`.
fn thread_cpu_ns() -> u64 {
    // SAFETY: clock_gettime writes into the struct we pass.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// zlib-rs at `level`, as wsync compresses (raw, 15-bit window, sync flush, context takeover):
/// compressed bytes per message (less the 4 trailer octets), CPU ns per message (min of 3), and
/// the compressed messages at level 6.
fn zlib_rs_level(msgs: &[Vec<u8>], n: usize, level: u32) -> (u64, f64, Vec<Vec<u8>>) {
    use flate2::{Compress, Compression, FlushCompress};
    let mut best = f64::INFINITY;
    let mut total = 0;
    let mut kept = Vec::new();
    for _ in 0..3 {
        let mut c = Compress::new_with_window_bits(Compression::new(level), false, 15);
        let mut out = Vec::with_capacity(64 * 1024);
        let keep = level == 6 && kept.is_empty();
        total = 0;
        let t0 = thread_cpu_ns();
        for i in 0..n {
            out.clear();
            let mut input = &msgs[i % msgs.len()][..];
            loop {
                let before = c.total_in();
                c.compress_vec(input, &mut out, FlushCompress::Sync)
                    .unwrap();
                input = &input[(c.total_in() - before) as usize..];
                if out.len() < out.capacity() {
                    break;
                }
                out.reserve(out.capacity());
            }
            total += out.len() as u64 - 4;
            if keep {
                kept.push(out.clone());
            }
        }
        best = best.min((thread_cpu_ns() - t0) as f64 / n as f64);
    }
    (total, best, kept)
}

/// zlib-rs inflating `z` (CPU ns per message, min of 3).
fn zlib_rs_inflate(z: &[Vec<u8>]) -> f64 {
    use flate2::{Decompress, FlushDecompress};
    let mut best = f64::INFINITY;
    let mut out = Vec::with_capacity(64 * 1024);
    for _ in 0..3 {
        let mut d = Decompress::new_with_window_bits(false, 15);
        let t0 = thread_cpu_ns();
        for x in z {
            let mut input = &x[..];
            while !input.is_empty() {
                out.clear();
                let before = d.total_in();
                d.decompress_vec(input, &mut out, FlushDecompress::None)
                    .unwrap();
                input = &input[(d.total_in() - before) as usize..];
            }
        }
        best = best.min((thread_cpu_ns() - t0) as f64 / z.len() as f64);
    }
    best
}

/// One line of C zlib's run: kind ("deflate", "inflate", "version"), level, bytes, ns.
type CLine = (String, String, u64, f64);

/// Runs C zlib's side in a Python process; its lines.
fn c_zlib(msgs: &[Vec<u8>], n: usize, levels: &[u32]) -> Vec<CLine> {
    let python = peers_dir().join("venv/bin/python");
    let levels: Vec<String> = levels.iter().map(u32::to_string).collect();
    let mut child = Command::new(&python)
        .args(["-c", C_ZLIB, &n.to_string(), &levels.join(",")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", python.display()));
    let mut input = Vec::new();
    for m in msgs {
        input.extend_from_slice(m);
        input.push(b'\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let feeder = thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("C zlib's run");
    feeder.join().unwrap().expect("feed C zlib's run");
    assert!(out.status.success(), "C zlib's run failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[0].to_owned(),
                f[1].to_owned(),
                f[2].parse().unwrap_or(0),
                f[3].parse().unwrap_or(0.0),
            )
        })
        .collect()
}

/// The `codec` scenario: both codecs level by level, alternating rounds, on `n` of `msgs`.
fn codec(what: &str, msgs: &[Vec<u8>], n: usize, rounds: usize) {
    let msgs = msgs.to_vec();
    let levels = [1u32, 2, 3, 4, 5, 6, 7, 8, 9];
    // Per level: zlib-rs bytes, C zlib bytes, and per round the CPU of each.
    let mut rs_bytes = [0u64; 10];
    let mut c_bytes = [0u64; 10];
    let mut rs_ns = vec![Vec::new(); 10];
    let mut c_ns = vec![Vec::new(); 10];
    let (mut rs_inf, mut c_inf) = (Vec::new(), Vec::new());
    let mut version = String::new();
    let load0 = load();
    for r in 0..rounds {
        let c_first = r % 2 == 1;
        let mut c_lines = Vec::new();
        if c_first {
            c_lines = c_zlib(&msgs, n, &levels);
        }
        for &l in &levels {
            let (bytes, ns, z) = zlib_rs_level(&msgs, n, l);
            rs_bytes[l as usize] = bytes;
            rs_ns[l as usize].push(ns);
            if !z.is_empty() {
                rs_inf.push(zlib_rs_inflate(&z));
            }
        }
        if !c_first {
            c_lines = c_zlib(&msgs, n, &levels);
        }
        for (kind, level, bytes, ns) in c_lines {
            match kind.as_str() {
                "deflate" => {
                    let l: usize = level.parse().unwrap();
                    c_bytes[l] = bytes;
                    c_ns[l].push(ns);
                }
                "inflate" => c_inf.push(ns),
                _ => version = level,
            }
        }
    }
    println!("### codec, {what}: zlib-rs (wsync's, through flate2) against C zlib, in memory");
    println!();
    println!(
        "{n} messages ({what}) compressed one by one as permessage-deflate does (raw \
         DEFLATE, 15-bit window, memLevel 8, a sync flush per message, context kept), by zlib-rs \
         in this process and by the system's C zlib {version} through Python's zlib module (its \
         call overhead, well under 1 µs, counted against it); CPU time of the compressing thread, \
         min of 3 passes per round, median [min–max] over {rounds} alternating rounds. Bytes per \
         message exclude the 4 trailer octets and the frame header."
    );
    println!();
    println!("| level | zlib-rs algorithm | zlib-rs bytes/msg | C zlib bytes/msg | zlib-rs CPU/msg | C zlib CPU/msg | C ÷ zlib-rs CPU |");
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for &l in &levels {
        let l = l as usize;
        let algo = match l {
            1 => "quick (static trees)",
            2 => "fast",
            3..=6 => "medium",
            _ => "slow (lazy)",
        };
        let ratios: Vec<f64> = rs_ns[l].iter().zip(&c_ns[l]).map(|(a, b)| b / a).collect();
        println!(
            "| {l} | {algo} | {:.1} | {:.1} | {} | {} | {} |",
            rs_bytes[l] as f64 / n as f64,
            c_bytes[l] as f64 / n as f64,
            spread(&rs_ns[l], |v| format!("{:.2} µs", v / 1e3)),
            spread(&c_ns[l], |v| format!("{:.2} µs", v / 1e3)),
            spread(&ratios, |v| format!("{v:.2}×")),
        );
    }
    let ratios: Vec<f64> = rs_inf.iter().zip(&c_inf).map(|(a, b)| b / a).collect();
    println!(
        "| inflate (level 6's output) | | | | {} | {} | {} |",
        spread(&rs_inf, |v| format!("{:.2} µs", v / 1e3)),
        spread(&c_inf, |v| format!("{:.2} µs", v / 1e3)),
        spread(&ratios, |v| format!("{v:.2}×")),
    );
    println!();
    println!("Load average {load0} before, {} after.", load());
    println!();
}

fn machine() -> String {
    let cpu = support::cpu_model();
    let cores = thread::available_parallelism().map_or(0, |n| n.get());
    let node = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let zlib = Command::new("node")
        .args(["-p", "process.versions.zlib"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{cores} cores, {cpu}; Node {node} (zlib {zlib})")
}

fn main() {
    let mut quick = false;
    let mut n = None;
    let mut rounds = None;
    let mut only = None;
    let mut filters = Vec::new();
    let mut client = None;
    let mut url = String::new();
    let mut level = Level::Default;
    let mut extra_levels = vec![1u32, 6];
    for a in std::env::args().skip(1) {
        if let Some(v) = a.strip_prefix("--client=") {
            client = Some(match v {
                "recv" => Dir::Recv,
                "send" => Dir::Send,
                other => panic!("--client=recv|send, got {other}"),
            });
        } else if let Some(v) = a.strip_prefix("--url=") {
            url = v.to_owned();
        } else if let Some(v) = a.strip_prefix("--compression=") {
            level = Level::parse(v);
        } else if let Some(v) = a.strip_prefix("--n=") {
            n = Some(v.parse::<u64>().expect("--n=N"));
        } else if let Some(v) = a.strip_prefix("--rounds=") {
            rounds = Some(v.parse::<usize>().expect("--rounds=R"));
        } else if let Some(v) = a.strip_prefix("--levels=") {
            extra_levels = v
                .split(',')
                .filter(|l| !l.is_empty())
                .map(|l| l.parse().expect("--levels=1,7"))
                .collect();
        } else if let Some(v) = a.strip_prefix("--only=") {
            only = Some(v.to_owned());
        } else if a == "--quick" {
            quick = true;
        } else if a.starts_with("--") {
            // --bench, from cargo.
        } else {
            filters.push(a);
        }
    }
    if let Some(dir) = client {
        wsync_client(dir, &url, n.expect("--n"), level);
        return;
    }
    let on = |name: &str| {
        filters.is_empty()
            || filters.iter().any(|f| match f.strip_prefix('=') {
                Some(exact) => name == exact,
                None => name.contains(f.as_str()),
            })
    };
    let mut b = Bench {
        n: n.unwrap_or(if quick { 10_000 } else { 100_000 }),
        rounds: rounds.unwrap_or(if quick { 3 } else { 4 }),
        only,
        recordings: Vec::new(),
    };
    let n = b.n.to_string();

    println!(
        "# permessage-deflate: wsync vs Node's ws client — {}",
        machine()
    );
    println!();
    let recv_clients = [
        Client::Ws { deflate: true },
        Client::Wsync(Level::Default),
        Client::Ws { deflate: false },
        Client::Wsync(Level::Off),
    ];
    let mut send_clients = vec![Client::Ws { deflate: true }, Client::Wsync(Level::Default)];
    send_clients.extend(extra_levels.iter().map(|&l| Client::Wsync(Level::At(l))));
    send_clients.extend([Client::Ws { deflate: false }, Client::Wsync(Level::Off)]);
    if on("recv-websockets") {
        let server = Server::spawn(
            ServerKind::Websockets,
            &["--default-deflate", "--feed", &n, "--feed-shape", "market"],
        );
        let relay = Relay::spawn(SocketAddr::from(([127, 0, 0, 1], server.port)));
        b.scenario(
            "recv-websockets: receive a feed from Python websockets 17 (its default deflate)",
            Dir::Recv,
            &Target::Relay(&relay),
            &recv_clients,
            false,
        );
    }
    let replay = on("recv-replay");
    if on("recv-ws") || replay {
        let server = Server::spawn(ServerKind::Ws, &["--feed", &n, "--feed-shape", "market"]);
        let relay = Relay::spawn(SocketAddr::from(([127, 0, 0, 1], server.port)));
        b.scenario(
            "recv-ws: receive a feed from Node ws 8 (perMessageDeflate, windows of 15 bits)",
            Dir::Recv,
            &Target::Relay(&relay),
            &recv_clients,
            replay,
        );
    }
    if replay {
        let recordings = std::mem::take(&mut b.recordings);
        let replays: Vec<(Client, Replay)> = recordings
            .into_iter()
            .map(|(c, rec)| (c, Replay::spawn(rec)))
            .collect();
        b.scenario(
            "recv-replay: the ws server's feed replayed by the bench as fast as the client reads",
            Dir::Recv,
            &Target::Replay(replays),
            &recv_clients,
            false,
        );
    }
    if on("codec") {
        let feed: Vec<Vec<u8>> = (0..DISTINCT as u64)
            .map(|i| market(i).into_bytes())
            .collect();
        codec(
            "the feed, ~530 B each",
            &feed,
            b.n.min(20_000) as usize,
            b.rounds.max(3),
        );
        // Large messages: the feed's messages joined into ~64 KiB each.
        let large: Vec<Vec<u8>> = feed.chunks(124).map(|c| c.concat()).collect();
        codec(
            "~64 KiB of the feed's JSON each",
            &large,
            (b.n / 300).clamp(30, 300) as usize,
            b.rounds.max(3),
        );
    }
    if on("send-ws") {
        let server = Server::spawn(ServerKind::Ws, &["--sink", &n]);
        let relay = Relay::spawn(SocketAddr::from(([127, 0, 0, 1], server.port)));
        b.scenario(
            "send-ws: send to a Node ws 8 server that counts the messages (perMessageDeflate)",
            Dir::Send,
            &Target::Relay(&relay),
            &send_clients,
            false,
        );
    }
}
