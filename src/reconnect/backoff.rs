//! The reconnect schedule: exponential backoff with jitter, as pure functions of the attempt
//! number and a random draw, and an iterator that draws from a seedable generator.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use crate::Error;

/// Default for [`Backoff::initial`]: 1 second. Long enough that a client whose server refuses
/// connections does not hammer it, short enough that a blip (a restart, a load balancer
/// dropping idle connections) costs about a second of data.
pub const DEFAULT_INITIAL_DELAY: Duration = Duration::from_secs(1);

/// Default for [`Backoff::max`]: 30 seconds. A server that is down for an hour then sees each
/// client about twice a minute, and a client learns within half a minute that it is back.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(30);

/// Default for [`Backoff::multiplier`]: 2. The delay doubles per failed attempt, so the
/// maximum is reached after 6 attempts (1, 2, 4, 8, 16, 30 s): a few quick tries for a blip,
/// then the slow pace for an outage.
pub const DEFAULT_MULTIPLIER: f64 = 2.0;

/// Default for [`Backoff::jitter`]: 1.0, "full jitter": each delay is drawn uniformly between
/// 0 and its ceiling. When a server restarts, all its clients lose their connection at the same
/// instant; full jitter spreads their reconnects over the whole delay instead of a sliver of
/// it, which is what keeps them from arriving together at every attempt (the analysis of
/// "Exponential Backoff And Jitter", AWS Architecture Blog, 2015). A single client waits half
/// the ceiling on average.
pub const DEFAULT_JITTER: f64 = 1.0;

/// The reconnect schedule: how long to wait before each attempt of an outage.
///
/// Attempt `n` (counted from 1) has a *ceiling* of `initial × multiplier^(n−1)`, capped at
/// `max` ([`Backoff::ceiling`]). Its delay is drawn at random between `(1 − jitter) × ceiling`
/// and the ceiling ([`Backoff::delay`]): with `jitter` 0 the delays are exactly the ceilings,
/// with 1 (the default) anywhere from 0 to the ceiling. A delay never exceeds `max`.
///
/// The schedule is a pure function of the attempt and of a number drawn uniformly from
/// `[0, 1)`; [`Backoff::delays_seeded`] draws those numbers from a seeded generator, so that a
/// schedule can be reproduced exactly.
///
/// ```
/// use std::time::Duration;
/// use wsync::reconnect::Backoff;
///
/// let backoff = Backoff::new()
///     .initial(Duration::from_millis(100))
///     .max(Duration::from_secs(1))
///     .jitter(0.0);
/// let delays: Vec<_> = backoff.delays().take(6).collect();
/// assert_eq!(
///     delays,
///     [100, 200, 400, 800, 1000, 1000].map(Duration::from_millis)
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a backoff does nothing until a reconnecting client uses it"]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    multiplier: f64,
    jitter: f64,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            initial: DEFAULT_INITIAL_DELAY,
            max: DEFAULT_MAX_DELAY,
            multiplier: DEFAULT_MULTIPLIER,
            jitter: DEFAULT_JITTER,
        }
    }
}

impl Backoff {
    /// The default schedule: [`DEFAULT_INITIAL_DELAY`], [`DEFAULT_MAX_DELAY`],
    /// [`DEFAULT_MULTIPLIER`], [`DEFAULT_JITTER`].
    pub fn new() -> Backoff {
        Backoff::default()
    }

    /// The ceiling of the first attempt's delay; more than zero.
    /// Default: [`DEFAULT_INITIAL_DELAY`].
    pub fn initial(mut self, delay: Duration) -> Backoff {
        self.initial = delay;
        self
    }

    /// The largest delay; at least the initial one. Default: [`DEFAULT_MAX_DELAY`].
    pub fn max(mut self, delay: Duration) -> Backoff {
        self.max = delay;
        self
    }

    /// What each failed attempt multiplies the ceiling by; at least 1 (1 keeps it constant).
    /// Default: [`DEFAULT_MULTIPLIER`].
    pub fn multiplier(mut self, factor: f64) -> Backoff {
        self.multiplier = factor;
        self
    }

    /// How much of the ceiling is left to chance, from 0 (no jitter: the delay is the ceiling)
    /// to 1 (full jitter: anywhere from 0 to the ceiling); 0.2 draws it between 80 % and 100 %
    /// of the ceiling. Default: [`DEFAULT_JITTER`].
    pub fn jitter(mut self, fraction: f64) -> Backoff {
        self.jitter = fraction;
        self
    }

