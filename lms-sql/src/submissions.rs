//! Assignment submissions and their grades.

use crate::row::{Prefixed, SqlRow, all, count, id, one, parsed, percent};
use crate::{Dialect, Query, SqlTx, expect_one, limit};
use async_trait::async_trait;
use lms_core::store::{CourseKey, GradingContext, SubmissionFilter, SubmissionTx};
use lms_core::{
    Attachment, CourseId, LessonId, OrgId, PageRequest, StoreError, Submission, SubmissionId,
    SubmissionStatus, UserId,
};

/// `list_submissions`'s statement in one order: a page continues past the cursor's id.
macro_rules! list_sql {
    ($cursor:literal, $order:literal) => {
        concat!(
            "SELECT * FROM submissions
             WHERE course_id = $1 AND ($2 IS NULL OR lesson_id = $2)
               AND ($3 IS NULL OR user_id = $3) AND ($4 IS NULL OR status = $4)
               AND ($5 IS NULL OR ",
            $cursor,
            ") ORDER BY id ",
            $order,
            " LIMIT $6"
        )
    };
}

/// `SubmissionTx::grading_context`'s statement, for a dialect's
/// [`crate::ProgressDialect::grading_context_sql`]: the dialect gives the select-list
/// columns that carry the learner's progress rows in the course (as its
/// [`crate::row::SqlRow::progress_fields`] reads them), the joins they need after the
/// enrollment `e` (if any), and the condition on the course key (`$5`). The row holds the
/// course's columns, the grader's `member_role`, the enrollment's `e_` (with
/// `e_revision`), the org's `o_`, the submission's `s_` (and `s_newest`) and the
/// learner's `u_`: one row, whatever the number of progress rows.
#[macro_export]
macro_rules! grading_context_sql {
    ({ $($progress_columns:tt)* }, { $($progress_joins:tt)* }, $key_condition:literal) => {
        concat!(
            "SELECT c.*, m.role AS member_role,
                    e.id AS e_id, e.user_id AS e_user_id, e.source AS e_source,
                    e.status AS e_status, e.enrolled_at AS e_enrolled_at,
                    e.completed_at AS e_completed_at,
                    e.completed_required AS e_completed_required,
                    e.revoked_reason AS e_revoked_reason,
                    e.last_activity_at AS e_last_activity_at, e.unlocked AS e_unlocked,
                    e.revision AS e_revision,
                    o.id AS o_id, o.slug AS o_slug, o.name AS o_name, o.settings AS o_settings,
                    o.membership_plan AS o_membership_plan, o.created_at AS o_created_at,
                    s.id AS s_id, s.lesson_id AS s_lesson_id, s.course_id AS s_course_id,
                    s.user_id AS s_user_id, s.attempt_number AS s_attempt_number,
                    s.body AS s_body, s.attachments AS s_attachments, s.status AS s_status,
                    s.score AS s_score, s.max_score AS s_max_score,
                    s.pass_percent AS s_pass_percent, s.passed AS s_passed,
                    s.feedback AS s_feedback, s.submitted_at AS s_submitted_at,
                    s.graded_at AS s_graded_at, s.graded_by AS s_graded_by,
                    NOT EXISTS (SELECT 1 FROM submissions n
                                WHERE n.user_id = s.user_id AND n.lesson_id = s.lesson_id
                                  AND n.id > s.id) AS s_newest,
                    u.id AS u_id, u.email AS u_email, u.name AS u_name,
                    u.avatar_url AS u_avatar_url, u.email_verified AS u_email_verified,
                    u.created_at AS u_created_at, u.external_id AS u_external_id, ",
            $($progress_columns)*,
            "
             FROM courses c
             JOIN orgs o ON o.id = c.org_id AND o.slug = $2
             JOIN submissions s ON s.course_id = c.id AND s.id = $4
             JOIN enrollments e ON e.course_id = c.id AND e.user_id = s.user_id
             JOIN users u ON u.id = s.user_id
             LEFT JOIN memberships m ON m.org_id = c.org_id AND m.user_id = $3 ",
            $($progress_joins)*,
            " WHERE c.org_id = $1 AND ",
            $key_condition
        )
    };
}

#[async_trait]
impl<C: Dialect> SubmissionTx for SqlTx<C> {
    async fn insert_submission(&mut self, s: &Submission) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO submissions (id, {org_id, }course_id, lesson_id, user_id, attempt_number,
                                      body, attachments, status, score, max_score, pass_percent,
                                      passed, feedback, submitted_at, graded_at, graded_by)
             SELECT $1, {org_id, }id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                    $16
             FROM courses WHERE id = $2",
        )
        .bind(s.id.0)
        .bind(s.course_id.0)
        .bind(s.lesson_id.0)
        .bind(s.user_id.0)
        .bind(s.attempt_number)
        .bind(s.body.as_deref())
        .bind(attachments_json(&s.attachments))
        .bind(s.status.as_str())
        .bind(s.score)
        .bind(s.max_score)
        .bind(s.pass_percent)
        .bind(s.passed.unwrap_or(false))
        .bind(s.feedback.as_deref())
        .bind(s.submitted_at)
        .bind(s.graded_at)
        .bind(s.graded_by.map(|u| u.0));
        expect_one(self.conn.execute(q).await?, "submission's course")
    }

    async fn update_submission(&mut self, s: &Submission) -> Result<(), StoreError> {
        self.conn.execute(update_grade(s)).await.map(drop)
    }

    async fn submission(
        &mut self,
        course: CourseId,
        id: SubmissionId,
    ) -> Result<Option<Submission>, StoreError> {
        let q = Query::new("SELECT * FROM submissions WHERE course_id = $1 AND id = $2")
            .bind(course.0)
            .bind(id.0);
        one(self.conn.fetch_optional(q).await?, submission)
    }

    async fn submissions_of(
        &mut self,
        user: UserId,
        lesson: LessonId,
    ) -> Result<Vec<Submission>, StoreError> {
        let q = Query::new(
            "SELECT * FROM submissions WHERE user_id = $1 AND lesson_id = $2 ORDER BY id",
        )
        .bind(user.0)
        .bind(lesson.0);
        all(&self.conn.fetch_all(q).await?, submission)
    }

    async fn grading_context<'k>(
        &mut self,
        org: OrgId,
        slug: &str,
        course: CourseKey<'k>,
        grader: UserId,
        submission: SubmissionId,
    ) -> Result<Option<GradingContext>, StoreError> {
        let sql = C::grading_context_sql(matches!(course, CourseKey::Id(_)));
        let q = Query::new(sql)
            .bind(org.0)
            .bind(slug)
            .bind(grader.0)
            .bind(submission.0);
        let q = match course {
            CourseKey::Id(id) => q.bind(id.0),
            CourseKey::Slug(key) => q.bind(key),
        };
        let row = self.conn.fetch_optional(q).await?;
        row.map(|row| grading_context(&row)).transpose()
    }

    async fn list_submissions(
        &mut self,
        filter: SubmissionFilter,
        page: &PageRequest,
    ) -> Result<Vec<Submission>, StoreError> {
        let sql = match filter.newest_first {
            true => list_sql!("id < $5", "DESC"),
            false => list_sql!("id > $5", "ASC"),
        };
        let q = Query::new(sql)
            .bind(filter.course.0)
            .bind(filter.lesson.map(|l| l.0))
            .bind(filter.user.map(|u| u.0))
            .bind(filter.status.map(SubmissionStatus::as_str))
            .bind(page.after)
            .bind(limit(page));
        all(&self.conn.fetch_all(q).await?, submission)
    }
}

