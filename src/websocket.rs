//! The public handle: the browser's `WebSocket`, plus blocking ways to receive its events.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};

use crate::config::Config;
use crate::connection::{self, Connection};
use crate::delivery::batch::Batch;
use crate::delivery::pool::Pool;
use crate::error::{Error, Result};
use crate::event::{Event, ReadyState};
use crate::payload::Payload;
use crate::proto::close::validate_user_close;
use crate::response::Response;
use crate::sync::{lock, spin};

/// A WebSocket client connection with the browser's API.
///
/// A background reader thread owns the receiving side and reports [`Event`]s in order through a
/// channel; any thread may [`send`](WebSocket::send) and [`close`](WebSocket::close) through a
/// shared reference. `WebSocket` is `Send + Sync`: share it with `Arc` to send from several
/// threads at once; frames never interleave.
///
/// Dropping the handle closes an open connection with code 1001 (going away); the reader thread
/// ends when the server answers, or at the latest after the close timeout.
///
/// Its `Debug` shows what the browser lets a script read: the URL, the ready state, the
/// subprotocol, the extensions and the buffered amount.
pub struct WebSocket {
    connection: Arc<Connection>,
    /// Batches of events, one per read of the reader thread.
    events: Receiver<Batch>,
    /// Batches taken from the channel whose events are not all returned yet.
    pending: Mutex<Pending>,
    /// Where emptied batches go back to the reader thread, to be filled again.
    pool: Arc<Pool>,
    /// How long a receive polls for a batch before it sleeps.
    spin: spin::Budget,
}

/// The batches taken from the channel and not yet emptied, in order. Nearly always one at most;
/// more only when threads receive at once, each having taken a batch while the lock was free.
/// The first is held inline, so that an idle connection's handle holds no queue's memory.
#[derive(Default)]
struct Pending {
    front: Option<Batch>,
    /// The batches after the first.
    more: VecDeque<Batch>,
}

impl Pending {
    /// Adds a batch after those pending.
    fn push(&mut self, batch: Batch) {
        match self.front {
            None => self.front = Some(batch),
            Some(_) => self.more.push_back(batch),
        }
    }

    /// Takes the first batch out; the next one moves up.
    fn pop(&mut self) -> Option<Batch> {
        let first = self.front.take();
        self.front = self.more.pop_front();
        first
    }
}

impl WebSocket {
    /// Starts the connection (see [`connection::start`]) and wraps it in a handle.
    pub(crate) fn start(url: &str, config: Config) -> Result<WebSocket> {
        let started = connection::start(url, config)?;
        Ok(WebSocket {
            connection: started.connection,
            events: started.events,
            pending: Mutex::new(Pending::default()),
            pool: started.pool,
            spin: spin::Budget::default(),
        })
    }

    /// Waits for the first event: `Open`, or the error that prevented it.
    pub(crate) fn wait_open(self) -> Result<WebSocket> {
        match self.recv() {
            Some(Event::Open) => Ok(self),
            Some(Event::Error(e)) => Err(e),
            _ => Err(Error::AbnormalClosure),
        }
    }

