//! The handle of a reconnecting client: sends to the current connection, closes, and receives
//! the events of every connection from one channel.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};

use crate::reconnect::event::{ReconnectBatch, ReconnectEvent};
use crate::reconnect::policy::Policy;
use crate::reconnect::shared::{Current, Shared};
use crate::reconnect::supervisor::Supervisor;
use crate::{Builder, Error, Payload, ReadyState, Result, WebSocket};

/// A WebSocket client that reconnects: one connection after another to the same URL, with one
/// channel of events for them all. Opt-in; start from [`ReconnectingWebSocket::builder`] or
/// [`ReconnectingWebSocket::new`]. See [the module](crate::reconnect) for the rules and an
/// example.
///
/// `ReconnectingWebSocket` is `Send + Sync`: share it with `Arc` to send from several threads.
/// Dropping it closes the current connection with 1001 (going away), like dropping a
/// [`WebSocket`], and stops the supervisor thread at once.
pub struct ReconnectingWebSocket {
    shared: Arc<Shared>,
    /// Every connection's events, and the client's own.
    events: Receiver<ReconnectBatch>,
    /// Batches taken from the channel whose events are not all returned yet.
    pending: Mutex<VecDeque<ReconnectBatch>>,
    /// Wakes the supervisor when the application closes; dropping it stops the supervisor.
    wake: Sender<()>,
    /// The URL as the first connection resolved it.
    url: String,
}

/// Starts a reconnecting client: validates the settings, starts the first connection (whose
/// errors of URL and settings are returned here, as [`Builder::build`] returns them) and the
/// supervisor thread.
pub(crate) fn start(builder: Builder, policy: Policy) -> Result<ReconnectingWebSocket> {
    policy.validate()?;
    let first = Arc::new(builder.clone().build()?);
    let url = first.url().to_owned();
    let (events_tx, events) = crossbeam_channel::bounded(policy.queue_capacity);
    let (wake, wake_rx) = crossbeam_channel::bounded(1);
    let shared = Arc::new(Shared::default());
    shared.lock().current = Some(Current {
        epoch: 1,
        socket: first.clone(),
    });
    Supervisor {
        builder,
        policy,
        shared: shared.clone(),
        events: events_tx,
        wake: wake_rx,
    }
    .spawn(first)?;
    Ok(ReconnectingWebSocket {
        shared,
        events,
        pending: Mutex::new(VecDeque::new()),
        wake,
        url,
    })
}