/// Stores a submission's grade (status, score, passed, feedback, graded_at, graded_by):
/// the statement every store grades with.
pub fn update_grade(s: &Submission) -> Query<'_> {
    Query::new(
        "UPDATE submissions SET status = $1, score = $2, passed = $3, feedback = $4,
                                graded_at = $5, graded_by = $6
         WHERE id = $7",
    )
    .bind(s.status.as_str())
    .bind(s.score)
    .bind(s.passed.unwrap_or(false))
    .bind(s.feedback.as_deref())
    .bind(s.graded_at)
    .bind(s.graded_by.map(|u| u.0))
    .bind(s.id.0)
}

/// The JSON stored for a submission's attachments (without URLs, which expire).
fn attachments_json(attachments: &[Attachment]) -> serde_json::Value {
    let stored: Vec<Attachment> = attachments
        .iter()
        .map(|a| Attachment {
            url: None,
            ..a.clone()
        })
        .collect();
    serde_json::to_value(stored).expect("attachments are plain data")
}

/// Reads `grading_context`'s row.
fn grading_context(row: &impl SqlRow) -> Result<GradingContext, StoreError> {
    let context = crate::courses::course_context(row)?;
    let Some(enrollment) = context.enrollment else {
        return Err(StoreError::Corrupt(
            "a grading context without its enrollment".into(),
        ));
    };
    let submission = submission(&Prefixed::new(row, "s_"))?;
    Ok(GradingContext {
        org: crate::orgs::org_at(row, "o_")?,
        rows: crate::progress::learner_rows(row, submission.user_id, context.course.id)?,
        course: context.course,
        grader_role: context.role,
        submission,
        newest: row.bool("s_newest")?,
        learner: crate::users::user(&Prefixed::new(row, "u_"))?,
        enrollment,
        revision: row.int("e_revision")?,
    })
}

/// Reads a `submissions` row.
pub fn submission(row: &impl SqlRow) -> Result<Submission, StoreError> {
    let attachments = serde_json::from_value(row.json("attachments")?)
        .map_err(|e| StoreError::Corrupt(format!("column attachments: {e}")))?;
    let score = match row.opt_int("score")? {
        None => None,
        Some(_) => Some(count(row, "score")?),
    };
    // `passed` means something only once graded (false before).
    let graded_at = row.opt_time("graded_at")?;
    let passed = match graded_at {
        None => None,
        Some(_) => Some(row.bool("passed")?),
    };
    Ok(Submission {
        id: id(row, "id")?,
        lesson_id: id(row, "lesson_id")?,
        course_id: id(row, "course_id")?,
        user_id: id(row, "user_id")?,
        attempt_number: count(row, "attempt_number")?,
        body: row.opt_text("body")?,
        attachments,
        status: parsed(row, "status", SubmissionStatus::parse)?,
        score,
        max_score: count(row, "max_score")?,
        pass_percent: percent(row, "pass_percent")?,
        passed,
        feedback: row.opt_text("feedback")?,
        submitted_at: row.time("submitted_at")?,
        graded_at,
        graded_by: row.opt_uuid("graded_by")?.map(Into::into),
    })
}
