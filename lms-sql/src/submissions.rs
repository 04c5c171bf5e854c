//! Assignment submissions and their grades.

use crate::row::{SqlRow, all, count, id, one, parsed, percent};
use crate::{Dialect, Query, SqlTx, expect_one, limit};
use async_trait::async_trait;
use lms_core::store::{SubmissionFilter, SubmissionTx};
use lms_core::{
    Attachment, CourseId, LessonId, PageRequest, StoreError, Submission, SubmissionId,
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
        let q = Query::new(
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
        .bind(s.id.0);
        self.conn.execute(q).await.map(drop)
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
