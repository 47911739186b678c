//! A real server in a process of its own: one of the echo servers of `tests/peers/`, run with
//! what `scripts/peers.sh` installed into `target/peers` (or `$WSYNC_PEERS_DIR`).
//!
//! [`Peer::spawn`] starts it and reads its port from the first line of its standard output,
//! waiting at most [`WAIT`]; dropping the [`Peer`] kills it and reaps it. Its standard input is
//! a pipe that only the test holds, and both servers exit when it closes, so a server outlives
//! neither its [`Peer`] nor a test process that dies. What it writes to standard error is kept
//! and shown when the test fails.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use crate::common::{spawn_bounded, BoundedThread, WAIT};

/// Which real server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// Python `websockets` 17, `tests/peers/echo_websockets.py`.
    Websockets,
    /// Node `ws` 8, `tests/peers/echo_ws.js`.
    Ws,
}

impl Server {
    /// Both servers, for tests that run against each.
    pub const ALL: [Server; 2] = [Server::Websockets, Server::Ws];
}

/// Where `scripts/peers.sh` installed the servers.
fn peers_dir() -> PathBuf {
    match std::env::var_os("WSYNC_PEERS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => manifest_dir().join("target").join("peers"),
    }
}

/// The repository's root.
fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Panics with the way out when `path` is missing.
fn require(path: &std::path::Path, what: &str) {
    assert!(
        path.exists(),
        "{what} not found at {}: run `bash scripts/peers.sh` first",
        path.display()
    );
}

/// A running server, killed on drop.
#[derive(Debug)]
pub struct Peer {
    /// Which server it is.
    pub server: Server,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    /// The process.
    child: Child,
    /// Its standard input: the server exits when this closes.
    stdin: Option<ChildStdin>,
    /// What it has written to standard error so far.
    stderr: Arc<Mutex<Vec<u8>>>,
    /// The thread that collects it, done once the server has exited.
    stderr_reader: Option<BoundedThread<()>>,
}

impl Peer {
    /// Starts `server` with these command-line options (see `tests/peers/`) and waits at most
    /// [`WAIT`] for its port.
    #[track_caller]
    pub fn spawn(server: Server, args: &[&str]) -> Peer {
        let peers = peers_dir();
        let scripts = manifest_dir().join("tests").join("peers");
        let mut cmd = match server {
            Server::Websockets => {
                let python = peers.join("venv").join("bin").join("python");
                require(&python, "the websockets virtualenv");
                let mut cmd = Command::new(python);
                cmd.arg(scripts.join("echo_websockets.py"));
                cmd
            }
            Server::Ws => {
                let modules = peers.join("node_modules");
                require(&modules.join("ws"), "the ws package");
                let mut cmd = Command::new("node");
                cmd.arg(scripts.join("echo_ws.js"))
                    .env("NODE_PATH", modules);
                cmd
            }
        };
        let mut child = cmd
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {server:?}: {e}"));
        let stdin = child.stdin.take();

        let stderr = Arc::new(Mutex::new(Vec::new()));
        let stderr_reader = {
            let mut from = child.stderr.take().expect("stderr pipe");
            let into = stderr.clone();
            spawn_bounded(format!("{server:?}-stderr"), move || {
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = from.read(&mut buf) {
                    into.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            })
        };

        // The first line is the port; the rest, if any, is read and dropped so that the server
        // never blocks on a full pipe. The thread ends when the server exits.
        let (port_tx, port_rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout pipe");
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout);
            let mut first = String::new();
            let _ = port_tx.send(lines.read_line(&mut first).map(|_| first));
            let _ = std::io::copy(&mut lines, &mut std::io::sink());
        });

        let mut peer = Peer {
            server,
            port: 0,
            child,
            stdin,
            stderr,
            stderr_reader: Some(stderr_reader),
        };
        let line = match port_rx.recv_timeout(WAIT) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => peer.fail(&format!("reading its port: {e}")),
            Err(_) => peer.fail(&format!("no port within {WAIT:?}")),
        };
        peer.port = match line.trim().parse() {
            Ok(port) => port,
            Err(_) => peer.fail(&format!("expected a port on its first line, got {line:?}")),
        };
        peer
    }

    /// The server's URL.
    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.port)
    }

    /// What the server has written to standard error so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Kills the server and fails the test with `why` and what the server wrote.
    #[track_caller]
    fn fail(&mut self, why: &str) -> ! {
        let status = self.stop();
        // Once the process is gone its stderr pipe closes and the reader has every byte.
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.finished_within(WAIT);
        }
        panic!(
            "{:?} server: {why} (exit: {status:?}); its stderr:\n{}",
            self.server,
            self.stderr()
        );
    }

    /// Closes the server's stdin, kills it and reaps it; its exit status.
    fn stop(&mut self) -> Option<std::process::ExitStatus> {
        drop(self.stdin.take());
        let _ = self.child.kill();
        self.child.wait().ok()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop();
        if thread::panicking() {
            if let Some(reader) = self.stderr_reader.take() {
                let _ = reader.finished_within(WAIT);
            }
            let stderr = self.stderr();
            if !stderr.is_empty() {
                eprintln!("{:?} server's stderr:\n{stderr}", self.server);
            }
        }
    }
}
