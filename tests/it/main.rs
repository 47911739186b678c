//! wsync's integration tests, as one test program: a module per behaviour, each module's doc
//! saying what it checks, and the shared helpers once, in [`common`]. The peers run on loopback
//! and are independent of wsync's own code: tungstenite in the server role for well-behaved
//! traffic, and a scripted raw peer that writes exact bytes for misbehaviour.
//!
//! What the modules cover:
//! - connecting and the opening handshake: `url_resolution`, `blocked_ports_allowed`,
//!   `builder_invalid_config`, `connect_failure`, `connect_ipv6_literal`, `connect_timeout`
//!   (Linux), `handshake_request`, `handshake_accepted`, `handshake_reply_refused`,
//!   `handshake_refusal_response`,
//!   `handshake_incomplete_or_silent`, `handshake_response_size_limit`,
//!   `handshake_trailing_frames`, `timeouts_without_limit`;
//! - receiving and the event stream: `echo_roundtrip`, `receive_buffers`, `fragmentation_in`,
//!   `size_limits`, `large_frame_default_limit`, `event_lifecycle`, `event_queue_backpressure`,
//!   `event_queue_bytes`, `events_receiver`;
//! - the handle: `websocket_debug`, `url_types_accepted`, `message_into_owned`;
//! - sending: `send_batch`, `fragmentation_out`, `client_frames_masked_fresh_key`,
//!   `concurrent_send`, `send_not_blocked_by_silent_peer`, `send_after_close`,
//!   `buffered_amount_counts_down`;
//! - pings: `ping_pong`, `ping_answered_while_sending`, `ping_while_send_blocked`; keepalive,
//!   the application's pings, pong events and the send timeout: `keepalive`;
//! - a send blocked by a peer that does not read, and what ends it: `close_while_send_blocked`,
//!   `failure_while_send_blocked`, `server_close_while_send_blocked`;
//! - closing: `close_client_initiated`, `close_code_constants`, `close_server_initiated`,
//!   `close_argument_validation`, `close_twice`, `close_while_connecting`,
//!   `close_timeout_unanswered`, `close_answered_tcp_left_open`, `drop_closes`,
//!   `data_after_close_frame`, `tcp_closed_without_close_frame`;
//! - peers that break the protocol: `protocol_error_framing`, `protocol_error_after_message`,
//!   `invalid_utf8_fails_fast`, `random_peer_bytes_no_panic`;
//! - proxies: `proxy_http_connect`, `proxy_socks5`, `proxy_tls_server_name` (native-tls),
//!   `proxy_unreachable_or_silent`, `proxy_env` (the environment, in a child process),
//!   `proxy_credentials_redacted`, and `real_proxies` (ignored: tinyproxy and microsocks, started
//!   by `scripts/proxies.sh`);
//! - permessage-deflate against real servers: `real_peers` (ignored: Python `websockets` and
//!   Node `ws`, installed by `scripts/peers.sh`; `.ci/run` runs them);
//! - wss:// (with the `native-tls` feature): `tls_client_identity`, `tls_custom_connector`,
//!   `tls_danger_options`, `tls_extra_roots`, `tls_handshake_failures`; without it:
//!   `no_tls_feature`;
//! - the reconnecting client (`wsync::reconnect`): `reconnect`, with a submodule per behaviour;
//! - the test kit itself: `testkit_selftest` (the peers) and `tls_fixtures` (the certificates).
//!
//! Run one module with `cargo test --test it close_twice::`, one test with its full name
//! (`cargo test --test it close_twice::a_second_close_sends_nothing -- --exact`).
//!
//! Two behaviours are measured over the whole process, so each has a test program of its own
//! beside this one: `tests/allocations_per_message.rs` (a counting global allocator) and
//! `tests/idle_connection_cpu.rs` (the process's CPU time), and a third counts them:
//! `tests/keepalive_threads.rs` (the process's threads).

mod common;

mod blocked_ports_allowed;
mod buffered_amount_counts_down;
mod builder_invalid_config;
mod client_frames_masked_fresh_key;
mod close_answered_tcp_left_open;
mod close_argument_validation;
mod close_client_initiated;
mod close_code_constants;
mod close_server_initiated;
mod close_timeout_unanswered;
mod close_twice;
mod close_while_connecting;
mod close_while_send_blocked;
mod concurrent_send;
mod connect_failure;
mod connect_ipv6_literal;
#[cfg(target_os = "linux")]
mod connect_timeout;
mod data_after_close_frame;
mod drop_closes;
mod echo_roundtrip;
mod event_lifecycle;
mod event_queue_backpressure;
mod event_queue_bytes;
mod events_receiver;
mod failure_while_send_blocked;
mod fragmentation_in;
mod fragmentation_out;
mod handshake_accepted;
mod handshake_incomplete_or_silent;
mod handshake_refusal_response;
mod handshake_reply_refused;
mod handshake_request;
mod handshake_response_size_limit;
mod handshake_trailing_frames;
mod invalid_utf8_fails_fast;
mod keepalive;
mod large_frame_default_limit;
mod message_into_owned;
#[cfg(not(feature = "native-tls"))]
mod no_tls_feature;
mod ping_answered_while_sending;
mod ping_pong;
mod ping_while_send_blocked;
mod protocol_error_after_message;
mod protocol_error_framing;
mod proxy_credentials_redacted;
mod proxy_env;
mod proxy_http_connect;
mod proxy_socks5;
#[cfg(feature = "native-tls")]
mod proxy_tls_server_name;
mod proxy_unreachable_or_silent;
mod random_peer_bytes_no_panic;
#[cfg(feature = "deflate")]
mod real_peers;
mod real_proxies;
mod receive_buffers;
mod reconnect;
mod send_after_close;
mod send_batch;
mod send_not_blocked_by_silent_peer;
mod server_close_while_send_blocked;
mod size_limits;
mod tcp_closed_without_close_frame;
mod testkit_selftest;
mod timeouts_without_limit;
#[cfg(feature = "native-tls")]
mod tls_client_identity;
#[cfg(feature = "native-tls")]
mod tls_custom_connector;
#[cfg(feature = "native-tls")]
mod tls_danger_options;
#[cfg(feature = "native-tls")]
mod tls_extra_roots;
mod tls_fixtures;
#[cfg(feature = "native-tls")]
mod tls_handshake_failures;
mod url_resolution;
mod url_types_accepted;
mod websocket_debug;