    /// The browser's `send(data)`: sends text as a text message and bytes as a binary message,
    /// blocking until the frames are written to the socket.
    ///
    /// In CONNECTING it fails with [`Error::InvalidState`]. In CLOSING or CLOSED the data is
    /// dropped without error and [`buffered_amount`](WebSocket::buffered_amount) grows by its
    /// length, as in the browser. If the socket fails while writing, the error is returned here
    /// and the connection fails (an `Error` then a `Close` event follow).
    pub fn send<'a>(&self, data: impl Into<Payload<'a>>) -> Result<()> {
        match data.into() {
            Payload::Text(t) => self.connection.send(true, t.as_bytes()),
            Payload::Binary(b) => self.connection.send(false, &b),
        }
    }

    /// Sends several messages in order, gathering their frames into as few socket writes as
    /// possible (up to 64 KiB each): the fast way to send many small messages. The rules of
    /// [`send`](WebSocket::send) apply to each message; other threads' frames never come
    /// between them. Blocks until all are written.
    ///
    /// ```no_run
    /// # let ws = wsync::WebSocket::connect("ws://127.0.0.1:9001")?;
    /// ws.send_batch((0..1000).map(|i| format!("tick {i}")))?;
    /// # Ok::<(), wsync::Error>(())
    /// ```
    pub fn send_batch<'a, I, P>(&self, messages: I) -> Result<()>
    where
        I: IntoIterator<Item = P>,
        P: Into<Payload<'a>>,
    {
        self.connection
            .send_batch(messages.into_iter().map(Into::into))
    }

    /// The browser's `close()`: starts the closing handshake with a close frame with no body
    /// (the server sees 1005). In CONNECTING it fails the connection; in CLOSING or CLOSED it
    /// does nothing. Returns once the close frame is written; the [`Event::Close`] follows.
    /// If another thread's send is blocked because the server is not reading, `close` waits for
    /// it at most the close timeout, then shuts the socket down: that send fails, and the
    /// connection ends with [`Event::Error`] and a `Close` with code 1006.
    pub fn close(&self) -> Result<()> {
        self.connection.close(None, "")
    }

    /// The browser's `close(code, reason)`. `code` must be 1000 or 3000–4999, else
    /// [`Error::InvalidAccess`]; `reason` at most 123 bytes of UTF-8, else [`Error::Syntax`].
    pub fn close_with(&self, code: u16, reason: &str) -> Result<()> {
        validate_user_close(code, reason)?;
        self.connection.close(Some(code), reason)
    }

    /// Sends a ping with `payload` (at most 125 bytes, else [`Error::Syntax`]) and returns at
    /// once: the ping is written by the next thread that takes the writer, or by a short-lived
    /// thread if none does, so it never waits for a send that is blocked. The server answers
    /// with a pong, reported as an [`Event::Pong`] with its round-trip time if you asked for
    /// [`Builder::pong_events`](crate::Builder::pong_events). Not a browser method: the browser
    /// neither sends pings nor shows pongs. While CONNECTING it fails with
    /// [`Error::InvalidState`]; in CLOSING or CLOSED it does nothing.
    pub fn ping(&self, payload: &[u8]) -> Result<()> {
        self.connection.ping(payload)
    }

    /// The browser's `readyState`. Lock-free; callable from any thread.
    pub fn ready_state(&self) -> ReadyState {
        self.connection.state.ready_state()
    }

    /// The browser's `bufferedAmount`: bytes of messages passed to `send` and not yet written
    /// to the socket (payload only, not frame headers). It falls as each piece of a message is
    /// written (a large one goes out in pieces of up to 256 KiB), so during a large send, which
    /// another thread can watch, it shows how much is left; it is 0 once sends complete while
    /// open. Data sent after the close started is counted and never subtracted, as is what a
    /// failed write left unsent. Lock-free; callable from any thread.
    pub fn buffered_amount(&self) -> u64 {
        self.connection.state.buffered_amount()
    }

    /// The browser's `protocol`: the subprotocol the server chose, empty until open or if none.
    pub fn protocol(&self) -> &str {
        self.connection.state.protocol()
    }

    /// The browser's `extensions`: the extensions the server selected, empty until open or if
    /// none.
    pub fn extensions(&self) -> &str {
        self.connection.state.extensions()
    }

    /// The server's response to the opening handshake: status 101 and its headers, such as
    /// `Set-Cookie` or headers of your server's own. `None` until the socket is OPEN, and for a
    /// connection that could not open (a refusal's response is in its error,
    /// [`HandshakeError::Status`](crate::HandshakeError::Status)). The browser does not offer
    /// this.
    pub fn handshake_response(&self) -> Option<&Response> {
        self.connection.state.response()
    }

    /// The browser's `url`: the URL as resolved (absolute, `ws` or `wss`).
    pub fn url(&self) -> &str {
        self.connection.state.url()
    }

    /// Waits for the next event; `None` once the channel has disconnected after `Close`.
    pub fn recv(&self) -> Option<Event> {
        self.next_with(self.spin.get(), |rx| rx.recv()).ok()
    }

    /// Waits at most `timeout` for the next event.
    pub fn recv_timeout(&self, timeout: Duration) -> std::result::Result<Event, RecvTimeoutError> {
        self.next_with(self.spin.get().min(timeout), |rx| rx.recv_timeout(timeout))
    }

    /// Takes the next event if one is waiting.
    pub fn try_recv(&self) -> std::result::Result<Event, TryRecvError> {
        self.next_with(Duration::ZERO, |rx| rx.try_recv())
    }

    /// The next event: from the batch at hand, else from a new batch. For a new batch it first
    /// polls for up to `spin` (yielding the processor between polls), which spares a sleep and a
    /// wake-up when the answer to a request is about to arrive, then blocks in `wait`; how long
    /// that took sets the next poll (see [`spin::Budget`]). The lock is not held while waiting,
    /// so other threads may receive meanwhile.
    fn next_with<E>(
        &self,
        spin: Duration,
        wait: impl Fn(&Receiver<Batch>) -> std::result::Result<Batch, E>,
    ) -> std::result::Result<Event, E> {
        let ask = {
            let mut pending = self.pending();
            let ask = self.connection.progress.asking();
            if let Some(event) = self.take(&mut pending) {
                self.connection.progress.took(ask);
                return Ok(event);
            }
            ask
        };
        loop {
            let started = Instant::now();
            let got = match self.poll_for(spin) {
                Some(batch) => Ok(batch),
                None => wait(&self.events),
            };
            if !spin.is_zero() {
                self.spin.record(started.elapsed());
            }
            let batch = got?;
            let mut pending = self.pending();
            pending.push(batch);
            // Batches are never sent empty, so this always finds one.
            if let Some(event) = self.take(&mut pending) {
                self.connection.progress.took(ask);
                return Ok(event);
            }
        }
    }

    /// Takes the first event at hand. A batch goes back to the reader thread as soon as its
    /// last event is taken, so that the reader fills it again instead of allocating.
    // Inlined, as are `Batch::next` and the reader's `Session::handle`: the event is then built
    // where it is returned, not stored field by field and copied out again, whose loads stall
    // on the stores just made (a tenth of the CPU per small message, see PERFORMANCE.md).
    #[inline(always)]
    fn take(&self, pending: &mut Pending) -> Option<Event> {
        loop {
            let batch = pending.front.as_mut()?;
            let event = batch.next();
            if batch.is_empty() {
                if let Some(done) = pending.pop() {
                    self.pool.put(done);
                }
            }
            if event.is_some() {
                return event;
            }
        }
    }

    /// Polls the channel for up to `spin`; `None` if nothing came or it disconnected.
    fn poll_for(&self, spin: Duration) -> Option<Batch> {
        if spin.is_zero() {
            return None;
        }
        spin::poll_for(spin, || match self.events.try_recv() {
            Ok(batch) => Some(Some(batch)),
            Err(TryRecvError::Disconnected) => Some(None),
            Err(TryRecvError::Empty) => None,
        })
        .flatten()
    }

    /// The events at hand, locked.
    fn pending(&self) -> MutexGuard<'_, Pending> {
        lock(&self.pending)
    }

    /// The channel the events arrive on, for `crossbeam_channel::select!` over several sockets
    /// and timers. Each item is a batch: the events the reader thread decoded from one read
    /// (at most 256), in order, never empty. Receive either through this channel or through
    /// [`recv`](WebSocket::recv) and its siblings, not both, or events may come out of order.
    /// A batch's messages count against [`event_queue_bytes`](crate::Builder::event_queue_bytes)
    /// until you drop the batch: hold on to the messages, not to the batch.
    ///
    /// ```no_run
    /// use wsync::crossbeam_channel::{select, tick};
    /// # let ws = wsync::WebSocket::connect("ws://127.0.0.1:9001")?;
    /// let ticker = tick(std::time::Duration::from_secs(1));
    /// loop {
    ///     select! {
    ///         recv(ws.events()) -> batch => match batch {
    ///             Ok(batch) => batch.for_each(|event| println!("{event:?}")),
    ///             Err(_) => break, // disconnected after the Close event
    ///         },
    ///         recv(ticker) -> _ => ws.send("tick")?,
    ///     }
    /// }
    /// # Ok::<(), wsync::Error>(())
    /// ```
    ///
    /// When a server breaks the protocol right after sending messages, the connection is failed
    /// once the application has taken those messages: through this receiver that is when the
    /// queue is empty, through [`recv`](WebSocket::recv) and its siblings when the application
    /// asks for the next event, which leaves it time to answer the last one first.
    pub fn events(&self) -> &Receiver<Batch> {
        self.connection.progress.expose_receiver();
        &self.events
    }

    /// Iterates over the events, as [`recv`](WebSocket::recv) does, until the channel
    /// disconnects after `Close`.
    pub fn iter(&self) -> Iter<'_> {
        Iter { ws: self }
    }
}

