//! Enrollments: who takes which course, from what source, in what state, with the rollup of their progress.
use crate::course::Course;
use crate::enrollment::Enrollment;
use crate::error::StoreError;
use crate::ids::{CourseId, UserId};
use crate::page::PageRequest;
use async_trait::async_trait;

/// One of a user's enrollments with its course, for the learner's dashboard.
#[derive(Clone, Debug, PartialEq)]
pub struct EnrollmentWithCourse {
    /// The enrollment.
    pub enrollment: Enrollment,
    /// Its course.
    pub course: Course,
    /// The course's org slug.
    pub org_slug: String,
}

/// Enrollments: who takes which course, from what source, in what state, with the rollup of their progress.
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait EnrollmentTx: Send {
    /// The user's enrollment in the course.
    async fn enrollment(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Enrollment>, StoreError>;
    /// Like [`Self::enrollment`], holding the row until the transaction ends.
    async fn lock_enrollment(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Enrollment>, StoreError>;
    /// Inserts an enrollment (`Duplicate(Enrollment)` when one exists for the pair).
    async fn insert_enrollment(&mut self, enrollment: &Enrollment) -> Result<(), StoreError>;
    /// Inserts many enrollments at once, rollups included (bulk import).
    async fn insert_enrollments(&mut self, enrollments: &[Enrollment]) -> Result<(), StoreError>;
    /// Replaces an enrollment's source, status, dates and rollup.
    async fn update_enrollment(&mut self, enrollment: &Enrollment) -> Result<(), StoreError>;
    /// A page of the course's enrollments (any status), ordered by enrollment id.
    async fn list_enrollments(
        &mut self,
        course: CourseId,
        page: &PageRequest,
    ) -> Result<Vec<Enrollment>, StoreError>;
    /// A page of the user's enrollments with their courses, ordered by enrollment id.
    async fn enrollments_of(
        &mut self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<EnrollmentWithCourse>, StoreError>;
}
