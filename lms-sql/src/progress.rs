//! Lesson progress rows, and the enrollment rollups and completions derived from them.

use crate::row::{SqlRow, all, count, id, parsed, percent};
use crate::{Connection, Dialect, Query, SqlTx, expect_one};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::store::ProgressTx;
use lms_core::{CourseId, LessonProgress, LessonStatus, StoreError, UserId};

/// The progress part of a dialect.
#[async_trait]
pub trait ProgressDialect: Connection {
    /// Inserts many progress rows at once (bulk import; none may exist yet).
    async fn insert_progress_rows(&mut self, rows: &[LessonProgress]) -> Result<(), StoreError>;
    /// Every progress row of any of `users` in any of `courses`.
    async fn progress_rows(
        &mut self,
        users: &[UserId],
        courses: &[CourseId],
    ) -> Result<Vec<LessonProgress>, StoreError>;
}

#[async_trait]
impl<C: Dialect> ProgressTx for SqlTx<C> {
    async fn insert_progress_rows(&mut self, rows: &[LessonProgress]) -> Result<(), StoreError> {
        self.conn.insert_progress_rows(rows).await
    }

    async fn course_progress_rows(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Vec<LessonProgress>, StoreError> {
        let q = Query::new("SELECT * FROM lesson_progress WHERE user_id = $1 AND course_id = $2")
            .bind(user.0)
            .bind(course.0);
        all(&self.conn.fetch_all(q).await?, lesson_progress)
    }

    async fn progress_rows(
        &mut self,
        users: &[UserId],
        courses: &[CourseId],
    ) -> Result<Vec<LessonProgress>, StoreError> {
        if users.is_empty() || courses.is_empty() {
            return Ok(Vec::new());
        }
        self.conn.progress_rows(users, courses).await
    }

    async fn upsert_lesson_progress(&mut self, p: &LessonProgress) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO lesson_progress (user_id, lesson_id, course_id, {org_id, }status, percent,
                                          completed_at, updated_at, position_seconds)
             SELECT $1, $2, id, {org_id, }$4, $5, $6, $7, $8 FROM courses WHERE id = $3
             ON CONFLICT (user_id, lesson_id) DO UPDATE SET
                 status = excluded.status, percent = excluded.percent,
                 completed_at = excluded.completed_at, updated_at = excluded.updated_at,
                 position_seconds = excluded.position_seconds",
        )
        .bind(p.user_id.0)
        .bind(p.lesson_id.0)
        .bind(p.course_id.0)
        .bind(p.status.as_str())
        .bind(p.percent)
        .bind(p.completed_at)
        .bind(p.updated_at)
        .bind(p.position_seconds);
        expect_one(self.conn.execute(q).await?, "progress's course")
    }

    async fn recount_rollups(&mut self, course: CourseId) -> Result<(), StoreError> {
        let q = Query::new(
            "UPDATE enrollments SET completed_required = (
                 SELECT count(*) FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
                 WHERE p.user_id = enrollments.user_id AND p.course_id = enrollments.course_id
                   AND l.course_id = enrollments.course_id AND l.required = TRUE
                   AND p.status = 'completed')
             WHERE course_id = $1",
        )
        .bind(course.0);
        self.conn.execute(q).await.map(drop)
    }

    async fn record_completions(
        &mut self,
        course: CourseId,
        threshold: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<UserId>, StoreError> {
        let q = Query::new(
            "UPDATE enrollments SET completed_at = $1
             WHERE course_id = $2 AND status = 'active' AND completed_at IS NULL
               AND completed_required >= $3
             RETURNING user_id",
        )
        .bind(now)
        .bind(course.0)
        .bind(threshold);
        all(&self.conn.fetch_all(q).await?, |row| id(row, "user_id"))
    }
}

/// Reads a `lesson_progress` row.
pub fn lesson_progress(row: &impl SqlRow) -> Result<LessonProgress, StoreError> {
    Ok(LessonProgress {
        user_id: id(row, "user_id")?,
        lesson_id: id(row, "lesson_id")?,
        course_id: id(row, "course_id")?,
        status: parsed(row, "status", LessonStatus::parse)?,
        percent: percent(row, "percent")?,
        position_seconds: match row.opt_int("position_seconds")? {
            None => None,
            Some(_) => Some(count(row, "position_seconds")?),
        },
        completed_at: row.opt_time("completed_at")?,
        updated_at: row.time("updated_at")?,
    })
}
