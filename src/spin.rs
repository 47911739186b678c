//! Polling briefly before sleeping, on both sides of the event channel.
//!
//! Waking a thread that sleeps costs the waker a system call and the sleeper a trip through the
//! scheduler; on a virtual machine whose other processor is halted it can take half a
//! millisecond (measured here with `perf sched`). When the other side is about to act, polling
//! for a few tens of microseconds, yielding the processor between polls, is far cheaper.

use std::time::{Duration, Instant};

/// How long to poll before sleeping: about one loopback round trip, or the time the
/// application takes over a full batch of small messages.
pub(crate) const SPIN: Duration = Duration::from_micros(50);

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
