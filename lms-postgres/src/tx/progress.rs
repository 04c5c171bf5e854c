//! Progress on Postgres: bulk inserts as `UNNEST` (with each row's org, for row-level
//! security), lists of ids as `= ANY($1)`, and a learner's write as one statement that
//! writes the progress row and the enrollment together, re-checking what it was decided on.

use super::{PgConn, PgRecord, ids};
use async_trait::async_trait;
use lms_core::store::{CourseKey, LearnerWrite};
use lms_core::{CourseId, LessonId, LessonProgress, OrgId, PageRequest, StoreError, UserId};
use lms_sql::row::all;
use lms_sql::{ProgressDialect, SqlRow, decode};

/// The learner's progress rows in the enrollment `e`'s course, as one JSON array
/// (`e_progress`): a read of a course's facts stays one round trip whatever its size.
macro_rules! progress_json_sql {
    () => {
        "(SELECT coalesce(json_agg(json_build_object(
                        'lesson_id', p.lesson_id, 'status', p.status,
                        'percent', p.percent, 'position_seconds', p.position_seconds,
                        'completed_at', p.completed_at, 'updated_at', p.updated_at)),
                    '[]'::json)::text
             FROM lesson_progress p
             WHERE p.user_id = e.user_id AND p.course_id = e.course_id) AS e_progress"
    };
}

/// The enrollment's columns as `decode::course_context` reads them (prefixed `e_`).
macro_rules! enrollment_columns_sql {
    () => {
        "e.id AS e_id, e.user_id AS e_user_id, e.source AS e_source, e.status AS e_status,
         e.enrolled_at AS e_enrolled_at, e.completed_at AS e_completed_at,
         e.completed_required AS e_completed_required, e.revoked_reason AS e_revoked_reason,
         e.last_activity_at AS e_last_activity_at, e.unlocked AS e_unlocked"
    };
}

/// [`ProgressDialect::learner_context`]'s statement, ending in the condition on the course
/// key (`$3`). The progress rows come as one JSON array, so that the read is one round
/// trip whatever the course's size.
macro_rules! learner_context_sql {
    ($key_condition:literal) => {
        concat!(
            "SELECT c.*, m.role AS member_role, ",
            enrollment_columns_sql!(),
            ", e.revision AS e_revision,
                    o.id AS o_id, o.slug AS o_slug, o.name AS o_name, o.settings AS o_settings,
                    o.membership_plan AS o_membership_plan, o.created_at AS o_created_at,
                    (SELECT count(*) FROM quiz_attempts a
                      WHERE a.user_id = $1 AND a.lesson_id = $5) AS e_attempts, ",
            progress_json_sql!(),
            "
             FROM courses c
             JOIN orgs o ON o.id = c.org_id AND o.slug = $4
             JOIN enrollments e ON e.course_id = c.id AND e.user_id = $1
             LEFT JOIN memberships m ON m.org_id = c.org_id AND m.user_id = $1
             WHERE c.org_id = $2 AND ",
            $key_condition
        )
    };
}

