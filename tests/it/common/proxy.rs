//! In-process test proxies on `127.0.0.1:0`: an HTTP CONNECT proxy and a SOCKS5 proxy (RFC 1928,
//! RFC 1929), written from the RFCs and independent of wsync's code, with the misbehaviours the
//! tests need. Each serves one connection on a bounded thread ([`spawn_bounded`]) and reports
//! what it saw through its join. Nothing sleeps: every socket has the [`WAIT`] timeouts, and a
//! silent proxy waits for the test's word ([`wait_for_test`]).
//!
//! Also the runner of the child process that tests the proxy environment variables end to
//! end ([`run_child`]): the variables are set on the child only, never in this process.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::mpsc::{Receiver, Sender};

use base64::Engine as _;

use super::bounded::{spawn_bounded, wait_for_test, within, BoundedThread};
use super::raw::accept_tcp_within;
use super::{JOIN_WAIT, WAIT};

/// The challenge of the test proxies' 407 replies.
pub const CHALLENGE: &str = "Basic realm=\"wsync-test\"";

/// A test proxy serving one connection; join it for what it saw.
#[derive(Debug)]
pub struct TestProxy<T> {
    /// Where it listens.
    pub addr: SocketAddr,
    thread: BoundedThread<T>,
}

impl<T: Send + 'static> TestProxy<T> {
    /// Binds `127.0.0.1:0` and serves the first connection with `serve` on a bounded thread.
    fn spawn(name: &str, serve: impl FnOnce(TcpStream) -> T + Send + 'static) -> TestProxy<T> {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local_addr");
        let thread = spawn_bounded(format!("{name}-{}", addr.port()), move || {
            let (stream, _) = accept_tcp_within(&listener, WAIT);
            configure(&stream);
            serve(stream)
        });
        TestProxy { addr, thread }
    }

    /// The proxy's URL: `{scheme}://{userinfo}127.0.0.1:{port}`, where `userinfo` is empty or
    /// ends in `@`.
    pub fn url(&self, scheme: &str, userinfo: &str) -> String {
        format!("{scheme}://{userinfo}{}", self.addr)
    }

    /// Waits for the proxy's thread (failing the test after [`JOIN_WAIT`]) and returns what it
    /// saw, or re-raises its panic.
    #[track_caller]
    pub fn join(self) -> T {
        self.thread.join()
    }
}

/// Gives a socket the safety-net timeouts and `TCP_NODELAY`.
fn configure(stream: &TcpStream) {
    stream.set_nodelay(true).expect("TCP_NODELAY");
    stream.set_read_timeout(Some(WAIT)).expect("read timeout");
    stream.set_write_timeout(Some(WAIT)).expect("write timeout");
}

/// Copies both ways between the client and the server until both ends have finished, passing
/// each end's FIN on.
fn pump(client: TcpStream, server: TcpStream) {
    configure(&server);
    let (mut from_client, mut to_server) = (
        client.try_clone().expect("clone"),
        server.try_clone().expect("clone"),
    );
    let up = spawn_bounded("proxy-pump", move || {
        let _ = io::copy(&mut from_client, &mut to_server);
        let _ = to_server.shutdown(Shutdown::Write);
    });
    let (mut from_server, mut to_client) = (server, client);
    let _ = io::copy(&mut from_server, &mut to_client);
    let _ = to_client.shutdown(Shutdown::Write);
    up.join();
}

/// Reads up to the end of an HTTP head, byte by byte so that nothing after it is taken;
/// `None` when the client closes first.
fn read_head(s: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            Ok(_) => return None,
            Err(e) => panic!("test proxy: reading the request: {e}"),
        }
    }
    Some(String::from_utf8(head).expect("the request is UTF-8"))
}

/// Reads until the client closes (or [`WAIT`] passes), ignoring what comes.
fn until_client_closes(s: &mut TcpStream) {
    let _ = io::copy(s, &mut io::sink());
}

/// How the HTTP proxy answers CONNECT.
pub enum Http {
    /// Tunnels to the request's authority, or to `to` when given (to stand in for a host
    /// that does not resolve here). With `auth`, answers 407 with [`CHALLENGE`] unless the
    /// request carries exactly those credentials.
    Tunnel {
        /// The user name and password required.
        auth: Option<(&'static str, &'static str)>,
        /// Where to connect instead of the request's authority.
        to: Option<SocketAddr>,
    },
    /// Writes these bytes, then reads until the client closes.
    Reply(Vec<u8>),
    /// Writes these bytes, then closes its side of the stream (FIN) and reads until the
    /// client closes too, so that what the client writes meanwhile draws no reset.
    ReplyAndClose(Vec<u8>),
    /// Tells the test it has the request (on `seen`, if the test still listens), then says
    /// nothing until the test's word on `go` (or the test drops `go`'s sender).
    Silent {
        /// Told once the request has arrived.
        seen: Sender<()>,
        /// The test's word to end.
        go: Receiver<()>,
    },
}

