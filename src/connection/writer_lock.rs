//! The writer lock, and the pongs (and pings) that must not wait for it.
//!
//! Senders hold the writer while they write, and a write blocks while the server is not reading.
//! If the reader thread waited for the writer to answer a ping, it would stop reading meanwhile:
//! with a server that stops reading until it can write, both sides would wait for ever. So the
//! reader never waits: it leaves its pong here, and whoever takes the writer next writes it
//! first, or whoever holds it writes it on the way out. Nor does the reader write the pong
//! itself when the writer is free: that write, too, blocks while the server is not reading and
//! the socket's send buffer is full. A short-lived thread writes it instead, one at a time per
//! connection. Waiting pongs go out in the order of their
//! pings, each answered, up to [`MAX_WAITING_PONGS`]; beyond that the oldest are dropped, as
//! RFC 6455 §5.5.3 allows: "If an endpoint receives a Ping frame and has not yet sent Pong
//! frame(s) in response to previous Ping frame(s), the endpoint MAY elect to send a Pong frame
//! for only the most recently processed Ping frame".
//!
//! Pings go out the same way, and so never make their sender wait either: the keepalive pings
//! of the reader thread, and [`WebSocket::ping`](crate::WebSocket::ping).

use std::collections::VecDeque;
use std::io;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Weak};
use std::time::Instant;

use crate::connection::writer::Writer;
use crate::delivery::pool::IDLE;
use crate::proto::frame::opcode;
// std's, or loom's in the models at the end of this file.
use crate::sync::prim::{
    self, fence, lock, thread, AtomicBool, Mutex, MutexGuard, Ordering, TryLockError,
};
use crate::sync::timer;

/// The most pongs that wait for the writer; a ping flood while a send is blocked holds at most
/// this many payloads of at most 125 bytes.
const MAX_WAITING_PONGS: usize = 16;

/// The pong thread's stack: enough for a TLS write.
const PONG_THREAD_STACK: usize = 128 << 10;

/// The writer, behind a lock that writes waiting pongs when it is taken or released.
#[derive(Debug, Default)]
pub(crate) struct WriterLock {
    writer: Mutex<Writer>,
    /// The control frames waiting to be written, oldest first: opcode and payload. Pongs
    /// answer pings not answered yet; pings are ours.
    pong: Mutex<VecDeque<(u8, Vec<u8>)>>,
    /// A pong is waiting: checked after every release of the writer.
    pong_waiting: AtomicBool,
    /// A thread is on its way to write waiting pongs (see [`WriterLock::pong`]).
    pong_thread: AtomicBool,
    /// Told each time a pong thread ends.
    #[cfg(all(test, not(loom)))]
    pong_thread_ended: tests::Ended,
}

/// The writer, held. Releasing it writes a pong that came meanwhile.
pub(crate) struct WriterGuard<'a> {
    lock: &'a WriterLock,
    guard: Option<MutexGuard<'a, Writer>>,
}

impl WriterLock {
    /// The lock around `writer`.
    pub(crate) fn new(writer: Writer) -> WriterLock {
        WriterLock {
            writer: Mutex::new(writer),
            ..WriterLock::default()
        }
    }

