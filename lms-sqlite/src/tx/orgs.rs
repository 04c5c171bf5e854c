//! Orgs on SQLite.

use super::SqliteConn;
use async_trait::async_trait;
use lms_core::{OrgId, StoreError};
use lms_sql::OrgDialect;

#[async_trait]
impl OrgDialect for SqliteConn {
    async fn lock_org(&mut self, _org: OrgId) -> Result<(), StoreError> {
        // A write transaction holds SQLite's database-wide write lock since BEGIN
        // IMMEDIATE: nothing can interleave with it, so no row needs a lock of its own.
        Ok(())
    }
}
