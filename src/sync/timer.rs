//! Deadlines for sockets whose reader thread is blocked in `read`.
//!
//! A reader blocked in `read` cannot notice that the close timeout has passed, and a new socket
//! read timeout does not apply to a read already in progress. So one timer thread per process
//! keeps the pending deadlines and runs their actions (shutting a socket down, which wakes its
//! reader). The thread starts with the first deadline and ends when none has been pending for a
//! while; it costs nothing while it waits.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::sync::wait::lock;

/// What to do at a deadline.
type Action = Box<dyn FnOnce() + Send>;

/// How long the timer thread stays up with nothing pending.
const IDLE_EXIT: Duration = Duration::from_millis(500);

/// The running timer thread's inbox, if one is running.
static INBOX: Mutex<Option<Sender<(Instant, Action)>>> = Mutex::new(None);

/// Longer than any deadline worth keeping: a century.
const NEVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The deadline `after` from now. A duration too long to add to the clock (`Duration::MAX`, as
/// "no limit") gives a deadline a century away instead of an overflow panic.
pub(crate) fn deadline_after(after: Duration) -> Instant {
    Instant::now() + after.min(NEVER)
}

/// Runs `action` at `deadline` on the timer thread (or soon after; never before).
pub(crate) fn at(deadline: Instant, action: impl FnOnce() + Send + 'static) {
    let mut inbox = lock(&INBOX);
    let mut job: (Instant, Action) = (deadline, Box::new(action));
    if let Some(tx) = inbox.as_ref() {
        match tx.send(job) {
            Ok(()) => return,
            Err(returned) => job = returned.0,
        }
    }
    let (tx, rx) = crossbeam_channel::unbounded();
    tx.send(job).expect("the receiver is alive");
    let spawned = std::thread::Builder::new()
        .name("wsync-timer".into())
        .stack_size(64 << 10)
        .spawn(move || run(rx));
    match spawned {
        Ok(_) => *inbox = Some(tx),
        // Without a timer the deadline cannot be kept; the socket still closes when the server
        // answers. Spawning fails only when the process is out of threads or memory.
        Err(e) => log::warn!("wsync: could not start the timer thread: {e}"),
    }
}

/// The timer thread: a heap of deadlines, ordered by time then arrival.
fn run(rx: Receiver<(Instant, Action)>) {
    let mut heap: BinaryHeap<Reverse<(Instant, u64)>> = BinaryHeap::new();
    let mut actions: std::collections::HashMap<u64, Action> = Default::default();
    let mut seq = 0u64;
    loop {
        let now = Instant::now();
        while let Some(Reverse((when, id))) = heap.peek().copied() {
            if when > now {
                break;
            }
            heap.pop();
            if let Some(action) = actions.remove(&id) {
                action();
            }
        }
        let wait = heap
            .peek()
            .map(|Reverse((when, _))| when.saturating_duration_since(now))
            .unwrap_or(IDLE_EXIT);
        match rx.recv_timeout(wait) {
            Ok((when, action)) => {
                seq += 1;
                heap.push(Reverse((when, seq)));
                actions.insert(seq, action);
            }
            Err(RecvTimeoutError::Timeout) if heap.is_empty() => {
                // Retire, unless a job slipped in while we were deciding.
                let mut inbox = lock(&INBOX);
                if rx.is_empty() {
                    *inbox = None;
                    return;
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_too_far_to_add_is_a_century_away() {
        let now = Instant::now();
        let far = deadline_after(Duration::MAX);
        assert!(far >= now + NEVER, "as good as never");
        let near = deadline_after(Duration::from_secs(1));
        assert!(near >= now + Duration::from_secs(1) && near < far);
    }

    #[test]
    fn actions_run_in_deadline_order_and_not_early() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let start = Instant::now();
        for (i, ms) in [(2, 60u64), (0, 20), (1, 40)] {
            let tx = tx.clone();
            at(start + Duration::from_millis(ms), move || {
                tx.send((i, Instant::now())).unwrap();
            });
        }
        let mut order = Vec::new();
        for _ in 0..3 {
            let (i, when) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
            assert!(when >= start + Duration::from_millis(20 * (i as u64 + 1)));
            order.push(i);
        }
        assert_eq!(order, [0, 1, 2]);
    }
}
