//! The caps: after `max_attempts` failed attempts the client gives up; it gives up too rather
//! than schedule an attempt past `max_elapsed`. The delays reported in `Scheduled` are exactly
//! those of the seeded schedule.

use std::time::Duration;

use wsync::reconnect::{Backoff, GiveUp};
use wsync::{ReadyState, ReconnectingWebSocket};

use super::{assert_disconnected, expect_failure, expect_gave_up, expect_scheduled, refusing_url};
use crate::common::builder;

#[test]
fn the_attempts_cap_gives_up_after_the_seeded_delays() {
    let backoff = Backoff::new()
        .initial(Duration::from_millis(2))
        .max(Duration::from_millis(10))
        .jitter(0.5);
    let ws = ReconnectingWebSocket::builder(builder(&refusing_url()))
        .backoff(backoff.clone())
        .jitter_seed(42)
        .max_attempts(4)
        .build()
        .unwrap();
    let mut reported = Vec::new();
    for attempt in 1..=4 {
        expect_failure(&ws);
        let (n, delay) = expect_scheduled(&ws);
        assert_eq!(n, attempt);
        reported.push(delay);
    }
    expect_failure(&ws);
    assert_eq!(expect_gave_up(&ws), (4, GiveUp::MaxAttempts));
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    assert_disconnected(&ws);

    let expected: Vec<_> = backoff.delays_seeded(42).take(4).collect();
    assert_eq!(reported, expected, "the delays are the seeded schedule's");
    for (i, d) in reported.iter().enumerate() {
        let ceiling = backoff.ceiling(i as u32 + 1);
        assert!(
            *d <= ceiling && *d >= ceiling / 2 - Duration::from_nanos(1),
            "{d:?}"
        );
    }
}

#[test]
fn zero_attempts_never_reconnect() {
    let ws = ReconnectingWebSocket::builder(builder(&refusing_url()))
        .max_attempts(0)
        .build()
        .unwrap();
    expect_failure(&ws);
    assert_eq!(expect_gave_up(&ws), (0, GiveUp::MaxAttempts));
    assert_disconnected(&ws);
}

/// Delays of 1 ms, 20 ms, 400 ms, then 8 s: with 4 s allowed, three attempts are scheduled
/// (well within the time), and the fourth would start too late.
#[test]
fn the_time_cap_gives_up_before_an_attempt_past_it() {
    let backoff = Backoff::new()
        .initial(Duration::from_millis(1))
        .multiplier(20.0)
        .max(Duration::from_secs(60))
        .jitter(0.0);
    let ws = ReconnectingWebSocket::builder(builder(&refusing_url()))
        .backoff(backoff.clone())
        .max_elapsed(Duration::from_secs(4))
        .build()
        .unwrap();
    for attempt in 1..=3 {
        expect_failure(&ws);
        assert_eq!(expect_scheduled(&ws), (attempt, backoff.ceiling(attempt)));
    }
    expect_failure(&ws);
    assert_eq!(expect_gave_up(&ws), (3, GiveUp::MaxElapsed));
    assert_disconnected(&ws);
}

#[test]
fn out_of_range_settings_are_refused_at_build() {
    for b in [
        ReconnectingWebSocket::builder(builder(&refusing_url()))
            .backoff(Backoff::new().initial(Duration::ZERO)),
        ReconnectingWebSocket::builder(builder(&refusing_url()))
            .backoff(Backoff::new().multiplier(0.5)),
        ReconnectingWebSocket::builder(builder(&refusing_url())).event_queue_capacity(0),
    ] {
        assert!(matches!(b.build(), Err(wsync::Error::InvalidConfig(_))));
    }
    // The socket's own errors come first, at once, as from `WebSocket::new`.
    assert!(matches!(
        ReconnectingWebSocket::new("http://[::1"),
        Err(wsync::Error::Syntax(_))
    ));
}
