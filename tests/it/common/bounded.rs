//! Bounded waits for the tests' own threads: a test must fail, not hang, when what it waits for
//! never happens.
//!
//! - [`spawn_bounded`] starts a thread whose [`BoundedThread::join`] fails the test after
//!   [`JOIN_WAIT`] instead of blocking forever, and re-raises the thread's panic;
//! - [`within`] runs a blocking call on a thread of its own and fails the test if it has not
//!   returned within a limit (for calls whose blocking is the subject, e.g. `for ev in &ws`);
//! - [`wait_for_test`] lets a peer wait for the test's go-ahead, bounded as well.

use std::panic::resume_unwind;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::JOIN_WAIT;

/// A thread whose join waits at most a limit, then fails the test.
///
/// Dropping it without joining detaches the thread, as with a `JoinHandle`.
#[derive(Debug)]
#[must_use = "join the thread, so that its panic fails the test"]
pub struct BoundedThread<T> {
    /// The thread's name, for the failure message.
    name: String,
    /// The thread.
    handle: JoinHandle<T>,
    /// Disconnects when the thread's closure ends, however it ends (return or panic).
    done: mpsc::Receiver<()>,
}

/// Runs `f` on a new thread named `name`.
pub fn spawn_bounded<T, F>(name: impl Into<String>, f: F) -> BoundedThread<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let name = name.into();
    let (done_tx, done) = mpsc::channel::<()>();
    let handle = thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            // Dropped when `f` returns or unwinds: `done` then disconnects.
            let _done = done_tx;
            f()
        })
        .unwrap_or_else(|e| panic!("spawn thread {name}: {e}"));
    BoundedThread { name, handle, done }
}

impl<T> BoundedThread<T> {
    /// [`BoundedThread::join_within`] [`JOIN_WAIT`].
    #[track_caller]
    pub fn join(self) -> T {
        self.join_within(JOIN_WAIT)
    }

    /// Waits at most `limit` for the thread, then returns its result or re-raises its panic;
    /// fails the test when the thread is still running after `limit`.
    #[track_caller]
    pub fn join_within(self, limit: Duration) -> T {
        if !self.finished_within(limit) {
            panic!("thread {} still running after {limit:?}", self.name);
        }
        match self.into_result() {
            Ok(value) => value,
            Err(payload) => resume_unwind(payload),
        }
    }

    /// Waits at most `limit` for the thread to end; whether it did.
    pub fn finished_within(&self, limit: Duration) -> bool {
        !matches!(
            self.done.recv_timeout(limit),
            Err(RecvTimeoutError::Timeout)
        )
    }

    /// Joins the thread: its result, or the payload of its panic. Blocks until it ends, so call
    /// it once [`BoundedThread::finished_within`] has said it did.
    pub fn into_result(self) -> thread::Result<T> {
        self.handle.join()
    }
}

/// Runs `f` on a thread of its own and returns its result (re-raising its panic); fails the
/// test when it has not returned within `limit`. The closure owns what it uses: move a socket
/// in and return it with the result to keep using it.
#[track_caller]
pub fn within<T, F>(limit: Duration, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let call = spawn_bounded("within", f);
    if !call.finished_within(limit) {
        panic!("the call did not return within {limit:?}");
    }
    match call.into_result() {
        Ok(value) => value,
        Err(payload) => resume_unwind(payload),
    }
}

/// In a peer: waits until the test sends on `go` or drops its sender (it failed and unwound).
/// Fails the peer when neither happens within [`JOIN_WAIT`].
#[track_caller]
pub fn wait_for_test(go: &mpsc::Receiver<()>) {
    if let Err(RecvTimeoutError::Timeout) = go.recv_timeout(JOIN_WAIT) {
        panic!("peer: no word from the test within {JOIN_WAIT:?}");
    }
}
