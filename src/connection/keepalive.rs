//! Keepalive: when to ping and when to give up, counted in the silence the reader thread's read
//! timeouts measure.
//!
//! The reader reads with a timeout no longer than [`Keepalive::due_in`]. Each timeout that runs
//! out is silence, told to [`Keepalive::waited`]: after the ping interval of it a ping goes
//! out, and after the pong timeout of further silence the server is taken for gone. Anything
//! that arrives (a pong or any other frame) starts the count again. No thread or timer per
//! connection, and no clock: the kernel times the reads.

use std::time::Duration;

/// What to do after a stretch of silence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Silence {
    /// Nothing for the ping interval: send this ping and wait for the pong timeout.
    Ping([u8; 8]),
    /// Nothing for the pong timeout after a ping: fail the connection.
    Dead,
}

/// One connection's keepalive state.
#[derive(Debug)]
pub(crate) struct Keepalive {
    interval: Duration,
    pong_timeout: Duration,
    /// A ping went out and nothing has arrived since.
    awaiting: bool,
    /// Silence so far: since the last bytes, or since the ping while `awaiting`.
    silent: Duration,
    /// Pings sent so far, the payload of the next.
    pings: u64,
}

impl Keepalive {
    /// Pings after `interval` of silence (zero: never), gives up `pong_timeout` after a ping.
    pub(crate) fn new(interval: Duration, pong_timeout: Duration) -> Keepalive {
        Keepalive {
            interval,
            pong_timeout,
            awaiting: false,
            silent: Duration::ZERO,
            pings: 0,
        }
    }

    /// How much more silence keepalive waits for before it acts: none when pings are off.
    pub(crate) fn due_in(&self) -> Option<Duration> {
        if self.interval.is_zero() {
            return None;
        }
        let limit = match self.awaiting {
            true => self.pong_timeout,
            false => self.interval,
        };
        Some(limit.saturating_sub(self.silent))
    }

    /// Something arrived: the silence is over.
    pub(crate) fn received(&mut self) {
        self.awaiting = false;
        self.silent = Duration::ZERO;
    }

    /// `waited` more of silence: ping, give up if a ping went unanswered, or go on waiting.
    pub(crate) fn waited(&mut self, waited: Duration) -> Option<Silence> {
        if self.interval.is_zero() {
            return None;
        }
        self.silent += waited;
        if self.due_in()? > Duration::ZERO {
            return None;
        }
        if self.awaiting {
            return Some(Silence::Dead);
        }
        self.awaiting = true;
        self.silent = Duration::ZERO;
        self.pings += 1;
        Some(Silence::Ping(self.pings.to_be_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const I: Duration = Duration::from_secs(20);
    const P: Duration = Duration::from_secs(5);
    const S: Duration = Duration::from_secs(1);

    #[test]
    fn silence_pings_then_gives_up() {
        let mut k = Keepalive::new(I, P);
        assert_eq!(k.due_in(), Some(I));
        assert_eq!(k.waited(I), Some(Silence::Ping(1u64.to_be_bytes())));
        assert_eq!(k.due_in(), Some(P), "now waiting for the pong");
        assert_eq!(k.waited(P), Some(Silence::Dead));
    }

    #[test]
    fn silence_adds_up_over_shorter_timeouts() {
        let mut k = Keepalive::new(I, P);
        assert_eq!(
            k.waited(S),
            None,
            "the idle period passed, not the interval"
        );
        assert_eq!(k.due_in(), Some(I - S));
        assert_eq!(k.waited(I - S), Some(Silence::Ping(1u64.to_be_bytes())));
        assert_eq!(k.waited(P - S), None);
        assert_eq!(k.due_in(), Some(S));
        assert_eq!(k.waited(S), Some(Silence::Dead));
    }

    #[test]
    fn anything_received_starts_the_count_again() {
        let mut k = Keepalive::new(I, P);
        assert_eq!(k.waited(I - S), None);
        k.received();
        assert_eq!(k.due_in(), Some(I), "a whole interval again");
        assert_eq!(k.waited(I), Some(Silence::Ping(1u64.to_be_bytes())));
        k.received();
        assert_eq!(k.due_in(), Some(I), "the pong, or anything, ends the wait");
        assert_eq!(
            k.waited(I),
            Some(Silence::Ping(2u64.to_be_bytes())),
            "a fresh payload per ping"
        );
    }

    #[test]
    fn a_zero_interval_turns_pings_off() {
        let mut k = Keepalive::new(Duration::ZERO, P);
        assert_eq!(k.due_in(), None);
        assert_eq!(k.waited(Duration::from_secs(3600)), None);
    }
}
