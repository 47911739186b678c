//! wsync against tungstenite 0.30, side by side against the same in-process peers, in one run:
//! a minimal raw peer (never the bottleneck) and tungstenite's server (a real implementation,
//! which unmasks and allocates each message). Every scenario runs against both.
//!
//! ```text
//! cargo bench --bench compare                 # everything
//! cargo bench --bench compare -- recv         # scenarios whose name contains "recv"
//! cargo bench --bench compare -- --quick      # smaller N, for a fast look
//! cargo bench --bench compare -- =recv1m --only=wsync   # one scenario, one client: profiling
//! cargo bench --bench compare -- --peer=tungstenite     # one peer only (raw, tungstenite)
//! cargo bench --bench compare -- =recv16 --rounds       # every round on stderr, not only medians
//! cargo bench --bench compare -- --pin     # peer on CPU 0, client on CPU 1 (needs 2 CPUs)
//! ```
//!
//! Scenarios: `send16`, `send1m`, `recv16`, `recv1m`, `echo32`, their wss variants `wss-send1m`,
//! `wss-recv1m`, `wss-echo32`, and `idle-rss` (RSS of 1,000 and 10,000 idle connections, against
//! a peer in a child process: this binary run with `--idle-peer`).
//! Each scenario runs the clients alternately, a discarded warm-up round and then several
//! measured rounds, and reports the median of the rounds, so that noise hits every client.
//! Wall time ends when the peer has counted the last message (sends) or when the client has the
//! last message (receives). CPU time is the process's (getrusage) minus the peer thread's
//! (schedstat) over the same window, per message. Minor page faults are the process's
//! (getrusage) over the same window, per message: the peer's are the same for both clients.

mod support;

use std::cell::Cell;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use support::{process_cpu_ns, thread_cpu_ns, ConnInfo, IdlePeer, Peer};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Bytes, Connector, Message};
use wsync::{Event, WebSocket};

const CA: &[u8] = include_bytes!("../tests/fixtures/tls/ca.pem");
const P12: &[u8] = include_bytes!("../tests/fixtures/tls/localhost.p12");
const MIB: usize = 1 << 20;

type Tung = tungstenite::WebSocket<MaybeTlsStream<TcpStream>>;

#[derive(Clone, Copy, PartialEq)]
enum Tr {
    Ws,
    Wss,
}

/// The server the clients talk to.
#[derive(Clone, Copy, PartialEq)]
enum PeerKind {
    /// The minimal raw peer of `support`.
    Raw,
    /// tungstenite's server.
    Tung,
}

impl PeerKind {
    fn name(self) -> &'static str {
        match self {
            PeerKind::Raw => "raw",
            PeerKind::Tung => "tungstenite",
        }
    }
}

struct Env {
    plain: Peer,
    tls: Peer,
    tung_plain: Peer,
    tung_tls: Peer,
    /// The peer the scenario being run talks to.
    kind: Cell<PeerKind>,
    quick: bool,
}

impl Env {
    fn peer(&self, tr: Tr) -> &Peer {
        match (self.kind.get(), tr) {
            (PeerKind::Raw, Tr::Ws) => &self.plain,
            (PeerKind::Raw, Tr::Wss) => &self.tls,
            (PeerKind::Tung, Tr::Ws) => &self.tung_plain,
            (PeerKind::Tung, Tr::Wss) => &self.tung_tls,
        }
    }

    fn url(&self, tr: Tr, path: &str) -> String {
        match tr {
            Tr::Ws => format!("ws://127.0.0.1:{}{path}", self.peer(tr).addr.port()),
            Tr::Wss => format!("wss://localhost:{}{path}", self.peer(tr).addr.port()),
        }
    }

    /// Forgets signals left over from earlier rounds.
    fn drain(&self, tr: Tr) {
        let p = self.peer(tr);
        while p.conns.try_recv().is_ok() {}
        while p.done.try_recv().is_ok() {}
    }

    fn conn_info(&self, tr: Tr) -> ConnInfo {
        self.peer(tr)
            .conns
            .recv_timeout(Duration::from_secs(10))
            .expect("peer saw the connection")
    }

    fn wsync(&self, tr: Tr, path: &str) -> (WebSocket, ConnInfo) {
        self.drain(tr);
        let ws = WebSocket::builder(self.url(tr, path))
            .add_root_certificate_pem(CA)
            .connect()
            .expect("wsync connects");
        (ws, self.conn_info(tr))
    }

    fn tung(&self, tr: Tr, path: &str) -> (Tung, ConnInfo) {
        self.drain(tr);
        let tcp = TcpStream::connect(self.peer(tr).addr).unwrap();
        // wsync sets TCP_NODELAY itself; tungstenite leaves it to the caller.
        tcp.set_nodelay(true).unwrap();
        let connector = match tr {
            Tr::Ws => Connector::Plain,
            Tr::Wss => Connector::NativeTls(tls_connector()),
        };
        let (ws, _) =
            tungstenite::client_tls_with_config(self.url(tr, path), tcp, None, Some(connector))
                .expect("tungstenite connects");
        (ws, self.conn_info(tr))
    }

