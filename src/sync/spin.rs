//! Polling briefly before sleeping, on both sides of the event channel.
//!
//! Waking a thread that sleeps costs the waker a system call and the sleeper a trip through the
//! scheduler, which is slow on a virtual machine whose other processor is halted (see
//! PERFORMANCE.md). When the other side is about to act, polling for a few tens of
//! microseconds, yielding the processor between polls, is far cheaper.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long to poll before sleeping: about one loopback round trip, or the time the
/// application takes over a full batch of small messages.
pub(crate) const SPIN: Duration = Duration::from_micros(50);

/// The shortest poll a [`Budget`] shrinks to.
pub(crate) const SPIN_MIN: Duration = Duration::from_micros(2);

/// How long to poll before sleeping, adapted to how long the waits turn out to be: [`SPIN`]
/// after a wait that polling would have covered, half as long after one that outlasted it (down
/// to [`SPIN_MIN`]). A thread whose events come seldom (large messages, a quiet server) so does
/// not spend 50 µs of a processor per event, time that the threads producing those events may
/// need; one whose events come quickly keeps the full poll.
#[derive(Debug)]
pub(crate) struct Budget {
    nanos: AtomicU64,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            nanos: AtomicU64::new(SPIN.as_nanos() as u64),
        }
    }
}

impl Budget {
    /// No polling at all: one look, then the sleep (loom models need a deterministic wait).
    #[cfg(all(loom, test))]
    pub(crate) fn none() -> Budget {
        Budget {
            nanos: AtomicU64::new(0),
        }
    }

    /// How long to poll next time.
    pub(crate) fn get(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Relaxed))
    }

    /// A wait took `waited`, polling and sleeping together.
    pub(crate) fn record(&self, waited: Duration) {
        let next = if waited <= SPIN {
            SPIN
        } else {
            (self.get() / 2).max(SPIN_MIN)
        };
        self.nanos.store(next.as_nanos() as u64, Ordering::Relaxed);
    }
}

/// Calls `poll` until it returns `Some`, for up to `spin`, yielding the processor between
/// calls; `None` if the time ran out first. A `spin` of zero polls once.
pub(crate) fn poll_for<T>(spin: Duration, mut poll: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(found) = poll() {
            return Some(found);
        }
        if start.elapsed() >= spin {
            return None;
        }
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_shrinks_after_long_waits_and_recovers_after_a_short_one() {
        let b = Budget::default();
        assert_eq!(b.get(), SPIN);
        b.record(SPIN * 3);
        assert_eq!(b.get(), SPIN / 2);
        for _ in 0..20 {
            b.record(Duration::from_millis(1));
        }
        assert_eq!(b.get(), SPIN_MIN, "never below the minimum");
        b.record(SPIN);
        assert_eq!(
            b.get(),
            SPIN,
            "a wait that polling covers restores the full poll"
        );
    }

    #[test]
    fn polls_until_found() {
        let mut calls = 0;
        let found = poll_for(Duration::from_secs(10), || {
            calls += 1;
            (calls == 3).then_some(calls)
        });
        assert_eq!(found, Some(3));
    }

    #[test]
    fn gives_up_when_the_time_is_out() {
        let mut calls = 0;
        assert_eq!(
            poll_for(Duration::ZERO, || {
                calls += 1;
                None::<()>
            }),
            None
        );
        assert_eq!(calls, 1, "a zero spin polls once");
        let start = Instant::now();
        assert_eq!(poll_for(Duration::from_millis(2), || None::<()>), None);
        assert!(start.elapsed() >= Duration::from_millis(2));
    }
}
