//! A clock the test moves by hand, so rules about time are tested at their boundaries
//! without sleeping.

use crate::Clock;
use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex};

/// A clock that stands still until told to move. Clones share one time, so a test keeps a
/// clone after handing one to [`crate::Lms::with_clock`].
///
/// ```
/// use lms_core::testing::ManualClock;
/// use lms_core::Clock;
/// let clock = ManualClock::new();
/// let start = clock.now();
/// clock.advance(chrono::Duration::minutes(5));
/// assert_eq!(clock.now() - start, chrono::Duration::minutes(5));
/// ```
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    /// A clock standing at a fixed, whole-second instant (2030-01-01T00:00:00Z), so runs
    /// are repeatable.
    pub fn new() -> Self {
        Self::at(DateTime::from_timestamp(1_893_456_000, 0).unwrap_or_default())
    }

    /// A clock standing at `now`.
    pub fn at(now: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(now)))
    }

    /// Moves the clock by `by` (backwards when negative).
    pub fn advance(&self, by: Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
