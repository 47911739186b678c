//! Our pings in flight, to time their pongs for [`Event::Pong`](crate::Event::Pong).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::sync::lock;

/// How many pings are remembered; an older one's pong has no round-trip time.
const REMEMBERED: usize = 16;

/// The payloads of our recent pings and when each was handed to the writer.
#[derive(Debug, Default)]
pub(crate) struct Pings {
    sent: Mutex<VecDeque<(Vec<u8>, Instant)>>,
}

impl Pings {
    /// A ping with `payload` is going out now.
    pub(crate) fn sent(&self, payload: &[u8]) {
        let mut sent = lock(&self.sent);
        if sent.len() == REMEMBERED {
            sent.pop_front();
        }
        sent.push_back((payload.to_vec(), Instant::now()));
    }

    /// A pong with `payload` arrived: the round trip of the oldest ping it answers, which is
    /// forgotten, with the pings before it (a pong answers the latest ping it may, RFC 6455
    /// §5.5.3); `None` if it answers none.
    pub(crate) fn answered(&self, payload: &[u8]) -> Option<Duration> {
        let mut sent = lock(&self.sent);
        let i = sent.iter().position(|(p, _)| p == payload)?;
        let (_, at) = sent.drain(..=i).next_back()?;
        Some(at.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pong_times_its_ping_and_forgets_the_older_ones() {
        let pings = Pings::default();
        pings.sent(b"a");
        pings.sent(b"b");
        pings.sent(b"c");
        assert!(pings.answered(b"b").is_some());
        assert!(pings.answered(b"a").is_none(), "answered along with b");
        assert!(pings.answered(b"c").is_some());
        assert!(pings.answered(b"c").is_none(), "each ping is timed once");
        assert!(pings.answered(b"unsolicited").is_none());
    }

    #[test]
    fn only_the_latest_pings_are_remembered() {
        let pings = Pings::default();
        for i in 0..=REMEMBERED as u8 {
            pings.sent(&[i]);
        }
        assert!(pings.answered(&[0]).is_none(), "forgotten");
        assert!(pings.answered(&[REMEMBERED as u8]).is_some());
    }
}
