//! Emptied batches on their way back from the application to the reader thread, so that
//! batches and their buffers are not allocated anew for every read, and their memory goes back
//! once the connection falls idle.
//!
//! The pool also holds the connection's read-ahead budget ([`ReadAhead`]), which the batches it
//! hands out are charged to.

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use crate::config::DEFAULT_EVENT_QUEUE_CAPACITY;
use crate::delivery::batch::Batch;
use crate::delivery::read_ahead::ReadAhead;
use crate::sync::{lock, spin, timer};

/// How many emptied batches wait to be reused: as many as the event queue holds by default,
/// so that an application that falls behind for a moment (a late wake-up on a busy machine)
/// and then catches up does not leave the reader allocating new batches, whose pages are
/// faulted in (see PERFORMANCE.md).
const POOLED: usize = DEFAULT_EVENT_QUEUE_CAPACITY;

/// The most buffer memory the pool keeps, whatever the number of batches.
pub(crate) const POOLED_BYTES: usize = 8 << 20;

/// How long a connection goes without the reader taking a batch before the spare memory goes.
pub(crate) const IDLE: Duration = Duration::from_secs(1);

/// How much of a spare buffer an idle connection keeps: as much as one read brings.
pub(crate) const KEEP_IDLE: usize = 16 * 1024;

/// The spare batches, last in, first out: the batch reused next is the one most recently
/// emptied, whose memory is most likely still in the processor's cache.
#[derive(Debug)]
pub(crate) struct Pool {
    spare: Mutex<Spare>,
    /// The bytes the reader has sent ahead of the application.
    read_ahead: Arc<ReadAhead>,
}

#[derive(Debug)]
struct Spare {
    batches: Vec<Batch>,
    /// When the reader last took a batch.
    last_taken: Instant,
    /// A check for idleness is due on the timer thread.
    check_armed: bool,
}

#[cfg(test)]
impl Default for Pool {
    fn default() -> Pool {
        Pool::new(crate::config::DEFAULT_EVENT_QUEUE_BYTES)
    }
}

impl Pool {
    /// A pool whose reader reads ahead at most `limit` bytes (see [`Pool::wait_for_room`]).
    pub(crate) fn new(limit: usize) -> Pool {
        Pool {
            spare: Mutex::new(Spare {
                batches: Vec::new(),
                last_taken: Instant::now(),
                check_armed: false,
            }),
            read_ahead: Arc::new(ReadAhead::new(limit)),
        }
    }

    fn spare(&self) -> MutexGuard<'_, Spare> {
        lock(&self.spare)
    }

    /// Counts `batch`'s bytes as in flight until it is emptied or dropped. The reader calls
    /// this just before sending it.
    pub(crate) fn charge(&self, batch: &mut Batch) {
        batch.set_charge(self.read_ahead.charge(batch.byte_len()));
    }

    /// Blocks the reader while the bytes in flight are at the limit (see
    /// [`ReadAhead::wait_for_room`]).
    pub(crate) fn wait_for_room(&self, budget: &spin::Budget) {
        self.read_ahead.wait_for_room(budget);
    }

    /// The handle is gone: the reader stops waiting for room, now and from now on.
    pub(crate) fn close(&self) {
        self.read_ahead.close();
    }

    /// Empties `batch` and keeps it for reuse, unless enough are kept already, then releases
    /// its bytes in flight: a reader waiting for room finds the batch here.
    pub(crate) fn put(&self, mut batch: Batch) {
        let charge = batch.take_charge();
        self.keep(batch);
        // Not under the lock: releasing takes it.
        drop(charge);
    }

    fn keep(&self, mut batch: Batch) {
        let mut spare = self.spare();
        if spare.batches.len() >= POOLED {
            return;
        }
        batch.reset();
        let held: usize = spare.batches.iter().map(Batch::capacity).sum();
        if held + batch.capacity() <= POOLED_BYTES {
            spare.batches.push(batch);
        }
    }

    /// The batch emptied last, or a new one.
    pub(crate) fn take(&self) -> Batch {
        let mut spare = self.spare();
        spare.last_taken = Instant::now();
        spare.batches.pop().unwrap_or_default()
    }

    /// The reader is about to wait for data. If spare batches hold more memory than an idle
    /// connection keeps, a check on the timer thread lets it go once the reader has taken no
    /// batch for [`IDLE`].
    pub(crate) fn waiting(self: &Arc<Self>) {
        let mut spare = self.spare();
        if spare.check_armed || !spare.holds_more_than_idle() {
            return;
        }
        spare.check_armed = true;
        let due = spare.last_taken + IDLE;
        drop(spare);
        check_at(Arc::downgrade(self), due);
    }

    /// Lets the spare memory go if the reader has taken no batch for [`IDLE`] by `now`;
    /// otherwise returns when to look again.
    fn shrink_if_idle(&self, now: Instant) -> Option<Instant> {
        let mut spare = self.spare();
        let due = spare.last_taken + IDLE;
        if now < due {
            return Some(due);
        }
        spare.batches.truncate(1);
        for batch in &mut spare.batches {
            batch.shrink(KEEP_IDLE);
        }
        spare.check_armed = false;
        None
    }
}

