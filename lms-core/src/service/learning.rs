//! Enrollment: joining a course, being enrolled by an owner or admin, revocation.

use super::EnrollmentRead;
use super::{Actor, CourseScope, Lms, allow, certificates, events, gates};
use crate::certificate::RevocationReason;
use crate::course::{Course, CourseStatus};
use crate::enrollment::{Enrollment, EnrollmentSource, EnrollmentStatus, RevokedReason};
use crate::error::{ConflictKind, LmsError};
use crate::ids::CourseRef;
use crate::ids::{EnrollmentId, UserId};
use crate::input::Parsed;
use crate::org::User;
use crate::page::{Page, PageRequest};
use crate::policy::{Action, PlanCoverage};
use crate::release::Unlocked;
use crate::store::{Access, StoreTx};
use chrono::{DateTime, Utc};

impl Lms {
    /// Enrolls the caller in a free, published course (201). A paid course is 402; an
    /// active enrollment is `already_enrolled` (409); a revoked enrollment of a free course
    /// is reactivated, keeping its progress.
    pub async fn enroll(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
    ) -> Result<Enrollment, LmsError> {
        let user = actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.write().await?;
        let scope = self
            .course_scope(tx.as_mut(), actor, course, EnrollmentRead::Locked)
            .await?;
        let plan = tx.subscription(scope.org.id, user).await?;
        let plan = match self.plan_grants_access(plan.as_ref()) {
            true => PlanCoverage::Covered,
            false => PlanCoverage::None,
        };
        allow(
            &scope.standing,
            Action::Enroll(&scope.course, scope.enrollment(), plan),
        )?;
        let source = if scope.course.is_free() {
            EnrollmentSource::Free
        } else {
            EnrollmentSource::Subscription
        };
        if !scope.enrollment.as_ref().is_some_and(Enrollment::is_active) {
            gates::ensure_prerequisites_met(tx.as_mut(), &scope.course, user).await?;
        }
        let learner = tx.user(user).await?.ok_or(LmsError::Unauthenticated)?;
        let enrollment = self.admit(tx.as_mut(), scope, &learner, source).await?;
        tx.commit().await?;
        Ok(enrollment)
    }

    /// Enrolls `user` with source `admin`, paid course or not (the course's owner and
    /// admins). Only the org's members and former enrollees can be reached: anyone else is
    /// 404, as an unknown id is, so nobody is enrolled, or learned about, by id alone.
    pub async fn enroll_user(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        user: impl Into<Parsed<UserId>>,
    ) -> Result<Enrollment, LmsError> {
        let (mut tx, mut scope) = self.managed_course(Access::Write, actor, course).await?;
        let user = user.into().into_result()?;
        let org = scope.org.id;
        let known = tx.membership(org, user).await?.is_some()
            || !super::revocation::enrollments_of(tx.as_mut(), user, Some(org))
                .await?
                .is_empty();
        if !known {
            return Err(LmsError::NotFound("user"));
        }
        let learner = tx.user(user).await?.ok_or(LmsError::NotFound("user"))?;
        scope.enrollment = tx.lock_enrollment(user, scope.course.id).await?;
        if let Some(enrollment) = scope.enrollment.as_mut() {
            let settle = super::memberships::Settle::Store;
            self.apply_membership_rule(tx.as_mut(), org, enrollment, settle)
                .await?;
        }
        let enrollment = self
            .admit(tx.as_mut(), scope, &learner, EnrollmentSource::Admin)
            .await?;
        tx.commit().await?;
        Ok(enrollment)
    }

    /// Creates or reactivates `user`'s enrollment once the policy has allowed it.
    async fn admit(
        &self,
        tx: &mut dyn StoreTx,
        scope: CourseScope,
        learner: &User,
        source: EnrollmentSource,
    ) -> Result<Enrollment, LmsError> {
        let already = || {
            LmsError::conflict(
                ConflictKind::AlreadyEnrolled,
                "already enrolled in this course",
            )
        };
        if scope.enrollment.as_ref().is_some_and(Enrollment::is_active) {
            return Err(already());
        }
        if scope.course.status != CourseStatus::Published {
            return Err(LmsError::conflict(
                ConflictKind::Conflict,
                "the course is not open for enrollment: publish it first",
            ));
        }
        activate(
            tx,
            scope.enrollment,
            learner,
            &scope.course,
            source,
            self.now(),
        )
        .await
    }

    /// A page of the course's enrollments, any status (its owner and admins).
    pub async fn enrollments(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        page: PageRequest,
    ) -> Result<Page<Enrollment>, LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Read, actor, course).await?;
        let rows = tx.list_enrollments(scope.course.id, &page).await?;
        Ok(Page::from_rows(rows, &page, |e| e.id.0))
    }

    /// Revokes `user`'s enrollment (admins): lessons lock again, progress is kept.
    /// Revoking a revoked enrollment changes nothing.
    pub async fn revoke_enrollment(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        user: UserId,
    ) -> Result<(), LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.write().await?;
        let scope = self
            .course_scope(tx.as_mut(), actor, course, EnrollmentRead::Plain)
            .await?;
        allow(
            &scope.standing,
            Action::RevokeEnrollment(&scope.course, scope.enrollment()),
        )?;
        let mut enrollment = tx
            .lock_enrollment(user, scope.course.id)
            .await?
            .ok_or(LmsError::NotFound("enrollment"))?;
        if enrollment.is_active() {
            enrollment.revoke(RevokedReason::Admin);
            tx.update_enrollment(&enrollment).await?;
            let revocation = Some((RevocationReason::EnrollmentRevoked, self.now()));
            certificates::set_revocation(tx.as_mut(), &enrollment, revocation).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Creates the enrollment, or reactivates a revoked one (restoring its certificate, if it
/// has one), with `source`, and tells the course's owner (`enrollment.created`).
pub(super) async fn activate(
    tx: &mut dyn StoreTx,
    existing: Option<Enrollment>,
    learner: &User,
    course: &Course,
    source: EnrollmentSource,
    now: DateTime<Utc>,
) -> Result<Enrollment, LmsError> {
    let enrollment = match existing {
        Some(mut revoked) => {
            let erased = revoked.revoked_reason == Some(RevokedReason::AccountDeleted);
            revoked.status = EnrollmentStatus::Active;
            revoked.revoked_reason = None;
            revoked.source = source;
            revoked.enrolled_at = now;
            tx.update_enrollment(&revoked).await?;
            // Restored with its enrollment, which only a legitimate path reactivates (the
            // policy holds the learner out of the others) — but never an erased learner's,
            // whose name it no longer carries.
            if !erased {
                certificates::set_revocation(tx, &revoked, None).await?;
            }
            revoked
        }
        None => {
            let enrollment = Enrollment {
                id: EnrollmentId::new(),
                user_id: learner.id,
                course_id: course.id,
                source,
                status: EnrollmentStatus::Active,
                revoked_reason: None,
                enrolled_at: now,
                completed_at: None,
                completed_required: 0,
                last_activity_at: None,
                unlocked: Unlocked::default(),
            };
            tx.insert_enrollment(&enrollment).await?;
            enrollment
        }
    };
    events::enrollment_created(tx, course, learner, &enrollment).await?;
    Ok(enrollment)
}