#[async_trait]
impl ProgressDialect for PgConn {
    async fn insert_progress_rows(&mut self, rows: &[LessonProgress]) -> Result<(), StoreError> {
        for chunk in rows.chunks(20_000) {
            let q = sqlx::query(
                "INSERT INTO lesson_progress (user_id, lesson_id, course_id, org_id, status, percent,
                                              completed_at, updated_at, position_seconds)
                 SELECT p.user_id, p.lesson_id, p.course_id, c.org_id, p.status, p.percent,
                        p.completed_at, p.updated_at, p.position_seconds
                 FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::smallint[],
                             $6::timestamptz[], $7::timestamptz[], $8::int[])
                      AS p (user_id, lesson_id, course_id, status, percent, completed_at, updated_at,
                            position_seconds)
                 JOIN courses c ON c.id = p.course_id",
            )
            .bind(ids(chunk, |p| p.user_id.0))
            .bind(ids(chunk, |p| p.lesson_id.0))
            .bind(ids(chunk, |p| p.course_id.0))
            .bind(chunk.iter().map(|p| p.status.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| i16::from(p.percent)).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.completed_at).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.updated_at).collect::<Vec<_>>())
            .bind(
                chunk
                    .iter()
                    .map(|p| p.position_seconds.map(|s| s as i32))
                    .collect::<Vec<_>>(),
            );
            let inserted = self.run(q).await?;
            if inserted != chunk.len() as u64 {
                return Err(StoreError::Corrupt(format!(
                    "{} of {} progress rows had no course",
                    chunk.len() as u64 - inserted,
                    chunk.len()
                )));
            }
        }
        Ok(())
    }

    async fn progress_rows(
        &mut self,
        users: &[UserId],
        courses: &[CourseId],
    ) -> Result<Vec<LessonProgress>, StoreError> {
        let q = sqlx::query(
            "SELECT * FROM lesson_progress WHERE user_id = ANY($1) AND course_id = ANY($2)",
        )
        .bind(ids(users, |u| u.0))
        .bind(ids(courses, |c| c.0));
        all(&self.rows(q).await?, decode::lesson_progress)
    }

    async fn learner_context<'k>(
        &mut self,
        org: OrgId,
        slug: &str,
        course: CourseKey<'k>,
        user: UserId,
        attempts_at: Option<LessonId>,
    ) -> Result<Option<PgRecord>, StoreError> {
        let sql = match course {
            CourseKey::Id(_) => learner_context_sql!("c.id = $3"),
            CourseKey::Slug(_) => learner_context_sql!("c.slug = $3"),
        };
        let q = sqlx::query(sql).bind(user.0).bind(org.0);
        let q = match course {
            CourseKey::Id(id) => q.bind(id.0),
            CourseKey::Slug(key) => q.bind(key),
        };
        let q = q.bind(slug).bind(attempts_at.map(|l| l.0));
        Ok(self.rows(q).await?.pop())
    }

    async fn dashboard_page(
        &mut self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<PgRecord>, StoreError> {
        let q = sqlx::query(concat!(
            "SELECT c.*, o.slug AS org_slug, NULL AS member_role, ",
            enrollment_columns_sql!(),
            ", ",
            progress_json_sql!(),
            " FROM enrollments e
              JOIN courses c ON c.id = e.course_id
              JOIN orgs o ON o.id = c.org_id
              WHERE e.user_id = $1 AND e.id > $2 ORDER BY e.id LIMIT $3"
        ))
        .bind(user.0)
        .bind(lms_sql::after(page))
        .bind(lms_sql::limit(page));
        self.rows(q).await
    }

    async fn apply_learner_write(&mut self, w: &LearnerWrite) -> Result<bool, StoreError> {
        let e = &w.enrollment;
        let p = w.progress.as_ref();
        let a = w.attempt.as_ref();
        // The course's row shared first (the lock order of every learner write; a curriculum
        // change holds it FOR UPDATE and moves `updated_at`), then the enrollment, only at
        // the revision the decision was made on, then the progress row and the attempt, only
        // if the enrollment was written: one statement, all of it or nothing.
        let q = sqlx::query(
            "WITH course AS (
                 SELECT id FROM courses WHERE id = $1 AND updated_at = $2 FOR KEY SHARE
             ), enrollment AS (
                 UPDATE enrollments e
                    SET completed_required = $4, completed_at = $5, last_activity_at = $6
                   FROM course
                  WHERE e.id = $3 AND e.course_id = course.id AND e.revision = $7
                 RETURNING e.org_id
             ), progress AS (
                 INSERT INTO lesson_progress (user_id, lesson_id, course_id, org_id, status,
                                              percent, completed_at, updated_at, position_seconds)
                 SELECT $8, $9, $1, org_id, $10, $11, $12, $13, $14 FROM enrollment WHERE $15
                 ON CONFLICT (user_id, lesson_id) DO UPDATE SET
                     status = excluded.status, percent = excluded.percent,
                     completed_at = excluded.completed_at, updated_at = excluded.updated_at,
                     position_seconds = excluded.position_seconds
                 RETURNING 1
             ), attempt AS (
                 INSERT INTO quiz_attempts (id, org_id, user_id, lesson_id, course_id,
                                            attempt_number, score_percent, passed, answers,
                                            submitted_at)
                 SELECT $16, org_id, $8, $17, $1, $18, $19, $20, $21, $22 FROM enrollment
                 WHERE $16::uuid IS NOT NULL
                 RETURNING 1
             )
             SELECT (SELECT count(*) FROM enrollment) AS written,
                    (SELECT count(*) FROM progress) AS progress_written,
                    (SELECT count(*) FROM attempt) AS attempt_written",
        )
        .bind(w.course.0)
        .bind(w.course_version)
        .bind(e.id.0)
        .bind(i64::from(e.completed_required))
        .bind(e.completed_at)
        .bind(e.last_activity_at)
        .bind(w.revision)
        .bind(e.user_id.0)
        .bind(p.map(|p| p.lesson_id.0))
        .bind(p.map(|p| p.status.as_str()))
        .bind(p.map(|p| i16::from(p.percent)))
        .bind(p.and_then(|p| p.completed_at))
        .bind(p.map(|p| p.updated_at))
        .bind(p.and_then(|p| p.position_seconds).map(|s| s as i32))
        .bind(p.is_some())
        .bind(a.map(|a| a.id.0))
        .bind(a.map(|a| a.lesson_id.0))
        .bind(a.map(|a| i32::try_from(a.attempt_number).unwrap_or(i32::MAX)))
        .bind(a.map(|a| i16::from(a.score_percent)))
        .bind(a.map(|a| a.passed))
        .bind(a.map(|a| sqlx::types::Json(&a.answers)))
        .bind(a.map(|a| a.submitted_at));
        let rows = self.rows(q).await?;
        let row = rows
            .first()
            .ok_or_else(|| StoreError::Corrupt("a learner write returned no row".into()))?;
        Ok(row.int("written")? == 1)
    }
}
