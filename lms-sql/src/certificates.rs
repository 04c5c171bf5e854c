//! Certificates: issued once per (learner, course), found by code, revoked.

use crate::row::{SqlRow, id, one, opt_parsed};
use crate::{Connection, Dialect, Query, SqlTx};
use async_trait::async_trait;
use lms_core::store::CertificateTx;
use lms_core::{Certificate, CertificateCode, CourseId, RevocationReason, StoreError, UserId};

/// The certificate part of a dialect.
#[async_trait]
pub trait CertificateDialect: Connection {
    /// Called before a certificate is read by its code, whichever org it belongs to:
    /// holding the code is what entitles anyone to read it. A dialect that isolates
    /// tenants in the database admits that one row here; the default does nothing.
    async fn admit_certificate_code(&mut self, _code: &CertificateCode) -> Result<(), StoreError> {
        Ok(())
    }
}

#[async_trait]
impl<C: Dialect> CertificateTx for SqlTx<C> {
    async fn insert_certificate(&mut self, c: &Certificate) -> Result<bool, StoreError> {
        let q = Query::new(
            "INSERT INTO certificates (code, user_id, course_id, org_id, learner_name,
                                       course_title, org_name, issued_at, revoked_at,
                                       revoked_reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (user_id, course_id) DO NOTHING",
        )
        .bind(c.code.as_str())
        .bind(c.user_id.0)
        .bind(c.course_id.0)
        .bind(c.org_id.0)
        .bind(&c.learner_name)
        .bind(&c.course_title)
        .bind(&c.org_name)
        .bind(c.issued_at)
        .bind(c.revoked_at)
        .bind(c.revoked_reason.map(|r| r.as_str()));
        Ok(self.conn.execute(q).await? == 1)
    }

    async fn certificate(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Certificate>, StoreError> {
        let q = Query::new("SELECT * FROM certificates WHERE user_id = $1 AND course_id = $2")
            .bind(user.0)
            .bind(course.0);
        one(self.conn.fetch_optional(q).await?, certificate)
    }

    async fn certificate_by_code(
        &mut self,
        code: &CertificateCode,
    ) -> Result<Option<Certificate>, StoreError> {
        self.conn.admit_certificate_code(code).await?;
        let q = Query::new("SELECT * FROM certificates WHERE code = $1").bind(code.as_str());
        one(self.conn.fetch_optional(q).await?, certificate)
    }

    async fn update_certificate(&mut self, c: &Certificate) -> Result<(), StoreError> {
        let q = Query::new(
            "UPDATE certificates SET revoked_at = $1, revoked_reason = $2, learner_name = $3
             WHERE code = $4",
        )
        .bind(c.revoked_at)
        .bind(c.revoked_reason.map(|r| r.as_str()))
        .bind(&c.learner_name)
        .bind(c.code.as_str());
        self.conn.execute(q).await.map(drop)
    }
}

/// Reads a `certificates` row.
pub fn certificate(row: &impl SqlRow) -> Result<Certificate, StoreError> {
    Ok(Certificate {
        code: CertificateCode::from_stored(row.text("code")?),
        user_id: id(row, "user_id")?,
        course_id: id(row, "course_id")?,
        org_id: id(row, "org_id")?,
        learner_name: row.text("learner_name")?,
        course_title: row.text("course_title")?,
        org_name: row.text("org_name")?,
        issued_at: row.time("issued_at")?,
        revoked_at: row.opt_time("revoked_at")?,
        revoked_reason: opt_parsed(row, "revoked_reason", RevocationReason::parse)?,
    })
}
