//! When to reconnect: the settings of a reconnecting client and the decision taken after each
//! connection ends. No I/O, no clock.

use std::time::Duration;

use crate::reconnect::backoff::{Backoff, Delays};
use crate::reconnect::event::GiveUp;
use crate::{Error, HandshakeError};

/// Default for [`ReconnectBuilder::event_queue_capacity`](crate::reconnect::ReconnectBuilder::event_queue_capacity):
/// 4 batches. The client's channel is a second hop after the socket's own queue, which already
/// bounds how far the reader runs ahead; a short hop keeps that bound close to the socket's.
pub const DEFAULT_QUEUE_CAPACITY: usize = 4;

/// The statuses of the 4xx class that are retried even when client errors are not: 408
/// (Request Timeout) and 429 (Too Many Requests) say "not now", not "not you".
const TRANSIENT_CLIENT_ERRORS: [u16; 2] = [408, 429];

/// The settings of a reconnecting client, as its builder fills them.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    /// The delays before the attempts of an outage.
    pub(crate) backoff: Backoff,
    /// At most this many attempts per outage; `None` for no limit.
    pub(crate) max_attempts: Option<u32>,
    /// No attempt starts later than this after the outage began; `None` for no limit.
    pub(crate) max_elapsed: Option<Duration>,
    /// Whether a handshake refused with a 4xx status is retried.
    pub(crate) reconnect_on_client_error: bool,
    /// Close codes after which the client stops.
    pub(crate) stop_codes: Vec<u16>,
    /// The capacity of the client's event channel, in batches.
    pub(crate) queue_capacity: usize,
    /// The seed of the jitter; `None` for a random one.
    pub(crate) seed: Option<u64>,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            backoff: Backoff::default(),
            max_attempts: None,
            max_elapsed: None,
            reconnect_on_client_error: false,
            stop_codes: Vec::new(),
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            seed: None,
        }
    }
}

/// How a connection ended, as far as the decision to reconnect goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ending {
    /// Whether it opened: the next outage's schedule starts from the beginning.
    pub(crate) opened: bool,
    /// The status of a refused opening handshake.
    pub(crate) refused: Option<u16>,
    /// The code of its `Close` event.
    pub(crate) close_code: u16,
}

impl Policy {
    /// Checks the settings; the first one out of range is the error.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        self.backoff.validate()?;
        if self.queue_capacity == 0 {
            return Err(Error::InvalidConfig(
                "reconnect: the event queue capacity is zero".into(),
            ));
        }
        Ok(())
    }

    /// The delays of a new outage: the same every outage when seeded.
    pub(crate) fn delays(&self) -> Delays {
        match self.seed {
            Some(seed) => self.backoff.delays_seeded(seed),
            None => self.backoff.delays(),
        }
    }

    /// Whether a connection that ended this way ends the client (and why), whatever the caps.
    pub(crate) fn verdict(&self, ending: &Ending) -> Option<GiveUp> {
        if let Some(status) = ending.refused {
            if (400..500).contains(&status)
                && !self.reconnect_on_client_error
                && !TRANSIENT_CLIENT_ERRORS.contains(&status)
            {
                return Some(GiveUp::Refused(status));
            }
        }
        if self.stop_codes.contains(&ending.close_code) {
            return Some(GiveUp::CloseCode(ending.close_code));
        }
        None
    }
}

/// The status of an opening handshake the server refused, if that is what `error` says: the one
/// place that looks inside [`HandshakeError::Status`], so that a change of its shape touches
/// one line.
pub(crate) fn refused_status(error: &Error) -> Option<u16> {
    match error {
        Error::Handshake(HandshakeError::Status(response)) => Some(response.status()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ending(refused: Option<u16>, close_code: u16) -> Ending {
        Ending {
            opened: false,
            refused,
            close_code,
        }
    }

    #[test]
    fn client_errors_are_final_unless_transient_or_allowed() {
        let policy = Policy::default();
        for status in [400, 401, 403, 404, 426, 499] {
            assert_eq!(
                policy.verdict(&ending(Some(status), 1006)),
                Some(GiveUp::Refused(status))
            );
        }
        for status in [301, 408, 429, 500, 502, 503] {
            assert_eq!(
                policy.verdict(&ending(Some(status), 1006)),
                None,
                "{status}"
            );
        }
        let allowed = Policy {
            reconnect_on_client_error: true,
            ..Policy::default()
        };
        assert_eq!(allowed.verdict(&ending(Some(401), 1006)), None);
    }

    #[test]
    fn listed_close_codes_are_final() {
        let policy = Policy {
            stop_codes: vec![1008, 4001],
            ..Policy::default()
        };
        assert_eq!(
            policy.verdict(&ending(None, 4001)),
            Some(GiveUp::CloseCode(4001))
        );
        assert_eq!(
            policy.verdict(&ending(None, 1008)),
            Some(GiveUp::CloseCode(1008))
        );
        for code in [1000, 1001, 1005, 1006, 1011, 4002] {
            assert_eq!(policy.verdict(&ending(None, code)), None, "{code}");
        }
        assert_eq!(
            Policy::default().verdict(&ending(None, 1008)),
            None,
            "no code is final unless listed"
        );
    }

    #[test]
    fn only_a_handshake_status_is_a_refusal() {
        // A real 401 is read in tests/it/reconnect.rs; constructing `HandshakeError::Status`
        // here would be a second place to change with its fields.
        assert_eq!(refused_status(&Error::AbnormalClosure), None);
        assert_eq!(
            refused_status(&Error::Handshake(HandshakeError::BadAccept)),
            None
        );
    }

    #[test]
    fn a_zero_queue_or_a_bad_backoff_is_refused() {
        assert!(Policy::default().validate().is_ok());
        let zero = Policy {
            queue_capacity: 0,
            ..Policy::default()
        };
        assert!(matches!(zero.validate(), Err(Error::InvalidConfig(_))));
        let bad = Policy {
            backoff: Backoff::new().jitter(2.0),
            ..Policy::default()
        };
        assert!(matches!(bad.validate(), Err(Error::InvalidConfig(_))));
    }
}