impl ReconnectingWebSocket {
    /// Sends text as a text message and bytes as a binary message to the current connection,
    /// blocking until the frames are written, as [`WebSocket::send`] does.
    ///
    /// Nothing is ever queued for a later connection. When there is no connection to send to,
    /// it fails with [`Error::InvalidState`]: while connecting or waiting to reconnect, once
    /// closed, and also while the current connection's [`Open`](crate::Event::Open) has not
    /// been taken out of the channel yet. That last rule makes a send in answer to an `Open`
    /// reach that connection or fail, never a later one; and it keeps other threads from
    /// sending on a new connection before the application has seen it open (to subscribe or
    /// log in again, say).
    ///
    /// It also fails with `InvalidState` when the connection began closing during the send and
    /// the data may not have gone out: a plain socket then drops it without an error, as the
    /// browser does. When that cannot be told for sure (another thread was sending at the same
    /// moment), the send reports the error: treat any error as "not sent".
    pub fn send<'a>(&self, data: impl Into<Payload<'a>>) -> Result<()> {
        let socket = self.shared.sendable().ok_or(Error::InvalidState)?;
        let data = data.into();
        let len = data.as_bytes().len();
        socket.send(data)?;
        went_out(&socket, len)
    }

    /// Sends several messages in order with as few socket writes as possible, as
    /// [`WebSocket::send_batch`] does, under the rules of [`send`](Self::send).
    pub fn send_batch<'a, I, P>(&self, messages: I) -> Result<()>
    where
        I: IntoIterator<Item = P>,
        P: Into<Payload<'a>>,
    {
        let socket = self.shared.sendable().ok_or(Error::InvalidState)?;
        let mut len = 0;
        socket.send_batch(messages.into_iter().map(|m| {
            let payload = m.into();
            len += payload.as_bytes().len();
            payload
        }))?;
        went_out(&socket, len)
    }

    /// Closes the client for good: no connection follows. The current connection, if any,
    /// closes as [`WebSocket::close`] closes it (one still connecting fails with
    /// [`Error::Aborted`]), and its events up to its `Close` still come; a wait for the next
    /// attempt ends at once. Then the channel disconnects. Closing twice does nothing more.
    pub fn close(&self) -> Result<()> {
        match self.stop() {
            Some(socket) => socket.close(),
            None => Ok(()),
        }
    }

    /// Like [`close`](Self::close), with a code and a reason for the current connection's close
    /// frame. `code` must be 1000 or 3000–4999, else [`Error::InvalidAccess`]; `reason` at most
    /// 123 bytes of UTF-8, else [`Error::Syntax`]; checked even without a connection, and
    /// before anything is closed.
    pub fn close_with(&self, code: u16, reason: &str) -> Result<()> {
        validate_close(code, reason)?;
        match self.stop() {
            Some(socket) => socket.close_with(code, reason),
            None => Ok(()),
        }
    }

    /// Marks the client closed, wakes the supervisor, and returns the current connection.
    fn stop(&self) -> Option<Arc<WebSocket>> {
        let socket = {
            let mut state = self.shared.lock();
            state.closed = true;
            state.current.as_ref().map(|c| c.socket.clone())
        };
        // Full means a wake-up is already waiting.
        let _ = self.wake.try_send(());
        socket
    }

    /// The browser's `readyState`, for the client as a whole: CONNECTING while a connection is
    /// being opened, while waiting to reconnect, and while the current connection is open but
    /// its `Open` has not been taken yet (as long as [`send`](Self::send) would fail);
    /// OPEN when `send` can reach the connection; CLOSING while it closes; CLOSED once the
    /// application has closed the client or it gave up.
    pub fn ready_state(&self) -> ReadyState {
        self.shared.ready_state()
    }

    /// The URL as resolved (absolute, `ws` or `wss`); every connection uses it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Waits for the next event; `None` once the channel has disconnected after the last one.
    pub fn recv(&self) -> Option<ReconnectEvent> {
        self.next_with(|rx| rx.recv()).ok()
    }

    /// Waits at most `timeout` for the next event.
    pub fn recv_timeout(
        &self,
        timeout: Duration,
    ) -> std::result::Result<ReconnectEvent, RecvTimeoutError> {
        self.next_with(|rx| rx.recv_timeout(timeout))
    }

    /// Takes the next event if one is waiting.
    pub fn try_recv(&self) -> std::result::Result<ReconnectEvent, TryRecvError> {
        self.next_with(|rx| rx.try_recv())
    }

    /// The next event: from the batch at hand, else from a new batch. The lock is not held
    /// while waiting, so other threads may receive meanwhile.
    fn next_with<E>(
        &self,
        wait: impl Fn(&Receiver<ReconnectBatch>) -> std::result::Result<ReconnectBatch, E>,
    ) -> std::result::Result<ReconnectEvent, E> {
        if let Some(event) = take(&mut self.pending()) {
            return Ok(event);
        }
        loop {
            let batch = wait(&self.events)?;
            let mut pending = self.pending();
            pending.push_back(batch);
            // Batches are never sent empty, so this always finds one.
            if let Some(event) = take(&mut pending) {
                return Ok(event);
            }
        }
    }

    /// The events at hand, locked.
    fn pending(&self) -> MutexGuard<'_, VecDeque<ReconnectBatch>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The channel the events arrive on, the same for every connection, for
    /// `crossbeam_channel::select!`. Each item is a [`ReconnectBatch`] of events in order,
    /// never empty. Receive either through this channel or through [`recv`](Self::recv) and its
    /// siblings, not both, or events may come out of order.
    ///
    /// ```no_run
    /// use wsync::crossbeam_channel::{select, tick};
    /// use wsync::{Event, ReconnectEvent, ReconnectingWebSocket};
    /// # fn main() -> wsync::Result<()> {
    /// let feed = ReconnectingWebSocket::new("ws://127.0.0.1:9001")?;
    /// let ticker = tick(std::time::Duration::from_secs(1));
    /// loop {
    ///     select! {
    ///         recv(feed.events()) -> batch => match batch {
    ///             Ok(batch) => for event in batch {
    ///                 if let ReconnectEvent::Socket(Event::Message(m)) = event {
    ///                     println!("{m:?}");
    ///                 }
    ///             },
    ///             Err(_) => break, // closed, or gave up
    ///         },
    ///         // Between connections there is nothing to send to: skip this tick.
    ///         recv(ticker) -> _ => { let _ = feed.send("tick"); }
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn events(&self) -> &Receiver<ReconnectBatch> {
        &self.events
    }

    /// Iterates over the events, as [`recv`](Self::recv) does, until the channel disconnects.
    pub fn iter(&self) -> Iter<'_> {
        Iter { client: self }
    }
}

