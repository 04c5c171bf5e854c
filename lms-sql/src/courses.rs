//! Course rows, and a course read together with the caller's place in it.

use crate::row::{SqlRow, all, count, id, one, opt_parsed, parsed};
use crate::{Arg, Connection, Dialect, Query, SqlTx, after, limit};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::store::{CourseContext, CourseFilter, CourseKey, CourseTx};
use lms_core::{
    Course, CourseId, CourseStatus, Enrollment, EnrollmentSource, EnrollmentStatus, OrgId,
    PageRequest, Price, RevokedReason, Role, StoreError, UserId,
};
use uuid::Uuid;

/// The course part of a dialect.
#[async_trait]
pub trait CourseDialect: Connection {
    /// Locks the course row until the transaction ends (serializes its curriculum changes).
    async fn lock_course(&mut self, course: CourseId) -> Result<(), StoreError>;
    /// [`CourseTx::touch_course`]: a version strictly newer than the stored one, read after
    /// the row's lock (where writers run side by side, the caller's view may be old).
    async fn touch_course(
        &mut self,
        course: CourseId,
        updated_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// `course_context`'s statement, ending in the condition on the key. The course's own
/// columns keep their names (`course` reads them); the joined ones are prefixed.
macro_rules! course_context_sql {
    ($key_condition:literal) => {
        concat!(
            "SELECT c.*, m.role AS member_role, e.id AS e_id, e.user_id AS e_user_id,
                    e.source AS e_source, e.status AS e_status, e.enrolled_at AS e_enrolled_at,
                    e.completed_at AS e_completed_at, e.completed_required AS e_completed_required,
                    e.revoked_reason AS e_revoked_reason,
                    e.last_activity_at AS e_last_activity_at, e.unlocked AS e_unlocked
             FROM courses c
             LEFT JOIN memberships m ON m.org_id = c.org_id AND m.user_id = $1
             LEFT JOIN enrollments e ON e.course_id = c.id AND e.user_id = $1
             WHERE c.org_id = $2 AND ",
            $key_condition
        )
    };
}

#[async_trait]
impl<C: Dialect> CourseTx for SqlTx<C> {
    async fn insert_course(&mut self, c: &Course) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO courses (id, org_id, slug, title, description, status, price_amount,
                                  price_currency, owner_id, metadata, created_at, updated_at,
                                  prerequisites)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(c.id.0)
        .bind(c.org_id.0)
        .bind(&c.slug)
        .bind(&c.title)
        .bind(&c.description)
        .bind(c.status.as_str())
        .bind(c.price.as_ref().map(|p| p.amount))
        .bind(c.price.as_ref().map(|p| p.currency.as_str()))
        .bind(c.owner_id.0)
        .bind(&c.metadata)
        .bind(c.created_at)
        .bind(c.updated_at)
        .bind(ids_json(&c.prerequisites));
        self.conn.execute(q).await.map(drop)
    }

    async fn update_course(&mut self, c: &Course) -> Result<(), StoreError> {
        let q = Query::new(
            "UPDATE courses SET title = $1, description = $2, status = $3, price_amount = $4,
                                price_currency = $5, owner_id = $6, metadata = $7, updated_at = $8,
                                prerequisites = $9
             WHERE id = $10",
        )
        .bind(&c.title)
        .bind(&c.description)
        .bind(c.status.as_str())
        .bind(c.price.as_ref().map(|p| p.amount))
        .bind(c.price.as_ref().map(|p| p.currency.as_str()))
        .bind(c.owner_id.0)
        .bind(&c.metadata)
        .bind(c.updated_at)
        .bind(ids_json(&c.prerequisites))
        .bind(c.id.0);
        self.conn.execute(q).await.map(drop)
    }

    async fn course<'k>(
        &mut self,
        org: OrgId,
        key: CourseKey<'k>,
    ) -> Result<Option<Course>, StoreError> {
        let q = match key {
            CourseKey::Id(id) => Query::new("SELECT * FROM courses WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(id.0),
            CourseKey::Slug(slug) => {
                Query::new("SELECT * FROM courses WHERE org_id = $1 AND slug = $2")
                    .bind(org.0)
                    .bind(slug)
            }
        };
        one(self.conn.fetch_optional(q).await?, course)
    }

    async fn course_context<'k>(
        &mut self,
        org: OrgId,
        key: CourseKey<'k>,
        user: Option<UserId>,
    ) -> Result<Option<CourseContext>, StoreError> {
        let nobody = Uuid::nil(); // matches no membership and no enrollment
        let user = user.map_or(nobody, |u| u.0);
        let (template, key): (&'static str, Arg) = match key {
            CourseKey::Id(id) => (course_context_sql!("c.id = $3"), id.0.into()),
            CourseKey::Slug(slug) => (course_context_sql!("c.slug = $3"), slug.into()),
        };
        let q = Query::new(template).bind(user).bind(org.0).bind(key);
        one(self.conn.fetch_optional(q).await?, course_context)
    }