impl Http {
    /// A tunnel to the requested authority, with or without required credentials.
    pub fn tunnel(auth: Option<(&'static str, &'static str)>) -> Http {
        Http::Tunnel { auth, to: None }
    }
}

/// An HTTP CONNECT proxy; its join gives the request head it read (empty when the client
/// closed before sending one).
pub fn http_proxy(behaviour: Http) -> TestProxy<String> {
    TestProxy::spawn("http-proxy", move |mut s| {
        let Some(head) = read_head(&mut s) else {
            return String::new();
        };
        match behaviour {
            Http::Reply(bytes) => {
                s.write_all(&bytes).expect("reply");
                until_client_closes(&mut s);
            }
            Http::ReplyAndClose(bytes) => {
                s.write_all(&bytes).expect("reply");
                s.shutdown(Shutdown::Write).expect("shutdown");
                until_client_closes(&mut s);
            }
            Http::Silent { seen, go } => {
                let _ = seen.send(());
                wait_for_test(&go);
            }
            Http::Tunnel { auth, to } => {
                let mut lines = head.split("\r\n");
                let request_line = lines.next().unwrap_or_default();
                let mut words = request_line.split(' ');
                assert_eq!(words.next(), Some("CONNECT"), "{head}");
                let authority = words.next().expect("a request target").to_owned();
                let given = lines
                    .filter_map(|l| l.split_once(':'))
                    .find(|(n, _)| n.eq_ignore_ascii_case("Proxy-Authorization"))
                    .map(|(_, v)| v.trim().to_owned());
                let wanted = auth.map(|(u, p)| {
                    let token =
                        base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
                    format!("Basic {token}")
                });
                if wanted.is_some() && given != wanted {
                    let refusal = format!(
                        "HTTP/1.1 407 Proxy Authentication Required\r\n\
                         Proxy-Authenticate: {CHALLENGE}\r\nContent-Length: 6\r\n\r\ndenied"
                    );
                    s.write_all(refusal.as_bytes()).expect("407");
                    until_client_closes(&mut s);
                    return head;
                }
                let server = match to {
                    Some(addr) => TcpStream::connect(addr),
                    None => TcpStream::connect(authority.as_str()),
                }
                .expect("test proxy: connect to the server");
                s.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .expect("200");
                pump(s, server);
            }
        }
        head
    })
}

/// How the SOCKS5 proxy behaves after the greeting.
pub enum Socks {
    /// Tunnels (to `to` when given, else to the requested address) when `reply` is 0;
    /// otherwise answers the CONNECT request with that failure code and reads until the
    /// client closes.
    Reply {
        /// The reply code.
        reply: u8,
        /// Where to connect instead of the requested address.
        to: Option<SocketAddr>,
    },
    /// Writes only the version byte of its method selection, then closes.
    CloseAfterGreeting,
    /// Reads the greeting, then says nothing until the test's word (or the test drops its
    /// sender).
    Silent(Receiver<()>),
}

impl Socks {
    /// A tunnel to the requested address.
    pub fn tunnel() -> Socks {
        Socks::Reply { reply: 0, to: None }
    }
}

/// What the SOCKS5 proxy saw.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SocksSeen {
    /// The methods the greeting offered.
    pub methods: Vec<u8>,
    /// The user name and password sent, if any.
    pub auth: Option<(String, String)>,
    /// The CONNECT request's address type, address (a domain, or an IP as text) and port.
    pub target: Option<(u8, String, u16)>,
}

/// A SOCKS5 proxy; with `auth` it requires username/password and checks them.
pub fn socks5_proxy(
    auth: Option<(&'static str, &'static str)>,
    behaviour: Socks,
) -> TestProxy<SocksSeen> {
    TestProxy::spawn("socks5-proxy", move |mut s| {
        let mut seen = SocksSeen::default();
        serve_socks(&mut s, auth, behaviour, &mut seen);
        seen
    })
}

/// Reads exactly `n` bytes; `None` when the client closes first.
fn take(s: &mut TcpStream, n: usize) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; n];
    match s.read_exact(&mut buf) {
        Ok(()) => Some(buf),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => None,
        Err(e) => panic!("test proxy: reading from the client: {e}"),
    }
}

