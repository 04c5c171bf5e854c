//! Graded work: quiz attempts.

use crate::row::{SqlRow, all, big_count, count, id, one, percent};
use crate::{Dialect, Query, SqlTx, after, expect_one, limit};
use async_trait::async_trait;
use lms_core::store::AssessmentTx;
use lms_core::{CourseId, LessonId, PageRequest, QuizAttempt, StoreError, UserId};

#[async_trait]
impl<C: Dialect> AssessmentTx for SqlTx<C> {
    async fn insert_attempt(&mut self, a: &QuizAttempt) -> Result<(), StoreError> {
        expect_one(
            self.conn.execute(insert_attempt(a)).await?,
            "attempt's course",
        )
    }

    async fn count_attempts(&mut self, user: UserId, lesson: LessonId) -> Result<u32, StoreError> {
        let q = Query::new(
            "SELECT count(*) AS n FROM quiz_attempts WHERE user_id = $1 AND lesson_id = $2",
        )
        .bind(user.0)
        .bind(lesson.0);
        let n = one(self.conn.fetch_optional(q).await?, |r| big_count(r, "n"))?;
        Ok(u32::try_from(n.unwrap_or(0)).unwrap_or(u32::MAX))
    }

    async fn list_attempts(
        &mut self,
        user: UserId,
        lesson: LessonId,
        page: &PageRequest,
    ) -> Result<Vec<QuizAttempt>, StoreError> {
        let q = Query::new(
            "SELECT * FROM quiz_attempts
             WHERE user_id = $1 AND lesson_id = $2 AND id > $3 ORDER BY id LIMIT $4",
        )
        .bind(user.0)
        .bind(lesson.0)
        .bind(after(page))
        .bind(limit(page));
        all(&self.conn.fetch_all(q).await?, attempt)
    }

    async fn recent_attempts(
        &mut self,
        user: UserId,
        course: CourseId,
        limit: u32,
    ) -> Result<Vec<QuizAttempt>, StoreError> {
        let q = Query::new(
            "SELECT * FROM quiz_attempts
             WHERE user_id = $1 AND course_id = $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(user.0)
        .bind(course.0)
        .bind(limit);
        all(&self.conn.fetch_all(q).await?, attempt)
    }
}

/// Reads a `quiz_attempts` row.
pub fn attempt(row: &impl SqlRow) -> Result<QuizAttempt, StoreError> {
    Ok(QuizAttempt {
        id: id(row, "id")?,
        user_id: id(row, "user_id")?,
        lesson_id: id(row, "lesson_id")?,
        course_id: id(row, "course_id")?,
        attempt_number: count(row, "attempt_number")?,
        score_percent: percent(row, "score_percent")?,
        passed: row.bool("passed")?,
        answers: row.json("answers")?,
        submitted_at: row.time("submitted_at")?,
    })
}

/// Inserts a graded attempt (with its course's org where rows carry one): the statement
/// every store records an attempt with. Changes no row if the course is gone.
pub fn insert_attempt(a: &QuizAttempt) -> Query<'_> {
    Query::new(
        "INSERT INTO quiz_attempts (id, {org_id, }user_id, lesson_id, course_id, attempt_number,
                                    score_percent, passed, answers, submitted_at)
         SELECT $1, {org_id, }$2, $3, id, $5, $6, $7, $8, $9 FROM courses WHERE id = $4",
    )
    .bind(a.id.0)
    .bind(a.user_id.0)
    .bind(a.lesson_id.0)
    .bind(a.course_id.0)
    .bind(a.attempt_number)
    .bind(a.score_percent)
    .bind(a.passed)
    .bind(&a.answers)
    .bind(a.submitted_at)
}
