//! The poison-ignoring lock, and the bounded back-off poll of the rare paths.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Locks `m`, ignoring poison: a panic on another thread (there is none in wsync's own code)
/// leaves the data as consistent as any of its writes, and a socket must still close.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Polls `ready` until it gives a value or `deadline` passes (then `None`), sleeping between
/// polls from `first` up to `longest`, doubling. For the rare paths (a connection ending, a
/// failing peer) where a condition variable would cost every common path a notification.
pub(crate) fn poll_until<T>(
    deadline: Instant,
    first: Duration,
    longest: Duration,
    mut ready: impl FnMut() -> Option<T>,
) -> Option<T> {
    let mut pause = first;
    loop {
        if let Some(value) = ready() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(longest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_until_returns_the_first_value() {
        let mut calls = 0;
        let got = poll_until(
            Instant::now() + Duration::from_secs(10),
            Duration::from_micros(1),
            Duration::from_micros(4),
            || {
                calls += 1;
                (calls == 3).then_some(calls)
            },
        );
        assert_eq!(got, Some(3));
    }

    #[test]
    fn poll_until_gives_up_at_the_deadline_after_a_last_poll() {
        let mut calls = 0;
        let got: Option<()> = poll_until(
            Instant::now(),
            Duration::from_micros(1),
            Duration::from_micros(1),
            || {
                calls += 1;
                None
            },
        );
        assert_eq!((got, calls), (None, 1));
    }

    #[test]
    fn a_poisoned_lock_is_still_usable() {
        let m = std::sync::Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let _ = std::thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("poison");
        })
        .join();
        assert!(m.is_poisoned());
        *lock(&m) += 1;
        assert_eq!(*lock(&m), 2);
    }
}
