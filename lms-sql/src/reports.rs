//! What reports read: one row per enrollment on a page, and the rollups grouped per course —
//! never the progress rows.

use crate::row::{SqlRow, all, big_count, count, id, parsed};
use crate::{Connection, Dialect, Query, SqlTx, after, limit};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use lms_core::store::{ExportRow, ReportRow, ReportTx, RollupBucket, RowStream};
use lms_core::{CourseId, EnrollmentStatus, PageRequest, StoreError};

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
    /// Completions of the course's active enrollments at or after `since`, as `day`
    /// (`YYYY-MM-DD`, UTC) and `n` rows: days are date arithmetic, which databases spell
    /// differently.
    async fn completions_per_day(
        &mut self,
        course: CourseId,
        since: DateTime<Utc>,
    ) -> Result<Vec<(NaiveDate, u64)>, StoreError>;
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

    async fn completions_per_day(
        &mut self,
        course: CourseId,
        since: DateTime<Utc>,
    ) -> Result<Vec<(NaiveDate, u64)>, StoreError> {
        self.conn.completions_per_day(course, since).await
    }

    fn into_export_rows(self: Box<Self>, course: CourseId) -> RowStream<ExportRow> {
        Box::pin(async_stream::try_stream! {
            let mut tx = self;
            let q = Query::new(
                "SELECT e.user_id, u.name, u.email, e.status, e.enrolled_at, e.completed_required,
                        e.completed_at, e.last_activity_at
                 FROM enrollments e JOIN users u ON u.id = e.user_id
                 WHERE e.course_id = $1",
            )
            .bind(course.0);
            let mut rows = tx.conn.fetch_stream(q);
            while let Some(row) = rows.next().await {
                yield export_row(&row?)?;
            }
        })
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

/// Reads an export row: the enrollment's reported columns with its learner's `name` and
/// `email`.
pub fn export_row(row: &impl SqlRow) -> Result<ExportRow, StoreError> {
    Ok(ExportRow {
        user_id: id(row, "user_id")?,
        name: row.text("name")?,
        email: row.text("email")?,
        status: parsed(row, "status", EnrollmentStatus::parse)?,
        enrolled_at: row.time("enrolled_at")?,
        completed_required: count(row, "completed_required")?,
        completed_at: row.opt_time("completed_at")?,
        last_activity_at: row.opt_time("last_activity_at")?,
    })
}

/// Reads a `day` (`YYYY-MM-DD`), `n` row: completions on one day.
pub fn day_count(row: &impl SqlRow) -> Result<(NaiveDate, u64), StoreError> {
    let day = row.text("day")?;
    let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("column day: {day:?}: {e}")))?;
    Ok((day, big_count(row, "n")?))
}
