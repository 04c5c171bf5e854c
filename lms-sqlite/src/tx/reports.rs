//! Reports on SQLite: one histogram row per (course, count) — no shards, since SQLite
//! writes one transaction at a time — and lists of ids as `IN (…)`.

use super::{SqliteConn, with_ids};
use async_trait::async_trait;
use lms_core::store::RollupBucket;
use lms_core::{CourseId, StoreError};
use lms_sql::row::all;
use lms_sql::{ReportDialect, decode};

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
}
