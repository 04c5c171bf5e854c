//! Enrollments: who takes which course, from what source, in what state, with the rollup
//! of their progress (`completed_required`).

use crate::row::{SqlRow, all, count, id, one, opt_parsed, parsed};
use crate::{Connection, Dialect, Query, SqlTx, after, expect_one, limit};
use async_trait::async_trait;
use lms_core::release::Unlocked;
use lms_core::store::{EnrollmentTx, EnrollmentWithCourse};
use lms_core::{
    Course, CourseId, Enrollment, EnrollmentSource, EnrollmentStatus, PageRequest, RevokedReason,
    StoreError, UserId,
};
use std::collections::HashMap;

/// The enrollment part of a dialect.
#[async_trait]
pub trait EnrollmentDialect: Connection {
    /// The user's enrollment in the course, locked until the transaction ends (a learner's
    /// write). Must lock in the same order as a curriculum change so the two never
    /// deadlock: see each store's notes.
    async fn lock_enrollment(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Enrollment>, StoreError>;
    /// Inserts many enrollments at once, rollups included (bulk import).
    async fn insert_enrollments(&mut self, enrollments: &[Enrollment]) -> Result<(), StoreError>;
    /// The courses with these ids, each with its org's slug.
    async fn courses_with_org_slug(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<(Course, String)>, StoreError>;
}

#[async_trait]
impl<C: Dialect> EnrollmentTx for SqlTx<C> {
    async fn enrollment(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Enrollment>, StoreError> {
        find_enrollment(&mut self.conn, user, course).await
    }

    async fn lock_enrollment(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Enrollment>, StoreError> {
        self.conn.lock_enrollment(user, course).await
    }

    async fn insert_enrollment(&mut self, e: &Enrollment) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO enrollments (id, {org_id, }user_id, course_id, source, status,
                                      enrolled_at, completed_at, completed_required,
                                      revoked_reason, last_activity_at, unlocked)
             SELECT $1, {org_id, }$2, id, $4, $5, $6, $7, $8, $9, $10, $11
             FROM courses WHERE id = $3",
        )
        .bind(e.id.0)
        .bind(e.user_id.0)
        .bind(e.course_id.0)
        .bind(e.source.as_str())
        .bind(e.status.as_str())
        .bind(e.enrolled_at)
        .bind(e.completed_at)
        .bind(e.completed_required)
        .bind(e.revoked_reason.map(RevokedReason::as_str))
        .bind(e.last_activity_at)
        .bind(unlocked_json(&e.unlocked));
        expect_one(self.conn.execute(q).await?, "enrollment's course")
    }

    async fn insert_enrollments(&mut self, enrollments: &[Enrollment]) -> Result<(), StoreError> {
        self.conn.insert_enrollments(enrollments).await
    }

    async fn update_enrollment(&mut self, e: &Enrollment) -> Result<(), StoreError> {
        let q = Query::new(
            "UPDATE enrollments SET source = $1, status = $2, enrolled_at = $3, completed_at = $4,
                                    completed_required = $5, revoked_reason = $6,
                                    last_activity_at = $7, unlocked = $8
             WHERE id = $9",
        )
        .bind(e.source.as_str())
        .bind(e.status.as_str())
        .bind(e.enrolled_at)
        .bind(e.completed_at)
        .bind(e.completed_required)
        .bind(e.revoked_reason.map(RevokedReason::as_str))
        .bind(e.last_activity_at)
        .bind(unlocked_json(&e.unlocked))
        .bind(e.id.0);
        self.conn.execute(q).await.map(drop)
    }

    async fn list_enrollments(
        &mut self,
        course: CourseId,
        page: &PageRequest,
    ) -> Result<Vec<Enrollment>, StoreError> {
        let q = Query::new(
            "SELECT * FROM enrollments WHERE course_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(course.0)
        .bind(after(page))
        .bind(limit(page));
        all(&self.conn.fetch_all(q).await?, enrollment)
    }

    async fn enrollments_of(
        &mut self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<EnrollmentWithCourse>, StoreError> {
        let q = Query::new(
            "SELECT * FROM enrollments WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(user.0)
        .bind(after(page))
        .bind(limit(page));
        let enrollments = all(&self.conn.fetch_all(q).await?, enrollment)?;
        if enrollments.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<CourseId> = enrollments.iter().map(|e| e.course_id).collect();
        let courses: HashMap<CourseId, (Course, String)> = self
            .conn
            .courses_with_org_slug(&ids)
            .await?
            .into_iter()
            .map(|(course, slug)| (course.id, (course, slug)))
            .collect();
        enrollments
            .into_iter()
            .map(|enrollment| {
                let (course, org_slug) =
                    courses.get(&enrollment.course_id).cloned().ok_or_else(|| {
                        StoreError::Corrupt(format!("enrollment {} has no course", enrollment.id))
                    })?;
                Ok(EnrollmentWithCourse {
                    enrollment,
                    course,
                    org_slug,
                })
            })
            .collect()
    }
}

/// The user's enrollment in the course, read without a lock of its own (a dialect whose
/// write transactions already exclude every other writer locks with this).
pub async fn find_enrollment(
    conn: &mut impl Connection,
    user: UserId,
    course: CourseId,
) -> Result<Option<Enrollment>, StoreError> {
    let q = Query::new("SELECT * FROM enrollments WHERE user_id = $1 AND course_id = $2")
        .bind(user.0)
        .bind(course.0);
    one(conn.fetch_optional(q).await?, enrollment)
}

/// Reads an `enrollments` row.
pub fn enrollment(row: &impl SqlRow) -> Result<Enrollment, StoreError> {
    Ok(Enrollment {
        id: id(row, "id")?,
        user_id: id(row, "user_id")?,
        course_id: id(row, "course_id")?,
        source: parsed(row, "source", EnrollmentSource::parse)?,
        status: parsed(row, "status", EnrollmentStatus::parse)?,
        revoked_reason: opt_parsed(row, "revoked_reason", RevokedReason::parse)?,
        enrolled_at: row.time("enrolled_at")?,
        completed_at: row.opt_time("completed_at")?,
        completed_required: count(row, "completed_required")?,
        last_activity_at: row.opt_time("last_activity_at")?,
        unlocked: unlocked(row, "unlocked")?,
    })
}

/// The JSON stored for an enrollment's early unlocks.
pub fn unlocked_json(unlocked: &Unlocked) -> serde_json::Value {
    serde_json::to_value(unlocked).expect("a list of ids always serializes")
}

/// Reads an enrollment's early unlocks from `column`.
pub fn unlocked(row: &impl SqlRow, column: &str) -> Result<Unlocked, StoreError> {
    serde_json::from_value(row.json(column)?)
        .map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}
