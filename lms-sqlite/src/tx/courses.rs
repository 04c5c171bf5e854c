//! Courses on SQLite.

use super::SqliteConn;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::{CourseId, StoreError};
use lms_sql::{Connection, CourseDialect, Query};

#[async_trait]
impl CourseDialect for SqliteConn {
    async fn lock_course(&mut self, _course: CourseId) -> Result<(), StoreError> {
        // Held already: the write transaction began IMMEDIATE (see `orgs`).
        Ok(())
    }

    async fn touch_course(
        &mut self,
        course: CourseId,
        updated_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // Writers take turns (`BEGIN IMMEDIATE`): the caller read the current version in
        // this transaction, and `updated_at` is already newer than it.
        let q = Query::new("UPDATE courses SET updated_at = $1 WHERE id = $2")
            .bind(updated_at)
            .bind(course.0);
        self.execute(q).await.map(drop)
    }
}
