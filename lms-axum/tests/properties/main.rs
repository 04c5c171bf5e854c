//! Property tests of the HTTP API's parsers of outside input (issue 17), through the real
//! router in process (tower `oneshot`) on SQLite in memory: random JSON bodies for every
//! route that takes one, random `?cursor=` / `?limit=` on every list route, and random
//! `Range` headers on signed media URLs. Whatever comes in: never a panic, never a 5xx, and
//! every 4xx is `application/problem+json` with a `code`.
//!
//! Normal run (256 cases a route group, a few seconds):
//!     cargo test -p lms-axum --test properties
//! Long run (100,000 cases a property, the `_long` twins):
//!     cargo test -p lms-axum --test properties -- --ignored _long
//! No failure file is written (`failure_persistence: None`): a failure prints its minimal
//! input instead. Each property builds its world once (a tokio runtime, a store, a router)
//! and sends every case to it, rebuilding it now and then so that what random calls change
//! (a role, a course's status) does not pile up.

mod bodies;
mod cursors;
mod harness;
mod json;
mod ranges;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRunner};

/// Cases of each normal HTTP property (per route group).
pub const CASES: u32 = 256;
/// Cases of each `_long` twin.
pub const LONG: u32 = 100_000;

/// Runs `check` on `cases` inputs of `strategy`, with no failure file.
pub fn run<S: Strategy>(
    cases: u32,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let config = Config {
        cases,
        failure_persistence: None,
        // ChaCha, the default, costs more than a request in an unoptimised build.
        rng_algorithm: RngAlgorithm::XorShift,
        // Shrinking replays requests: keep it bounded.
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    if let Err(failure) = TestRunner::new(config).run(&strategy, check) {
        panic!("{failure}");
    }
}

/// A normal test running `$body(CASES)` and its ignored twin `$long` running `$body(LONG)`.
macro_rules! property {
    ($name:ident, $long:ident, $body:expr) => {
        #[test]
        fn $name() {
            $body(crate::CASES);
        }
        #[test]
        #[ignore = "long run: cargo test -p lms-axum --test properties -- --ignored _long"]
        fn $long() {
            $body(crate::LONG);
        }
    };
}
pub(crate) use property;