    /// The ceiling of attempt `attempt` (counted from 1; 0 counts as 1):
    /// `initial × multiplier^(attempt−1)`, at most `max`. Pure.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let (initial, max, multiplier, _) = self.sane();
        let exponent = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let nanos = initial.as_nanos() as f64 * multiplier.powi(exponent);
        if !nanos.is_finite() || nanos >= max.as_nanos() as f64 {
            return max;
        }
        from_nanos_f64(nanos).min(max)
    }

    /// The delay of attempt `attempt` for a draw `unit` from `[0, 1)`:
    /// `ceiling × (1 − jitter × unit)`, so between `(1 − jitter) × ceiling` (exclusive) and the
    /// ceiling (inclusive). A `unit` outside `[0, 1]` is clamped into it. Pure.
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        let (_, _, _, jitter) = self.sane();
        let unit = if unit.is_nan() {
            0.0
        } else {
            unit.clamp(0.0, 1.0)
        };
        let ceiling = self.ceiling(attempt);
        let nanos = ceiling.as_nanos() as f64 * (1.0 - jitter * unit);
        from_nanos_f64(nanos).min(ceiling)
    }

    /// The delays of an outage's attempts, first to last, with jitter drawn from a generator
    /// seeded at random. Never ends: the caps on attempts and time belong to the client.
    pub fn delays(&self) -> Delays {
        Delays {
            backoff: self.clone(),
            attempt: 0,
            rng: StdRng::from_rng(&mut rand::rng()),
        }
    }

    /// Like [`Backoff::delays`], with the jitter drawn from a generator seeded with `seed`: the
    /// same seed gives the same delays (with this version of wsync and of `rand`), so that a
    /// test can predict a schedule exactly.
    pub fn delays_seeded(&self, seed: u64) -> Delays {
        Delays {
            backoff: self.clone(),
            attempt: 0,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Checks the settings, for the client's `build`.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        let invalid = |why: String| Err(Error::InvalidConfig(format!("reconnect backoff: {why}")));
        if self.initial.is_zero() {
            return invalid("the initial delay is zero".into());
        }
        if self.max < self.initial {
            return invalid(format!(
                "the maximum delay {:?} is less than the initial {:?}",
                self.max, self.initial
            ));
        }
        if !(self.multiplier.is_finite() && self.multiplier >= 1.0) {
            return invalid(format!(
                "the multiplier {} is not a number of at least 1",
                self.multiplier
            ));
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return invalid(format!("the jitter {} is not within 0 to 1", self.jitter));
        }
        Ok(())
    }

    /// The settings brought into range, so that the pure functions never panic on a backoff
    /// that [`Backoff::validate`] would refuse.
    fn sane(&self) -> (Duration, Duration, f64, f64) {
        let multiplier = if self.multiplier.is_finite() {
            self.multiplier.max(1.0)
        } else {
            1.0
        };
        let jitter = if self.jitter.is_nan() {
            0.0
        } else {
            self.jitter.clamp(0.0, 1.0)
        };
        (self.initial, self.max.max(self.initial), multiplier, jitter)
    }
}

/// A non-negative, finite number of nanoseconds as a duration, rounded to the nearest.
fn from_nanos_f64(nanos: f64) -> Duration {
    let nanos = nanos.max(0.0).round();
    if nanos < u64::MAX as f64 {
        Duration::from_nanos(nanos as u64)
    } else {
        Duration::try_from_secs_f64(nanos / 1e9).unwrap_or(Duration::MAX)
    }
}

/// The delays of one outage's attempts: attempt 1's, then attempt 2's, and so on, without end.
/// From [`Backoff::delays`] or [`Backoff::delays_seeded`].
#[derive(Debug, Clone)]
pub struct Delays {
    backoff: Backoff,
    /// The attempts whose delay was drawn.
    attempt: u32,
    rng: StdRng,
}

impl Iterator for Delays {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        self.attempt = self.attempt.saturating_add(1);
        let unit: f64 = self.rng.random();
        Some(self.backoff.delay(self.attempt, unit))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn the_defaults_are_the_documented_ones() {
        let b = Backoff::default();
        assert_eq!(b, Backoff::new());
        let ceilings: Vec<_> = (1..=8).map(|n| b.ceiling(n)).collect();
        assert_eq!(
            ceilings,
            [1, 2, 4, 8, 16, 30, 30, 30].map(Duration::from_secs)
        );
        assert_eq!(
            b.delay(3, 0.0),
            Duration::from_secs(4),
            "full jitter: 0 draws the ceiling"
        );
        assert_eq!(b.delay(3, 0.5), Duration::from_secs(2));
        assert!(b.validate().is_ok());
    }

