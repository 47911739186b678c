//! What the handle and the supervisor thread share: the current connection, whether the
//! application closed the client, and which connection's `Open` it has taken.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::{ReadyState, WebSocket};

/// The state of one reconnecting client, behind the handle and its supervisor.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    state: Mutex<State>,
    /// The latest connection (by epoch) whose `Open` the application has taken out of a batch;
    /// 0 for none. Sends reach a connection only once its `Open` has been taken.
    pub(crate) seen: Arc<AtomicU64>,
}

/// The part of [`Shared`] under its lock.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// The connection being opened or used, with its epoch; `None` between connections.
    pub(crate) current: Option<Current>,
    /// The application called `close` or dropped the handle: no more connections.
    pub(crate) closed: bool,
    /// The supervisor has stopped (or is about to, having given up): no more connections.
    pub(crate) ended: bool,
}

/// A connection and its epoch: 1 for the first, one more for each attempt after it.
#[derive(Debug)]
pub(crate) struct Current {
    pub(crate) epoch: u64,
    pub(crate) socket: Arc<WebSocket>,
}

impl Shared {
    /// The state, locked. A panic elsewhere while holding the lock leaves the state usable:
    /// every change under it is a single assignment.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the application has taken the `Open` of connection `epoch`.
    pub(crate) fn has_seen(&self, epoch: u64) -> bool {
        self.seen.load(Ordering::SeqCst) >= epoch
    }

    /// The current connection, if it is OPEN and the application has taken its `Open`.
    pub(crate) fn sendable(&self) -> Option<Arc<WebSocket>> {
        let state = self.lock();
        let current = state.current.as_ref()?;
        (current.socket.ready_state() == ReadyState::Open && self.has_seen(current.epoch))
            .then(|| current.socket.clone())
    }

    /// The ready state as the application sees it: see
    /// [`ReconnectingWebSocket::ready_state`](crate::ReconnectingWebSocket::ready_state).
    pub(crate) fn ready_state(&self) -> ReadyState {
        let state = self.lock();
        let over = state.closed || state.ended;
        match &state.current {
            None if over => ReadyState::Closed,
            None => ReadyState::Connecting,
            Some(current) => match current.socket.ready_state() {
                ReadyState::Open if self.has_seen(current.epoch) => ReadyState::Open,
                ReadyState::Open | ReadyState::Connecting => ReadyState::Connecting,
                ReadyState::Closing => ReadyState::Closing,
                ReadyState::Closed if over => ReadyState::Closed,
                ReadyState::Closed => ReadyState::Connecting,
            },
        }
    }
}
