//! Runs the `wsync` binary with arguments and a stdin, and collects its exit status, stdout and
//! stderr, within a bound.

use std::io::Write;
use std::process::{ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use crate::common::JOIN_WAIT;

/// The binary under test.
pub const WSYNC: &str = env!("CARGO_BIN_EXE_wsync");

/// How long a run may take before the test fails: longer than any wait of the peers, so that
/// a stuck peer fails with its own message first.
pub const RUN_WAIT: Duration = JOIN_WAIT;

/// What a run left: its exit status, stdout and stderr.
#[derive(Debug)]
pub struct Ran {
    /// The exit status; `None` when a signal ended it.
    pub status: Option<i32>,
    /// All of stdout, as bytes.
    pub stdout: Vec<u8>,
    /// All of stderr.
    pub stderr: String,
}

impl Ran {
    /// stdout as text.
    #[track_caller]
    pub fn stdout_text(&self) -> &str {
        std::str::from_utf8(&self.stdout).expect("stdout is UTF-8")
    }

    /// Fails the test, showing the run, unless it exited with `status`.
    #[track_caller]
    pub fn assert_status(&self, status: i32) -> &Ran {
        assert_eq!(
            self.status,
            Some(status),
            "unexpected exit status: {self:#?}"
        );
        self
    }

    /// Fails the test unless stderr contains each of `parts`.
    #[track_caller]
    pub fn assert_stderr_has(&self, parts: &[&str]) -> &Ran {
        for part in parts {
            assert!(
                self.stderr.contains(part),
                "stderr lacks {part:?}: {self:#?}"
            );
        }
        self
    }
}

/// What the binary gets on stdin.
enum Input {
    /// These bytes, then the end of input.
    Bytes(Vec<u8>),
    /// A pipe that stays open (no end of input) until the binary has exited.
    Open,
}

/// The variables that name a proxy: removed from every run's environment, so that the tests
/// reach their loopback peers directly wherever they run, unless a test sets one.
pub const PROXY_VARIABLES: [&str; 10] = [
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
];

/// A run to be started: arguments, environment and stdin.
pub struct Wsync {
    args: Vec<String>,
    env: Vec<(String, String)>,
    input: Input,
}

/// `wsync ARGS...`, with an empty stdin unless told otherwise.
pub fn wsync<S: AsRef<str>>(args: &[S]) -> Wsync {
    Wsync {
        args: args.iter().map(|a| a.as_ref().to_owned()).collect(),
        env: Vec::new(),
        input: Input::Bytes(Vec::new()),
    }
}

impl Wsync {
    /// Sets an environment variable for the run.
    pub fn env(mut self, name: &str, value: &str) -> Wsync {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Writes `bytes` to stdin, then closes it.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Wsync {
        self.input = Input::Bytes(bytes.into());
        self
    }

    /// Keeps stdin open, without input, until the binary exits: the end of input never comes.
    pub fn stdin_open(mut self) -> Wsync {
        self.input = Input::Open;
        self
    }

    /// Runs the binary to its end, within [`RUN_WAIT`].
    #[track_caller]
    pub fn run(self) -> Ran {
        let mut command = Command::new(WSYNC);
        for name in PROXY_VARIABLES {
            command.env_remove(name);
        }
        let mut child = command
            .args(&self.args)
            .envs(self.env.iter().map(|(n, v)| (n, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the wsync binary");
        let stdin = child.stdin.take().expect("stdin is piped");
        let kept: Option<ChildStdin> = match self.input {
            Input::Bytes(bytes) => {
                thread::spawn(move || {
                    let mut stdin = stdin;
                    // The binary may exit before it reads everything.
                    let _ = stdin.write_all(&bytes);
                });
                None
            }
            Input::Open => Some(stdin),
        };
        let pid = child.id();
        let (done_tx, done) = mpsc::channel();
        thread::spawn(move || {
            let _ = done_tx.send(child.wait_with_output());
        });
        let output: Output = match done.recv_timeout(RUN_WAIT) {
            Ok(output) => output.expect("wait for wsync"),
            Err(RecvTimeoutError::Timeout) => {
                kill(pid);
                let output = done.recv().expect("the waiter").expect("wait for wsync");
                panic!(
                    "wsync {:?} did not exit within {RUN_WAIT:?}; killed.\nstdout: {}\nstderr: {}",
                    self.args,
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            Err(RecvTimeoutError::Disconnected) => panic!("the waiter thread died"),
        };
        drop(kept);
        Ran {
            status: output.status.code(),
            stdout: output.stdout,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Kills a binary that overstayed its bound.
fn kill(pid: u32) {
    let pid = libc::pid_t::try_from(pid).expect("pid fits pid_t");
    // SAFETY: kill has no memory-safety preconditions; the pid is our own child's, not yet
    // reaped (its waiter has not returned).
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

/// A loopback URL where nothing listens: a port just bound and released.
pub fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("local_addr").port();
    drop(listener);
    format!("ws://127.0.0.1:{port}/")
}
