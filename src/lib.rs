#![doc = include_str!("guide.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The public API, on top: the handle, its constructors and builder, the configuration's
// defaults, events, errors and payloads.
mod builder;
pub mod close_code;
mod config;
mod error;
mod event;
mod payload;
pub mod reconnect;
mod response;
mod websocket;

// The protocol core: RFC 6455 as pure code, no I/O.
mod proto;

// The I/O edge, which calls the core.
mod connection;
mod delivery;
mod sync;
mod transport;

// The fuzz targets' entry points (fuzz/, cargo-fuzz sets `fuzzing`): not part of the API.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;

pub use builder::Builder;
pub use config::{
    Compression, DEFAULT_CLOSE_TIMEOUT, DEFAULT_COMPRESSION_LEVEL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_EVENT_QUEUE_BYTES, DEFAULT_EVENT_QUEUE_CAPACITY, DEFAULT_FRAGMENT_SIZE,
    DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_MESSAGE_SIZE,
    DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_PING_INTERVAL, DEFAULT_PONG_TIMEOUT,
    DEFAULT_READER_STACK_SIZE,
};
/// The channel crate that [`WebSocket::events`] hands out a receiver of, re-exported so that
/// `select!` and `tick` match the version wsync uses.
pub use crossbeam_channel;
/// Errors of [`WebSocket::recv_timeout`] and [`WebSocket::try_recv`].
pub use crossbeam_channel::{RecvTimeoutError, TryRecvError};
pub use delivery::batch::Batch;
pub use error::{
    Error, HandshakeError, ProtocolError, ProxyError, Result, SocksReply, Timeout, TlsError,
    TlsErrorKind,
};
pub use event::{CloseEvent, Event, Message, PongEvent, ReadyState};
pub use payload::Payload;
pub use reconnect::{ReconnectEvent, ReconnectingWebSocket};
pub use response::Response;
pub use websocket::{Iter, WebSocket};

/// The README's examples, compiled as doc tests. Only built for `cargo test --doc`, so it never
/// appears in the documentation.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
