//! Reports on SQLite: one histogram row per (course, count) — no shards, since SQLite
//! writes one transaction at a time — and lists of ids as `IN (…)`.

use super::{SqliteConn, with_ids};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use lms_core::store::RollupBucket;
use lms_core::{CourseId, StoreError};
use lms_sql::row::all;
use lms_sql::{Connection, Query, ReportDialect, decode};

#[async_trait]
impl ReportDialect for SqliteConn {
    async fn rollup_buckets(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<RollupBucket>, StoreError> {
        let query = with_ids(
            "SELECT course_id, completed_required, enrollments, completed
             FROM rollup_histogram WHERE enrollments > 0 AND course_id IN (",
            courses.iter().map(|c| c.0),
            ")",
        );
        all(&self.fetch_built(query).await?, decode::rollup_bucket)
    }

    async fn required_totals(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<(CourseId, u32)>, StoreError> {
        let query = with_ids(
            "SELECT course_id, count(*) AS n FROM lessons WHERE required = 1 AND course_id IN (",
            courses.iter().map(|c| c.0),
            ") GROUP BY course_id",
        );
        all(&self.fetch_built(query).await?, decode::required_total)
    }

    async fn completions_per_day(
        &mut self,
        course: CourseId,
        since: DateTime<Utc>,
    ) -> Result<Vec<(NaiveDate, u64)>, StoreError> {
        // Times are stored as RFC 3339 text in UTC: the day is their first ten characters.
        let q = Query::new(
            "SELECT substr(completed_at, 1, 10) AS day, count(*) AS n FROM enrollments
             WHERE course_id = $1 AND status = 'active' AND completed_at IS NOT NULL
               AND completed_at >= $2
             GROUP BY day",
        )
        .bind(course.0)
        .bind(since);
        all(&self.fetch_all(q).await?, decode::day_count)
    }
}
