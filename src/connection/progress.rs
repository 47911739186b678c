//! How far the application has come with the events: the reader thread fails a connection
//! whose server broke the protocol right after sending messages only once the application had
//! its turn with those messages (and perhaps answered the last one), as if it had read them
//! one after the other itself.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use crate::sync::{poll_until, timer};

/// Written by receiving threads on every event, read by the reader thread only when it fails
/// the connection, so it has cache lines of its own: writing it does not slow the reader's
/// reads of other fields.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct Progress {
    /// Calls to the handle's receive methods so far.
    asks: AtomicU64,
    /// Events the handle's receive methods returned so far.
    taken: AtomicU64,
    /// The value of `asks` in the call that returned the last event.
    ask_of_last_take: AtomicU64,
    /// The raw receiver was handed out, so receives may bypass the counters above.
    raw_receiver: AtomicBool,
}

impl Progress {
    /// A receive method was called; returns the call's number, for [`Progress::took`]. Called
    /// with the handle's lock on its pending events held, as `took` is: no two threads update
    /// the counters at once.
    pub(crate) fn asking(&self) -> u64 {
        let ask = self.asks.load(Ordering::Relaxed) + 1;
        self.asks.store(ask, Ordering::Release);
        ask
    }

    /// The receive call number `ask` returned an event.
    pub(crate) fn took(&self, ask: u64) {
        self.ask_of_last_take.store(ask, Ordering::Release);
        let taken = self.taken.load(Ordering::Relaxed) + 1;
        self.taken.store(taken, Ordering::Release);
    }

    /// The raw receiver was handed out.
    pub(crate) fn expose_receiver(&self) {
        self.raw_receiver.store(true, Ordering::Release);
    }

    /// Whether the application has taken all `sent` events and come back for more; through
    /// the raw receiver, whether `queue_empty`.
    fn caught_up(&self, sent: u64, queue_empty: &impl Fn() -> bool) -> bool {
        if self.raw_receiver.load(Ordering::Acquire) {
            return queue_empty();
        }
        self.taken.load(Ordering::Acquire) >= sent
            && self.asks.load(Ordering::Acquire) > self.ask_of_last_take.load(Ordering::Acquire)
    }

    /// Waits until the application has caught up with the `sent` events, or `limit` passed.
    /// Polls: this is the rare failure path.
    pub(crate) fn wait_for_app(&self, sent: u64, queue_empty: impl Fn() -> bool, limit: Duration) {
        poll_until(
            timer::deadline_after(limit),
            Duration::from_micros(20),
            Duration::from_millis(2),
            || self.caught_up(sent, &queue_empty).then_some(()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caught_up_after_taking_everything_and_asking_again() {
        let p = Progress::default();
        let never = || false;
        let ask = p.asking();
        p.took(ask);
        assert!(
            !p.caught_up(1, &never),
            "took the event but did not ask again"
        );
        p.asking();
        assert!(p.caught_up(1, &never));
        assert!(!p.caught_up(2, &never), "one event is still to be taken");
    }

    #[test]
    fn the_raw_receiver_is_caught_up_when_the_queue_is_empty() {
        let p = Progress::default();
        p.expose_receiver();
        assert!(!p.caught_up(0, &|| false));
        assert!(p.caught_up(5, &|| true));
    }
}
