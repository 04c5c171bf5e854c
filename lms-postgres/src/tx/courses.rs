//! Courses on Postgres.

use super::PgConn;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::{CourseId, StoreError};
use lms_sql::CourseDialect;

#[async_trait]
impl CourseDialect for PgConn {
    async fn lock_course(&mut self, course: CourseId) -> Result<(), StoreError> {
        // First in a curriculum change's lock order: see the module notes in `tx`.
        let q = sqlx::query("SELECT 1 FROM courses WHERE id = $1 FOR UPDATE").bind(course.0);
        self.run(q).await.map(drop)
    }

    async fn touch_course(
        &mut self,
        course: CourseId,
        updated_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // The version a learner's write re-checks: strictly newer than the row's current
        // one, whatever the caller read before its lock and whatever its clock says, so two
        // curriculum changes never share one.
        let q = sqlx::query(
            "UPDATE courses SET updated_at = greatest($1, updated_at + interval '1 microsecond')
             WHERE id = $2",
        )
        .bind(updated_at)
        .bind(course.0);
        self.run(q).await.map(drop)
    }
}
