//! Assignment submissions and their grades.
use crate::assignment::{Submission, SubmissionStatus};
use crate::error::StoreError;
use crate::ids::{CourseId, LessonId, SubmissionId, UserId};
use crate::page::PageRequest;
use async_trait::async_trait;

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
    /// A page of the submissions `filter` names, ordered by id as it says.
    async fn list_submissions(
        &mut self,
        filter: SubmissionFilter,
        page: &PageRequest,
    ) -> Result<Vec<Submission>, StoreError>;
}
