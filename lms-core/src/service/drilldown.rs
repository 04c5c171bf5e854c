//! One learner seen by the course's owner and admins: their enrollment, progress in every
//! lesson, latest quiz attempts and submissions.

use super::progress::{LessonState, lesson_states};
use super::{Actor, Lms, gates, load_outline};
use crate::assignment::Submission;
use crate::enrollment::Enrollment;
use crate::error::LmsError;
use crate::ids::{CourseRef, UserId};
use crate::page::PageRequest;
use crate::progress::{self, CourseProgress};
use crate::quiz::QuizAttempt;
use crate::store::{Access, SubmissionFilter};
use serde::Serialize;

/// How many of a learner's latest attempts, and of their submissions, the drill-down shows.
pub const DRILL_DOWN_LATEST: u32 = 50;

/// Who the learner is, as their course's managers see them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LearnerIdentity {
    /// Their id.
    pub id: UserId,
    /// Their name.
    pub name: String,
    /// Their email address.
    pub email: String,
}

/// Everything about one learner in one course ([`Lms::learner_detail`]).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LearnerDetail {
    /// Who they are.
    pub user: LearnerIdentity,
    /// Their enrollment (active or revoked).
    pub enrollment: Enrollment,
    /// Their progress in the course, as they see it.
    pub progress: CourseProgress,
    /// Every lesson in curriculum order with their progress in it.
    pub lessons: Vec<LessonState>,
    /// Their latest quiz attempts, newest first, answers included.
    pub attempts: Vec<QuizAttempt>,
    /// Their latest submissions, newest first.
    pub submissions: Vec<Submission>,
    /// Whether they made more attempts than shown.
    pub more_attempts: bool,
    /// Whether they made more submissions than shown.
    pub more_submissions: bool,
}

impl Lms {
    /// One learner's enrollment, course progress, every lesson's progress, and their latest
    /// 50 quiz attempts and 50 submissions (the course's owner and admins; the caller's
    /// role is checked before the learner is looked up). 404 for someone never enrolled.
    pub async fn learner_detail(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        user: UserId,
    ) -> Result<LearnerDetail, LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Read, actor, course).await?;
        let enrollment: Enrollment = tx
            .enrollment(user, scope.course.id)
            .await?
            .ok_or(LmsError::NotFound("enrollment"))?;
        let person = tx.user(user).await?.ok_or(LmsError::NotFound("user"))?;
        let outline = load_outline(tx.as_mut(), scope.course.clone()).await?;
        let rows = tx.course_progress_rows(user, scope.course.id).await?;
        // What the learner is held by, as they would be told.
        let gates = gates::learner_gates(&enrollment, &outline, &rows, self.now());
        let progress = progress::evaluate(&outline.modules, &rows, enrollment.completed_at, &gates);
        let lessons = lesson_states(&outline, &rows, &gates);
        let mut attempts = tx
            .recent_attempts(user, scope.course.id, DRILL_DOWN_LATEST + 1)
            .await?;
        let more_attempts = attempts.len() > DRILL_DOWN_LATEST as usize;
        attempts.truncate(DRILL_DOWN_LATEST as usize);
        let filter = SubmissionFilter {
            course: scope.course.id,
            lesson: None,
            user: Some(user),
            status: None,
            newest_first: true,
        };
        let page = PageRequest::first(DRILL_DOWN_LATEST);
        let mut submissions = tx.list_submissions(filter, &page).await?;
        let more_submissions = submissions.len() > DRILL_DOWN_LATEST as usize;
        submissions.truncate(DRILL_DOWN_LATEST as usize);
        Ok(LearnerDetail {
            user: LearnerIdentity {
                id: person.id,
                name: person.name,
                email: person.email,
            },
            enrollment,
            progress,
            lessons,
            attempts,
            submissions,
            more_attempts,
            more_submissions,
        })
    }
}
