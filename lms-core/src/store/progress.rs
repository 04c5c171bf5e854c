//! Lesson progress rows, and the enrollment rollups and completions derived from them.
use crate::enrollment::LessonProgress;
use crate::error::StoreError;
use crate::ids::{CourseId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Lesson progress rows, and the enrollment rollups and completions derived from them.
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait ProgressTx: Send {
    /// Inserts many progress rows at once (bulk import; none may exist yet).
    async fn insert_progress_rows(&mut self, rows: &[LessonProgress]) -> Result<(), StoreError>;
    /// Every progress row of the user in the course.
    async fn course_progress_rows(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Vec<LessonProgress>, StoreError>;
    /// Every progress row of any of `users` in any of `courses`, in one query: a page of
    /// learners in one course (reports, checks), or one learner's page of courses (dashboard).
    async fn progress_rows(
        &mut self,
        users: &[UserId],
        courses: &[CourseId],
    ) -> Result<Vec<LessonProgress>, StoreError>;
    /// Inserts or replaces a progress row.
    async fn upsert_lesson_progress(&mut self, progress: &LessonProgress)
    -> Result<(), StoreError>;
    /// Recomputes every enrollment rollup of the course from its progress rows: the number
    /// of completed progress rows on lessons of the course that are `required`. Called in
    /// the transaction of a curriculum change.
    async fn recount_rollups(&mut self, course: CourseId) -> Result<(), StoreError>;
    /// Records completion at `now` for the course's active enrollments that have no
    /// completion yet and whose rollup is at least `threshold`. Returns their learners.
    async fn record_completions(
        &mut self,
        course: CourseId,
        threshold: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<UserId>, StoreError>;
}