impl Spare {
    fn holds_more_than_idle(&self) -> bool {
        self.batches.len() > 1 || self.batches.iter().any(|b| b.capacity() > KEEP_IDLE)
    }
}

/// Runs the idleness check at `due` on the timer thread, and again later while the connection
/// is busy. A connection that is gone needs no check.
fn check_at(pool: Weak<Pool>, due: Instant) {
    timer::at(due, move || {
        if let Some(strong) = pool.upgrade() {
            if let Some(later) = strong.shrink_if_idle(Instant::now()) {
                check_at(pool, later);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    /// A batch whose buffer has room for `n` bytes.
    fn with_room(n: usize) -> Batch {
        let mut b = Batch::default();
        b.sink().reserve_exact(n);
        b.push_event(Event::Open);
        b
    }

    /// A batch holding `n` payload bytes, charged to `pool` as the reader does when it sends.
    fn sent(pool: &Arc<Pool>, n: usize) -> Batch {
        let mut b = Batch::default();
        b.sink().resize(n, 0);
        b.push_message(false, n);
        pool.charge(&mut b);
        b
    }

    /// Starts a reader that waits for room; its channel says when it got some.
    fn waiting_reader(pool: &Arc<Pool>) -> crossbeam_channel::Receiver<()> {
        let (done_tx, done) = crossbeam_channel::bounded(1);
        let pool = pool.clone();
        std::thread::spawn(move || {
            pool.wait_for_room(&spin::Budget::default());
            let _ = done_tx.send(());
        });
        done
    }

    /// Starts a reader that must wait for room, and checks that it does.
    fn blocked_reader(pool: &Arc<Pool>) -> crossbeam_channel::Receiver<()> {
        let done = waiting_reader(pool);
        assert!(done.recv_timeout(STILL_WAITING).is_err(), "it did not wait");
        done
    }

    /// Long enough for a reader that should be waiting to have run past the wait if it were not.
    const STILL_WAITING: Duration = Duration::from_millis(100);
    const WAIT: Duration = Duration::from_secs(10);

    #[test]
    fn bytes_stay_in_flight_until_the_batch_is_put_back_or_dropped() {
        let pool = Arc::new(Pool::new(100));
        let first = sent(&pool, 60);
        let second = sent(&pool, 50);
        assert_eq!(pool.read_ahead.in_flight(), 110);
        assert!(pool.read_ahead.is_full());
        pool.put(first);
        assert_eq!(pool.read_ahead.in_flight(), 50);
        assert!(!pool.read_ahead.is_full());
        drop(second);
        assert_eq!(pool.read_ahead.in_flight(), 0);
        assert!(pool.take().capacity() >= 60, "the batch put back is reused");
    }

    #[test]
    fn a_reader_at_the_limit_waits_until_a_batch_comes_back() {
        let pool = Arc::new(Pool::new(100));
        let batch = sent(&pool, 100);
        let done = blocked_reader(&pool);
        pool.put(batch);
        done.recv_timeout(WAIT)
            .expect("woken when the batch came back");
        assert!(
            pool.take().capacity() >= 100,
            "and the batch is there for it"
        );
    }

    #[test]
    fn closing_frees_a_waiting_reader_for_good() {
        let pool = Arc::new(Pool::new(100));
        let _held = sent(&pool, 500);
        let done = blocked_reader(&pool);
        pool.close();
        done.recv_timeout(WAIT).expect("woken by the close");
        let _more = sent(&pool, 500);
        waiting_reader(&pool)
            .recv_timeout(WAIT)
            .expect("no waiting after the close");
    }

    #[test]
    fn a_limit_of_zero_lets_one_batch_through_at_a_time() {
        let pool = Arc::new(Pool::new(0));
        waiting_reader(&pool)
            .recv_timeout(WAIT)
            .expect("nothing in flight: no wait");
        let batch = sent(&pool, 1);
        let done = blocked_reader(&pool);
        drop(batch);
        done.recv_timeout(WAIT)
            .expect("woken when the batch was dropped");
    }

    #[test]
    fn hands_back_the_latest_batch_and_keeps_a_few() {
        let pool = Pool::default();
        for n in 1..=POOLED + 2 {
            pool.put(with_room(n * 100));
        }
        let latest = pool.take();
        assert!(
            latest.is_empty() && latest.capacity() >= POOLED * 100,
            "emptied, kept"
        );
        assert!(
            latest.capacity() < (POOLED + 1) * 100,
            "the last one kept, not the ones after the pool was full"
        );
        for _ in 1..POOLED {
            assert!(pool.take().capacity() > 0);
        }
        assert_eq!(pool.take().capacity(), 0, "then new ones");
    }

    #[test]
    fn keeps_no_more_than_its_byte_budget() {
        let pool = Pool::default();
        // Each under the size a buffer may be kept at; five fit in the budget.
        let each = POOLED_BYTES / 5;
        assert!(each <= crate::delivery::batch::MAX_RETAINED);
        for _ in 0..7 {
            pool.put(with_room(each));
        }
        let kept = pool.spare().batches.len();
        assert_eq!(kept, 5, "five fit in the budget, the rest are let go");
    }

    #[test]
    fn spare_memory_goes_once_idle_and_not_before() {
        let pool = Pool::default();
        for _ in 0..3 {
            pool.put(with_room(1 << 20));
        }
        let start = pool.spare().last_taken;
        assert_eq!(
            pool.shrink_if_idle(start + IDLE / 2),
            Some(start + IDLE),
            "busy: look again when it could be idle"
        );
        assert_eq!(pool.spare().batches.len(), 3);
        assert_eq!(pool.shrink_if_idle(start + IDLE), None);
        let spare = pool.spare();
        assert_eq!(spare.batches.len(), 1, "one batch kept");
        assert_eq!(spare.batches[0].capacity(), 0, "without its large buffer");
        assert!(!spare.holds_more_than_idle());
    }

    #[test]
    fn a_small_buffer_survives_idleness() {
        let pool = Pool::default();
        pool.put(with_room(KEEP_IDLE));
        let start = pool.spare().last_taken;
        assert!(!pool.spare().holds_more_than_idle(), "nothing to let go");
        assert_eq!(pool.shrink_if_idle(start + IDLE), None);
        assert_eq!(pool.take().capacity(), KEEP_IDLE);
    }

    #[test]
    fn waiting_arms_one_check_that_shrinks_the_pool() {
        let pool = Arc::new(Pool::default());
        pool.put(with_room(1 << 20));
        pool.put(with_room(1 << 20));
        pool.waiting();
        pool.waiting();
        assert!(pool.spare().check_armed);
        // The timer thread runs the check one IDLE after the last take, and its actions in
        // deadline order: an action due just after the check shows when the check has run.
        let due = pool.spare().last_taken + IDLE;
        let (ran, checked) = crossbeam_channel::bounded(1);
        timer::at(due + Duration::from_millis(1), move || {
            let _ = ran.send(());
        });
        checked
            .recv_timeout(IDLE * 10)
            .expect("the timer thread ran");
        assert!(!pool.spare().check_armed, "the check ran");
        assert!(!pool.spare().holds_more_than_idle());
    }
}
