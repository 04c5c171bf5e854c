//! Lesson progress rows, and the enrollment rollups and completions derived from them.

use crate::row::{SqlRow, all, count, id, parsed, percent};
use crate::{Connection, Dialect, Query, SqlTx, expect_one};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::store::{CourseKey, EnrollmentWithCourse, LearnerContext, LearnerWrite, ProgressTx};
use lms_core::{
    CourseId, LessonId, LessonProgress, LessonStatus, OrgId, PageRequest, StoreError, UserId,
};
use serde::Deserialize;

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
    /// [`ProgressTx::learner_context`]'s statement, read with [`learner_context`]: the
    /// course's columns, the org's prefixed `o_`, the enrollment's `e_` (with
    /// `e_revision`), `member_role`, the progress rows as the dialect's row reads them
    /// ([`SqlRow::progress_fields`]: a JSON array `e_progress` unless it says otherwise)
    /// and the count of the user's attempts at `attempts_at` (`e_attempts`, 0 for none).
    async fn learner_context<'k>(
        &mut self,
        org: OrgId,
        slug: &str,
        course: CourseKey<'k>,
        user: UserId,
        attempts_at: Option<LessonId>,
    ) -> Result<Option<Self::Row>, StoreError>;
    /// [`ProgressTx::dashboard_page`]'s statement, read with [`dashboard_item`]: the
    /// course's columns, `org_slug`, the enrollment's prefixed `e_` (and a NULL
    /// `member_role`) and the progress rows (as in [`ProgressDialect::learner_context`]).
    async fn dashboard_page(
        &mut self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<Self::Row>, StoreError>;
    /// [`ProgressTx::apply_learner_write`]: one statement where the database can write two
    /// tables in one, with the checks a concurrent writer needs.
    async fn apply_learner_write(&mut self, write: &LearnerWrite) -> Result<bool, StoreError>;
    /// `SubmissionTx::grading_context`'s statement, by course id (else by slug): the
    /// shared [`crate::grading_context_sql!`] with the dialect's progress columns.
    fn grading_context_sql(by_id: bool) -> &'static str;
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

    async fn learner_context<'k>(
        &mut self,
        org: OrgId,
        slug: &str,
        course: CourseKey<'k>,
        user: UserId,
        attempts_at: Option<LessonId>,
    ) -> Result<Option<LearnerContext>, StoreError> {
        let row = self
            .conn
            .learner_context(org, slug, course, user, attempts_at)
            .await?;
        row.map(|row| learner_context(&row, user)).transpose()
    }

    async fn dashboard_page(
        &mut self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<(EnrollmentWithCourse, Vec<LessonProgress>)>, StoreError> {
        let rows = self.conn.dashboard_page(user, page).await?;
        all(&rows, |row| dashboard_item(row, user))
    }

    async fn apply_learner_write(&mut self, write: &LearnerWrite) -> Result<bool, StoreError> {
        self.conn.apply_learner_write(write).await
    }

    async fn upsert_lesson_progress(&mut self, p: &LessonProgress) -> Result<(), StoreError> {
        let written = self.conn.execute(upsert_progress(p)).await?;
        expect_one(written, "progress's course")
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

/// Inserts or replaces a progress row (with its course's org where rows carry one): the
/// statement every store writes a learner's row with. Changes no row if the course is gone.
pub fn upsert_progress(p: &LessonProgress) -> Query<'_> {
    Query::new(
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
    .bind(p.position_seconds)
}

/// One progress row as `e_progress` carries it (a JSON object per row).
#[derive(Deserialize)]
pub struct ProgressJson {
    /// The lesson's id (hyphenated, or 32 hex digits).
    pub lesson_id: String,
    /// `not_started`, `in_progress` or `completed`.
    pub status: String,
    /// 0..=100.
    pub percent: u8,
    /// Where playback stopped.
    pub position_seconds: Option<u32>,
    /// RFC 3339.
    pub completed_at: Option<DateTime<chrono::FixedOffset>>,
    /// RFC 3339.
    pub updated_at: DateTime<chrono::FixedOffset>,
}

/// One of the learner's progress rows as a learner-path statement carries it, before it
/// is known whose and in which course ([`SqlRow::progress_fields`]).
pub struct ProgressFields {
    /// The lesson.
    pub lesson_id: uuid::Uuid,
    /// `not_started`, `in_progress` or `completed`.
    pub status: String,
    /// 0..=100.
    pub percent: u8,
    /// Where playback stopped.
    pub position_seconds: Option<u32>,
    /// When the lesson was completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// The row's last change.
    pub updated_at: DateTime<Utc>,
}

/// [`SqlRow::progress_fields`]'s default: the rows of the JSON array `json`.
pub fn progress_from_json(json: &str) -> Result<Vec<ProgressFields>, StoreError> {
    let rows: Vec<ProgressJson> = serde_json::from_str(json).map_err(|e| corrupt_progress(&e))?;
    rows.into_iter()
        .map(|p| {
            Ok(ProgressFields {
                lesson_id: p.lesson_id.parse().map_err(|e| corrupt_progress(&e))?,
                status: p.status,
                percent: p.percent,
                position_seconds: p.position_seconds,
                completed_at: p.completed_at.map(|t| t.to_utc()),
                updated_at: p.updated_at.to_utc(),
            })
        })
        .collect()
}

fn corrupt_progress(e: &dyn std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("column e_progress: {e}"))
}

/// Reads a row of [`ProgressDialect::learner_context`]'s statement for `user`.
pub fn learner_context(row: &impl SqlRow, user: UserId) -> Result<LearnerContext, StoreError> {
    let context = crate::courses::course_context(row)?;
    let Some(enrollment) = context.enrollment else {
        return Err(StoreError::Corrupt(
            "a learner context without its enrollment".into(),
        ));
    };
    Ok(LearnerContext {
        org: crate::orgs::org_at(row, "o_")?,
        rows: learner_rows(row, user, context.course.id)?,
        course: context.course,
        role: context.role,
        enrollment,
        revision: row.int("e_revision")?,
        attempts: count(row, "e_attempts")?,
    })
}

/// Reads a row of [`ProgressDialect::dashboard_page`]'s statement for `user`.
pub fn dashboard_item(
    row: &impl SqlRow,
    user: UserId,
) -> Result<(EnrollmentWithCourse, Vec<LessonProgress>), StoreError> {
    let context = crate::courses::course_context(row)?;
    let Some(enrollment) = context.enrollment else {
        return Err(StoreError::Corrupt(
            "a dashboard row without its enrollment".into(),
        ));
    };
    let rows = learner_rows(row, user, context.course.id)?;
    let item = EnrollmentWithCourse {
        enrollment,
        course: context.course,
        org_slug: row.text("org_slug")?,
    };
    Ok((item, rows))
}

/// The progress rows of `user` in `course` that a learner-path statement carries.
pub(crate) fn learner_rows(
    row: &impl SqlRow,
    user: UserId,
    course: CourseId,
) -> Result<Vec<LessonProgress>, StoreError> {
    let rows = row.progress_fields()?;
    rows.into_iter()
        .map(|p| {
            Ok(LessonProgress {
                user_id: user,
                lesson_id: LessonId(p.lesson_id),
                course_id: course,
                status: LessonStatus::parse(&p.status)
                    .ok_or_else(|| corrupt_progress(&format!("status {:?}", p.status)))?,
                percent: p.percent,
                position_seconds: p.position_seconds,
                completed_at: p.completed_at,
                updated_at: p.updated_at,
            })
        })
        .collect()
}