    async fn touch_course(
        &mut self,
        course: CourseId,
        updated_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.touch_course(course, updated_at).await
    }

    async fn lock_course(&mut self, course: CourseId) -> Result<(), StoreError> {
        self.conn.lock_course(course).await
    }

    async fn prerequisite_graph(
        &mut self,
        org: OrgId,
    ) -> Result<Vec<(CourseId, Vec<CourseId>)>, StoreError> {
        let q = Query::new("SELECT id, prerequisites FROM courses WHERE org_id = $1").bind(org.0);
        all(&self.conn.fetch_all(q).await?, |row| {
            Ok((id(row, "id")?, json_ids(row, "prerequisites")?))
        })
    }

    async fn list_courses(
        &mut self,
        org: OrgId,
        filter: CourseFilter,
        page: &PageRequest,
    ) -> Result<Vec<Course>, StoreError> {
        let q = Query::new(
            "SELECT * FROM courses
             WHERE org_id = $1 AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR owner_id = $3)
               AND id > $4
             ORDER BY id LIMIT $5",
        )
        .bind(org.0)
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.owner.map(|o| o.0))
        .bind(after(page))
        .bind(limit(page));
        all(&self.conn.fetch_all(q).await?, course)
    }
}

/// A list of ids as the JSON array stored for it.
fn ids_json(ids: &[CourseId]) -> serde_json::Value {
    ids.iter().map(|id| id.0.to_string()).collect()
}

/// Reads a JSON array of ids.
fn json_ids(row: &impl SqlRow, column: &str) -> Result<Vec<CourseId>, StoreError> {
    serde_json::from_value(row.json(column)?)
        .map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}

/// Reads a `courses` row.
pub fn course(row: &impl SqlRow) -> Result<Course, StoreError> {
    let amount = row.opt_int("price_amount")?;
    let currency = row.opt_text("price_currency")?;
    Ok(Course {
        id: id(row, "id")?,
        org_id: id(row, "org_id")?,
        slug: row.text("slug")?,
        title: row.text("title")?,
        description: row.text("description")?,
        status: parsed(row, "status", CourseStatus::parse)?,
        price: amount
            .zip(currency)
            .map(|(amount, currency)| Price { amount, currency }),
        owner_id: id(row, "owner_id")?,
        metadata: row.json("metadata")?,
        prerequisites: json_ids(row, "prerequisites")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

/// Reads a row of `course_context`'s statement: the course, the caller's role, and their
/// enrollment (columns prefixed `e_`).
pub fn course_context(row: &impl SqlRow) -> Result<CourseContext, StoreError> {
    let role = opt_parsed(row, "member_role", Role::parse)?;
    let enrollment = match row.opt_uuid("e_id")? {
        None => None,
        Some(enrollment_id) => Some(Enrollment {
            id: enrollment_id.into(),
            user_id: id(row, "e_user_id")?,
            course_id: id(row, "id")?,
            source: parsed(row, "e_source", EnrollmentSource::parse)?,
            status: parsed(row, "e_status", EnrollmentStatus::parse)?,
            revoked_reason: opt_parsed(row, "e_revoked_reason", RevokedReason::parse)?,
            enrolled_at: row.time("e_enrolled_at")?,
            completed_at: row.opt_time("e_completed_at")?,
            completed_required: count(row, "e_completed_required")?,
            last_activity_at: row.opt_time("e_last_activity_at")?,
            unlocked: crate::enrollments::unlocked(row, "e_unlocked")?,
        }),
    };
    Ok(CourseContext {
        course: course(row)?,
        role,
        enrollment,
    })
}
