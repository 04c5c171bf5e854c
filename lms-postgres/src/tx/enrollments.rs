//! Enrollments on Postgres: the learner's lock order, bulk inserts as `UNNEST`, lists of
//! ids as `= ANY($1)`.

use super::{PgConn, ids};
use async_trait::async_trait;
use lms_core::{Course, CourseId, Enrollment, StoreError, UserId};
use lms_sql::row::{all, one};
use lms_sql::{EnrollmentDialect, SqlRow, decode};

#[async_trait]
impl EnrollmentDialect for PgConn {
    async fn lock_enrollment(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Enrollment>, StoreError> {
        // The course first, shared, so a learner's write and a curriculum change (which
        // takes the course FOR UPDATE, then rewrites enrollments) always lock in one order.
        let q = sqlx::query("SELECT 1 FROM courses WHERE id = $1 FOR KEY SHARE").bind(course.0);
        self.run(q).await?;
        let q = sqlx::query(
            "SELECT * FROM enrollments WHERE user_id = $1 AND course_id = $2 FOR NO KEY UPDATE",
        )
        .bind(user.0)
        .bind(course.0);
        one(self.rows(q).await?.pop(), decode::enrollment)
    }

    async fn insert_enrollments(&mut self, enrollments: &[Enrollment]) -> Result<(), StoreError> {
        for chunk in enrollments.chunks(10_000) {
            let q = sqlx::query(
                "INSERT INTO enrollments (id, org_id, user_id, course_id, source, status,
                                          enrolled_at, completed_at, completed_required,
                                          last_activity_at)
                 SELECT e.id, c.org_id, e.user_id, e.course_id, e.source, e.status,
                        e.enrolled_at, e.completed_at, e.completed_required, e.last_activity_at
                 FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
                             $6::timestamptz[], $7::timestamptz[], $8::int[],
                             $9::timestamptz[])
                      AS e (id, user_id, course_id, source, status, enrolled_at, completed_at,
                            completed_required, last_activity_at)
                 JOIN courses c ON c.id = e.course_id",
            )
            .bind(ids(chunk, |e| e.id.0))
            .bind(ids(chunk, |e| e.user_id.0))
            .bind(ids(chunk, |e| e.course_id.0))
            .bind(chunk.iter().map(|e| e.source.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|e| e.status.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|e| e.enrolled_at).collect::<Vec<_>>())
            .bind(chunk.iter().map(|e| e.completed_at).collect::<Vec<_>>())
            .bind(
                chunk
                    .iter()
                    .map(|e| e.completed_required as i32)
                    .collect::<Vec<_>>(),
            )
            .bind(chunk.iter().map(|e| e.last_activity_at).collect::<Vec<_>>());
            let inserted = self.run(q).await?;
            if inserted != chunk.len() as u64 {
                return Err(StoreError::Corrupt(format!(
                    "{} of {} enrollments had no course",
                    chunk.len() as u64 - inserted,
                    chunk.len()
                )));
            }
        }
        Ok(())
    }

    async fn courses_with_org_slug(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<(Course, String)>, StoreError> {
        let q = sqlx::query(
            "SELECT c.*, o.slug AS org_slug FROM courses c JOIN orgs o ON o.id = c.org_id
             WHERE c.id = ANY($1)",
        )
        .bind(ids(courses, |c| c.0));
        all(&self.rows(q).await?, |row| {
            Ok((decode::course(row)?, row.text("org_slug")?))
        })
    }
}
