//! Certificates on Postgres.

use super::PgConn;
use async_trait::async_trait;
use lms_core::{CertificateCode, StoreError};
use lms_sql::CertificateDialect;

#[async_trait]
impl CertificateDialect for PgConn {
    async fn admit_certificate_code(&mut self, code: &CertificateCode) -> Result<(), StoreError> {
        if !self.settings.row_level_security {
            return Ok(());
        }
        // The row-level policy admits the one certificate whose code the caller holds.
        let q =
            sqlx::query("SELECT set_config('lms.certificate_code', $1, true)").bind(code.as_str());
        self.run(q).await.map(drop)
    }
}
