//! The read-ahead budget: the bytes in batches the reader has sent and the application has not
//! yet emptied or dropped, and the wait that holds the reader back while they reach the
//! connection's limit ([`Builder::event_queue_bytes`](crate::Builder::event_queue_bytes)).
//!
//! That bounds the memory a fast server can make a slow application hold, and keeps the buffers
//! in rotation few, so that the reader reads into memory recently used (in the processor's
//! cache, its pages mapped) rather than into fresh memory (see PERFORMANCE.md).

use std::sync::Arc;
use std::time::Instant;

use crate::sync::spin;
// std's, or loom's in the models at the end of this file.
use crate::sync::prim::{lock, Condvar, Mutex, MutexGuard};

/// One connection's read-ahead budget.
#[derive(Debug)]
pub(crate) struct ReadAhead {
    state: Mutex<InFlight>,
    /// Signalled when bytes in flight are released while the reader waits, or on close.
    room: Condvar,
    /// The reader waits while this many bytes are in flight.
    limit: usize,
}

#[derive(Debug, Default)]
struct InFlight {
    /// Bytes in batches sent to the application and not yet emptied or dropped.
    bytes: usize,
    /// The reader sleeps until bytes in flight are released.
    reader_waiting: bool,
    /// The handle is gone: the reader no longer waits for room.
    closed: bool,
}

/// The bytes of one batch in flight, released when the batch is emptied or dropped.
#[derive(Debug)]
pub(crate) struct Charge {
    read_ahead: Arc<ReadAhead>,
    bytes: usize,
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.read_ahead.release(self.bytes);
    }
}

impl ReadAhead {
    /// A budget of `limit` bytes.
    pub(crate) fn new(limit: usize) -> ReadAhead {
        ReadAhead {
            state: Mutex::default(),
            room: Condvar::new(),
            limit,
        }
    }

    fn state(&self) -> MutexGuard<'_, InFlight> {
        lock(&self.state)
    }

    /// Counts `bytes` as in flight until the returned charge is dropped.
    pub(crate) fn charge(self: &Arc<Self>, bytes: usize) -> Charge {
        self.state().bytes += bytes;
        Charge {
            read_ahead: self.clone(),
            bytes,
        }
    }

    fn release(&self, bytes: usize) {
        let mut state = self.state();
        state.bytes -= bytes;
        if state.reader_waiting {
            self.room.notify_one();
        }
    }

    /// Bytes in flight now.
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> usize {
        self.state().bytes
    }

    /// Whether the reader must wait before reading more: the bytes in flight reached the
    /// limit. With nothing in flight it never waits, so a limit of 0 means one batch at a time.
    pub(crate) fn is_full(&self) -> bool {
        self.full(&self.state())
    }

    fn full(&self, state: &InFlight) -> bool {
        !state.closed && state.bytes > 0 && state.bytes >= self.limit
    }

    /// Blocks the reader while the bytes in flight are at the limit: polls for up to the
    /// budget (the application usually takes a batch within microseconds), then sleeps until
    /// the application releases some, or the handle is dropped (see [`ReadAhead::close`]).
    pub(crate) fn wait_for_room(&self, budget: &spin::Budget) {
        if !self.is_full() {
            return;
        }
        let started = Instant::now();
        let polled = spin::poll_for(budget.get(), || (!self.is_full()).then_some(()));
        if polled.is_none() {
            let mut state = self.state();
            while self.full(&state) {
                state.reader_waiting = true;
                state = self.room.wait(state).unwrap_or_else(|e| e.into_inner());
            }
            state.reader_waiting = false;
        }
        budget.record(started.elapsed());
    }

    /// The handle is gone: the reader stops waiting for room, now and from now on. The batches
    /// left in the channel are not dropped with the handle (crossbeam keeps them while the
    /// reader's sender lives), so without this a waiting reader would wait for good.
    pub(crate) fn close(&self) {
        self.state().closed = true;
        self.room.notify_all();
    }
}

/// loom models of the budget's wait (`RUSTFLAGS="--cfg loom" cargo test --lib --target-dir
/// target/loom loom_`): the real `ReadAhead` on loom's mutex and condition variable (see
/// `crate::sync::prim`). A reader left asleep with room made is a deadlock, which loom reports.
#[cfg(all(loom, test))]
mod loom_models {
    use super::*;
    use crate::sync::prim::thread;

    /// The application empties the last batch while the reader decides to wait: the reader
    /// wakes (no lost wake-up).
    #[test]
    fn loom_a_release_wakes_the_waiting_reader() {
        loom::model(|| {
            let read_ahead = Arc::new(ReadAhead::new(1));
            let charge = read_ahead.charge(1);
            let app = thread::spawn(move || drop(charge));
            read_ahead.wait_for_room(&spin::Budget::none());
            assert!(!read_ahead.is_full());
            app.join().unwrap();
            assert_eq!(read_ahead.state().bytes, 0);
        });
    }

    /// Two batches in flight, released one by one from two threads: the reader wakes once
    /// the bytes fall below the limit, whichever goes first.
    #[test]
    fn loom_releases_from_two_threads_wake_the_reader() {
        loom::model(|| {
            let read_ahead = Arc::new(ReadAhead::new(2));
            let charges = [read_ahead.charge(1), read_ahead.charge(1)];
            let apps = charges.map(|charge| thread::spawn(move || drop(charge)));
            read_ahead.wait_for_room(&spin::Budget::none());
            for app in apps {
                app.join().unwrap();
            }
            assert_eq!(read_ahead.state().bytes, 0);
        });
    }

    /// The handle is dropped while the reader decides to wait: the reader wakes, and never
    /// waits again, though the batch is still in flight.
    #[test]
    fn loom_a_close_wakes_the_waiting_reader() {
        loom::model(|| {
            let read_ahead = Arc::new(ReadAhead::new(1));
            let _charge = read_ahead.charge(1);
            let app = {
                let read_ahead = Arc::clone(&read_ahead);
                thread::spawn(move || read_ahead.close())
            };
            read_ahead.wait_for_room(&spin::Budget::none());
            app.join().unwrap();
            read_ahead.wait_for_room(&spin::Budget::none());
        });
    }
}
