//! Reports on Postgres: the histogram is split into 8 shards per (course, count) so that
//! concurrent writes in a popular course do not queue on one row; reads add them up.

use super::{PgConn, ids};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use lms_core::store::RollupBucket;
use lms_core::{CourseId, StoreError};
use lms_sql::row::all;
use lms_sql::{ReportDialect, decode};

#[async_trait]
impl ReportDialect for PgConn {
    async fn rollup_buckets(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<RollupBucket>, StoreError> {
        let q = sqlx::query(
            "SELECT course_id, completed_required, sum(enrollments)::bigint AS enrollments,
                    sum(completed)::bigint AS completed
             FROM rollup_histogram WHERE course_id = ANY($1)
             GROUP BY course_id, completed_required HAVING sum(enrollments) > 0",
        )
        .bind(ids(courses, |c| c.0));
        all(&self.rows(q).await?, decode::rollup_bucket)
    }

    async fn required_totals(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<(CourseId, u32)>, StoreError> {
        let q = sqlx::query(
            "SELECT course_id, count(*) AS n FROM lessons
             WHERE required AND course_id = ANY($1) GROUP BY course_id",
        )
        .bind(ids(courses, |c| c.0));
        all(&self.rows(q).await?, decode::required_total)
    }

    async fn completions_per_day(
        &mut self,
        course: CourseId,
        since: DateTime<Utc>,
    ) -> Result<Vec<(NaiveDate, u64)>, StoreError> {
        let q = sqlx::query(
            "SELECT to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) AS n
             FROM enrollments
             WHERE course_id = $1 AND status = 'active' AND completed_at IS NOT NULL
               AND completed_at >= $2
             GROUP BY day",
        )
        .bind(course.0)
        .bind(since);
        all(&self.rows(q).await?, decode::day_count)
    }
}
