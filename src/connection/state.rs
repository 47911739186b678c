//! What the browser lets a caller read at any moment, from any thread: the ready state, the
//! buffered amount, and what the handshake settled. Atomics and write-once cells: reading them
//! takes no lock.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};

use crate::event::ReadyState;
use crate::response::Response;

/// One connection's observable state.
#[derive(Debug)]
pub(crate) struct State {
    /// The resolved URL.
    url: String,
    ready: AtomicU8,
    buffered: Buffered,
    protocol: OnceLock<String>,
    extensions: OnceLock<String>,
    /// The server's 101 response, once open.
    response: OnceLock<Response>,
}

impl State {
    /// A connection to `url`, in CONNECTING.
    pub(crate) fn new(url: String) -> State {
        State {
            url,
            ready: AtomicU8::new(ReadyState::Connecting as u8),
            buffered: Buffered::default(),
            protocol: OnceLock::new(),
            extensions: OnceLock::new(),
            response: OnceLock::new(),
        }
    }

    /// The URL as resolved.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The ready state.
    pub(crate) fn ready_state(&self) -> ReadyState {
        ReadyState::from_u8(self.ready.load(Ordering::Acquire))
    }

    /// Moves from `from` to `to`; false if the state was not `from`.
    pub(crate) fn transition(&self, from: ReadyState, to: ReadyState) -> bool {
        self.ready
            .compare_exchange(from as u8, to as u8, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Sets CLOSED, whatever the state was.
    pub(crate) fn set_closed(&self) {
        self.ready
            .store(ReadyState::Closed as u8, Ordering::Release);
    }

    /// Bytes accepted by `send` and not yet written.
    pub(crate) fn buffered_amount(&self) -> u64 {
        self.buffered.get()
    }

    /// `bytes` more were accepted by `send`.
    pub(crate) fn buffer(&self, bytes: u64) {
        self.buffered.add(bytes);
    }

    /// The buffered amount, for the writer to count down as it writes.
    pub(crate) fn buffered(&self) -> &Buffered {
        &self.buffered
    }

    /// The negotiated subprotocol, empty until open.
    pub(crate) fn protocol(&self) -> &str {
        self.protocol.get().map_or("", String::as_str)
    }

    /// The negotiated extensions, empty until open.
    pub(crate) fn extensions(&self) -> &str {
        self.extensions.get().map_or("", String::as_str)
    }

    /// The server's response to the opening handshake, once it was accepted.
    pub(crate) fn response(&self) -> Option<&Response> {
        self.response.get()
    }

    /// Records the server's accepted response.
    pub(crate) fn set_response(&self, response: Response) {
        let _ = self.response.set(response);
    }

    /// Records what the handshake settled.
    pub(crate) fn set_negotiated(&self, protocol: String, extensions: String) {
        let _ = self.protocol.set(protocol);
        let _ = self.extensions.set(extensions);
    }
}

/// The browser's `bufferedAmount`: bytes of data messages accepted by `send` and not yet
/// written to the socket. `send` counts a message in before it takes the writer, and the writer
/// counts its payload out piece by piece as each write completes, so that during a large send
/// it shows what is left. Shared by the state, which reports it, and the writer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Buffered(Arc<AtomicU64>);

impl Buffered {
    /// The bytes not yet written.
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// `bytes` more were accepted.
    pub(crate) fn add(&self, bytes: u64) {
        self.0.fetch_add(bytes, Ordering::AcqRel);
    }

    /// `bytes` of those accepted were written.
    pub(crate) fn written(&self, bytes: u64) {
        self.0.fetch_sub(bytes, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_happen_only_from_the_expected_state() {
        let s = State::new("ws://h/".into());
        assert_eq!(s.ready_state(), ReadyState::Connecting);
        assert!(!s.transition(ReadyState::Open, ReadyState::Closing));
        assert!(s.transition(ReadyState::Connecting, ReadyState::Open));
        assert_eq!(s.ready_state(), ReadyState::Open);
        s.set_closed();
        assert_eq!(s.ready_state(), ReadyState::Closed);
    }

    #[test]
    fn the_buffered_amount_counts_what_is_not_written() {
        let s = State::new("ws://h/".into());
        s.buffer(10);
        s.buffer(5);
        s.buffered().written(10);
        assert_eq!(s.buffered_amount(), 5);
        // The writer's handle counts the same bytes.
        let writer = s.buffered().clone();
        writer.written(5);
        assert_eq!(s.buffered_amount(), 0);
    }

    #[test]
    fn negotiated_values_are_set_once() {
        let s = State::new("ws://h/".into());
        assert_eq!((s.protocol(), s.extensions()), ("", ""));
        s.set_negotiated("chat".into(), "permessage-deflate".into());
        s.set_negotiated("other".into(), String::new());
        assert_eq!(
            (s.protocol(), s.extensions()),
            ("chat", "permessage-deflate")
        );
        assert_eq!(s.url(), "ws://h/");
    }
}
