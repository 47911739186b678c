//! What one connection's threads share: the handle's callers, the reader thread and the timer.

use std::sync::Arc;
use std::time::Duration;

use crate::connection::pings::Pings;
use crate::connection::progress::Progress;
use crate::connection::socket::Socket;
use crate::connection::state::State;
use crate::connection::writer_lock::{WriterGuard, WriterLock};
use crate::sync::{poll_until, timer};

/// What one connection's threads share: the handle's callers, the reader thread and the timer.
#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) state: State,
    pub(crate) socket: Socket,
    pub(crate) progress: Progress,
    pub(crate) writer: Arc<WriterLock>,
    pub(crate) close_timeout: Duration,
    pub(crate) fragment_size: usize,
    /// Whether a write that timed out is the send timeout (else no write has a timeout).
    pub(crate) send_timeout: bool,
    /// Our pings in flight, when pongs are reported as events; `None` otherwise.
    pub(crate) pings: Option<Pings>,
    /// How often the reader took and let go its read buffer.
    #[cfg(test)]
    pub(crate) read_buffers: tests::ReadBuffers,
    /// Which threads opened the connection and read it.
    #[cfg(test)]
    pub(crate) threads: tests::Threads,
}

impl Connection {
    /// The writer, locked.
    pub(crate) fn writer(&self) -> WriterGuard<'_> {
        self.writer.lock()
    }

    /// The writer, for closing the connection: waits at most `limit` for a sender that holds
    /// it (one blocked because the server is not reading), then shuts the socket down, which
    /// fails that sender's write and so frees the writer. Polls: this is the rare path.
    pub(crate) fn writer_for_ending(&self, limit: Duration) -> WriterGuard<'_> {
        let deadline = timer::deadline_after(limit);
        let free = || self.writer.try_lock();
        poll_until(
            deadline,
            Duration::from_micros(50),
            Duration::from_millis(10),
            free,
        )
        .unwrap_or_else(|| {
            self.socket.shutdown();
            self.writer()
        })
    }

    /// Answers a ping without waiting for the writer or the socket (see [`WriterLock::pong`]).
    pub(crate) fn pong(&self, payload: &[u8]) {
        self.writer.pong(payload);
    }

    /// Sends a ping without waiting for the writer or the socket, noting when it left if pongs
    /// are reported.
    pub(crate) fn send_ping(&self, payload: &[u8]) {
        if let Some(pings) = &self.pings {
            pings.sent(payload);
        }
        self.writer.ping(payload);
    }

    /// After the close timeout, shut the socket down unless the reader has finished.
    pub(crate) fn arm_close_timeout(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        timer::at(timer::deadline_after(self.close_timeout), move || {
            if let Some(connection) = weak.upgrade() {
                connection.socket.time_out();
            }
        });
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::{Condvar, Mutex};
    use std::time::Duration;

    /// A record the connection's threads change and a test waits on.
    #[derive(Debug, Default)]
    pub(crate) struct Watched<T>(Mutex<T>, Condvar);

    impl<T: Clone> Watched<T> {
        fn change(&self, f: impl FnOnce(&mut T)) {
            f(&mut crate::sync::lock(&self.0));
            self.1.notify_all();
        }

        fn now(&self) -> T {
            crate::sync::lock(&self.0).clone()
        }

        /// The record, once `done` holds for it or `timeout` passed.
        fn wait_until(&self, timeout: Duration, done: impl Fn(&T) -> bool) -> T {
            let record = crate::sync::lock(&self.0);
            let (record, _) = self
                .1
                .wait_timeout_while(record, timeout, |r| !done(r))
                .unwrap_or_else(|e| e.into_inner());
            record.clone()
        }
    }

    /// What each of the connection's threads did, in order: "open on wsync-open", ...
    pub(crate) type Threads = Watched<Vec<String>>;

    impl Threads {
        /// The current thread does `what`.
        pub(crate) fn ran(&self, what: &str) {
            let thread = std::thread::current();
            let name = thread.name().unwrap_or("?");
            self.change(|list| list.push(format!("{what} on {name}")));
        }

        /// What was done, once `n` things were or `timeout` passed.
        pub(crate) fn wait_for(&self, n: usize, timeout: Duration) -> Vec<String> {
            self.wait_until(timeout, |list| list.len() >= n)
        }
    }

    /// How often the reader took its read buffer and let it go, for tests: (takes, releases).
    pub(crate) type ReadBuffers = Watched<(u64, u64)>;

    impl ReadBuffers {
        pub(crate) fn taken(&self) {
            self.change(|counts| counts.0 += 1);
        }

        pub(crate) fn released(&self) {
            self.change(|counts| counts.1 += 1);
        }

        pub(crate) fn takes(&self) -> u64 {
            self.now().0
        }

        pub(crate) fn releases(&self) -> u64 {
            self.now().1
        }

        /// The number of releases, once it is `n` or `timeout` passed.
        pub(crate) fn wait_for_releases(&self, n: u64, timeout: Duration) -> u64 {
            self.wait_until(timeout, |counts| counts.1 >= n).1
        }
    }
}
