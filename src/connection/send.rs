//! The callers' side: `send`, `send_batch` and `close`, as the browser defines them, written
//! under the writer lock so that frames from different threads never interleave.

use std::io::ErrorKind;
use std::sync::Arc;

use crate::connection::shared::Connection;
use crate::connection::writer_lock::WriterGuard;
use crate::error::{Error, Result, Timeout};
use crate::event::ReadyState;
use crate::payload::Payload;
use crate::proto::close::close_payload;

impl Connection {
    /// `send()`: writes a data message while OPEN; in CLOSING or CLOSED drops it, still
    /// counting it in `buffered_amount` as the browser does; in CONNECTING, InvalidStateError.
    pub(crate) fn send(&self, text: bool, payload: &[u8]) -> Result<()> {
        let len = payload.len() as u64;
        match self.state.ready_state() {
            ReadyState::Connecting => return Err(Error::InvalidState),
            ReadyState::Open => {}
            ReadyState::Closing | ReadyState::Closed => {
                self.state.buffer(len);
                return Ok(());
            }
        }
        self.state.buffer(len);
        let mut writer = self.writer();
        // The writer counts the payload out of the buffered amount as its pieces are written.
        match writer.message(text, payload, self.fragment_size) {
            Ok(true) => {
                self.writer.watch_idle(&mut writer);
                Ok(())
            }
            // Dropped: the close frame went out meanwhile. It stays counted.
            Ok(false) => Ok(()),
            Err(e) => Err(self.write_failed(writer, e)),
        }
    }

    /// Like [`Connection::send`] for several messages, written with as few writes as possible.
    pub(crate) fn send_batch<'a>(
        &self,
        messages: impl IntoIterator<Item = Payload<'a>>,
    ) -> Result<()> {
        let state = self.state.ready_state();
        if state == ReadyState::Connecting {
            return Err(Error::InvalidState);
        }
        let mut writer = self.writer();
        let mut result = Ok(());
        for m in messages {
            let (text, bytes) = match &m {
                Payload::Text(t) => (true, t.as_bytes()),
                Payload::Binary(b) => (false, &b[..]),
            };
            self.state.buffer(bytes.len() as u64);
            if state != ReadyState::Open || result.is_err() {
                continue;
            }
            // Counted out of the buffered amount as it is written; dropped, it stays counted.
            if let Err(e) = writer.queue(text, bytes, self.fragment_size) {
                result = Err(e);
            }
        }
        if let Err(e) = result.and_then(|()| writer.flush()) {
            return Err(self.write_failed(writer, e));
        }
        self.writer.watch_idle(&mut writer);
        Ok(())
    }

    /// A write failed: nothing more is written, and the socket is shut down so that the reader
    /// wakes and reports the failure. Returns the error for the caller.
    fn write_failed(&self, mut writer: WriterGuard<'_>, e: std::io::Error) -> Error {
        writer.broken();
        drop(writer);
        let timed_out = matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut);
        if self.send_timeout && timed_out {
            self.socket.send_timed_out();
            return Error::Timeout(Timeout::Send);
        }
        self.socket.shutdown();
        Error::Io(e)
    }

    /// Sends a ping with `payload`, at most 125 bytes (RFC 6455 §5.5), without waiting: it is
    /// written by whoever holds the writer next (see [`WriterLock::ping`]). While CONNECTING it
    /// fails with InvalidStateError; in CLOSING or CLOSED it does nothing.
    ///
    /// [`WriterLock::ping`]: crate::connection::writer_lock::WriterLock::ping
    pub(crate) fn ping(&self, payload: &[u8]) -> Result<()> {
        if payload.len() > 125 {
            return Err(Error::Syntax(format!(
                "a ping payload of {} bytes exceeds 125 bytes",
                payload.len()
            )));
        }
        match self.state.ready_state() {
            ReadyState::Connecting => Err(Error::InvalidState),
            ReadyState::Open => {
                self.send_ping(payload);
                Ok(())
            }
            ReadyState::Closing | ReadyState::Closed => Ok(()),
        }
    }

    /// `close(code, reason)`, as the browser defines it. The caller validates the arguments:
    /// `close_with` checks them, and `Drop` sends 1001, which users may not.
    pub(crate) fn close(self: &Arc<Self>, code: Option<u16>, reason: &str) -> Result<()> {
        loop {
            match self.state.ready_state() {
                ReadyState::Closing | ReadyState::Closed => return Ok(()),
                ReadyState::Connecting => {
                    if self
                        .state
                        .transition(ReadyState::Connecting, ReadyState::Closing)
                    {
                        self.socket.abort();
                        return Ok(());
                    }
                }
                ReadyState::Open => {
                    if self.state.transition(ReadyState::Open, ReadyState::Closing) {
                        return self.send_close(code, reason);
                    }
                }
            }
        }
    }

    /// Sends our close frame and arms the close timeout.
    fn send_close(self: &Arc<Self>, code: Option<u16>, reason: &str) -> Result<()> {
        let payload = close_payload(code, reason);
        // A send blocked because the server is not reading holds the writer: wait for it no
        // longer than the close timeout would have waited for the server's answer.
        let mut writer = self.writer_for_ending(self.close_timeout);
        let sent = match writer.close(&payload) {
            Ok(sent) => sent,
            Err(e) => return Err(self.write_failed(writer, e)),
        };
        drop(writer);
        if sent {
            self.arm_close_timeout();
        }
        Ok(())
    }
}
