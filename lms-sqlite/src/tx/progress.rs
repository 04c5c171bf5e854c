//! Progress on SQLite: bulk inserts as multi-row `VALUES`, lists of ids as `IN (…)`, and a
//! learner's write as a statement per table it writes (SQLite writes one table per
//! statement).

use super::{SqliteConn, SqliteRecord, map_error, with_ids};
use async_trait::async_trait;
use lms_core::store::{CourseKey, LearnerWrite};
use lms_core::{CourseId, LessonId, LessonProgress, OrgId, PageRequest, StoreError, UserId};
use lms_sql::row::all;
use lms_sql::{Connection, ProgressDialect, Query, decode};
use sqlx::QueryBuilder;

/// The learner's progress rows in the enrollment `e`'s course, as one JSON array
/// (`e_progress`): a read of a course's facts stays one round trip whatever its size.
macro_rules! progress_json_sql {
    () => {
        "(SELECT json_group_array(json_object(
                        'lesson_id', lower(hex(p.lesson_id)), 'status', p.status,
                        'percent', p.percent, 'position_seconds', p.position_seconds,
                        'completed_at', p.completed_at, 'updated_at', p.updated_at))
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
/// key (`$3`); ids in the progress array are hex (JSON has no blobs).
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
impl ProgressDialect for SqliteConn {
    async fn insert_progress_rows(&mut self, rows: &[LessonProgress]) -> Result<(), StoreError> {
        for chunk in rows.chunks(1000) {
            let mut query = QueryBuilder::new(
                "INSERT INTO lesson_progress (user_id, lesson_id, course_id, status, percent, \
                 completed_at, updated_at, position_seconds) ",
            );
            query.push_values(chunk, |mut row, p| {
                row.push_bind(p.user_id.0)
                    .push_bind(p.lesson_id.0)
                    .push_bind(p.course_id.0)
                    .push_bind(p.status.as_str())
                    .push_bind(i64::from(p.percent))
                    .push_bind(p.completed_at)
                    .push_bind(p.updated_at)
                    .push_bind(p.position_seconds.map(i64::from));
            });
            let done = query.build().execute(&mut *self.tx).await;
            done.map_err(map_error)?;
        }
        Ok(())
    }

    async fn progress_rows(
        &mut self,
        users: &[UserId],
        courses: &[CourseId],
    ) -> Result<Vec<LessonProgress>, StoreError> {
        let mut rows = Vec::new();
        // Chunked to stay well under SQLite's limit on bound parameters.
        for chunk in users.chunks(500) {
            let mut query = with_ids(
                "SELECT * FROM lesson_progress WHERE user_id IN (",
                chunk.iter().map(|u| u.0),
                ") AND course_id IN (",
            );
            let mut list = query.separated(", ");
            for course in courses {
                list.push_bind(course.0);
            }
            query.push(")");
            rows.extend(all(
                &self.fetch_built(query).await?,
                decode::lesson_progress,
            )?);
        }
        Ok(rows)
    }

    async fn learner_context<'k>(
        &mut self,
        org: OrgId,
        slug: &str,
        course: CourseKey<'k>,
        user: UserId,
        attempts_at: Option<LessonId>,
    ) -> Result<Option<SqliteRecord>, StoreError> {
        let q = match course {
            CourseKey::Id(id) => Query::new(learner_context_sql!("c.id = $3"))
                .bind(user.0)
                .bind(org.0)
                .bind(id.0),
            CourseKey::Slug(key) => Query::new(learner_context_sql!("c.slug = $3"))
                .bind(user.0)
                .bind(org.0)
                .bind(key),
        };
        self.fetch_optional(q.bind(slug).bind(attempts_at.map(|l| l.0)))
            .await
    }

    async fn dashboard_page(
        &mut self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<SqliteRecord>, StoreError> {
        let q = Query::new(concat!(
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
        self.fetch_all(q).await
    }

    fn grading_context_sql(by_id: bool) -> &'static str {
        match by_id {
            true => lms_sql::grading_context_sql!({ progress_json_sql!() }, { "" }, "c.id = $5"),
            false => lms_sql::grading_context_sql!({ progress_json_sql!() }, { "" }, "c.slug = $5"),
        }
    }

    async fn apply_learner_write(&mut self, w: &LearnerWrite) -> Result<bool, StoreError> {
        // The enrollment first, only at the revision and course version the decision was
        // made on; the progress row, the attempt and the grade only if that applied.
        let e = &w.enrollment;
        let q = Query::new(
            "UPDATE enrollments SET completed_required = $1, completed_at = $2,
                                    last_activity_at = $3
             WHERE id = $4 AND revision = $5
               AND EXISTS (SELECT 1 FROM courses WHERE id = $6 AND updated_at = $7)",
        )
        .bind(e.completed_required)
        .bind(e.completed_at)
        .bind(e.last_activity_at)
        .bind(e.id.0)
        .bind(w.revision)
        .bind(w.course.0)
        .bind(w.course_version);
        if self.execute(q).await? != 1 {
            return Ok(false);
        }
        if let Some(p) = &w.progress {
            self.execute(lms_sql::upsert_progress(p)).await?;
        }
        if let Some(a) = &w.attempt {
            self.execute(lms_sql::insert_attempt(a)).await?;
        }
        if let Some(s) = &w.graded {
            self.execute(lms_sql::update_grade(s)).await?;
        }
        Ok(true)
    }
}
