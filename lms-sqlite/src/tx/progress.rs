//! Progress on SQLite: bulk inserts as multi-row `VALUES`, lists of ids as `IN (…)`.

use super::{SqliteConn, map_error, with_ids};
use async_trait::async_trait;
use lms_core::{CourseId, LessonProgress, StoreError, UserId};
use lms_sql::row::all;
use lms_sql::{ProgressDialect, decode};
use sqlx::QueryBuilder;

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
}