    /// Waits for the writer.
    pub(crate) fn lock(&self) -> WriterGuard<'_> {
        let guard = lock(&self.writer);
        self.held(guard)
    }

    /// The writer, just taken. Pongs waiting go out first: their pings came before anything the
    /// application may be answering now (RFC 6455 §5.5.2: "An endpoint MAY send a Pong frame
    /// as soon as is practical"; the pong of a ping that came before a message goes out before
    /// the reply to that message). A failed write is left for the holder's own write to meet.
    fn held<'a>(&'a self, mut guard: MutexGuard<'a, Writer>) -> WriterGuard<'a> {
        if self.pong_waiting.load(Ordering::SeqCst) {
            self.pong_waiting.store(false, Ordering::SeqCst);
            let _ = self.write_waiting(&mut guard);
        }
        WriterGuard {
            lock: self,
            guard: Some(guard),
        }
    }

    /// Writes the waiting pongs, oldest first.
    fn write_waiting(&self, writer: &mut Writer) -> io::Result<()> {
        let waiting = std::mem::take(&mut *lock(&self.pong));
        for (op, payload) in waiting {
            writer.control(op, &payload)?;
        }
        Ok(())
    }

    /// The writer, if no one holds it.
    pub(crate) fn try_lock(&self) -> Option<WriterGuard<'_>> {
        let guard = match self.writer.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        Some(self.held(guard))
    }

    /// Answers a ping without waiting and without writing on this thread: the pong is left for
    /// whoever holds the writer to write when they release it, or, if no one does, for a
    /// short-lived thread that takes the writer and writes it. Never blocks on the socket, so
    /// the reader thread goes on reading whatever the server does. A failed write marks the
    /// writer broken; the reader learns of the failure from its own reads.
    pub(crate) fn pong(self: &Arc<Self>, payload: &[u8]) {
        self.control(opcode::PONG, payload);
    }

    /// Sends a ping the way [`WriterLock::pong`] sends a pong: without waiting.
    pub(crate) fn ping(self: &Arc<Self>, payload: &[u8]) {
        self.control(opcode::PING, payload);
    }

    /// Queues a control frame and sees that it is written without waiting (see
    /// [`WriterLock::pong`]). Beyond [`MAX_WAITING_PONGS`] frames, the oldest pong goes.
    fn control(self: &Arc<Self>, op: u8, payload: &[u8]) {
        {
            let mut waiting = lock(&self.pong);
            if waiting.len() == MAX_WAITING_PONGS {
                let oldest_pong = waiting.iter().position(|(op, _)| *op == opcode::PONG);
                waiting.remove(oldest_pong.unwrap_or(0));
            }
            waiting.push_back((op, payload.to_vec()));
        }
        self.pong_waiting.store(true, Ordering::SeqCst);
        // Paired with the fence in the guard's release: either this thread sees the writer
        // free, or the holder, once it has let go, sees the pong waiting.
        fence(Ordering::SeqCst);
        match self.writer.try_lock() {
            // Held: the holder writes the pong when it lets go.
            Err(TryLockError::WouldBlock) => return,
            // Free: let go again without writing (a plain mutex guard, not a `WriterGuard`).
            Ok(free) => drop(free),
            Err(TryLockError::Poisoned(e)) => drop(e.into_inner()),
        }
        self.start_pong_thread();
    }

    /// Has a short-lived thread write the waiting pongs, unless one is on its way.
    fn start_pong_thread(self: &Arc<Self>) {
        // Paired with the fence in `write_pongs`: either this thread sees the pong thread gone,
        // or the pong thread, before it ends, sees the pong waiting.
        if self.pong_thread.swap(true, Ordering::SeqCst) {
            return;
        }
        let lock = Arc::clone(self);
        let spawned = thread::Builder::new()
            .name("wsync-pong".into())
            .stack_size(PONG_THREAD_STACK)
            .spawn(move || lock.write_pongs())
            .map(prim::detach);
        if spawned.is_err() {
            // Out of threads or memory: write it here rather than not at all.
            self.pong_thread.store(false, Ordering::SeqCst);
            let _ = self.deliver();
        }
    }

    /// The pong thread: takes the writer, waiting for a sender that holds it, and writes the
    /// waiting pong on release; ends once no pong waits.
    fn write_pongs(&self) {
        loop {
            // Releasing the writer writes the waiting pong.
            drop(self.lock());
            // A swap rather than a store, to the same effect: every write of `pong_thread` in
            // the hand-off is a read-modify-write, which loom orders totally (plain stores, it
            // orders partially, and finds pongs stranded that no real execution strands).
            self.pong_thread.swap(false, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            if !self.pong_waiting.load(Ordering::SeqCst)
                || self.pong_thread.swap(true, Ordering::SeqCst)
            {
                #[cfg(all(test, not(loom)))]
                let _ = self.pong_thread_ended.0.send(());
                return;
            }
        }
    }

    /// Arms the check that lets the room of large frames go once the writer has written none
    /// for [`IDLE`], if `writer` (this lock's, held) holds such room and no check is armed.
    pub(crate) fn watch_idle(self: &Arc<Self>, writer: &mut Writer) {
        if let Some(due) = writer.release_check_due() {
            release_at(Arc::downgrade(self), due);
        }
    }

    /// On the timer thread: lets the writer's large room go if it has been idle for [`IDLE`] by
    /// `now` (see [`Writer::release_if_idle`]); otherwise, or if a sender holds the writer,
    /// returns when to look again. Never waits for the writer and never writes: a pong left
    /// while this thread held the writer goes out on a pong thread.
    pub(crate) fn release_if_idle(self: &Arc<Self>, now: Instant) -> Option<Instant> {
        let later = match self.writer.try_lock() {
            Ok(mut writer) => {
                prim::preemption_point();
                writer.release_if_idle(now)
            }
            Err(TryLockError::Poisoned(e)) => e.into_inner().release_if_idle(now),
            Err(TryLockError::WouldBlock) => return Some(now + IDLE),
        };
        // Paired with the fence in `pong`: either the pong saw the writer free, or this thread
        // sees the pong waiting.
        fence(Ordering::SeqCst);
        if self.pong_waiting.load(Ordering::SeqCst) {
            self.start_pong_thread();
        }
        later
    }

    /// Writes the waiting pongs, in order, if there are any and the writer is free; otherwise
    /// its holder will, after releasing it.
    fn deliver(&self) -> io::Result<()> {
        while self.pong_waiting.load(Ordering::SeqCst) {
            let mut writer = match self.writer.try_lock() {
                Ok(writer) => writer,
                Err(TryLockError::Poisoned(e)) => e.into_inner(),
                Err(TryLockError::WouldBlock) => return Ok(()),
            };
            self.pong_waiting.store(false, Ordering::SeqCst);
            if let Err(e) = self.write_waiting(&mut writer) {
                writer.broken();
                return Err(e);
            }
        }
        Ok(())
    }
}

