#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The public API, on top: the handle, its constructors and builder, the configuration's
// defaults, events, errors and payloads.
mod builder;
mod config;
mod error;
mod event;
mod payload;
mod websocket;

// The protocol core: RFC 6455 as pure code, no I/O.
mod proto;

// The I/O edge, which calls the core.
mod connection;
mod delivery;
mod sync;
mod transport;

pub use builder::Builder;
pub use config::{
    DEFAULT_CLOSE_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_EVENT_QUEUE_BYTES,
    DEFAULT_EVENT_QUEUE_CAPACITY, DEFAULT_FRAGMENT_SIZE, DEFAULT_HANDSHAKE_TIMEOUT,
    DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_RESPONSE_SIZE,
    DEFAULT_READER_STACK_SIZE,
};
/// The channel crate that [`WebSocket::events`] hands out a receiver of, re-exported so that
/// `select!` and `tick` match the version wsync uses.
pub use crossbeam_channel;
/// Errors of [`WebSocket::recv_timeout`] and [`WebSocket::try_recv`].
pub use crossbeam_channel::{RecvTimeoutError, TryRecvError};
pub use delivery::batch::Batch;
pub use error::{Error, HandshakeError, ProtocolError, ProxyError, Result, SocksReply, Timeout};
pub use event::{CloseEvent, Event, Message, ReadyState};
pub use payload::Payload;
pub use websocket::{Iter, WebSocket};
