//! The public handle.
use crate::builder::{Builder, Config};
use crate::error::Result;

/// A WebSocket client connection (stub).
#[derive(Debug)]
pub struct WebSocket {}

impl WebSocket {
    /// Starts configuring a socket.
    pub fn builder(url: &str) -> Builder {
        Builder::new(url)
    }
    pub(crate) fn start(_url: &str, _config: Config) -> Result<WebSocket> {
        todo!()
    }
    pub(crate) fn wait_open(self) -> Result<WebSocket> {
        todo!()
    }
}
