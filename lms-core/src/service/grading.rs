//! Grading a submission, in two statements inside its transaction: its facts — the
//! grader's role, the submission and whether it is the learner's newest, the learner,
//! their enrollment (with its revision) and progress rows — read in one, from one snapshot
//! and without locks ([`crate::store::SubmissionTx::grading_context`]); the grade stored
//! in one more — with the progress it makes, when it passes, by the learner's write
//! ([`crate::store::LearnerWrite::graded`]), which applies only while the enrollment's
//! revision and the course's version are those read. The event follows, and the
//! certificate when the grade completes the course.
//!
//! A grade that makes no progress is a plain update, as on the general path: two graders
//! at once leave the later grade, as they would one after the other; a learner can only
//! submit again once the newest submission is graded and failed, and a submission moves
//! the enrollment's revision, so a passing grade decided before it does not apply.
//!
//! The general path (each fact read on its own, under the enrollment's lock) answers what
//! those statements cannot settle: an org this process has not seen, a submission, course
//! or enrollment that is not there, a grader the policy refuses (which refusal may depend
//! on their own enrollment), input that did not parse, and a passing grade whose facts
//! moved before it applied.

use super::learner_path::learner_write;
use super::progress::Activity;
use super::{Actor, CourseScope, Lms, allow, events, load_outline};
use crate::assignment::{GradeInput, Submission};
use crate::enrollment::ProgressUpdate;
use crate::error::{ConflictKind, LmsError};
use crate::ids::{CourseRef, SubmissionId, UserId};
use crate::input::Parsed;
use crate::policy::{Action, Standing};
use crate::store::{Access, CourseKey, TenantScope};

impl Lms {
    /// Grades a submission (the course's owner and admins). A passing grade completes the
    /// lesson in the same transaction — rollup, course completion, certificate, events —
    /// as a passing quiz does; a later grade may change the score, never take a completion
    /// back. 422 for a score outside 0..=`max_score`; 409 when the learner has submitted
    /// again since. The learner is notified.
    pub async fn grade_submission(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        submission: SubmissionId,
        grade: impl Into<Parsed<GradeInput>>,
    ) -> Result<Submission, LmsError> {
        let grader = actor.require_user()?; // sign-in first: no store work for anonymous callers
        let grade = match grade.into().into_result() {
            Ok(grade) => grade,
            // Reported after the policy, which the general path asks first.
            Err(unparsed) => {
                let failed = Parsed::failed(unparsed);
                return self
                    .grade_submission_locked(actor, course, submission, failed)
                    .await;
            }
        };
        let fast = self.grade_in_two_statements(grader, course, submission, &grade);
        if let Some(graded) = fast.await? {
            return Ok(graded);
        }
        self.grade_submission_locked(actor, course, submission, grade.into())
            .await
    }

    /// [`Lms::grade_submission`] in two statements; `None` (nothing written) when this
    /// path cannot settle the call and the general one must.
    async fn grade_in_two_statements(
        &self,
        grader: UserId,
        course: CourseRef<'_>,
        submission: SubmissionId,
        grade: &GradeInput,
    ) -> Result<Option<Submission>, LmsError> {
        let Some(org) = self.known_org(course.org) else {
            return Ok(None);
        };
        let mut tx = self.store.begin(Access::Write).await?;
        let scope = TenantScope {
            org: Some(org),
            user: Some(grader),
        };
        tx.set_scope(scope).await?;
        let key = CourseKey::parse(course.course);
        let facts = tx.grading_context(org, course.org, key, grader, submission);
        let Some(facts) = facts.await? else {
            return Ok(None);
        };
        let standing = Standing {
            user: Some(grader),
            role: facts.grader_role,
        };
        // A manager is allowed whatever their own enrollment; how a refusal is worded may
        // depend on it, so the general path words it.
        if allow(&standing, Action::ManageCourse(&facts.course, None)).is_err() {
            return Ok(None);
        }
        let mut found = facts.submission;
        if !facts.newest {
            return Err(submitted_again());
        }
        let passed = found.grade(grade.clone(), grader, self.now())?;
        let scope = CourseScope {
            org: facts.org,
            standing,
            course: facts.course,
            enrollment: Some(facts.enrollment),
        };
        // As on the general path: a revoked learner keeps the grade, and completes nothing.
        let completing = passed && scope.enrollment().is_some_and(|e| e.is_active());
        let decision = if completing {
            // The outline of the version read: the write applies only while it holds.
            let outline = self
                .cached_outline(tx.as_mut(), scope.course.clone())
                .await?;
            let step = (found.lesson_id, ProgressUpdate::completed());
            let rows = facts.rows;
            let decision = self.decide_advance(&scope, &outline, step, rows, Activity::Never)?;
            Some((decision, outline))
        } else {
            None
        };
        match &decision {
            Some((d, _)) if d.lesson_changed || d.enrollment_changed => {
                let mut write = learner_write(&scope, facts.revision, d, None);
                write.graded = Some(found.clone());
                if !tx.apply_learner_write(&write).await? {
                    return Ok(None); // its facts moved: decide again under locks
                }
            }
            _ => tx.update_submission(&found).await?,
        }
        events::submission_graded(tx.as_mut(), &scope.course, &facts.learner, &found).await?;
        if let Some((decision, outline)) = &decision {
            self.record_completion(tx.as_mut(), &scope.org, outline, decision)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(found))
    }

    /// [`Lms::grade_submission`] with each fact read on its own, under the same locks.
    async fn grade_submission_locked(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        submission: SubmissionId,
        grade: Parsed<GradeInput>,
    ) -> Result<Submission, LmsError> {
        let grader = actor.require_user()?;
        let (mut tx, scope) = self.managed_course(Access::Write, actor, course).await?;
        let mut found = tx
            .submission(scope.course.id, submission)
            .await?
            .ok_or(LmsError::NotFound("submission"))?;
        let grade = grade.into_result()?;
        // The learner's enrollment, locked: grades of one learner apply one by one, as
        // their own progress writes do.
        let enrollment = tx.lock_enrollment(found.user_id, scope.course.id).await?;
        let latest = tx.submissions_of(found.user_id, found.lesson_id).await?;
        if latest.last().is_some_and(|s| s.id != found.id) {
            return Err(submitted_again());
        }
        let passed = found.grade(grade, grader, self.now())?;
        tx.update_submission(&found).await?;
        let learner = tx
            .user(found.user_id)
            .await?
            .ok_or(LmsError::NotFound("user"))?;
        events::submission_graded(tx.as_mut(), &scope.course, &learner, &found).await?;
        // A revoked learner keeps the grade; the lesson completes if access comes back and
        // they are graded again (nothing completes a course they cannot reach).
        if passed && let Some(enrollment) = enrollment.filter(|e| e.is_active()) {
            let outline = load_outline(tx.as_mut(), scope.course.clone()).await?;
            let rows = tx
                .course_progress_rows(enrollment.user_id, enrollment.course_id)
                .await?;
            let learner_scope = CourseScope {
                enrollment: Some(enrollment),
                ..scope
            };
            let step = (found.lesson_id, ProgressUpdate::completed());
            self.advance(
                tx.as_mut(),
                learner_scope,
                &outline,
                step,
                rows,
                Activity::Never,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(found)
    }
}

/// 409: a grade goes to the learner's newest submission to the lesson.
fn submitted_again() -> LmsError {
    LmsError::conflict(
        ConflictKind::Conflict,
        "the learner submitted again since: grade the newest submission",
    )
}
