//! Assignment submissions and their grades.
use super::CourseKey;
use crate::assignment::{Submission, SubmissionStatus};
use crate::course::Course;
use crate::enrollment::{Enrollment, LessonProgress};
use crate::error::StoreError;
use crate::ids::{CourseId, LessonId, OrgId, SubmissionId, UserId};
use crate::org::{Org, Role, User};
use crate::page::PageRequest;
use async_trait::async_trait;

/// Everything grading a submission decides on, read in one statement: the org, the
/// course, the grader's role in the org, the submission and whether it is the learner's
/// newest to its lesson, the learner, their enrollment and their progress rows.
#[derive(Clone, Debug, PartialEq)]
pub struct GradingContext {
    /// The org (its slug is the one asked for).
    pub org: Org,
    /// The course.
    pub course: Course,
    /// The grader's role in the org, if a member.
    pub grader_role: Option<Role>,
    /// The submission to grade.
    pub submission: Submission,
    /// Whether no later submission of the learner to the lesson exists.
    pub newest: bool,
    /// The learner who submitted.
    pub learner: User,
    /// The learner's enrollment in the course.
    pub enrollment: Enrollment,
    /// The enrollment's version (see [`super::LearnerContext::revision`]).
    pub revision: i64,
    /// The learner's progress rows in the course.
    pub rows: Vec<LessonProgress>,
}

/// Which submissions of a course a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubmissionFilter {
    /// The course.
    pub course: CourseId,
    /// Only this lesson's.
    pub lesson: Option<LessonId>,
    /// Only this learner's.
    pub user: Option<UserId>,
    /// Only those in this state.
    pub status: Option<SubmissionStatus>,
    /// Newest first (else oldest first, as a grading queue is worked through).
    pub newest_first: bool,
}

/// Assignment submissions and their grades.
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait SubmissionTx: Send {
    /// Inserts a submission (`Duplicate(Other)` when its attempt number is taken).
    async fn insert_submission(&mut self, submission: &Submission) -> Result<(), StoreError>;
    /// Replaces a submission's grade (status, score, passed, feedback, graded_at, graded_by).
    async fn update_submission(&mut self, submission: &Submission) -> Result<(), StoreError>;
    /// The course's submission with this id.
    async fn submission(
        &mut self,
        course: CourseId,
        id: SubmissionId,
    ) -> Result<Option<Submission>, StoreError>;
    /// Every submission of the learner to the lesson, oldest first.
    async fn submissions_of(
        &mut self,
        user: UserId,
        lesson: LessonId,
    ) -> Result<Vec<Submission>, StoreError>;
    /// In one statement, without locks: what grading `submission` decides on (see
    /// [`GradingContext`]), for `grader` in the org `org` (whose slug must still be
    /// `slug`) and its course `course`. `None` when the org, the course, the submission,
    /// its learner or their enrollment is not there: the caller then takes the general
    /// path, which says which.
    async fn grading_context<'k>(
        &mut self,
        org: OrgId,
        slug: &str,
        course: CourseKey<'k>,
        grader: UserId,
        submission: SubmissionId,
    ) -> Result<Option<GradingContext>, StoreError>;
    /// A page of the submissions `filter` names, ordered by id as it says.
    async fn list_submissions(
        &mut self,
        filter: SubmissionFilter,
        page: &PageRequest,
    ) -> Result<Vec<Submission>, StoreError>;
}
