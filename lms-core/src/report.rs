//! The figures a course report's chart shows, computed from the rollups: how many learners
//! stand in each tenth of the course, and how many completed it each week.
//!
//! ```
//! use chrono::NaiveDate;
//! use lms_core::report::{self, PERCENT_BINS};
//!
//! // 40 required lessons: 3 learners at 0, 1 at 20 (50 %), 2 at 40 (100 %).
//! let bins = report::distribution([(0, 3), (20, 1), (40, 2)], 40);
//! assert_eq!(bins.len(), PERCENT_BINS);
//! assert_eq!((bins[0], bins[5], bins[10]), (3, 1, 2));
//!
//! let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(); // a Monday
//! let weeks = report::completions_by_week([(today, 4)], today);
//! assert_eq!(weeks.len(), 26);
//! assert_eq!((weeks[25].week_start, weeks[25].completed), (today, 4));
//! ```

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc};
use serde::Serialize;

/// How many bars the distribution has: 0–9 %, 10–19 %, … 90–99 %, and 100 %.
pub const PERCENT_BINS: usize = 11;

/// How many ISO weeks `completions_by_week` covers, the current one included.
pub const REPORT_WEEKS: u32 = 26;

/// Completions recorded in one ISO week (Monday to Sunday, UTC).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WeekCompletions {
    /// The week's Monday.
    pub week_start: NaiveDate,
    /// Active enrollments whose completion was recorded that week.
    pub completed: u64,
}

/// The bar a course percent falls in: its tens, with 100 % on a bar of its own.
pub fn percent_bin(percent: u8) -> usize {
    usize::from(percent.min(100) / 10)
}

/// Learners per bar, from `(completed required lessons, learners)` pairs of a course with
/// `required_total` required lessons (the rollups, grouped).
pub fn distribution(
    buckets: impl IntoIterator<Item = (u32, u64)>,
    required_total: u32,
) -> [u64; PERCENT_BINS] {
    let mut bins = [0; PERCENT_BINS];
    for (completed_required, learners) in buckets {
        let percent = crate::progress::percent(completed_required, required_total);
        bins[percent_bin(percent)] += learners;
    }
    bins
}

/// The Monday of the oldest week `completions_by_week` shows when today is `today`.
pub fn first_week_start(today: NaiveDate) -> NaiveDate {
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    monday - Days::new(7 * u64::from(REPORT_WEEKS - 1))
}

/// The instant from which completions count: the start (UTC) of [`first_week_start`].
pub fn completions_since(now: DateTime<Utc>) -> DateTime<Utc> {
    first_week_start(now.date_naive())
        .and_time(NaiveTime::MIN)
        .and_utc()
}

/// The last [`REPORT_WEEKS`] ISO weeks up to `today`'s, oldest first, every week present
/// (0 where nothing was completed), from completions counted per UTC day. Days outside the
/// window are ignored.
pub fn completions_by_week(
    per_day: impl IntoIterator<Item = (NaiveDate, u64)>,
    today: NaiveDate,
) -> Vec<WeekCompletions> {
    let first = first_week_start(today);
    let mut weeks: Vec<WeekCompletions> = (0..REPORT_WEEKS)
        .map(|i| WeekCompletions {
            week_start: first + Days::new(7 * u64::from(i)),
            completed: 0,
        })
        .collect();
    for (day, completed) in per_day {
        let Ok(offset) = usize::try_from((day - first).num_days()) else {
            continue; // before the window
        };
        if let Some(week) = weeks.get_mut(offset / 7) {
            week.completed += completed;
        }
    }
    weeks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn every_percent_has_a_bar_and_only_complete_is_the_last() {
        assert_eq!(percent_bin(0), 0);
        assert_eq!(percent_bin(9), 0);
        assert_eq!(percent_bin(10), 1);
        assert_eq!(percent_bin(99), 9);
        assert_eq!(percent_bin(100), 10);
        // 39 of 40 floors to 97 %: not on the complete bar.
        assert_eq!(distribution([(39, 1)], 40)[9], 1);
        assert_eq!(distribution([(40, 1)], 40)[10], 1);
    }

    #[test]
    fn a_course_without_required_lessons_puts_everyone_at_zero() {
        assert_eq!(distribution([(0, 5)], 0)[0], 5);
    }

    #[test]
    fn weeks_start_on_monday_and_end_with_the_current_one() {
        let sunday = day(2026, 12, 6);
        let weeks = completions_by_week([], sunday);
        assert_eq!(weeks.len(), 26);
        assert_eq!(weeks[25].week_start, day(2026, 11, 30));
        assert_eq!(weeks[0].week_start, day(2026, 6, 8));
        assert!(
            weeks
                .iter()
                .all(|w| w.week_start.weekday() == chrono::Weekday::Mon)
        );
        assert_eq!(
            completions_since("2026-12-06T23:59:59Z".parse().unwrap()),
            "2026-06-08T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn days_fold_into_their_week_and_days_outside_are_dropped() {
        let today = day(2026, 12, 2); // a Wednesday
        let weeks = completions_by_week(
            [
                (day(2026, 11, 30), 2),  // this week's Monday
                (day(2026, 12, 2), 1),   // today
                (day(2026, 11, 29), 5),  // last week's Sunday
                (day(2026, 6, 8), 7),    // the first day of the window
                (day(2026, 6, 7), 100),  // the day before it
                (day(2026, 12, 9), 100), // after today's week
            ],
            today,
        );
        assert_eq!(weeks[25].completed, 3);
        assert_eq!(weeks[24].completed, 5);
        assert_eq!(weeks[0].completed, 7);
        assert_eq!(weeks.iter().map(|w| w.completed).sum::<u64>(), 15);
    }
}