    #[test]
    fn ceilings_grow_by_the_multiplier_up_to_the_cap() {
        let b = Backoff::new().initial(ms(10)).max(ms(100)).multiplier(3.0);
        let ceilings: Vec<_> = (1..=6).map(|n| b.ceiling(n)).collect();
        assert_eq!(ceilings, [10, 30, 90, 100, 100, 100].map(ms));
        assert_eq!(b.ceiling(0), ms(10), "attempt 0 counts as the first");
        assert_eq!(b.ceiling(u32::MAX), ms(100), "no overflow far out");
        let constant = Backoff::new().initial(ms(7)).multiplier(1.0);
        assert!((1..50).all(|n| constant.ceiling(n) == ms(7)));
        let fractional = Backoff::new()
            .initial(ms(100))
            .max(ms(1000))
            .multiplier(1.5);
        let ceilings: Vec<_> = (1..=4).map(|n| fractional.ceiling(n)).collect();
        assert_eq!(
            ceilings,
            [100, 150, 225, 337_500].map(|n| {
                if n < 1000 {
                    ms(n)
                } else {
                    Duration::from_micros(n)
                }
            })
        );
    }

    #[test]
    fn without_jitter_the_delays_are_the_ceilings() {
        let b = Backoff::new().initial(ms(5)).max(ms(60)).jitter(0.0);
        let delays: Vec<_> = b.delays_seeded(1).take(6).collect();
        assert_eq!(delays, [5, 10, 20, 40, 60, 60].map(ms));
        let unseeded: Vec<_> = b.delays().take(6).collect();
        assert_eq!(unseeded, delays, "nothing is random without jitter");
    }

    #[test]
    fn jittered_delays_stay_within_their_bounds() {
        for jitter in [0.2, 0.5, 1.0] {
            let b = Backoff::new().initial(ms(10)).max(ms(500)).jitter(jitter);
            for seed in 0..50 {
                for (i, d) in b.delays_seeded(seed).take(12).enumerate() {
                    let ceiling = b.ceiling(i as u32 + 1);
                    let floor = ceiling.mul_f64(1.0 - jitter);
                    assert!(
                        d <= ceiling && d + Duration::from_nanos(1) >= floor,
                        "jitter {jitter}, seed {seed}, attempt {}: {d:?} not in [{floor:?}, {ceiling:?}]",
                        i + 1
                    );
                    assert!(d <= ms(500), "never above the maximum");
                }
            }
        }
    }

    #[test]
    fn jitter_spreads_the_delays() {
        // Full jitter over many draws: some in the lower half of the ceiling, some in the
        // upper half.
        let b = Backoff::new().initial(ms(100)).max(ms(100));
        let delays: Vec<_> = b.delays_seeded(42).take(200).collect();
        assert!(delays.iter().any(|d| *d < ms(50)));
        assert!(delays.iter().any(|d| *d > ms(50)));
    }

    #[test]
    fn a_seed_gives_the_same_schedule_every_time() {
        let b = Backoff::new().initial(ms(10)).max(ms(1000)).jitter(0.5);
        let first: Vec<_> = b.delays_seeded(7).take(10).collect();
        let again: Vec<_> = b.delays_seeded(7).take(10).collect();
        let other: Vec<_> = b.delays_seeded(8).take(10).collect();
        assert_eq!(first, again);
        assert_ne!(first, other);
        // The iterator is the pure function applied to the generator's draws.
        let mut rng = StdRng::seed_from_u64(7);
        let by_hand: Vec<_> = (1..=10).map(|n| b.delay(n, rng.random::<f64>())).collect();
        assert_eq!(first, by_hand);
    }

    #[test]
    fn delay_is_the_ceiling_scaled_by_the_draw() {
        let b = Backoff::new().initial(ms(100)).max(ms(100)).jitter(0.2);
        assert_eq!(b.delay(1, 0.0), ms(100));
        assert_eq!(b.delay(1, 0.5), ms(90));
        assert_eq!(b.delay(1, 1.0), ms(80));
        assert_eq!(b.delay(1, 7.0), ms(80), "clamped");
        assert_eq!(b.delay(1, -1.0), ms(100), "clamped");
        assert_eq!(b.delay(1, f64::NAN), ms(100));
    }

    #[test]
    fn out_of_range_settings_are_refused_and_never_panic() {
        let bad = [
            Backoff::new().initial(Duration::ZERO),
            Backoff::new().initial(ms(10)).max(ms(5)),
            Backoff::new().multiplier(0.5),
            Backoff::new().multiplier(f64::NAN),
            Backoff::new().multiplier(f64::INFINITY),
            Backoff::new().jitter(-0.1),
            Backoff::new().jitter(1.5),
            Backoff::new().jitter(f64::NAN),
        ];
        for b in bad {
            assert!(
                matches!(b.validate(), Err(Error::InvalidConfig(_))),
                "{b:?} accepted"
            );
            // The pure functions still answer, within the settings brought into range.
            let _: Vec<_> = b.delays_seeded(3).take(40).collect();
        }
        let huge = Backoff::new().initial(Duration::MAX).max(Duration::MAX);
        assert!(huge.validate().is_ok());
        assert_eq!(huge.ceiling(3), Duration::MAX);
        let _ = huge.delays_seeded(1).take(3).count();
    }
}
