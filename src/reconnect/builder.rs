//! The constructors of a [`ReconnectingWebSocket`] and the [`ReconnectBuilder`] behind them.

use std::time::Duration;

use crate::reconnect::backoff::Backoff;
use crate::reconnect::client::{self, ReconnectingWebSocket};
use crate::reconnect::policy::Policy;
use crate::{Builder, Result, WebSocket};

impl ReconnectingWebSocket {
    /// A reconnecting client for `url` with every default: the socket's (as
    /// [`WebSocket::new`]) and the reconnect's (see [`ReconnectBuilder`]). Starts connecting in
    /// the background and returns at once; the events tell the rest.
    ///
    /// Fails at once, and only, where [`WebSocket::new`] would: a URL the browser would refuse,
    /// a blocked port.
    pub fn new(url: impl AsRef<str>) -> Result<ReconnectingWebSocket> {
        ReconnectingWebSocket::builder(WebSocket::builder(url.as_ref())).build()
    }

    /// Configures a reconnecting client whose every connection is built by `socket`, a
    /// [`WebSocket::builder`] with the URL, headers, timeouts and limits each connection uses.
    pub fn builder(socket: Builder) -> ReconnectBuilder {
        ReconnectBuilder {
            socket,
            policy: Policy::default(),
        }
    }
}

/// Configures a [`ReconnectingWebSocket`]: when to reconnect and how long to wait. Start from
/// [`ReconnectingWebSocket::builder`].
///
/// The client reconnects after every connection that ends without the application asking,
/// whatever its close code, and after every attempt that fails, except:
/// - after the application's own [`close`](ReconnectingWebSocket::close) (or the handle's
///   drop);
/// - after an opening handshake refused with a 4xx status other than 408 and 429 (the request
///   itself is wrong: a bad token, a wrong path), unless
///   [`reconnect_on_client_error`](Self::reconnect_on_client_error);
/// - after a close with a code listed in [`stop_on_close_codes`](Self::stop_on_close_codes);
/// - once [`max_attempts`](Self::max_attempts) or [`max_elapsed`](Self::max_elapsed) is
///   reached.
///
/// Every setting has a default: the [`Backoff`] defaults, no cap on attempts or time (a feed
/// consumer should outlast any outage; the maximum delay bounds what retrying costs the
/// server), 4xx final, no close code final.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build`"]
pub struct ReconnectBuilder {
    socket: Builder,
    policy: Policy,
}

impl ReconnectBuilder {
    /// The delays between attempts. Default: [`Backoff::default()`].
    pub fn backoff(mut self, backoff: Backoff) -> ReconnectBuilder {
        self.policy.backoff = backoff;
        self
    }

    /// At most `attempts` reconnect attempts per outage (the attempts after a connection is
    /// lost, or after the first connection failed); when the last fails, the client gives up
    /// with [`GiveUp::MaxAttempts`](crate::reconnect::GiveUp::MaxAttempts). The count starts
    /// again once a connection opens. 0 never reconnects. Default: no limit.
    pub fn max_attempts(mut self, attempts: u32) -> ReconnectBuilder {
        self.policy.max_attempts = Some(attempts);
        self
    }

    /// No attempt starts later than `limit` after the outage began (when the connection was
    /// lost, or when the client started if none has opened yet): the client gives up with
    /// [`GiveUp::MaxElapsed`](crate::reconnect::GiveUp::MaxElapsed) instead of scheduling an
    /// attempt past it. Default: no limit.
    pub fn max_elapsed(mut self, limit: Duration) -> ReconnectBuilder {
        self.policy.max_elapsed = Some(limit);
        self
    }

    /// Whether to reconnect after the server refused the opening handshake with a 4xx status
    /// (401 Unauthorized, 403 Forbidden, 404 Not Found, ...). Default: false: the same request
    /// would be refused again, so the client gives up with
    /// [`GiveUp::Refused`](crate::reconnect::GiveUp::Refused). 408 (Request Timeout) and 429
    /// (Too Many Requests) are retried either way, and so are other statuses (5xx, and 3xx,
    /// since redirects are not followed).
    pub fn reconnect_on_client_error(mut self, reconnect: bool) -> ReconnectBuilder {
        self.policy.reconnect_on_client_error = reconnect;
        self
    }

    /// Close codes after which the client gives up with
    /// [`GiveUp::CloseCode`](crate::reconnect::GiveUp::CloseCode), such as 1008 (policy
    /// violation) or an application's own 4000–4999 codes for "banned" or "logged out".
    /// The code is the `Close` event's, so 1006 would make every failure final. Replaces any
    /// earlier list. Default: none.
    pub fn stop_on_close_codes(mut self, codes: impl IntoIterator<Item = u16>) -> ReconnectBuilder {
        self.policy.stop_codes = codes.into_iter().collect();
        self
    }

    /// How many batches of events may wait in the client's channel before its supervisor stops
    /// taking events from the connection, which then stops reading from the socket once its own
    /// queue is full (see [`Builder::event_queue_capacity`] and
    /// [`Builder::event_queue_bytes`]). A batch holds the events of one read. At least 1.
    /// Default: [`DEFAULT_QUEUE_CAPACITY`](crate::reconnect::DEFAULT_QUEUE_CAPACITY).
    pub fn event_queue_capacity(mut self, batches: usize) -> ReconnectBuilder {
        self.policy.queue_capacity = batches;
        self
    }

    /// Seeds the jitter, so that every outage's delays are those of
    /// [`Backoff::delays_seeded`] with this seed: for tests that check the schedule exactly.
    /// Default: a random seed for each outage.
    pub fn jitter_seed(mut self, seed: u64) -> ReconnectBuilder {
        self.policy.seed = Some(seed);
        self
    }

    /// Validates the settings, starts the first connection and the supervisor thread, and
    /// returns at once, like [`Builder::build`]: the first connection's `Open`, or its `Error`
    /// and `Close` followed by a reconnect, come as events. Fails with what
    /// [`Builder::build`] fails with, and with
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig) for a backoff out of range or a
    /// zero queue capacity.
    pub fn build(self) -> Result<ReconnectingWebSocket> {
        client::start(self.socket, self.policy)
    }
}
