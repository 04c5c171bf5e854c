//! Progress on Postgres: bulk inserts as `UNNEST` (with each row's org, for row-level
//! security), lists of ids as `= ANY($1)`, and the learner's path (their context, their
//! dashboard page, their write) as calls of its functions (`crate::learner_path`).

use super::{PgConn, PgRecord, ids};
use crate::learner_path::{IN_TRANSACTION, written};
use async_trait::async_trait;
use lms_core::store::{CourseKey, LearnerWrite};
use lms_core::{CourseId, LessonId, LessonProgress, OrgId, PageRequest, StoreError, UserId};
use lms_sql::row::all;
use lms_sql::{ProgressDialect, decode};

/// The learner's progress rows in the enrollment `e`'s course as parallel arrays, one per
/// column (`e_progress_lesson`…), as `PgRecord::progress_fields` reads them: the server
/// builds and sends binary arrays in a fraction of the time a JSON text took. The
/// select-list part, then the join.
macro_rules! progress_columns_sql {
    () => {
        "pa.*"
    };
}

/// The lateral join that aggregates [`progress_columns_sql!`]'s arrays: migration 0026's
/// `lms_progress_arrays`, which the learner path's functions call too and the planner
/// inlines.
macro_rules! progress_joins_sql {
    () => {
        "CROSS JOIN LATERAL lms_progress_arrays(e.user_id, e.course_id) pa"
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
        let q = IN_TRANSACTION.context((org, slug), course, user, attempts_at);
        Ok(self.rows(q).await?.pop())
    }

    async fn dashboard_page(
        &mut self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<PgRecord>, StoreError> {
        self.rows(IN_TRANSACTION.dashboard(user, page)).await
    }

    fn grading_context_sql(by_id: bool) -> &'static str {
        match by_id {
            true => lms_sql::grading_context_sql!(
                { progress_columns_sql!() },
                { progress_joins_sql!() },
                "c.id = $5"
            ),
            false => lms_sql::grading_context_sql!(
                { progress_columns_sql!() },
                { progress_joins_sql!() },
                "c.slug = $5"
            ),
        }
    }

    async fn apply_learner_write(&mut self, w: &LearnerWrite) -> Result<bool, StoreError> {
        written(&self.rows(IN_TRANSACTION.write(w)).await?)
    }
}
