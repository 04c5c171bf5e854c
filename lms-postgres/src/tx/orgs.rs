//! Orgs on Postgres.

use super::PgConn;
use async_trait::async_trait;
use lms_core::{OrgId, StoreError};
use lms_sql::OrgDialect;

#[async_trait]
impl OrgDialect for PgConn {
    async fn lock_org(&mut self, org: OrgId) -> Result<(), StoreError> {
        // NO KEY UPDATE: serializes membership changes without blocking inserts that merely
        // reference the org.
        let q = sqlx::query("SELECT 1 FROM orgs WHERE id = $1 FOR NO KEY UPDATE").bind(org.0);
        self.run(q).await.map(drop)
    }
}
