//! The state one socket's threads share: the handle's callers, the reader thread and the timer.

use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::close::encode_close_payload;
use crate::error::{Error, Result};
use crate::event::ReadyState;
use crate::payload::Payload;
use crate::writer_lock::{WriterGuard, WriterLock};

/// The TCP socket, once there is one, so that other threads can shut it down.
#[derive(Debug, Default)]
struct Socket {
    tcp: Option<Arc<TcpStream>>,
    /// `close()` was called while connecting: the connection must fail.
    aborted: bool,
    /// The reader thread has finished with the socket.
    finished: bool,
}

/// One connection's shared state.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The resolved URL.
    pub(crate) url: String,
    state: AtomicU8,
    buffered: AtomicU64,
    writer: Arc<WriterLock>,
    socket: Mutex<Socket>,
    /// The close timeout passed before the server's close frame came.
    timed_out: AtomicBool,
    protocol: OnceLock<String>,
    extensions: OnceLock<String>,
    pub(crate) close_timeout: Duration,
    pub(crate) fragment_size: usize,
    /// How far the application has come with the events.
    progress: Progress,
    /// The raw receiver was handed out, so receives may bypass the counters above.
    raw_receiver: AtomicBool,
}

/// How far the application has come with the events. Written by receiving threads on every
/// event, read by the reader thread only when it fails the connection, so it has cache lines of
/// its own: writing it does not slow the reader's reads of the other fields.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Progress {
    /// Calls to the handle's receive methods so far.
    asks: AtomicU64,
    /// Events the handle's receive methods returned so far.
    taken: AtomicU64,
    /// The value of `asks` in the call that returned the last event.
    ask_of_last_take: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// A connection in CONNECTING.
    pub(crate) fn new(url: String, close_timeout: Duration, fragment_size: usize) -> Shared {
        Shared {
            url,
            state: AtomicU8::new(ReadyState::Connecting as u8),
            buffered: AtomicU64::new(0),
            writer: Arc::default(),
            socket: Mutex::new(Socket::default()),
            timed_out: AtomicBool::new(false),
            protocol: OnceLock::new(),
            extensions: OnceLock::new(),
            close_timeout,
            fragment_size,
            progress: Progress::default(),
            raw_receiver: AtomicBool::new(false),
        }
    }

    /// The ready state.
    pub(crate) fn ready_state(&self) -> ReadyState {
        ReadyState::from_u8(self.state.load(Ordering::Acquire))
    }

    /// Moves from `from` to `to`; false if the state was not `from`.
    pub(crate) fn transition(&self, from: ReadyState, to: ReadyState) -> bool {
        self.state
            .compare_exchange(from as u8, to as u8, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Sets CLOSED, whatever the state was.
    pub(crate) fn set_closed(&self) {
        self.state
            .store(ReadyState::Closed as u8, Ordering::Release);
    }

    /// A receive method was called; returns the call's number, for [`Shared::took`]. Called
    /// with the handle's lock on its pending events held, as `took` is: no two threads update
    /// the counters at once.
    pub(crate) fn asking(&self) -> u64 {
        let p = &self.progress;
        let ask = p.asks.load(Ordering::Relaxed) + 1;
        p.asks.store(ask, Ordering::Release);
        ask
    }

    /// The receive call number `ask` returned an event.
    pub(crate) fn took(&self, ask: u64) {
        let p = &self.progress;
        p.ask_of_last_take.store(ask, Ordering::Release);
        let taken = p.taken.load(Ordering::Relaxed) + 1;
        p.taken.store(taken, Ordering::Release);
    }

    /// The raw receiver was handed out.
    pub(crate) fn expose_receiver(&self) {
        self.raw_receiver.store(true, Ordering::Release);
    }

    /// Waits until the application has taken all `sent` events and come back for more, or
    /// `limit` passed. A server that sends a message and then breaks the protocol is failed
    /// only once the application had its turn with the message (and perhaps answered it), as
    /// if it had read the two one after the other itself. Polls: this is the rare failure path.
    pub(crate) fn wait_for_app(&self, sent: u64, queue_empty: impl Fn() -> bool, limit: Duration) {
        let deadline = crate::timer::deadline_after(limit);
        let mut pause = Duration::from_micros(20);
        loop {
            let caught_up = if self.raw_receiver.load(Ordering::Acquire) {
                queue_empty()
            } else {
                let p = &self.progress;
                p.taken.load(Ordering::Acquire) >= sent
                    && p.asks.load(Ordering::Acquire) > p.ask_of_last_take.load(Ordering::Acquire)
            };
            if caught_up || Instant::now() >= deadline {
                return;
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(2));
        }
    }

    /// Bytes accepted by `send` and not yet written.
    pub(crate) fn buffered_amount(&self) -> u64 {
        self.buffered.load(Ordering::Acquire)
    }

    /// The negotiated subprotocol, empty until open.
    pub(crate) fn protocol(&self) -> &str {
        self.protocol.get().map_or("", String::as_str)
    }

    /// The negotiated extensions, empty until open.
    pub(crate) fn extensions(&self) -> &str {
        self.extensions.get().map_or("", String::as_str)
    }

    /// Records what the handshake settled.
    pub(crate) fn set_negotiated(&self, protocol: String, extensions: String) {
        let _ = self.protocol.set(protocol);
        let _ = self.extensions.set(extensions);
    }

    /// The writer, locked.
    pub(crate) fn writer(&self) -> WriterGuard<'_> {
        self.writer.lock()
    }

    /// The writer, for closing the connection: waits at most `limit` for
    /// a sender that holds it (one blocked because the server is not reading), then shuts the
    /// socket down, which fails that sender's write and so frees the writer. Polls: this is the
    /// rare path.
    pub(crate) fn writer_for_ending(&self, limit: Duration) -> WriterGuard<'_> {
        let deadline = crate::timer::deadline_after(limit);
        let mut pause = Duration::from_micros(50);
        loop {
            if let Some(writer) = self.writer.try_lock() {
                return writer;
            }
            if Instant::now() >= deadline {
                self.shutdown();
                return self.writer();
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(10));
        }
    }

    /// Answers a ping without waiting for the writer or the socket (see [`WriterLock::pong`]).
    pub(crate) fn pong(&self, payload: &[u8]) {
        self.writer.pong(payload);
    }

    /// Registers the connected socket; fails if `close()` aborted the connection meanwhile.
    pub(crate) fn register_socket(&self, tcp: &Arc<TcpStream>) -> Result<()> {
        let mut s = lock(&self.socket);
        if s.aborted {
            return Err(Error::Aborted);
        }
        s.tcp = Some(tcp.clone());
        Ok(())
    }

    /// Whether `close()` aborted the connection while it was connecting.
    pub(crate) fn is_aborted(&self) -> bool {
        lock(&self.socket).aborted
    }

    /// Whether the close timeout passed.
    pub(crate) fn is_timed_out(&self) -> bool {
        self.timed_out.load(Ordering::Acquire)
    }

    /// Shuts the socket down in both directions, waking a reader blocked on it.
    pub(crate) fn shutdown(&self) {
        if let Some(tcp) = &lock(&self.socket).tcp {
            let _ = tcp.shutdown(Shutdown::Both);
        }
    }

    /// The reader thread is done: the socket is released and deadlines become no-ops.
    pub(crate) fn finish(&self) {
        let mut s = lock(&self.socket);
        s.finished = true;
        s.tcp = None;
    }

    /// `send()`: writes a data message while OPEN; in CLOSING or CLOSED drops it, still
    /// counting it in `buffered_amount` as the browser does; in CONNECTING, InvalidStateError.
    pub(crate) fn send(&self, text: bool, payload: &[u8]) -> Result<()> {
        let len = payload.len() as u64;
        match self.ready_state() {
            ReadyState::Connecting => return Err(Error::InvalidState),
            ReadyState::Open => {}
            ReadyState::Closing | ReadyState::Closed => {
                self.buffered.fetch_add(len, Ordering::AcqRel);
                return Ok(());
            }
        }
        self.buffered.fetch_add(len, Ordering::AcqRel);
        let mut writer = self.writer();
        match writer.message(text, payload, self.fragment_size) {
            Ok(true) => {
                self.buffered.fetch_sub(len, Ordering::AcqRel);
                Ok(())
            }
            // Dropped: the close frame went out meanwhile. It stays counted.
            Ok(false) => Ok(()),
            Err(e) => Err(self.write_failed(writer, e)),
        }
    }

    /// Like [`Shared::send`] for several messages, written with as few writes as possible.
    pub(crate) fn send_batch<'a>(
        &self,
        messages: impl IntoIterator<Item = Payload<'a>>,
    ) -> Result<()> {
        let state = self.ready_state();
        if state == ReadyState::Connecting {
            return Err(Error::InvalidState);
        }
        let mut writer = self.writer();
        let mut written = 0u64;
        let mut result = Ok(());
        for m in messages {
            let (text, bytes) = match &m {
                Payload::Text(t) => (true, t.as_bytes()),
                Payload::Binary(b) => (false, &b[..]),
            };
            self.buffered
                .fetch_add(bytes.len() as u64, Ordering::AcqRel);
            if state != ReadyState::Open || result.is_err() {
                continue;
            }
            match writer.queue(text, bytes, self.fragment_size) {
                Ok(true) => written += bytes.len() as u64,
                Ok(false) => {}
                Err(e) => result = Err(e),
            }
        }
        if let Err(e) = result.and_then(|()| writer.flush()) {
            return Err(self.write_failed(writer, e));
        }
        self.buffered.fetch_sub(written, Ordering::AcqRel);
        Ok(())
    }

    /// A write failed: nothing more is written, and the socket is shut down so that the reader
    /// wakes and reports the failure. Returns the error for the caller.
    fn write_failed(&self, mut writer: WriterGuard<'_>, e: std::io::Error) -> Error {
        writer.broken();
        drop(writer);
        self.shutdown();
        Error::Io(e)
    }

    /// `close(code, reason)`, as the browser defines it. The caller validates the arguments:
    /// `close_with` checks them, and `Drop` sends 1001, which users may not.
    pub(crate) fn close(self: &Arc<Self>, code: Option<u16>, reason: &str) -> Result<()> {
        loop {
            match self.ready_state() {
                ReadyState::Closing | ReadyState::Closed => return Ok(()),
                ReadyState::Connecting => {
                    if self.transition(ReadyState::Connecting, ReadyState::Closing) {
                        self.abort();
                        return Ok(());
                    }
                }
                ReadyState::Open => {
                    if self.transition(ReadyState::Open, ReadyState::Closing) {
                        return self.send_close(code, reason);
                    }
                }
            }
        }
    }

    /// Fails a connection that is still connecting.
    fn abort(&self) {
        let mut s = lock(&self.socket);
        s.aborted = true;
        if let Some(tcp) = &s.tcp {
            let _ = tcp.shutdown(Shutdown::Both);
        }
    }

    /// Sends our close frame and arms the close timeout.
    fn send_close(self: &Arc<Self>, code: Option<u16>, reason: &str) -> Result<()> {
        let mut payload = Vec::with_capacity(2 + reason.len());
        if let Some(code) = code {
            encode_close_payload(code, reason, &mut payload);
        }
        // A send blocked because the server is not reading holds the writer: wait for it no
        // longer than the close timeout would have waited for the server's answer.
        let mut writer = self.writer_for_ending(self.close_timeout);
        let sent = match writer.close(&payload) {
            Ok(sent) => sent,
            Err(e) => return Err(self.write_failed(writer, e)),
        };
        drop(writer);
        if sent {
            self.arm_close_timeout();
        }
        Ok(())
    }

    /// After the close timeout, shut the socket down unless the reader has finished.
    pub(crate) fn arm_close_timeout(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        crate::timer::at(
            crate::timer::deadline_after(self.close_timeout),
            move || {
                if let Some(shared) = weak.upgrade() {
                    let s = lock(&shared.socket);
                    if !s.finished {
                        shared.timed_out.store(true, Ordering::Release);
                        if let Some(tcp) = &s.tcp {
                            let _ = tcp.shutdown(Shutdown::Both);
                        }
                    }
                }
            },
        );
    }
}
