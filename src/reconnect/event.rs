//! What a reconnecting client reports: each connection's events, the reconnects it schedules,
//! and why it stopped; and the batches they travel in.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::Event;

/// Something that happened on a [`ReconnectingWebSocket`](crate::ReconnectingWebSocket), in
/// the order it happened.
///
/// Each connection reports its events as a plain [`WebSocket`](crate::WebSocket) does,
/// wrapped in [`ReconnectEvent::Socket`]: an `Open` (unless it failed first), messages, and
/// always a `Close` last (after an `Error` when it failed). Between one connection's `Close`
/// and the next connection's events comes a [`ReconnectEvent::Scheduled`]; when the client
/// stops reconnecting of its own accord, a [`ReconnectEvent::GaveUp`] comes last. After the
/// last event the channel disconnects: after `GaveUp`, or after the last connection's `Close`
/// when the application closed the client.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReconnectEvent {
    /// An event of the current connection, exactly as a plain socket reports it.
    Socket(Event),
    /// The connection is gone and another attempt will start after `delay`, unless the
    /// application closes the client first.
    Scheduled {
        /// The attempt's number within this outage, from 1. It starts again at 1 once a
        /// connection has opened.
        attempt: u32,
        /// How long the client waits before the attempt, as drawn from the
        /// [`Backoff`](crate::reconnect::Backoff) schedule.
        delay: Duration,
    },
    /// The client will not reconnect: the last event. `ready_state` is already CLOSED.
    GaveUp {
        /// How many reconnect attempts this outage made before the client gave up.
        attempts: u32,
        /// Why it gave up.
        reason: GiveUp,
    },
}

/// Why a [`ReconnectingWebSocket`](crate::ReconnectingWebSocket) stopped reconnecting, in
/// [`ReconnectEvent::GaveUp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GiveUp {
    /// The outage used up its attempts
    /// ([`max_attempts`](crate::reconnect::ReconnectBuilder::max_attempts)).
    MaxAttempts,
    /// The next attempt would have started after the outage's time limit
    /// ([`max_elapsed`](crate::reconnect::ReconnectBuilder::max_elapsed)).
    MaxElapsed,
    /// The server refused the opening handshake with this 4xx status, which asking again
    /// would not change (see
    /// [`reconnect_on_client_error`](crate::reconnect::ReconnectBuilder::reconnect_on_client_error)).
    Refused(u16),
    /// The server closed the connection with this code, one the application listed in
    /// [`stop_on_close_codes`](crate::reconnect::ReconnectBuilder::stop_on_close_codes).
    CloseCode(u16),
}

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GiveUp::MaxAttempts => f.write_str("the reconnect attempts are used up"),
            GiveUp::MaxElapsed => f.write_str("the time allowed for reconnecting has run out"),
            GiveUp::Refused(status) => write!(f, "the server refused the handshake ({status})"),
            GiveUp::CloseCode(code) => write!(f, "the server closed with code {code}"),
        }
    }
}

/// The events of one step of a [`ReconnectingWebSocket`](crate::ReconnectingWebSocket), in
/// order, never empty: those a connection decoded from one read of its socket, or one event of
/// the client's own. The items of
/// [`ReconnectingWebSocket::events`](crate::ReconnectingWebSocket::events); an iterator over
/// [`ReconnectEvent`]s.
///
/// Taking a connection's `Open` out of a batch is what lets
/// [`send`](crate::ReconnectingWebSocket::send) reach that connection, so iterate over every
/// batch you receive.
#[derive(Debug)]
pub struct ReconnectBatch {
    events: std::vec::IntoIter<ReconnectEvent>,
    /// Set when the batch holds a connection's `Open`: taking it marks the connection seen.
    open: Option<OpenMark>,
}

/// Records that the application took the `Open` of connection `epoch`.
#[derive(Debug)]
pub(crate) struct OpenMark {
    /// The latest connection whose `Open` the application took, shared with the handle.
    pub(crate) seen: Arc<AtomicU64>,
    /// The connection this batch's `Open` belongs to.
    pub(crate) epoch: u64,
}

impl ReconnectBatch {
    /// A batch of `events`; `open` when they include a connection's `Open`.
    pub(crate) fn new(events: Vec<ReconnectEvent>, open: Option<OpenMark>) -> ReconnectBatch {
        ReconnectBatch {
            events: events.into_iter(),
            open,
        }
    }

    /// How many events are left.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether every event has been taken.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Iterator for ReconnectBatch {
    type Item = ReconnectEvent;

    fn next(&mut self) -> Option<ReconnectEvent> {
        let event = self.events.next()?;
        if matches!(event, ReconnectEvent::Socket(Event::Open)) {
            if let Some(mark) = self.open.take() {
                mark.seen.fetch_max(mark.epoch, Ordering::SeqCst);
            }
        }
        Some(event)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.events.size_hint()
    }
}
