//! What reports read: one row per enrollment on a page, and the rollups grouped per course —
//! never the progress rows.

use crate::row::{SqlRow, all, big_count, count, id};
use crate::{Connection, Dialect, Query, SqlTx, after, limit};
use async_trait::async_trait;
use lms_core::store::{ReportRow, ReportTx, RollupBucket};
use lms_core::{CourseId, PageRequest, StoreError};

/// The report part of a dialect: reads over a list of courses.
#[async_trait]
pub trait ReportDialect: Connection {
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
}

#[async_trait]
impl<C: Dialect> ReportTx for SqlTx<C> {
    async fn report_rows(
        &mut self,
        course: CourseId,
        page: &PageRequest,
    ) -> Result<Vec<ReportRow>, StoreError> {
        let q = Query::new(
            "SELECT e.*, u.name FROM enrollments e JOIN users u ON u.id = e.user_id
             WHERE e.course_id = $1 AND e.status = 'active' AND e.id > $2 ORDER BY e.id LIMIT $3",
        )
        .bind(course.0)
        .bind(after(page))
        .bind(limit(page));
        all(&self.conn.fetch_all(q).await?, report_row)
    }

    async fn rollup_buckets(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<RollupBucket>, StoreError> {
        if courses.is_empty() {
            return Ok(Vec::new());
        }
        self.conn.rollup_buckets(courses).await
    }

    async fn required_totals(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<(CourseId, u32)>, StoreError> {
        if courses.is_empty() {
            return Ok(Vec::new());
        }
        self.conn.required_totals(courses).await
    }
}

/// Reads an enrollment row joined with its learner's `name`.
pub fn report_row(row: &impl SqlRow) -> Result<ReportRow, StoreError> {
    Ok(ReportRow {
        enrollment: crate::enrollments::enrollment(row)?,
        name: row.text("name")?,
    })
}

/// Reads a histogram row (`course_id, completed_required, enrollments, completed`).
pub fn rollup_bucket(row: &impl SqlRow) -> Result<RollupBucket, StoreError> {
    Ok(RollupBucket {
        course_id: id(row, "course_id")?,
        completed_required: count(row, "completed_required")?,
        enrollments: big_count(row, "enrollments")?,
        completed: big_count(row, "completed")?,
    })
}

/// Reads a `course_id, n` row: a course's count of required lessons.
pub fn required_total(row: &impl SqlRow) -> Result<(CourseId, u32), StoreError> {
    Ok((id(row, "course_id")?, count(row, "n")?))
}