/// Takes the first event at hand, dropping emptied batches.
fn take(pending: &mut VecDeque<ReconnectBatch>) -> Option<ReconnectEvent> {
    while let Some(batch) = pending.front_mut() {
        if let Some(event) = batch.next() {
            if batch.is_empty() {
                pending.pop_front();
            }
            return Some(event);
        }
        pending.pop_front();
    }
    None
}

/// After a send of `len` bytes that returned `Ok`: whether they surely went out. Ready states
/// only move forward, so OPEN now means OPEN throughout the send. Otherwise the socket may have
/// dropped them, in which case they stay in its buffered amount for good (data sent once the
/// close has started is never subtracted); a buffered amount of 0 means they were written.
fn went_out(socket: &WebSocket, len: usize) -> Result<()> {
    if socket.ready_state() == ReadyState::Open || (len > 0 && socket.buffered_amount() == 0) {
        Ok(())
    } else {
        Err(Error::InvalidState)
    }
}

/// The browser's checks of `close(code, reason)`, for a client that may have no connection to
/// check them.
fn validate_close(code: u16, reason: &str) -> Result<()> {
    if code != 1000 && !(3000..=4999).contains(&code) {
        return Err(Error::InvalidAccess(format!(
            "close code {code} is neither 1000 nor in 3000-4999"
        )));
    }
    if reason.len() > 123 {
        return Err(Error::Syntax(format!(
            "close reason of {} bytes exceeds 123 bytes of UTF-8",
            reason.len()
        )));
    }
    Ok(())
}

impl fmt::Debug for ReconnectingWebSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReconnectingWebSocket")
            .field("url", &self.url)
            .field("ready_state", &self.ready_state())
            .finish_non_exhaustive()
    }
}

/// An iterator over a reconnecting client's events, from [`ReconnectingWebSocket::iter`]; it
/// ends when the channel disconnects.
#[derive(Debug)]
pub struct Iter<'a> {
    client: &'a ReconnectingWebSocket,
}

impl Iterator for Iter<'_> {
    type Item = ReconnectEvent;

    fn next(&mut self) -> Option<ReconnectEvent> {
        self.client.recv()
    }
}

impl<'a> IntoIterator for &'a ReconnectingWebSocket {
    type Item = ReconnectEvent;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl Drop for ReconnectingWebSocket {
    /// Marks the client closed and lets go of the current connection; the supervisor, woken by
    /// the wake channel's disconnect, drops its own reference, which closes the connection
    /// with 1001 (going away). Does not wait.
    fn drop(&mut self) {
        let current = {
            let mut state = self.shared.lock();
            state.closed = true;
            state.current.take()
        };
        drop(current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handle_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<ReconnectingWebSocket>();
        check::<ReconnectBatch>();
    }

    #[test]
    fn close_arguments_are_checked_like_the_browser() {
        assert!(validate_close(1000, "").is_ok());
        assert!(validate_close(4999, &"x".repeat(123)).is_ok());
        assert!(matches!(
            validate_close(1001, ""),
            Err(Error::InvalidAccess(_))
        ));
        assert!(matches!(
            validate_close(5000, ""),
            Err(Error::InvalidAccess(_))
        ));
        assert!(matches!(
            validate_close(1000, &"x".repeat(124)),
            Err(Error::Syntax(_))
        ));
    }
}