    /// A raw stream (TCP, or TLS over it) that has sent the request head for `path`.
    fn raw(&self, tr: Tr, path: &str) -> (Box<dyn ReadWrite>, ConnInfo) {
        self.drain(tr);
        let tcp = TcpStream::connect(self.peer(tr).addr).unwrap();
        tcp.set_nodelay(true).unwrap();
        let mut s: Box<dyn ReadWrite> = match tr {
            Tr::Ws => Box::new(tcp),
            Tr::Wss => Box::new(tls_connector().connect("localhost", tcp).unwrap()),
        };
        s.write_all(format!("GET {path} HTTP/1.1\r\n\r\n").as_bytes())
            .unwrap();
        s.flush().unwrap();
        (s, self.conn_info(tr))
    }
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

fn tls_connector() -> native_tls::TlsConnector {
    native_tls::TlsConnector::builder()
        .add_root_certificate(native_tls::Certificate::from_pem(CA).unwrap())
        .build()
        .unwrap()
}

/// Closes a tungstenite socket and waits for the peer's close.
fn tung_close(mut ws: Tung) {
    let _ = ws.close(None);
    while ws.read().is_ok() {}
}

/// CPU time of the client: the process's minus the peer thread's, from `start`.
struct Cpu {
    process: u64,
    peer: u64,
    tid: u32,
    faults: u64,
}

impl Cpu {
    fn start(info: ConnInfo) -> Cpu {
        Cpu {
            process: process_cpu_ns(),
            peer: thread_cpu_ns(info.tid),
            tid: info.tid,
            faults: support::minor_faults(),
        }
    }

    /// Minor page faults of the process since `start`, per message.
    fn faults(&self, n: usize) -> f64 {
        (support::minor_faults() - self.faults) as f64 / n as f64
    }

