//! The synchronisation primitives of the lock-free hand-offs that loom models: the writer lock
//! and its pong hand-off (`connection::writer_lock`) and the read-ahead budget
//! (`delivery::read_ahead`). They are std's, except in the crate's unit tests built with
//! `RUSTFLAGS="--cfg loom"`, where they are loom's, so that the models run the real code
//! (`cargo test --lib --target-dir target/loom loom_`; see the README's "Tests").

#[cfg(not(all(loom, test)))]
pub(crate) use super::wait::lock;
#[cfg(not(all(loom, test)))]
pub(crate) use std::sync::atomic::{fence, AtomicBool, Ordering};
#[cfg(not(all(loom, test)))]
pub(crate) use std::sync::{Condvar, Mutex, MutexGuard};
#[cfg(not(all(loom, test)))]
pub(crate) use std::thread;

#[cfg(all(loom, test))]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, Ordering};
#[cfg(all(loom, test))]
pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard};
#[cfg(all(loom, test))]
pub(crate) use loom::thread;

pub(crate) use std::sync::TryLockError;

/// Locks `m`, ignoring poison (see [`super::wait::lock`]).
#[cfg(all(loom, test))]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A point where a loom model may switch threads, in a section that holds a lock and does no
/// synchronisation of its own (loom switches threads only at synchronisation, so another
/// thread's `try_lock` would never find the lock held there). A load of an atomic of its own,
/// not a yield: after a yield loom lets a thread see only the latest stores. Nothing outside
/// the models.
#[inline(always)]
pub(crate) fn preemption_point() {
    #[cfg(all(loom, test))]
    AtomicBool::new(false).load(Ordering::Relaxed);
}

/// Lets a spawned thread run on by itself. Under loom the handle is kept, so that a model can
/// wait for every such thread before it checks its outcome ([`join_detached`]).
pub(crate) fn detach(handle: thread::JoinHandle<()>) {
    #[cfg(all(loom, test))]
    DETACHED.lock().unwrap().push(handle);
    #[cfg(not(all(loom, test)))]
    drop(handle);
}

#[cfg(all(loom, test))]
loom::lazy_static! {
    /// The threads [`detach`]ed in this execution of a model (reset for each execution).
    static ref DETACHED: std::sync::Mutex<Vec<thread::JoinHandle<()>>> =
        std::sync::Mutex::new(Vec::new());
}

/// Waits for every thread [`detach`]ed so far in this execution, including those they detach.
#[cfg(all(loom, test))]
pub(crate) fn join_detached() {
    loop {
        let next = DETACHED.lock().unwrap().pop();
        match next {
            Some(handle) => handle.join().unwrap(),
            None => return,
        }
    }
}