/// Serves one SOCKS5 client, noting what it sends in `seen`; `None` when it closes early.
fn serve_socks(
    s: &mut TcpStream,
    auth: Option<(&str, &str)>,
    behaviour: Socks,
    seen: &mut SocksSeen,
) -> Option<()> {
    // RFC 1928 §3: VER NMETHODS METHODS.
    let head = take(s, 2)?;
    assert_eq!(head[0], 5, "greeting version");
    seen.methods = take(s, head[1] as usize)?;
    let (reply, to) = match behaviour {
        Socks::CloseAfterGreeting => {
            s.write_all(&[5]).expect("write");
            return Some(());
        }
        Socks::Silent(go) => {
            wait_for_test(&go);
            return Some(());
        }
        Socks::Reply { reply, to } => (reply, to),
    };
    let method = match auth {
        Some(_) if seen.methods.contains(&2) => 2,
        None if seen.methods.contains(&0) => 0,
        _ => 0xFF,
    };
    s.write_all(&[5, method]).expect("method selection");
    if method == 0xFF {
        until_client_closes(s);
        return Some(());
    }
    if let Some((user, pass)) = auth {
        // RFC 1929: VER ULEN UNAME PLEN PASSWD.
        let ver_ulen = take(s, 2)?;
        assert_eq!(ver_ulen[0], 1, "RFC 1929 version");
        let u = take(s, ver_ulen[1] as usize)?;
        let plen = take(s, 1)?[0];
        let p = take(s, plen as usize)?;
        let (u, p) = (String::from_utf8(u).unwrap(), String::from_utf8(p).unwrap());
        let ok = u == user && p == pass;
        seen.auth = Some((u, p));
        s.write_all(&[1, if ok { 0 } else { 1 }])
            .expect("auth reply");
        if !ok {
            until_client_closes(s);
            return Some(());
        }
    }
    // RFC 1928 §4: VER CMD RSV ATYP DST.ADDR DST.PORT.
    let req = take(s, 4)?;
    assert_eq!(&req[..3], &[5, 1, 0], "CONNECT request");
    let atyp = req[3];
    let host = match atyp {
        1 => IpAddr::from(<[u8; 4]>::try_from(take(s, 4)?).unwrap()).to_string(),
        4 => IpAddr::from(<[u8; 16]>::try_from(take(s, 16)?).unwrap()).to_string(),
        3 => {
            let n = take(s, 1)?[0] as usize;
            String::from_utf8(take(s, n)?).unwrap()
        }
        other => panic!("address type {other}"),
    };
    let port = u16::from_be_bytes(take(s, 2)?.try_into().unwrap());
    seen.target = Some((atyp, host.clone(), port));
    if reply != 0 {
        s.write_all(&[5, reply, 0, 1, 0, 0, 0, 0, 0, 0])
            .expect("refusal");
        until_client_closes(s);
        return Some(());
    }
    let server = match (to, host.parse::<IpAddr>()) {
        (Some(addr), _) => TcpStream::connect(addr),
        (None, Ok(ip)) => TcpStream::connect((ip, port)),
        (None, Err(_)) => TcpStream::connect((host.as_str(), port)),
    }
    .expect("test proxy: connect to the server");
    // RFC 1928 §6: VER REP RSV ATYP BND.ADDR BND.PORT.
    let mut reply = vec![5, 0, 0, 1, 127, 0, 0, 1];
    reply.extend(server.local_addr().unwrap().port().to_be_bytes());
    s.write_all(&reply).expect("reply");
    pump(s.try_clone().expect("clone"), server);
    Some(())
}

/// The proxy environment variables (and `REQUEST_METHOD`), all removed from a child's
/// environment before a test sets the ones it means.
pub const PROXY_VARS: &[&str] = &[
    "ws_proxy",
    "WS_PROXY",
    "wss_proxy",
    "WSS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "REQUEST_METHOD",
];

/// The name of the child test, which [`run_child`] runs in a process of its own.
pub const CHILD_TEST: &str = "proxy_env::child";

/// The variable that tells the child test what to do; unset, it does nothing.
pub const CHILD_MODE: &str = "WSYNC_TEST_PROXY_CHILD";

/// Runs [`CHILD_TEST`] in a new process of this test program, with the proxy variables
/// removed, then `env` and `mode` set, and returns its output once it exits (failing the test
/// if it runs past twice [`JOIN_WAIT`]). The variables never touch this process's environment.
pub fn run_child(mode: &str, env: &[(&str, &str)]) -> Output {
    let exe = std::env::current_exe().expect("the test program's path");
    let mut command = Command::new(exe);
    command.args([
        CHILD_TEST,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for var in PROXY_VARS {
        command.env_remove(var);
    }
    command.envs(env.iter().copied()).env(CHILD_MODE, mode);
    within(2 * JOIN_WAIT, move || {
        command.output().expect("run the child test process")
    })
}

/// Asserts that a [`run_child`] child passed its test, showing its output when it did not.
#[track_caller]
pub fn assert_child_passed(output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the child test failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        stdout.contains("1 passed"),
        "the child test did not run:\n{stdout}\n{stderr}"
    );
}
