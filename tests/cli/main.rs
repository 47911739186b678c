//! Tests of the `wsync` command-line client (feature `cli`): each runs the built binary
//! (`CARGO_BIN_EXE_wsync`) against an in-process peer on loopback, from the library tests' kit
//! (`tests/it/common`: tungstenite in the server role, and the scripted raw peer for exact
//! bytes and misbehaviour). Nothing waits without a limit: [`run`] kills a binary that outlives
//! its bound and fails the test.
//!
//! What the modules cover:
//! - `pipe_mode`: the contract for scripts: stdin lines out as text messages, messages
//!   received one per line on stdout, the close with 1000 at the end of stdin;
//! - `exit_status`: each exit status, with its reason on stderr;
//! - `jsonl`: `--jsonl` parsed back;
//! - `execute_wait`: `-x`, `--wait` and `--timeout`;
//! - `request_options`: headers, `--origin`, subprotocols, compression and `-v`;
//! - `proxy_options`: `--proxy` and `--no-proxy`;
//! - `binary_formats`: `--binary hex|base64|raw`;
//! - `tls_options`: `--ca`, `--cert`/`--key`, `--insecure`;
//! - `usage`: bad arguments, and `--help`;
//! - `interactive`: the prompt, in a real terminal (tmux): typing, history, a message arriving
//!   while a line is typed, `/ping`, `/close`, Ctrl-C, a close by the server.
//!
//! Run one module with `cargo test --features cli --test cli pipe_mode::`.

#[path = "../it/common/mod.rs"]
#[allow(dead_code, unused_imports)]
mod common;

mod run;
mod tmux;

mod binary_formats;
mod execute_wait;
mod exit_status;
mod interactive;
mod jsonl;
mod pipe_mode;
mod proxy_options;
mod request_options;
#[cfg(feature = "native-tls")]
mod tls_options;
mod usage;
