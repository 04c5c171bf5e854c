//! Certificates: issued in the transaction that completes a course, read by their learner,
//! verified by anyone holding the code.

use super::EnrollmentRead;
use super::{Actor, Lms, allow};
use crate::certificate::{Certificate, CertificateCode, RevocationReason};
use crate::course::Course;
use crate::enrollment::Enrollment;
use crate::error::LmsError;
use crate::ids::CourseRef;
use crate::ids::UserId;
use crate::org::{Org, User};
use crate::policy::Action;
use crate::store::StoreTx;
use chrono::{DateTime, Utc};

impl Lms {
    /// The caller's certificate for a course: 404 until the course is complete. A learner
    /// whose enrollment was revoked still sees it, marked invalid.
    pub async fn certificate(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
    ) -> Result<Certificate, LmsError> {
        let user = actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.read().await?;
        let scope = self
            .course_scope(tx.as_mut(), actor, course, EnrollmentRead::Plain)
            .await?;
        allow(
            &scope.standing,
            Action::ViewOwnProgress(&scope.course, scope.enrollment()),
        )?;
        tx.certificate(user, scope.course.id)
            .await?
            .ok_or(LmsError::NotFound("certificate"))
    }

    /// The certificate with this code, for anyone (no sign-in): its snapshot and whether it
    /// is valid. An unknown code — or text that cannot be a code — is 404.
    pub async fn verify_certificate(&self, code: &str) -> Result<Certificate, LmsError> {
        let code = CertificateCode::parse(code).ok_or(LmsError::NotFound("certificate"))?;
        let mut tx = self.read().await?;
        tx.certificate_by_code(&code)
            .await?
            .ok_or(LmsError::NotFound("certificate"))
    }
}

/// Issues the certificate of a course the learner has just completed, in the transaction
/// that recorded the completion (whichever path completed it), with the names as they are
/// now. A pair that somehow holds one already keeps it. Returns the learner.
pub(super) async fn issue(
    tx: &mut dyn StoreTx,
    org: &Org,
    course: &Course,
    user: UserId,
    issued_at: DateTime<Utc>,
) -> Result<User, LmsError> {
    let learner = tx.user(user).await?.ok_or(LmsError::NotFound("user"))?;
    let certificate = Certificate {
        code: CertificateCode::generate(),
        user_id: user,
        course_id: course.id,
        org_id: org.id,
        learner_name: learner.name.clone(),
        course_title: course.title.clone(),
        org_name: org.name.clone(),
        issued_at,
        revoked_at: None,
        revoked_reason: None,
    };
    tx.insert_certificate(&certificate).await?;
    Ok(learner)
}

/// Marks the certificate of `enrollment` invalid (`Some(reason)`) or valid again (`None`,
/// when the enrollment is reactivated). Enrollments without a certificate are left alone.
pub(super) async fn set_revocation(
    tx: &mut dyn StoreTx,
    enrollment: &Enrollment,
    revocation: Option<(RevocationReason, DateTime<Utc>)>,
) -> Result<(), LmsError> {
    let Some(mut certificate) = tx
        .certificate(enrollment.user_id, enrollment.course_id)
        .await?
    else {
        return Ok(());
    };
    certificate.revoked_reason = revocation.map(|(reason, _)| reason);
    certificate.revoked_at = revocation.map(|(_, at)| at);
    tx.update_certificate(&certificate).await?;
    Ok(())
}
