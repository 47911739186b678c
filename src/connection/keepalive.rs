//! Keepalive: when to ping and when to give up, driven by the reader thread's read timeout.
//!
//! The reader reads with a timeout of the ping interval. When a read times out, nothing has
//! arrived for that long: a ping goes out and the timeout becomes the pong timeout. When that
//! times out too, the server is gone. Anything that arrives (a pong or any other frame) puts the
//! timeout back to the interval. No thread or timer per connection: the kernel times the read.

use std::time::Duration;

/// What to do after a read timed out.
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
            pings: 0,
        }
    }

    /// The read timeout the reader should have now: none when pings are off.
    pub(crate) fn read_timeout(&self) -> Option<Duration> {
        if self.interval.is_zero() {
            return None;
        }
        Some(match self.awaiting {
            true => self.pong_timeout,
            false => self.interval,
        })
    }

    /// Something arrived. Returns whether the read timeout changed.
    pub(crate) fn received(&mut self) -> bool {
        std::mem::replace(&mut self.awaiting, false)
    }

    /// A read timed out: ping, or give up if a ping went unanswered.
    pub(crate) fn silence(&mut self) -> Silence {
        if self.awaiting {
            return Silence::Dead;
        }
        self.awaiting = true;
        self.pings += 1;
        Silence::Ping(self.pings.to_be_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const I: Duration = Duration::from_secs(20);
    const P: Duration = Duration::from_secs(5);

    #[test]
    fn silence_pings_then_gives_up() {
        let mut k = Keepalive::new(I, P);
        assert_eq!(k.read_timeout(), Some(I));
        assert_eq!(k.silence(), Silence::Ping(1u64.to_be_bytes()));
        assert_eq!(k.read_timeout(), Some(P), "now waiting for the pong");
        assert_eq!(k.silence(), Silence::Dead);
    }

    #[test]
    fn anything_received_resets_the_wait() {
        let mut k = Keepalive::new(I, P);
        assert!(!k.received(), "nothing to change while not waiting");
        assert_eq!(k.silence(), Silence::Ping(1u64.to_be_bytes()));
        assert!(k.received(), "the timeout goes back to the interval");
        assert_eq!(k.read_timeout(), Some(I));
        assert_eq!(
            k.silence(),
            Silence::Ping(2u64.to_be_bytes()),
            "a fresh payload per ping"
        );
    }

    #[test]
    fn a_zero_interval_turns_pings_off() {
        assert_eq!(Keepalive::new(Duration::ZERO, P).read_timeout(), None);
    }
}
