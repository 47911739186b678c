//! wsync: a synchronous, blocking WebSocket client with the browser's `WebSocket` API.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod builder;
mod close;
mod error;
mod event;
mod handshake;
mod target;
mod websocket;

pub use builder::Builder;
pub use error::{Error, HandshakeError, ProtocolError, Result, Timeout};
pub use event::{CloseEvent, Event, Message, ReadyState};
pub use websocket::WebSocket;
