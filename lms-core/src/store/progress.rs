//! Lesson progress rows, and the enrollment rollups and completions derived from them.
use super::{CourseKey, EnrollmentWithCourse};
use crate::assignment::Submission;
use crate::course::Course;
use crate::enrollment::{Enrollment, LessonProgress};
use crate::error::StoreError;
use crate::ids::{CourseId, LessonId, OrgId, UserId};
use crate::org::{Org, Role};
use crate::page::PageRequest;
use crate::quiz::QuizAttempt;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Everything a learner's own progress read or write decides on, read in one statement:
/// the org, the course, the caller's role in the org, their enrollment and every progress
/// row of theirs in the course.
#[derive(Clone, Debug, PartialEq)]
pub struct LearnerContext {
    /// The org (its slug is the one asked for).
    pub org: Org,
    /// The course.
    pub course: Course,
    /// The caller's role in the org, if a member.
    pub role: Option<Role>,
    /// The caller's enrollment in the course.
    pub enrollment: Enrollment,
    /// The caller's progress rows in the course.
    pub rows: Vec<LessonProgress>,
    /// The enrollment's version, as the store counts it: a [`LearnerWrite`] made on this
    /// context applies only while it is unchanged. Opaque to the core.
    pub revision: i64,
    /// The caller's attempts at the quiz lesson the read asked about (0 when it asked
    /// about none).
    pub attempts: u32,
}

/// What the core decided on a [`LearnerContext`], for the store to apply in one statement
/// if nothing it relied on changed since.
#[derive(Clone, Debug, PartialEq)]
pub struct LearnerWrite {
    /// The course's org (the write's tenant scope).
    pub org: OrgId,
    /// The course.
    pub course: CourseId,
    /// The course's `updated_at` as the context read it: the outline's version.
    pub course_version: DateTime<Utc>,
    /// The context's [`LearnerContext::revision`].
    pub revision: i64,
    /// The enrollment as it must be stored (rollup, completion, last activity).
    pub enrollment: Enrollment,
    /// The progress row to insert or replace, if it changed.
    pub progress: Option<LessonProgress>,
    /// A graded quiz attempt to insert with it (its number one past the context's
    /// [`LearnerContext::attempts`]).
    pub attempt: Option<QuizAttempt>,
    /// A submission whose new grade to store with it (as
    /// [`super::SubmissionTx::update_submission`] does).
    pub graded: Option<Submission>,
}

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
    /// In one statement, without locks: what a learner's progress read or write decides on
    /// (see [`LearnerContext`]), for `user` in the org `org` (whose slug must still be
    /// `slug`) and its course `course`. `None` when the org, the course or the enrollment
    /// is not there: the caller then takes the general path, which says which. With
    /// `attempts_at`, also counts the user's attempts at that quiz lesson.
    async fn learner_context<'k>(
        &mut self,
        org: OrgId,
        slug: &str,
        course: CourseKey<'k>,
        user: UserId,
        attempts_at: Option<LessonId>,
    ) -> Result<Option<LearnerContext>, StoreError>;
    /// A page of the user's enrollments (by enrollment id), each with its course, the
    /// course's org slug and the user's progress rows in it, in one statement: the
    /// learner's dashboard.
    async fn dashboard_page(
        &mut self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<(EnrollmentWithCourse, Vec<LessonProgress>)>, StoreError>;
    /// Applies `write` in as few statements as the database allows (one on Postgres),
    /// only if the course's version and the enrollment's revision are still those its
    /// context read; waits for a curriculum change of the course in progress. Returns
    /// whether it applied: `false` changed nothing, and the caller reads again.
    async fn apply_learner_write(&mut self, write: &LearnerWrite) -> Result<bool, StoreError>;
    /// Records completion at `now` for the course's active enrollments that have no
    /// completion yet and whose rollup is at least `threshold`. Returns their learners.
    async fn record_completions(
        &mut self,
        course: CourseId,
        threshold: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<UserId>, StoreError>;
}
