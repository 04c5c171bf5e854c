//! Enrollment, progress, quizzes and the learner's dashboard.

use super::EnrollmentRead;
use super::{Actor, CourseScope, Lms, allow, certificates, events, load_outline};
use crate::certificate::RevocationReason;
use crate::course::{Course, CourseOutline, CourseStatus, LessonContent, LessonKind};
use crate::enrollment::{
    Enrollment, EnrollmentSource, EnrollmentStatus, LessonProgress, LessonStatus, ProgressUpdate,
    RevokedReason,
};
use crate::error::{ConflictKind, LmsError};
use crate::ids::CourseRef;
use crate::ids::{AttemptId, EnrollmentId, LessonId, UserId};
use crate::input::Parsed;
use crate::org::{Org, User};
use crate::page::{Page, PageRequest};
use crate::policy::{Action, PlanCoverage};
use crate::progress::{self, CourseProgress};
use crate::quiz::QuizAttempt;
use crate::store::{Access, StoreTx, TenantScope};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a progress write returns: the lesson's new state and the course's.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProgressResult {
    /// The lesson's progress after the write.
    pub lesson: LessonProgress,
    /// The course's progress after the write.
    pub course: CourseProgress,
}

/// One course on the learner's dashboard.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DashboardItem {
    /// The enrollment.
    #[serde(flatten)]
    pub enrollment: Enrollment,
    /// The course.
    pub course: Course,
    /// The course's org slug.
    pub org: String,
    /// The learner's progress in it.
    pub progress: CourseProgress,
}

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

    /// Records the caller's progress in a lesson (active enrollment needed). Progress never
    /// goes backwards; the course's completion is recorded once, in the same transaction,
    /// when the last required lesson is completed. A quiz is completed only by a passing
    /// attempt, so a progress write on one is 422.
    pub async fn record_progress(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        update: impl Into<Parsed<ProgressUpdate>>,
    ) -> Result<ProgressResult, LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.write().await?;
        let scope = self
            .course_scope(tx.as_mut(), actor, course, EnrollmentRead::Locked)
            .await?;
        allow(
            &scope.standing,
            Action::ViewCourse(&scope.course, scope.enrollment()),
        )?;
        // The outline (needed for the rollup anyway) tells whether the lesson is the course's.
        let outline = load_outline(tx.as_mut(), scope.course.clone()).await?;
        let kind = outline
            .modules
            .iter()
            .flat_map(|m| &m.lessons)
            .find(|l| l.id == lesson)
            .map(|l| l.kind);
        let kind = kind.ok_or(LmsError::NotFound("lesson"))?;
        allow(
            &scope.standing,
            Action::Learn(&scope.course, scope.enrollment()),
        )?;
        let update = update.into().into_result()?;
        update.validate()?;
        if kind == LessonKind::Quiz {
            return Err(LmsError::invalid(
                "status",
                "a quiz is completed only by a passing attempt",
            ));
        }
        let (lesson_progress, course_progress) = self
            .advance(tx.as_mut(), scope, &outline, lesson, update)
            .await?;
        tx.commit().await?;
        Ok(ProgressResult {
            lesson: lesson_progress,
            course: course_progress,
        })
    }

    /// Applies `update` to the caller's lesson progress, then refreshes the enrollment's
    /// rollup and records completion when the course became complete. The enrollment row is
    /// locked (by `course_scope`), so concurrent writes of one learner apply one by one.
    async fn advance(
        &self,
        tx: &mut dyn StoreTx,
        scope: CourseScope,
        outline: &CourseOutline,
        lesson: LessonId,
        update: ProgressUpdate,
    ) -> Result<(LessonProgress, CourseProgress), LmsError> {
        let Some(mut enrollment) = scope.enrollment else {
            return Err(LmsError::NotFound("enrollment"));
        };
        let now = self.now();
        // All of the learner's rows in the course at once: the one to change, and the rest
        // for the rollup.
        let mut rows = tx
            .course_progress_rows(enrollment.user_id, enrollment.course_id)
            .await?;
        let index = rows.iter().position(|r| r.lesson_id == lesson);
        let before = match index {
            Some(i) => rows[i].clone(),
            None => {
                LessonProgress::not_started(enrollment.user_id, enrollment.course_id, lesson, now)
            }
        };
        let mut lesson_progress = before.clone();
        lesson_progress.apply(update, now);
        if lesson_progress.status == before.status && lesson_progress.percent == before.percent {
            lesson_progress = before;
        } else {
            tx.upsert_lesson_progress(&lesson_progress).await?;
            match index {
                Some(i) => rows[i] = lesson_progress.clone(),
                None => rows.push(lesson_progress.clone()),
            }
        }
        let course_progress = self
            .refresh_rollup(tx, &scope.org, outline, &mut enrollment, &rows, now)
            .await?;
        Ok((lesson_progress, course_progress))
    }

    /// Recomputes the enrollment's rollup from its progress rows, records completion (and
    /// issues the certificate) when the rules say the course is complete, and stores the
    /// enrollment if it changed.
    async fn refresh_rollup(
        &self,
        tx: &mut dyn StoreTx,
        org: &Org,
        outline: &CourseOutline,
        enrollment: &mut Enrollment,
        rows: &[LessonProgress],
        now: DateTime<Utc>,
    ) -> Result<CourseProgress, LmsError> {
        let completed = progress::completed_required(&outline.modules, rows);
        let total = progress::required_total(&outline.modules);
        let mut changed = completed != enrollment.completed_required;
        enrollment.completed_required = completed;
        if enrollment.completed_at.is_none() && progress::is_complete(completed, total) {
            enrollment.completed_at = Some(now);
            let learner =
                certificates::issue(tx, org, &outline.course, enrollment.user_id, now).await?;
            events::course_completed(tx, &outline.course, &learner, now).await?;
            changed = true;
        }
        if changed {
            tx.update_enrollment(enrollment).await?;
        }
        Ok(progress::evaluate(
            &outline.modules,
            rows,
            enrollment.completed_at,
        ))
    }

    /// The caller's progress in a course (any enrollment of theirs, active or revoked).
    pub async fn course_progress(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
    ) -> Result<CourseProgress, LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.read().await?;
        let scope = self
            .course_scope(tx.as_mut(), actor, course, EnrollmentRead::Plain)
            .await?;
        allow(
            &scope.standing,
            Action::ViewOwnProgress(&scope.course, scope.enrollment()),
        )?;
        let Some(enrollment) = scope.enrollment else {
            return Err(LmsError::NotFound("enrollment"));
        };
        let rows = tx
            .course_progress_rows(enrollment.user_id, enrollment.course_id)
            .await?;
        let outline = self.cached_outline(tx.as_mut(), scope.course).await?;
        Ok(progress::evaluate(
            &outline.modules,
            &rows,
            enrollment.completed_at,
        ))
    }

    /// A page of the caller's enrollments, each with its course and progress.
    pub async fn my_courses(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<DashboardItem>, LmsError> {
        let user = actor.require_user()?;
        let mut tx = self.read().await?;
        tx.set_scope(TenantScope {
            org: None,
            user: Some(user),
        })
        .await?;
        let rows = tx.enrollments_of(user, &page).await?;
        let page = Page::from_rows(rows, &page, |r| r.enrollment.id.0);
        let courses: Vec<_> = page.items.iter().map(|r| r.course.id).collect();
        let mut all_rows = tx.progress_rows(&[user], &courses).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for row in page.items {
            // Outlines are the org's rows: read them in its scope (on a cache miss).
            tx.set_scope(TenantScope {
                org: Some(row.course.org_id),
                user: Some(user),
            })
            .await?;
            let (progress_rows, rest) = all_rows
                .into_iter()
                .partition(|r| r.course_id == row.course.id);
            all_rows = rest;
            let progress_rows: Vec<LessonProgress> = progress_rows;
            let outline = self.cached_outline(tx.as_mut(), row.course).await?;
            let progress = progress::evaluate(
                &outline.modules,
                &progress_rows,
                row.enrollment.completed_at,
            );
            items.push(DashboardItem {
                enrollment: row.enrollment,
                course: outline.course,
                org: row.org_slug,
                progress,
            });
        }
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
        })
    }

    /// Grades the caller's answers to a quiz lesson (active enrollment needed) and stores
    /// the attempt. Past `max_attempts` it is `attempts_exhausted` (409). A passing attempt
    /// completes the lesson, and the course when it was the last requirement.
    pub async fn submit_attempt(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        answers: impl Into<Parsed<serde_json::Value>>,
    ) -> Result<QuizAttempt, LmsError> {
        let user = actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.write().await?;
        let scope = self
            .course_scope(tx.as_mut(), actor, course, EnrollmentRead::Locked)
            .await?;
        allow(
            &scope.standing,
            Action::ViewCourse(&scope.course, scope.enrollment()),
        )?;
        let lesson = tx
            .lesson(scope.course.id, lesson)
            .await?
            .ok_or(LmsError::NotFound("lesson"))?;
        allow(
            &scope.standing,
            Action::Learn(&scope.course, scope.enrollment()),
        )?;
        let answers = answers.into().into_result()?;
        let LessonContent::Quiz(quiz) = &lesson.content else {
            return Err(LmsError::invalid("lesson", "the lesson is not a quiz"));
        };
        let Some(answer_map) = answers.as_object() else {
            return Err(LmsError::invalid(
                "answers",
                "must be an object of question id → answer",
            ));
        };
        let made = tx.count_attempts(user, lesson.summary.id).await?;
        if quiz.max_attempts.is_some_and(|max| made >= max) {
            return Err(LmsError::conflict(
                ConflictKind::AttemptsExhausted,
                "no attempts left at this quiz",
            ));
        }
        // Only what grading reads is stored, and no answer longer than a real one.
        let kept = quiz
            .kept_answers(answer_map)
            .map_err(LmsError::Validation)?;
        let grade = quiz.grade(&kept);
        let answers = serde_json::Value::Object(kept);
        let attempt = QuizAttempt {
            id: AttemptId::new(),
            user_id: user,
            lesson_id: lesson.summary.id,
            course_id: scope.course.id,
            attempt_number: made + 1,
            score_percent: grade.score_percent,
            passed: grade.passed,
            answers,
            submitted_at: self.now(),
        };
        tx.insert_attempt(&attempt).await?;
        if grade.passed {
            let passed = ProgressUpdate {
                percent: Some(100),
                status: Some(LessonStatus::Completed),
            };
            let outline = load_outline(tx.as_mut(), scope.course.clone()).await?;
            self.advance(tx.as_mut(), scope, &outline, lesson.summary.id, passed)
                .await?;
        }
        tx.commit().await?;
        Ok(attempt)
    }

    /// A page of the caller's attempts at a quiz, oldest first.
    pub async fn attempts(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        page: PageRequest,
    ) -> Result<Page<QuizAttempt>, LmsError> {
        let user = actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.read().await?;
        let scope = self
            .course_scope(tx.as_mut(), actor, course, EnrollmentRead::Plain)
            .await?;
        allow(
            &scope.standing,
            Action::ViewCourse(&scope.course, scope.enrollment()),
        )?;
        tx.lesson(scope.course.id, lesson)
            .await?
            .ok_or(LmsError::NotFound("lesson"))?;
        allow(
            &scope.standing,
            Action::ViewOwnProgress(&scope.course, scope.enrollment()),
        )?;
        let rows = tx.list_attempts(user, lesson, &page).await?;
        Ok(Page::from_rows(rows, &page, |a| a.id.0))
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
            };
            tx.insert_enrollment(&enrollment).await?;
            enrollment
        }
    };
    events::enrollment_created(tx, course, learner, &enrollment).await?;
    Ok(enrollment)
}
