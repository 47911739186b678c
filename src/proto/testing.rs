//! What the protocol core's property tests share: a configuration that makes every run the
//! same, so that a failure reproduces and a weak test is weak every time, not by luck.

use proptest::test_runner::{Config, RngAlgorithm, RngSeed};

/// `cases` cases drawn from the fixed `seed`, and no failure-persistence file: a run is the
/// same on every machine and in CI, and a failure prints the case that reproduces it.
pub(crate) fn deterministic(cases: u32, seed: u64) -> Config {
    Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    }
}
