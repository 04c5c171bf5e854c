//! Courses on SQLite.

use super::SqliteConn;
use async_trait::async_trait;
use lms_core::{CourseId, StoreError};
use lms_sql::CourseDialect;

#[async_trait]
impl CourseDialect for SqliteConn {
    async fn lock_course(&mut self, _course: CourseId) -> Result<(), StoreError> {
        // Held already: the write transaction began IMMEDIATE (see `orgs`).
        Ok(())
    }
}
