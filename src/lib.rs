#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod batch;
mod builder;
mod close;
mod decoder;
mod error;
mod event;
mod frame;
mod handshake;
mod payload;
mod pool;
mod reader;
mod shared;
mod spin;
mod target;
mod timer;
#[cfg(feature = "native-tls")]
mod tls;
mod tls_config;
mod transport;
mod utf8;
mod websocket;
mod writer;
mod writer_lock;

pub use batch::Batch;
pub use builder::Builder;
pub use builder::{
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
pub use error::{Error, HandshakeError, ProtocolError, Result, Timeout};
pub use event::{CloseEvent, Event, Message, ReadyState};
pub use payload::Payload;
pub use websocket::{Iter, WebSocket};
