//! Courses on Postgres.

use super::PgConn;
use async_trait::async_trait;
use lms_core::{CourseId, StoreError};
use lms_sql::CourseDialect;

#[async_trait]
impl CourseDialect for PgConn {
    async fn lock_course(&mut self, course: CourseId) -> Result<(), StoreError> {
        // First in a curriculum change's lock order: see the module notes in `tx`.
        let q = sqlx::query("SELECT 1 FROM courses WHERE id = $1 FOR UPDATE").bind(course.0);
        self.run(q).await.map(drop)
    }
}
