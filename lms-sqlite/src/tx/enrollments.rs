//! Enrollments on SQLite: the write lock is the database's, bulk inserts are multi-row
//! `VALUES`, lists of ids are `IN (…)`.

use super::{SqliteConn, map_error, with_ids};
use async_trait::async_trait;
use lms_core::{Course, CourseId, Enrollment, StoreError, UserId};
use lms_sql::row::all;
use lms_sql::{EnrollmentDialect, SqlRow, decode};
use sqlx::QueryBuilder;

#[async_trait]
impl EnrollmentDialect for SqliteConn {
    async fn lock_enrollment(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Enrollment>, StoreError> {
        // Held already: the write transaction began IMMEDIATE (see `orgs`).
        lms_sql::find_enrollment(self, user, course).await
    }

    async fn insert_enrollments(&mut self, enrollments: &[Enrollment]) -> Result<(), StoreError> {
        for chunk in enrollments.chunks(1000) {
            let mut query = QueryBuilder::new(
                "INSERT INTO enrollments (id, user_id, course_id, source, status, enrolled_at, \
                 completed_at, completed_required, last_activity_at) ",
            );
            query.push_values(chunk, |mut row, e| {
                row.push_bind(e.id.0)
                    .push_bind(e.user_id.0)
                    .push_bind(e.course_id.0)
                    .push_bind(e.source.as_str())
                    .push_bind(e.status.as_str())
                    .push_bind(e.enrolled_at)
                    .push_bind(e.completed_at)
                    .push_bind(i64::from(e.completed_required))
                    .push_bind(e.last_activity_at);
            });
            let done = query.build().execute(&mut *self.tx).await;
            done.map_err(map_error)?;
        }
        Ok(())
    }

    async fn courses_with_org_slug(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<(Course, String)>, StoreError> {
        let query = with_ids(
            "SELECT c.*, o.slug AS org_slug FROM courses c JOIN orgs o ON o.id = c.org_id
             WHERE c.id IN (",
            courses.iter().map(|c| c.0),
            ")",
        );
        all(&self.fetch_built(query).await?, |row| {
            Ok((decode::course(row)?, row.text("org_slug")?))
        })
    }
}
