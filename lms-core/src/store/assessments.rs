//! Graded work: quiz attempts.
use crate::error::StoreError;
use crate::ids::{CourseId, LessonId, UserId};
use crate::page::PageRequest;
use crate::quiz::QuizAttempt;
use async_trait::async_trait;

/// Graded work: quiz attempts.
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait AssessmentTx: Send {
    /// Inserts a graded attempt (`Duplicate(AttemptNumber)` when the number is taken).
    async fn insert_attempt(&mut self, attempt: &QuizAttempt) -> Result<(), StoreError>;
    /// How many attempts the user has made at the quiz.
    async fn count_attempts(&mut self, user: UserId, lesson: LessonId) -> Result<u32, StoreError>;
    /// A page of the user's attempts at the quiz, oldest first.
    async fn list_attempts(
        &mut self,
        user: UserId,
        lesson: LessonId,
        page: &PageRequest,
    ) -> Result<Vec<QuizAttempt>, StoreError>;
    /// The user's latest `limit` attempts at any quiz of the course, newest first.
    async fn recent_attempts(
        &mut self,
        user: UserId,
        course: CourseId,
        limit: u32,
    ) -> Result<Vec<QuizAttempt>, StoreError>;
}