    fn client_ns(&self) -> f64 {
        let process = process_cpu_ns() - self.process;
        let peer = thread_cpu_ns(self.tid).saturating_sub(self.peer);
        process.saturating_sub(peer) as f64
    }
}

/// One measured round: wall seconds, client CPU ns, and latency percentiles if any.
#[derive(Clone, Copy, Default)]
struct Round {
    secs: f64,
    cpu_ns: f64,
    faults: f64,
    p50_us: f64,
    p99_us: f64,
}

type Runner<'a> = Box<dyn FnMut() -> Round + 'a>;

/// `--rounds`: print every round, not only the medians, to see modes that a median hides (the
/// kernel places each connection's threads anew, so rounds of one run can differ by 1.5×).
static EACH_ROUND: AtomicBool = AtomicBool::new(false);

/// Runs the contenders alternately: one warm-up round, then `rounds` measured ones, rotating
/// who goes first. Returns each contender's rounds.
fn interleave(rounds: usize, contenders: &mut [(&str, Runner<'_>)]) -> Vec<Vec<Round>> {
    let k = contenders.len();
    let mut out = vec![Vec::new(); k];
    for r in 0..=rounds {
        for j in 0..k {
            let i = (j + r) % k;
            let round = (contenders[i].1)();
            if EACH_ROUND.load(Ordering::Relaxed) {
                eprintln!(
                    "  round {r}{}: {:<11} {:8.4} s, client CPU {:6.0} ns/msg",
                    if r == 0 { " (warm-up)" } else { "" },
                    contenders[i].0,
                    round.secs,
                    round.cpu_ns
                );
            }
            if r > 0 {
                out[i].push(round);
            }
        }
    }
    out
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

/// Medians over rounds.
struct Stat {
    secs: f64,
    cpu_ns: f64,
    faults: f64,
    p50_us: f64,
    p99_us: f64,
}

fn stat(rounds: &[Round]) -> Stat {
    Stat {
        secs: median(rounds.iter().map(|r| r.secs).collect()),
        cpu_ns: median(rounds.iter().map(|r| r.cpu_ns).collect()),
        faults: median(rounds.iter().map(|r| r.faults).collect()),
        p50_us: median(rounds.iter().map(|r| r.p50_us).collect()),
        p99_us: median(rounds.iter().map(|r| r.p99_us).collect()),
    }
}

// ---------------------------------------------------------------------------------------------
// The clients' loops.

fn wsync_send(env: &Env, tr: Tr, n: usize, size: usize, batched: bool) -> Round {
    let payload = vec![0x61u8; size];
    let (ws, info) = env.wsync(tr, &format!("/sink?n={n}"));
    let cpu = Cpu::start(info);
    let t0 = Instant::now();
    if batched {
        ws.send_batch((0..n).map(|_| &payload[..])).unwrap();
    } else {
        for _ in 0..n {
            ws.send(&payload[..]).unwrap();
        }
    }
    let done = env.peer(tr).done.recv().unwrap();
    let r = Round {
        secs: (done - t0).as_secs_f64(),
        cpu_ns: cpu.client_ns() / n as f64,
        faults: cpu.faults(n),
        ..Round::default()
    };
    drop(ws);
    r
}

fn tung_send(env: &Env, tr: Tr, n: usize, size: usize, batched: bool) -> Round {
    let payload = Bytes::from(vec![0x61u8; size]);
    let (mut ws, info) = env.tung(tr, &format!("/sink?n={n}"));
    let cpu = Cpu::start(info);
    let t0 = Instant::now();
    for _ in 0..n {
        let m = Message::Binary(payload.clone());
        if batched {
            ws.write(m).unwrap();
        } else {
            ws.send(m).unwrap();
        }
    }
    if batched {
        ws.flush().unwrap();
    }
    let done = env.peer(tr).done.recv().unwrap();
    let r = Round {
        secs: (done - t0).as_secs_f64(),
        cpu_ns: cpu.client_ns() / n as f64,
        faults: cpu.faults(n),
        ..Round::default()
    };
    tung_close(ws);
    r
}

fn raw_send(env: &Env, tr: Tr, n: usize, size: usize) -> Round {
    let payload = vec![0x61u8; size];
    let (mut s, info) = env.raw(tr, &format!("/rawsink?bytes={}", n * size));
    let cpu = Cpu::start(info);
    let t0 = Instant::now();
    for _ in 0..n {
        s.write_all(&payload).unwrap();
    }
    s.flush().unwrap();
    let done = env.peer(tr).done.recv().unwrap();
    Round {
        secs: (done - t0).as_secs_f64(),
        cpu_ns: cpu.client_ns() / n as f64,
        faults: cpu.faults(n),
        ..Round::default()
    }
}

fn wsync_recv(env: &Env, tr: Tr, n: usize, size: usize) -> Round {
    let (ws, info) = env.wsync(tr, &format!("/source?n={n}&size={size}"));
    let cpu = Cpu::start(info);
    let t0 = Instant::now();
    ws.send(&b"go"[..]).unwrap();
    let mut got = 0;
    while got < n {
        match ws.recv() {
            Some(Event::Message(m)) => {
                debug_assert_eq!(m.len(), size);
                got += 1;
            }
            other => panic!("wsync: unexpected {other:?}"),
        }
    }
    let r = Round {
        secs: t0.elapsed().as_secs_f64(),
        cpu_ns: cpu.client_ns() / n as f64,
        faults: cpu.faults(n),
        ..Round::default()
    };
    drop(ws);
    r
}

fn tung_recv(env: &Env, tr: Tr, n: usize, size: usize) -> Round {
    let (mut ws, info) = env.tung(tr, &format!("/source?n={n}&size={size}"));
    let cpu = Cpu::start(info);
    let t0 = Instant::now();
    ws.send(Message::Binary(Bytes::from_static(b"go"))).unwrap();
    let mut got = 0;
    while got < n {
        match ws.read().unwrap() {
            Message::Binary(b) => {
                debug_assert_eq!(b.len(), size);
                got += 1;
            }
            other => panic!("tungstenite: unexpected {other:?}"),
        }
    }
    let r = Round {
        secs: t0.elapsed().as_secs_f64(),
        cpu_ns: cpu.client_ns() / n as f64,
        faults: cpu.faults(n),
        ..Round::default()
    };
    tung_close(ws);
    r
}

fn raw_recv(env: &Env, tr: Tr, n: usize, size: usize) -> Round {
    let total = n * size;
    let (mut s, info) = env.raw(tr, &format!("/rawsource?bytes={total}"));
    let mut buf = vec![0u8; 256 * 1024];
    let cpu = Cpu::start(info);
    let t0 = Instant::now();
    s.write_all(b"g").unwrap();
    s.flush().unwrap();
    let mut got = 0;
    while got < total {
        let k = s.read(&mut buf).unwrap();
        assert!(k > 0, "raw source ended early");
        got += k;
    }
    Round {
        secs: t0.elapsed().as_secs_f64(),
        cpu_ns: cpu.client_ns() / n as f64,
        faults: cpu.faults(n),
        ..Round::default()
    }
}

fn latencies(mut v: Vec<f64>, secs: f64, cpu_ns: f64, faults: f64) -> Round {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)];
    Round {
        secs,
        cpu_ns,
        faults,
        p50_us: pct(0.50),
        p99_us: pct(0.99),
    }
}

fn wsync_echo(env: &Env, tr: Tr, n: usize, size: usize) -> Round {
    let payload = vec![0x61u8; size];
    let (ws, info) = env.wsync(tr, "/echo");
    let mut lat = Vec::with_capacity(n);
    let cpu = Cpu::start(info);
    let t0 = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        ws.send(&payload[..]).unwrap();
        match ws.recv() {
            Some(Event::Message(m)) => debug_assert_eq!(m.len(), size),
            other => panic!("wsync: unexpected {other:?}"),
        }
        lat.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let r = latencies(
        lat,
        t0.elapsed().as_secs_f64(),
        cpu.client_ns() / n as f64,
        cpu.faults(n),
    );
    drop(ws);
    r
}

fn tung_echo(env: &Env, tr: Tr, n: usize, size: usize) -> Round {
    let payload = Bytes::from(vec![0x61u8; size]);
    let (mut ws, info) = env.tung(tr, "/echo");
    let mut lat = Vec::with_capacity(n);
    let cpu = Cpu::start(info);
    let t0 = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        ws.send(Message::Binary(payload.clone())).unwrap();
        match ws.read().unwrap() {
            Message::Binary(b) => debug_assert_eq!(b.len(), size),
            other => panic!("tungstenite: unexpected {other:?}"),
        }
        lat.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let r = latencies(
        lat,
        t0.elapsed().as_secs_f64(),
        cpu.client_ns() / n as f64,
        cpu.faults(n),
    );
    tung_close(ws);
    r
}

// ---------------------------------------------------------------------------------------------
// The table.

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Messages per second.
    Rate,
    /// MiB per second.
    Bulk,
    /// Microseconds, lower is better.
    Latency,
}

struct Row {
    scenario: String,
    peer: &'static str,
    mode: String,
    kind: Kind,
    metric: &'static str,
    wsync: f64,
    tung: f64,
    raw: Option<f64>,
    cpu: Option<(f64, f64)>,
    /// Minor page faults per message, wsync and tungstenite.
    faults: Option<(f64, f64)>,
}

impl Row {
    fn ratio(&self) -> f64 {
        match self.kind {
            Kind::Latency => self.tung / self.wsync,
            _ => self.wsync / self.tung,
        }
    }
}

fn fmt_value(kind: Kind, v: f64) -> String {
    match kind {
        Kind::Rate if v >= 1e6 => format!("{:.2} M msg/s", v / 1e6),
        Kind::Rate => format!("{:.0} k msg/s", v / 1e3),
        Kind::Bulk => format!("{v:.0} MiB/s"),
        Kind::Latency => format!("{v:.1} µs"),
    }
}

fn fmt_cpu(ns: f64) -> String {
    if ns >= 10_000.0 {
        format!("{:.0} µs", ns / 1e3)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn print_header() {
    println!(
        "| scenario | peer | modes compared | metric | wsync | tungstenite | ratio (>1 = wsync better) \
         | raw TCP/TLS | wsync % of raw | CPU/msg wsync | CPU/msg tungstenite | CPU ratio (>1 = wsync less) \
         | minor faults/msg wsync | minor faults/msg tungstenite |"
    );
    println!("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
}

fn print_row(r: &Row) {
    let (raw, pct) = match r.raw {
        Some(raw) => (
            fmt_value(r.kind, raw),
            format!("{:.0} %", 100.0 * r.wsync / raw),
        ),
        None => ("".into(), "".into()),
    };
    let (cw, ct, cr) = match r.cpu {
        Some((w, t)) => (fmt_cpu(w), fmt_cpu(t), format!("{:.2}×", t / w)),
        None => ("".into(), "".into(), "".into()),
    };
    let (fw, ft) = match r.faults {
        Some((w, t)) => (format!("{w:.2}"), format!("{t:.2}")),
        None => ("".into(), "".into()),
    };
    println!(
        "| {} | {} | {} | {} | {} | {} | **{:.2}×** | {} | {} | {} | {} | {} | {} | {} |",
        r.scenario,
        r.peer,
        r.mode,
        r.metric,
        fmt_value(r.kind, r.wsync),
        fmt_value(r.kind, r.tung),
        r.ratio(),
        raw,
        pct,
        cw,
        ct,
        cr,
        fw,
        ft
    );
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

struct Bench {
    env: Env,
    rows: Vec<Row>,
    /// `--only=<client>`: run just that contender (wsync, wsync-batch, send, batched, read, raw, tung), for
    /// profiling; no table row.
    only: Option<String>,
}

impl Bench {
    /// Keeps only the `--only` contender; true if the scenario should stop after running.
    fn restrict(&self, c: &mut Vec<(&str, Runner<'_>)>) -> bool {
        match &self.only {
            Some(only) => {
                c.retain(|(name, _)| name == only);
                true
            }
            None => false,
        }
    }
}

impl Bench {
    fn push(&mut self, row: Row) {
        print_row(&row);
        self.rows.push(row);
    }

    /// A send or receive scenario with `n` messages of `size` bytes.
    #[allow(clippy::too_many_arguments)]
    fn throughput(
        &mut self,
        name: &str,
        tr: Tr,
        send: bool,
        n: usize,
        size: usize,
        rounds: usize,
        with_raw: bool,
        batched_too: bool,
    ) {
        let env = &self.env;
        let peer = env.kind.get();
        // The raw TCP/TLS limit is the raw peer's alone.
        let with_raw = with_raw && peer == PeerKind::Raw;
        let mut c: Vec<(&str, Runner<'_>)> = Vec::new();
        if send {
            c.push((
                "wsync",
                Box::new(move || wsync_send(env, tr, n, size, false)),
            ));
            c.push(("send", Box::new(move || tung_send(env, tr, n, size, false))));
            if batched_too {
                c.push((
                    "wsync-batch",
                    Box::new(move || wsync_send(env, tr, n, size, true)),
                ));
                c.push((
                    "batched",
                    Box::new(move || tung_send(env, tr, n, size, true)),
                ));
            }
            if with_raw {
                c.push(("raw", Box::new(move || raw_send(env, tr, n, size))));
            }
        } else {
            c.push(("wsync", Box::new(move || wsync_recv(env, tr, n, size))));
            c.push(("read", Box::new(move || tung_recv(env, tr, n, size))));
            if with_raw {
                c.push(("raw", Box::new(move || raw_recv(env, tr, n, size))));
            }
        }
        let profiling = self.restrict(&mut c);
        let names: Vec<String> = c.iter().map(|(s, _)| s.to_string()).collect();
        let res = interleave(rounds, &mut c);
        drop(c);
        if profiling {
            return;
        }
        let stats: Vec<Stat> = res.iter().map(|r| stat(r)).collect();
        let get = |name: &str| names.iter().position(|n| n == name).map(|i| &stats[i]);
        let kind = if size >= 64 * 1024 {
            Kind::Bulk
        } else {
            Kind::Rate
        };
        let value = |s: &Stat| match kind {
            Kind::Bulk => (n * size) as f64 / MIB as f64 / s.secs,
            _ => n as f64 / s.secs,
        };
        let raw = get("raw").map(value);
        for mode in ["send", "batched", "read"] {
            if let Some(t) = get(mode) {
                // Each tungstenite mode against wsync's matching one.
                let w = match mode {
                    "batched" => get("wsync-batch").unwrap(),
                    _ => get("wsync").unwrap(),
                };
                let mode = match mode {
                    "send" => "wsync `send` vs tungstenite `send` (flush per message)",
                    "batched" => "wsync `send_batch` vs tungstenite `write` ×N + one `flush`",
                    _ => "wsync `recv` vs tungstenite `read`",
                };
                let metric = match kind {
                    Kind::Bulk => "throughput",
                    _ => "messages/s",
                };
                self.push(Row {
                    scenario: name.into(),
                    peer: peer.name(),
                    mode: mode.into(),
                    kind,
                    metric,
                    wsync: value(w),
                    tung: value(t),
                    raw,
                    cpu: Some((w.cpu_ns, t.cpu_ns)),
                    faults: Some((w.faults, t.faults)),
                });
            }
        }
        if let Some(r) = get("raw") {
            eprintln!(
                "    ({name}: raw client CPU {} per {} B message)",
                fmt_cpu(r.cpu_ns),
                size
            );
        }
    }

    fn echo(&mut self, name: &str, tr: Tr, n: usize, size: usize, rounds: usize) {
        let env = &self.env;
        let mut c: Vec<(&str, Runner<'_>)> = vec![
            ("wsync", Box::new(move || wsync_echo(env, tr, n, size))),
            ("tung", Box::new(move || tung_echo(env, tr, n, size))),
        ];
        let profiling = self.restrict(&mut c);
        let res = interleave(rounds, &mut c);
        drop(c);
        if profiling {
            return;
        }
        let (w, t) = (stat(&res[0]), stat(&res[1]));
        let peer = self.env.kind.get().name();
        for (metric, wv, tv) in [
            ("median round trip", w.p50_us, t.p50_us),
            ("p99 round trip", w.p99_us, t.p99_us),
        ] {
            let first = metric.starts_with("median");
            self.push(Row {
                scenario: name.into(),
                peer,
                mode: "`send`, then wait for the echo (`recv` / `read`)".into(),
                kind: Kind::Latency,
                metric,
                wsync: wv,
                tung: tv,
                raw: None,
                cpu: first.then_some((w.cpu_ns, t.cpu_ns)),
                faults: first.then_some((w.faults, t.faults)),
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Idle connections.

fn raise_nofile(need: u64) -> String {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain syscalls on a local struct.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    let (soft, hard) = (lim.rlim_cur, lim.rlim_max);
    lim.rlim_cur = hard;
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    let mut note = format!("RLIMIT_NOFILE soft {soft} → hard {hard}");
    if hard < need {
        let raised = libc::rlimit {
            rlim_cur: need,
            rlim_max: need,
        };
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            note += &format!("; hard limit too low for {need} fds, raised to {need} (root)");
        } else {
            note += &format!(
                "; hard limit too low for {need} fds and cannot be raised: {}",
                std::io::Error::last_os_error()
            );
        }
    }
    note
}

fn nofile() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    lim.rlim_cur
}

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

fn wait_threads(at_most: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while support::proc_status("Threads") > at_most && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until every other thread is blocked (each reader thread in its read, its buffer
/// allocated) and the RSS has stopped changing; at most 20 s.
fn settle() {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = support::proc_status("VmRSS");
    loop {
        std::thread::sleep(Duration::from_millis(250));
        let rss = support::proc_status("VmRSS");
        let (_, running) = support::thread_stack_pointers();
        if (running == 0 && rss == last) || Instant::now() > deadline {
            return;
        }
        last = rss;
    }
}

/// How long the idle connections stay idle before they are measured: longer than the idle
/// period after which wsync lets a connection's read buffers go.
const IDLE_WAIT: Duration = Duration::from_secs(3);

/// The clients of the idle-connections measurement, as named in its tables.
const IDLE_CLIENTS: [&str; 5] = [
    "wsync",
    "wsync, `reader_stack_size(64 * 1024)`",
    "tungstenite",
    TALKED_WSYNC,
    TALKED_TUNGSTENITE,
];

/// The idle clients that first send one 64-byte message and receive one of 100 bytes (the peer's
/// `/idle-talk`), as a feed's subscriber does before it idles.
const TALKED_WSYNC: &str = "wsync, after one message each way";
const TALKED_TUNGSTENITE: &str = "tungstenite, after one message each way";

/// Prefix of the child's breakdown line, which the parent prints in a table of its own.
const BREAKDOWN: &str = "breakdown ";

/// Opens `n` idle connections of one client kind to a peer in another process; prints the
/// RSS they cost this process, and (prefixed with [`BREAKDOWN`]) where it went.
fn idle(client: &str, n: usize) {
    let peer = IdlePeer::spawn();
    let talk = client == TALKED_WSYNC || client == TALKED_TUNGSTENITE;
    let path = if talk { "idle-talk" } else { "idle" };
    let url = format!("ws://127.0.0.1:{}/{path}", peer.addr.port());
    let hello = [b'h'; 64];
    let threads0 = support::proc_status("Threads");
    let fds0 = fd_count();
    let before = support::mem_breakdown();
    let rss0 = support::proc_status("VmRSS");
    let t0 = Instant::now();
    let mut wsync_conns = Vec::with_capacity(n);
    let mut tung_conns = Vec::with_capacity(n);
    let mut failure = None;
    // Stop short of the fd limit, keeping a few for /proc reads: each connection, wsync's or
    // tungstenite's, is one socket here (the peer's ends are in the peer's process).
    let limit = nofile() as usize;
    for i in 0..n {
        if fds0 + 32 + (i + 1) > limit {
            failure = Some(format!(
                "stopped at {i}: one fd per connection and RLIMIT_NOFILE {limit}"
            ));
            break;
        }
        let opened = if client == "tungstenite" || client == TALKED_TUNGSTENITE {
            TcpStream::connect(peer.addr)
                .map_err(|e| e.to_string())
                .and_then(|tcp| {
                    tcp.set_nodelay(true).unwrap();
                    tungstenite::client(&url, tcp).map_err(|e| e.to_string())
                })
                .and_then(|(mut ws, _)| {
                    if talk {
                        ws.send(Message::Binary(Bytes::copy_from_slice(&hello)))
                            .map_err(|e| e.to_string())?;
                        ws.read().map_err(|e| e.to_string())?;
                    }
                    tung_conns.push(ws);
                    Ok(())
                })
        } else {
            let builder = WebSocket::builder(&url);
            let builder = match client {
                "wsync" | TALKED_WSYNC => builder,
                c if c == IDLE_CLIENTS[1] => builder.reader_stack_size(64 * 1024),
                other => panic!("unknown idle client {other}"),
            };
            builder.connect().map_err(|e| e.to_string()).and_then(|ws| {
                if talk {
                    ws.send(&hello[..]).map_err(|e| e.to_string())?;
                    match ws.recv() {
                        Some(Event::Message(_)) => {}
                        other => return Err(format!("expected the message, got {other:?}")),
                    }
                }
                wsync_conns.push(ws);
                Ok(())
            })
        };
        if let Err(e) = opened {
            failure = Some(format!("connection {i}: {e}"));
            break;
        }
    }
    let opened = wsync_conns.len() + tung_conns.len();
    let secs = t0.elapsed().as_secs_f64();
    settle();
    let fresh = support::proc_status("VmRSS");
    // Past the idle period after which a wsync connection lets its read buffers go.
    std::thread::sleep(IDLE_WAIT);
    settle();
    let rss1 = support::proc_status("VmRSS");
    let threads1 = support::proc_status("Threads");
    let fds1 = fd_count();
    let after = support::mem_breakdown();
    let per_n = opened.max(1) as f64;
    let per = rss1.saturating_sub(rss0) as f64 / per_n;
    let per_fresh = fresh.saturating_sub(rss0) as f64 / per_n;
    let fds = fds1 - fds0;
    println!(
        "| {client} | {n} | {opened} | {rss0} KiB | {rss1} KiB | {per_fresh:.1} KiB | **{per:.1} KiB** | {} | {fds} ({:.2}) | {secs:.1} s |",
        threads1 - threads0,
        fds as f64 / per_n,
    );
    if let Some(f) = failure {
        println!("|  | failed at | {f} ||||||||");
    }
    let d = |a: u64, b: u64| format!("{:.1}", a as f64 / per_n - b as f64 / per_n);
    let stacks = after.stacks.saturating_sub(before.stacks);
    let mappings = after.stack_mappings - before.stack_mappings;
    let shape = if mappings == 0 {
        "—".to_owned()
    } else {
        format!(
            "{mappings} × ({} KiB + {} KiB guard), {:.1} KiB resident each",
            after.stack_shape.0,
            after.stack_shape.1,
            stacks as f64 / mappings as f64
        )
    };
    let unlocated = match after.threads_unlocated {
        0 => String::new(),
        k => format!(" ({k} threads running, stacks not located)"),
    };
    println!(
        "{BREAKDOWN}| {client} | {opened} | {} | {shape}{unlocated} | {} | {} | {} | **{}** | {per:.1} |",
        d(after.stacks, before.stacks),
        d(after.heap, before.heap),
        d(after.anon, before.anon),
        d(after.other, before.other),
        d(after.total(), before.total()),
    );
    // The peer exits and the kernel closes its ends: every connection ends on its own.
    peer.release();
    drop(tung_conns);
    drop(wsync_conns);
    wait_threads(threads0);
}

fn idle_rss(quick: bool) {
    let sizes: &[usize] = if quick { &[1000] } else { &[1000, 10_000] };
    let need = *sizes.iter().max().unwrap() as u64 + 512;
    let note = raise_nofile(need);
    println!();
    println!("Idle connections: {note}; soft limit now {}.", nofile());
    println!(
        "The peer that accepts and handshakes the connections (then holds them, reading nothing) \
         runs in a separate process (this binary with `--idle-peer`), the same for every client, \
         so the measuring process holds only the client side: the RSS per connection below is the \
         client process's alone, with no peer share (kernel socket buffers are not in RSS either). \
         Each measurement runs in a fresh process. A wsync connection holds 1 fd (its socket) and \
         a reader thread; a tungstenite connection 1 fd and no thread. wsync defaults: \
         `event_queue_capacity` {} batches, reader stack {} KiB, 16 KiB read buffer.",
        wsync::DEFAULT_EVENT_QUEUE_CAPACITY,
        wsync::DEFAULT_READER_STACK_SIZE / 1024,
    );
    println!();
    println!("| client | connections asked | opened | RSS before | RSS after | RSS per connection, just opened | RSS per connection, idle {} s (client process only) | threads added | fds added (per connection) | time to open |", IDLE_WAIT.as_secs());
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let exe = std::env::current_exe().expect("own executable");
    let mut breakdown = Vec::new();
    for &n in sizes {
        for client in IDLE_CLIENTS {
            let out = std::process::Command::new(&exe)
                .arg(format!("--idle-child={n}={client}"))
                .output()
                .expect("run idle child");
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                match line.strip_prefix(BREAKDOWN) {
                    Some(row) => breakdown.push(row.to_owned()),
                    None => println!("{line}"),
                }
            }
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
            if !out.status.success() {
                println!("| {client} | {n} | child failed: {} |||||||", out.status);
            }
        }
    }
    println!();
    println!(
        "Where an idle connection's memory goes, KiB per connection: the growth of each kind of \
         mapping in `/proc/self/smaps` while the connections opened, divided by their number. \
         Thread stacks are the mappings that hold a blocked thread's stack pointer (from \
         `/proc/self/task/*/syscall`); with glibc the thread's descriptor and static TLS sit at \
         the top of that mapping, so they count here. `[heap]` is the main malloc arena; the \
         anonymous mappings are malloc's per-thread arenas (the reader threads allocate there) and \
         blocks malloc maps on their own."
    );
    println!();
    println!("| client | connections | thread stacks | stack mappings | heap: `[heap]` | heap: anonymous (arenas, mmap'd blocks) | other (binary, libraries, main stack) | total (smaps) | VmRSS per connection |");
    println!("|---|---:|---:|---|---:|---:|---:|---:|---:|");
    for row in breakdown {
        println!("{row}");
    }
    println!();
    println!(
        "`size_of::<wsync::Event>()` = {} bytes. The bounded event channel holds at most \
         `event_queue_capacity` batches (the events decoded from one read each).",
        std::mem::size_of::<Event>(),
    );
}

// ---------------------------------------------------------------------------------------------

/// Scenario 4 again in a child process whose glibc does not trim its heaps (a diagnostic: with
/// glibc's defaults, some of the large buffers that the application frees go back to the system
/// and are faulted in again when a later message is read into them).
fn glibc_trim_diagnostic(quick: bool) {
    let exe = std::env::current_exe().expect("own executable");
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("=recv1m").arg("--peer=raw").env(
        "GLIBC_TUNABLES",
        "glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=33554432",
    );
    if quick {
        cmd.arg("--quick");
    }
    let out = cmd.output().expect("run diagnostic child");
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some(rest) = line.strip_prefix("| 4. receive 1 MiB |") {
            println!(
                "| 4b. receive 1 MiB, glibc heap trimming off (diagnostic, not a default) |{rest}"
            );
        }
    }
}

fn machine() -> String {
    let cpu = support::cpu_model();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_owned();
    format!("{cores} cores, {cpu}, Linux {kernel}")
}

fn main() {
    let mut quick = false;
    let mut only = None;
    let mut peer_filter: Option<String> = None;
    let mut filters = Vec::new();
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--quick" => quick = true,
            "--rounds" => EACH_ROUND.store(true, Ordering::Relaxed),
            "--pin" => support::PIN.store(true, Ordering::Relaxed),
            s if s.starts_with("--only=") => only = Some(s["--only=".len()..].to_owned()),
            s if s.starts_with("--peer=") => peer_filter = Some(s["--peer=".len()..].to_owned()),
            s if s.starts_with("--idle-child=") => {
                let (n, client) = s["--idle-child=".len()..].split_once('=').unwrap();
                let n: usize = n.parse().unwrap();
                raise_nofile(n as u64 + 512);
                idle(client, n);
                return;
            }
            "--idle-peer" => {
                raise_nofile(0);
                support::idle_peer_main();
            }
            "--bench" => {}
            s if s.starts_with("--") => {}
            s => filters.push(s.to_owned()),
        }
    }
    // A filter matches scenario names containing it; `=name` matches one name exactly.
    let on = |name: &str| {
        filters.is_empty()
            || filters.iter().any(|f| match f.strip_prefix('=') {
                Some(exact) => name == exact,
                None => name.contains(f.as_str()),
            })
    };

    if support::PIN.load(Ordering::Relaxed) {
        support::pin_to(1);
    }
    let identity = native_tls::Identity::from_pkcs12(P12, "wsync").expect("localhost.p12");
    let acceptor = native_tls::TlsAcceptor::new(identity).expect("acceptor");
    let env = Env {
        plain: Peer::spawn(None),
        tls: Peer::spawn(Some(acceptor.clone())),
        tung_plain: Peer::spawn_tungstenite(None),
        tung_tls: Peer::spawn_tungstenite(Some(acceptor)),
        kind: Cell::new(PeerKind::Raw),
        quick,
    };
    let peers: Vec<PeerKind> = [PeerKind::Raw, PeerKind::Tung]
        .into_iter()
        .filter(|k| peer_filter.as_deref().is_none_or(|f| f == k.name()))
        .collect();
    let mut b = Bench {
        env,
        rows: Vec::new(),
        only,
    };
    let q = |full: usize, small: usize| if quick { small } else { full };

    println!("# wsync vs tungstenite 0.30 — {}", machine());
    println!();
    println!(
        "Median of {} rounds per client (after a warm-up round), clients interleaved.{}",
        if quick { "3" } else { "5" },
        if quick {
            " --quick: N reduced 10×."
        } else {
            ""
        }
    );
    println!();
    print_header();
    let small_rounds = q(5, 3);
    let bulk_rounds = q(5, 3);
    for &kind in &peers {
        b.env.kind.set(kind);
        if on("send16") {
            let n = q(200_000, 20_000);
            b.throughput(
                "1. send 16 B",
                Tr::Ws,
                true,
                n,
                16,
                small_rounds,
                false,
                true,
            );
        }
        if on("send1m") {
            b.throughput(
                "2. send 1 MiB",
                Tr::Ws,
                true,
                q(300, 30),
                MIB,
                bulk_rounds,
                true,
                false,
            );
        }
        if on("recv16") {
            let n = q(500_000, 50_000);
            b.throughput(
                "3. receive 16 B",
                Tr::Ws,
                false,
                n,
                16,
                small_rounds,
                false,
                false,
            );
        }
        if on("recv1m") {
            b.throughput(
                "4. receive 1 MiB",
                Tr::Ws,
                false,
                q(300, 30),
                MIB,
                bulk_rounds,
                true,
                false,
            );
            if b.only.is_none()
                && kind == PeerKind::Raw
                && std::env::var_os("GLIBC_TUNABLES").is_none()
            {
                glibc_trim_diagnostic(quick);
            }
        }
        if on("echo32") {
            b.echo("5. echo 32 B", Tr::Ws, q(20_000, 2_000), 32, small_rounds);
        }
        if on("wss-send1m") {
            b.throughput(
                "7. wss send 1 MiB",
                Tr::Wss,
                true,
                q(300, 30),
                MIB,
                bulk_rounds,
                true,
                false,
            );
        }
        if on("wss-recv1m") {
            b.throughput(
                "7. wss receive 1 MiB",
                Tr::Wss,
                false,
                q(300, 30),
                MIB,
                bulk_rounds,
                true,
                false,
            );
        }
        if on("wss-echo32") {
            b.echo(
                "7. wss echo 32 B",
                Tr::Wss,
                q(20_000, 2_000),
                32,
                small_rounds,
            );
        }
    }
    let _ = b.env.quick;
    println!();
    println!(
        "Raw TCP/TLS (6.): the same bytes written/read with plain `write_all`/`read` (256 KiB reads) \
         against the same peer, no framing: the limit for the bulk scenarios."
    );
    let losses: Vec<&Row> = b.rows.iter().filter(|r| r.ratio() < 1.0).collect();
    if !losses.is_empty() {
        println!();
        println!("wsync behind tungstenite:");
        for r in losses {
            println!(
                "- {}, {} peer, {} ({}): {:.2}×, tungstenite {:.0} % ahead",
                r.scenario,
                r.peer,
                r.mode,
                r.metric,
                r.ratio(),
                100.0 * (1.0 / r.ratio() - 1.0)
            );
        }
    }
    if on("idle-rss") {
        idle_rss(quick);
    }
}
