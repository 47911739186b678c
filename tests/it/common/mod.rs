//! Shared helpers for wsync's integration tests, declared once in `tests/it/main.rs`; the two
//! test programs of their own (`tests/allocations_per_message.rs`, `tests/idle_connection_cpu.rs`)
//! include them by path.
//!
//! The peers are independent of wsync's own code, so they can serve as the oracle:
//! - [`server`]: tungstenite in the server role, over plain TCP or TLS, for well-behaved traffic;
//! - [`raw`]: a scripted raw-TCP peer with its own RFC 6455 frame codec, for misbehaviour;
//! - [`tls`]: the test CA and certificates;
//! - [`proxy`]: HTTP CONNECT and SOCKS5 test proxies, and the child process that tests the
//!   proxy environment variables.
//!
//! Nothing waits without a limit: [`bounded`] has the threads and calls that fail the test after
//! one instead of hanging.

use std::time::Duration;

pub mod bounded;
pub mod proxy;
pub mod raw;
pub mod server;
pub mod tls;

pub use bounded::{spawn_bounded, wait_for_test, within, BoundedThread};
pub use raw::{
    binary, close_frame, frame, frame_raw, masked_frame, ping, pong, text, Frame, HttpRequest,
    RawConn, RawPeer, OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT,
};
pub use server::{echo, serve, serve_with, ServerStream, Transport};

/// How long any helper waits for something that should happen promptly; past it the test fails
/// instead of hanging.
pub const WAIT: Duration = Duration::from_secs(10);

/// How long a join waits for a peer or helper thread before failing the test: longer than
/// [`WAIT`], so that a thread stuck in one of its own bounded waits fails with that wait's
/// message first.
pub const JOIN_WAIT: Duration = Duration::from_secs(20);

// The helpers that drive a `wsync::WebSocket`.
mod wsync_helpers;
pub use wsync_helpers::*;
