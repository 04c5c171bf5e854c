//! Certificates: issued once per (learner, course), found by code, revoked.
use crate::certificate::{Certificate, CertificateCode};
use crate::error::StoreError;
use crate::ids::{CourseId, UserId};
use async_trait::async_trait;

/// Certificates: issued once per (learner, course), found by code, revoked.
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait CertificateTx: Send {
    /// Inserts a certificate unless the (user, course) pair has one already; returns
    /// whether it was inserted. (A pair holds at most one certificate, ever.)
    async fn insert_certificate(&mut self, certificate: &Certificate) -> Result<bool, StoreError>;
    /// The user's certificate for the course.
    async fn certificate(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Certificate>, StoreError>;
    /// The certificate with this code, whichever org it belongs to: holding the code is
    /// what entitles anyone to read it (backends with row-level security admit that row).
    async fn certificate_by_code(
        &mut self,
        code: &CertificateCode,
    ) -> Result<Option<Certificate>, StoreError>;
    /// Stores a certificate's `revoked_at`, `revoked_reason` and `learner_name` (the name
    /// changes only to erase it, with the learner's account; nothing else ever changes).
    async fn update_certificate(&mut self, certificate: &Certificate) -> Result<(), StoreError>;
}
