//! What reports read: report rows and the rollups grouped per course, never the progress rows.
use crate::enrollment::{Enrollment, EnrollmentStatus};
use crate::error::StoreError;
use crate::ids::{CourseId, UserId};
use crate::page::PageRequest;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures_core::Stream;
use std::pin::Pin;

/// Rows read one at a time as the database returns them, owning the transaction they are
/// read in (dropping the stream ends it): what exports stream, in constant memory.
pub type RowStream<T> = Pin<Box<dyn Stream<Item = Result<T, StoreError>> + Send>>;

/// One enrollment of a course as its export shows it: what the export needs of the
/// enrollment, with the learner's name and email (only these columns are read: an export
/// decodes tens of thousands of rows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportRow {
    /// The learner.
    pub user_id: UserId,
    /// The learner's display name.
    pub name: String,
    /// The learner's email address.
    pub email: String,
    /// Active or revoked.
    pub status: EnrollmentStatus,
    /// When the learner (last) enrolled.
    pub enrolled_at: DateTime<Utc>,
    /// The rollup: required lessons completed.
    pub completed_required: u32,
    /// When the course was completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// The learner's last activity in the course.
    pub last_activity_at: Option<DateTime<Utc>>,
}

/// One learner's line of a course report, read from the enrollment rollup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    /// The enrollment (its id is the sort key).
    pub enrollment: Enrollment,
    /// The learner's display name.
    pub name: String,
}

/// How many active enrollments of a course have completed a given number of required
/// lessons: the rollups, grouped, so that reports read one row per distinct count rather
/// than one per learner or per progress row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollupBucket {
    /// The course.
    pub course_id: CourseId,
    /// Required lessons completed.
    pub completed_required: u32,
    /// Active enrollments with that count.
    pub enrollments: u64,
    /// Of those, how many have recorded completion.
    pub completed: u64,
}

/// What reports read: report rows and the rollups grouped per course, never the progress rows.
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait ReportTx: Send {
    /// A page of the course's active enrollments with learner names, ordered by enrollment id.
    async fn report_rows(
        &mut self,
        course: CourseId,
        page: &PageRequest,
    ) -> Result<Vec<ReportRow>, StoreError>;
    /// The rollups of the courses' active enrollments, grouped by completed count.
    async fn rollup_buckets(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<RollupBucket>, StoreError>;
    /// How many required lessons each course has (courses without lessons may be absent).
    async fn required_totals(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<(CourseId, u32)>, StoreError>;
    /// Completions of the course's active enrollments recorded at or after `since`, counted
    /// per UTC day (days without one absent), read through an index on the completion time.
    async fn completions_per_day(
        &mut self,
        course: CourseId,
        since: DateTime<Utc>,
    ) -> Result<Vec<(NaiveDate, u64)>, StoreError>;
    /// Every enrollment of the course (active and revoked), in no particular order, in one
    /// query whose rows arrive as the database sends them; the stream owns this transaction.
    /// (Ordering would make the database sort the whole course before the first row: on the
    /// 27,638-learner benchmark course, 75 ms instead of 50.)
    fn into_export_rows(self: Box<Self>, course: CourseId) -> RowStream<ExportRow>;
}