impl Deref for WriterGuard<'_> {
    type Target = Writer;

    fn deref(&self) -> &Writer {
        self.guard.as_ref().expect("held until dropped")
    }
}

impl DerefMut for WriterGuard<'_> {
    fn deref_mut(&mut self) -> &mut Writer {
        self.guard.as_mut().expect("held until dropped")
    }
}

impl Drop for WriterGuard<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        fence(Ordering::SeqCst);
        // A failed write has marked the writer broken; the reader learns of the failure from
        // its own next read.
        let _ = self.lock.deliver();
    }
}

/// Runs the writer's idleness check at `due` on the timer thread, and again later while large
/// messages keep coming. A connection that is gone needs no check.
fn release_at(lock: Weak<WriterLock>, due: Instant) {
    timer::at(due, move || {
        if let Some(strong) = lock.upgrade() {
            if let Some(later) = strong.release_if_idle(Instant::now()) {
                release_at(lock, later);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::writer::tests::{pair as writer_pair, read_frame};
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::Duration;

    /// A writer lock on one end of a loopback connection, and the other end.
    fn pair() -> (Arc<WriterLock>, TcpStream) {
        let (writer, peer) = writer_pair();
        // A pong that never comes fails the test instead of hanging it.
        peer.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let lock = Arc::new(WriterLock::default());
        *lock.lock() = writer;
        (lock, peer)
    }

    /// The opcode and payload of the next frame.
    fn next(peer: &mut TcpStream) -> (u8, Vec<u8>) {
        let (_, op, _, payload) = read_frame(peer);
        (op, payload)
    }

    #[test]
    fn a_free_writer_sends_the_pong_at_once() {
        let (lock, mut peer) = pair();
        lock.pong(b"now");
        assert_eq!(next(&mut peer), (opcode::PONG, b"now".to_vec()));
        assert!(!lock.pong_waiting.load(Ordering::SeqCst));
    }

    /// A channel told each time a pong thread ends.
    #[cfg(not(loom))]
    #[derive(Debug)]
    pub(super) struct Ended(
        pub(super) crossbeam_channel::Sender<()>,
        crossbeam_channel::Receiver<()>,
    );

    #[cfg(not(loom))]
    impl Default for Ended {
        fn default() -> Ended {
            let (tx, rx) = crossbeam_channel::unbounded();
            Ended(tx, rx)
        }
    }

    #[cfg(not(loom))]
    #[test]
    fn the_pong_thread_ends_once_no_pong_waits() {
        let (lock, mut peer) = pair();
        lock.pong(b"now");
        assert_eq!(next(&mut peer), (opcode::PONG, b"now".to_vec()));
        lock.pong_thread_ended
            .1
            .recv_timeout(Duration::from_secs(10))
            .expect("the pong thread ended");
        assert!(!lock.pong_thread.load(Ordering::SeqCst));
    }

    #[test]
    fn a_held_writer_sends_the_waiting_pongs_in_order_when_released() {
        let (lock, mut peer) = pair();
        let held = lock.lock();
        lock.pong(b"first");
        lock.pong(b"second");
        assert!(
            lock.pong_waiting.load(Ordering::SeqCst),
            "left for the holder"
        );
        drop(held);
        assert_eq!(next(&mut peer), (opcode::PONG, b"first".to_vec()));
        assert_eq!(next(&mut peer), (opcode::PONG, b"second".to_vec()));
        assert!(!lock.pong_waiting.load(Ordering::SeqCst));
        lock.lock().control(opcode::PING, b"after").unwrap();
        assert_eq!(next(&mut peer), (opcode::PING, b"after".to_vec()));
    }

    #[test]
    fn a_sender_writes_waiting_pongs_before_its_own_frame() {
        let (lock, mut peer) = pair();
        // A pong left while no one held the writer, its thread not yet there.
        lock.pong
            .lock()
            .unwrap()
            .push_back((opcode::PONG, b"ping first".to_vec()));
        lock.pong_waiting.store(true, Ordering::SeqCst);
        lock.lock().control(opcode::TEXT, b"reply").unwrap();
        assert_eq!(next(&mut peer), (opcode::PONG, b"ping first".to_vec()));
        assert_eq!(next(&mut peer), (opcode::TEXT, b"reply".to_vec()));
        assert!(!lock.pong_waiting.load(Ordering::SeqCst));
    }

    #[test]
    fn the_timer_thread_lets_an_idle_writers_large_room_go() {
        let (lock, mut peer) = pair();
        let reader = std::thread::spawn(move || read_frame(&mut peer).3.len());
        let big = vec![7u8; 1 << 20];
        let mut writer = lock.lock();
        writer.message(false, &big, usize::MAX).unwrap();
        // The check falls due IDLE after the frame, so no later than this.
        let due = Instant::now() + IDLE;
        assert!(writer.room() > 64 * 1024, "grown for the large frame");
        lock.watch_idle(&mut writer);
        assert_eq!(writer.release_check_due(), None, "watch_idle armed it");
        drop(writer);
        assert_eq!(reader.join().unwrap(), big.len());
        // The timer thread runs actions in deadline order: one due just after the check shows
        // when the check has run.
        let (ran, checked) = crossbeam_channel::bounded(1);
        timer::at(due + Duration::from_millis(1), move || {
            let _ = ran.send(());
        });
        checked.recv_timeout(IDLE * 10).expect("the timer ran");
        let mut writer = lock.lock();
        assert_eq!(writer.room(), 64 * 1024, "the room went");
        assert_eq!(writer.release_check_due(), None, "nothing is armed");
    }

    #[test]
    fn the_idleness_check_never_waits_for_a_held_writer() {
        let (lock, _peer) = pair();
        let now = Instant::now();
        let held = lock.lock();
        assert_eq!(
            lock.release_if_idle(now),
            Some(now + IDLE),
            "look again later"
        );
        drop(held);
        assert_eq!(
            lock.release_if_idle(now),
            None,
            "nothing held, nothing to let go"
        );
    }

    #[test]
    fn a_pong_left_while_the_idleness_check_held_the_writer_goes_out() {
        let (lock, mut peer) = pair();
        // The pong came while the check held the writer: it saw the writer held and left.
        lock.pong
            .lock()
            .unwrap()
            .push_back((opcode::PONG, b"meanwhile".to_vec()));
        lock.pong_waiting.store(true, Ordering::SeqCst);
        assert_eq!(lock.release_if_idle(Instant::now()), None);
        assert_eq!(next(&mut peer), (opcode::PONG, b"meanwhile".to_vec()));
    }

    #[test]
    fn a_ping_flood_against_a_held_writer_keeps_only_the_latest_pongs() {
        let (lock, mut peer) = pair();
        let held = lock.lock();
        let flood = MAX_WAITING_PONGS as u32 + 5;
        for i in 0..flood {
            lock.pong(&i.to_be_bytes());
        }
        drop(held);
        for i in 5..flood {
            assert_eq!(next(&mut peer), (opcode::PONG, i.to_be_bytes().to_vec()));
        }
        // The oldest five went unanswered: the next frame is what comes next.
        lock.lock().control(opcode::PING, b"after").unwrap();
        assert_eq!(next(&mut peer), (opcode::PING, b"after".to_vec()));
    }

    /// Beyond the limit the oldest pong goes, never our own ping: pings are not answers that a
    /// later pong replaces.
    #[test]
    fn a_ping_flood_never_drops_our_ping() {
        let (lock, mut peer) = pair();
        let held = lock.lock();
        lock.ping(b"ours");
        let pongs = MAX_WAITING_PONGS as u32;
        for i in 0..pongs {
            lock.pong(&i.to_be_bytes());
        }
        drop(held);
        assert_eq!(next(&mut peer), (opcode::PING, b"ours".to_vec()));
        for i in 1..pongs {
            assert_eq!(next(&mut peer), (opcode::PONG, i.to_be_bytes().to_vec()));
        }
    }

    #[test]
    fn pongs_from_another_thread_while_held_are_never_stranded() {
        // However the release and the pong interleave, every pong gets out.
        for i in 0..200u32 {
            let (lock, mut peer) = pair();
            let payload = i.to_be_bytes();
            std::thread::scope(|s| {
                let held = lock.lock();
                s.spawn(|| lock.pong(&payload));
                drop(held);
            });
            assert_eq!(next(&mut peer), (opcode::PONG, payload.to_vec()));
        }
    }

    #[test]
    fn a_full_socket_does_not_block_the_ping_answer() {
        // The writer is free, but the server has stopped reading and the socket's send buffer
        // is full: writing the pong would block, and the reader thread must not.
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (mut peer, _) = l.accept().unwrap();
        peer.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let filler = client.try_clone().unwrap();
        let lock = Arc::new(WriterLock::default());
        lock.lock()
            .attach(crate::transport::WriteHalf::Plain(Arc::new(client)));
        // Fill the send buffer (and the peer's receive buffer) until the kernel takes no more.
        filler.set_nonblocking(true).unwrap();
        let mut filled = 0usize;
        let chunk = [0u8; 64 * 1024];
        loop {
            match (&filler).write(&chunk) {
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("filling the socket: {e}"),
            }
        }
        filler.set_nonblocking(false).unwrap();

        let (done_tx, done_rx) = crossbeam_channel::bounded(1);
        let answering = Arc::clone(&lock);
        std::thread::spawn(move || {
            answering.pong(b"still reading");
            let _ = done_tx.send(());
        });
        done_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("pong() must return while the socket is full");

        // Once the server reads again, the pong follows the filler.
        let mut junk = vec![0u8; filled];
        peer.read_exact(&mut junk).unwrap();
        assert_eq!(next(&mut peer), (opcode::PONG, b"still reading".to_vec()));
    }
}

/// loom models of the hand-off (`RUSTFLAGS="--cfg loom" cargo test --lib --target-dir
/// target/loom loom_`): the real `WriterLock`, its atomics, fences, mutexes and pong thread
/// running on loom's primitives (see `crate::sync::prim`), every interleaving and every value
/// a load may see explored. The writer has no socket, so writing a pong is taking it off the
/// queue with the writer held: a pong left on the queue once every thread is done was lost.
#[cfg(all(loom, test))]
mod loom_models {
    use super::*;

    /// Explores every interleaving of `f`, with a bound on preemptions that keeps a model to
    /// seconds (a lost pong needs one preemption).
    fn model(f: impl Fn() + Sync + Send + 'static) {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound.get_or_insert(3);
        builder.check(f);
    }

    /// Once every thread is done, every pong was taken off the queue by a holder of the
    /// writer. (`pong_waiting` may be left set with nothing queued: that costs the next holder
    /// one look at an empty queue, and loom, whose modification order is partial, finds such
    /// runs also where a total order would not allow them.)
    fn all_written(lock: &WriterLock) {
        prim::join_detached();
        assert!(lock!(lock.pong).is_empty(), "a pong was stranded");
    }

    macro_rules! lock {
        ($m:expr) => {
            prim::lock(&$m)
        };
    }
    use lock;

    /// The fences of `control` and of the guard's release: either the pinger sees the writer
    /// free, or the holder, once it has let go, sees the pong waiting.
    #[test]
    fn loom_a_pong_during_a_release_is_written() {
        model(|| {
            let lock = Arc::new(WriterLock::default());
            let held = lock.lock();
            let pinger = {
                let lock = Arc::clone(&lock);
                thread::spawn(move || lock.pong(b"p"))
            };
            // The sender's write, during which the pinger may come.
            prim::preemption_point();
            drop(held);
            pinger.join().unwrap();
            all_written(&lock);
        });
    }

    /// A sender taking the writer (which writes waiting pongs first) while a pong arrives.
    #[test]
    fn loom_a_pong_while_a_sender_takes_the_writer_is_written() {
        model(|| {
            let lock = Arc::new(WriterLock::default());
            let pinger = {
                let lock = Arc::clone(&lock);
                thread::spawn(move || lock.pong(b"p"))
            };
            drop(lock.lock());
            pinger.join().unwrap();
            all_written(&lock);
        });
    }

    /// The fences of `control` and of the idle check on the timer thread, which takes the
    /// writer without writing: either the pinger sees the writer free, or the idle check, once
    /// it has let go, sees the pong waiting and starts a pong thread.
    #[test]
    fn loom_a_pong_during_the_idle_check_is_written() {
        model(|| {
            let lock = Arc::new(WriterLock::default());
            let pinger = {
                let lock = Arc::clone(&lock);
                thread::spawn(move || lock.pong(b"p"))
            };
            let _ = lock.release_if_idle(std::time::Instant::now());
            pinger.join().unwrap();
            all_written(&lock);
        });
    }

    /// The fences of the pong thread's exit and of `control`: either the pinger sees the pong
    /// thread still there, or the pong thread, before it ends, sees the pong waiting.
    #[test]
    fn loom_a_pong_while_the_pong_thread_exits_is_written() {
        model(|| {
            let lock = Arc::new(WriterLock::default());
            let pinger = {
                let lock = Arc::clone(&lock);
                thread::spawn(move || lock.pong(b"second"))
            };
            lock.ping(b"first");
            pinger.join().unwrap();
            all_written(&lock);
        });
    }
}