impl fmt::Debug for WebSocket {
    /// The browser's attributes only: `url`, `ready_state` (by name), `protocol`, `extensions`
    /// and `buffered_amount`; not the channel, the buffers or the threads behind them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocket")
            .field("url", &self.url())
            .field("ready_state", &self.ready_state())
            .field("protocol", &self.protocol())
            .field("extensions", &self.extensions())
            .field("buffered_amount", &self.buffered_amount())
            .finish()
    }
}

/// An iterator over a socket's events, from [`WebSocket::iter`]; it ends after `Close`.
#[derive(Debug)]
pub struct Iter<'a> {
    ws: &'a WebSocket,
}

impl Iterator for Iter<'_> {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        self.ws.recv()
    }
}

impl<'a> IntoIterator for &'a WebSocket {
    type Item = Event;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
impl WebSocket {
    /// The connection's shared state, for tests that watch the reader.
    pub(crate) fn connection(&self) -> &Arc<Connection> {
        &self.connection
    }
}

impl Drop for WebSocket {
    /// Closes an open socket with 1001 (going away), or fails one still connecting. Does not
    /// wait: the reader thread finishes the closing handshake on its own, bounded by the close
    /// timeout.
    fn drop(&mut self) {
        self.pool.close();
        let _ = self.connection.close(Some(1001), "");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::CloseEvent;

    #[test]
    fn the_handle_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<WebSocket>();
    }

    /// A batch holding one close event with `code`.
    fn batch(code: u16) -> Batch {
        let mut b = Batch::default();
        b.push_event(Event::Close(CloseEvent {
            code,
            reason: String::new(),
            was_clean: true,
        }));
        b
    }

    fn code(b: Option<Batch>) -> Option<u16> {
        match b?.next() {
            Some(Event::Close(c)) => Some(c.code),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn pending_batches_come_out_in_order_and_one_needs_no_queue() {
        let mut p = Pending::default();
        p.push(batch(1));
        assert_eq!(p.more.capacity(), 0, "one batch is held inline");
        p.push(batch(2));
        p.push(batch(3));
        assert_eq!(code(p.pop()), Some(1));
        p.push(batch(4));
        assert_eq!(code(p.pop()), Some(2));
        assert_eq!(code(p.pop()), Some(3));
        assert_eq!(code(p.pop()), Some(4));
        assert!(p.pop().is_none() && p.front.is_none());
    }
}
