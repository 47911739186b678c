//! The writer lock, and the pong that must not wait for it.
//!
//! Senders hold the writer while they write, and a write blocks while the server is not reading.
//! If the reader thread waited for the writer to answer a ping, it would stop reading meanwhile:
//! with a server that stops reading until it can write, both sides would wait for ever. So the
//! reader never waits: it leaves its pong here, and whoever holds the writer writes it on the
//! way out. RFC 6455 §5.5.3: "If an endpoint receives a Ping frame and has not yet sent Pong
//! frame(s) in response to previous Ping frame(s), the endpoint MAY elect to send a Pong frame
//! for only the most recently processed Ping frame", so one waiting pong is enough.

use std::io;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{fence, AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

use crate::frame::opcode;
use crate::writer::Writer;

/// The writer, behind a lock that delivers waiting pongs when it is released.
#[derive(Debug, Default)]
pub(crate) struct WriterLock {
    writer: Mutex<Writer>,
    /// The payload of the latest ping not answered yet.
    pong: Mutex<Option<Vec<u8>>>,
    /// A pong is waiting: checked after every release of the writer.
    pong_waiting: AtomicBool,
}

/// The writer, held. Releasing it writes a pong that came meanwhile.
pub(crate) struct WriterGuard<'a> {
    lock: &'a WriterLock,
    guard: Option<MutexGuard<'a, Writer>>,
}

impl WriterLock {
    /// Waits for the writer.
    pub(crate) fn lock(&self) -> WriterGuard<'_> {
        let guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        WriterGuard {
            lock: self,
            guard: Some(guard),
        }
    }

    /// The writer, if no one holds it.
    pub(crate) fn try_lock(&self) -> Option<WriterGuard<'_>> {
        let guard = match self.writer.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        Some(WriterGuard {
            lock: self,
            guard: Some(guard),
        })
    }

    /// Answers a ping without waiting: the pong is written now if the writer is free, else by
    /// whoever holds it, when they release it. An error is the error of writing it now.
    pub(crate) fn pong(&self, payload: &[u8]) -> io::Result<()> {
        *self.pong.lock().unwrap_or_else(|e| e.into_inner()) = Some(payload.to_vec());
        self.pong_waiting.store(true, Ordering::SeqCst);
        // Paired with the fence in `deliver`: either this thread sees the writer free, or the
        // holder, once it has let go, sees the pong waiting.
        fence(Ordering::SeqCst);
        self.deliver()
    }

    /// Writes the waiting pong if there is one and the writer is free; otherwise its holder
    /// will, after releasing it.
    fn deliver(&self) -> io::Result<()> {
        while self.pong_waiting.load(Ordering::SeqCst) {
            let mut writer = match self.writer.try_lock() {
                Ok(writer) => writer,
                Err(TryLockError::Poisoned(e)) => e.into_inner(),
                Err(TryLockError::WouldBlock) => return Ok(()),
            };
            self.pong_waiting.store(false, Ordering::SeqCst);
            let payload = self.pong.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(payload) = payload {
                if let Err(e) = writer.control(opcode::PONG, &payload) {
                    writer.broken();
                    return Err(e);
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::tests::{pair as writer_pair, read_frame};
    use std::net::TcpStream;

    /// A writer lock on one end of a loopback connection, and the other end.
    fn pair() -> (WriterLock, TcpStream) {
        let (writer, peer) = writer_pair();
        // A pong that never comes fails the test instead of hanging it.
        peer.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let lock = WriterLock::default();
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
        lock.pong(b"now").unwrap();
        assert_eq!(next(&mut peer), (opcode::PONG, b"now".to_vec()));
        assert!(!lock.pong_waiting.load(Ordering::SeqCst));
    }

    #[test]
    fn a_held_writer_sends_the_latest_pong_when_released() {
        let (lock, mut peer) = pair();
        let held = lock.lock();
        lock.pong(b"first").unwrap();
        lock.pong(b"second").unwrap();
        assert!(
            lock.pong_waiting.load(Ordering::SeqCst),
            "left for the holder"
        );
        drop(held);
        assert_eq!(next(&mut peer), (opcode::PONG, b"second".to_vec()));
        assert!(!lock.pong_waiting.load(Ordering::SeqCst));
        // Only the latest: the next frame is what comes next.
        lock.lock().control(opcode::PING, b"after").unwrap();
        assert_eq!(next(&mut peer), (opcode::PING, b"after".to_vec()));
    }

    #[test]
    fn pongs_from_another_thread_while_held_are_never_stranded() {
        // However the release and the pong interleave, every pong gets out.
        for i in 0..200u32 {
            let (lock, mut peer) = pair();
            let payload = i.to_be_bytes();
            std::thread::scope(|s| {
                let held = lock.lock();
                s.spawn(|| lock.pong(&payload).unwrap());
                drop(held);
            });
            assert_eq!(next(&mut peer), (opcode::PONG, payload.to_vec()));
        }
    }
}
