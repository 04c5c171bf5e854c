//! The SQLite transaction: every [`StoreTx`] method as SQL.

use crate::rows;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::course::OutlineModule;
use lms_core::store::{
    AuthSession, CourseContext, CourseFilter, CourseKey, EnrollmentWithCourse, ReportRow,
    RollupBucket, StoreTx, TenantScope,
};
use lms_core::{
    Certificate, CertificateCode, Course, CourseId, CurriculumLayout, Enrollment, Lesson, LessonId,
    LessonProgress, Member, Membership, MembershipSummary, Module, ModuleId, Org, OrgId,
    PageRequest, PaymentRecord, Post, PostId, QuizAttempt, Role, StoreError, Subscription,
    UniqueKey, User, UserId,
};
use lms_core::{Event, EventSeq, NewEvent, Notification, NotificationId};
use sqlx::error::ErrorKind;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// One SQLite transaction (see [`StoreTx`]).
pub struct SqliteTx {
    tx: Transaction<'static, Sqlite>,
    /// Events appended so far, written at commit.
    events: Vec<NewEvent>,
    /// Told after a commit that wrote events ([`lms_core::Store::listen`]).
    signal: EventSignal,
}

/// Counts commits that wrote events; listeners wait for it to change.
pub(crate) type EventSignal = Arc<tokio::sync::watch::Sender<u64>>;

impl SqliteTx {
    pub(crate) fn new(tx: Transaction<'static, Sqlite>, signal: EventSignal) -> Self {
        Self {
            tx,
            events: Vec::new(),
            signal,
        }
    }

    /// Writes the appended events and their notifications (the last writes before commit).
    async fn write_events(&mut self) -> Result<(), StoreError> {
        for event in std::mem::take(&mut self.events) {
            let audience: Vec<Uuid> = event.recipients.iter().map(|r| r.user_id.0).collect();
            let q = sqlx::query(
                "INSERT INTO events (org_id, course_id, kind, data, audience, created_at)
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
            )
            .bind(event.org_id.0)
            .bind(event.course_id.0)
            .bind(event.kind.as_str())
            .bind(event.data.to_string())
            .bind(serde_json::to_string(&audience).unwrap_or_else(|_| "[]".into()))
            .bind(event.created_at);
            let row = q.fetch_one(&mut *self.tx).await.map_err(map_error)?;
            let seq: i64 = row.try_get("seq").map_err(map_error)?;
            for recipient in &event.recipients {
                let q = sqlx::query(
                    "INSERT INTO notifications (id, seq, user_id, kind) VALUES (?, ?, ?, ?)",
                )
                .bind(recipient.id.0)
                .bind(seq)
                .bind(recipient.user_id.0)
                .bind(recipient.kind.as_str());
                self.execute(q).await?;
            }
        }
        Ok(())
    }
}

/// Maps sqlx errors onto the store's: broken unique keys by name, lost connections as
/// unavailable, the rest as backend failures.
pub(crate) fn map_error(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Database(db) if db.kind() == ErrorKind::UniqueViolation => {
            // SQLite names the columns: "UNIQUE constraint failed: courses.org_id, courses.slug".
            let message = db.message();
            let key = [
                ("orgs.slug", UniqueKey::OrgSlug),
                ("users.email", UniqueKey::UserEmail),
                ("courses.slug", UniqueKey::CourseSlug),
                ("memberships.", UniqueKey::Membership),
                ("enrollments.user_id", UniqueKey::Enrollment),
                ("quiz_attempts.", UniqueKey::AttemptNumber),
            ]
            .into_iter()
            .find(|(needle, _)| message.contains(needle))
            .map_or(UniqueKey::Other, |(_, key)| key);
            StoreError::Duplicate(key)
        }
        e @ (sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)) => {
            StoreError::Unavailable(Box::new(e))
        }
        e => StoreError::Backend(Box::new(e)),
    }
}

/// The sort key after which a page starts: nil (before every v7 id) for the first page.
fn after(page: &PageRequest) -> Uuid {
    page.after.unwrap_or(Uuid::nil())
}

fn limit(page: &PageRequest) -> i64 {
    i64::from(page.fetch_limit())
}

/// `prefix` + one bound parameter per id, comma-separated + `suffix`.
fn with_ids(prefix: &str, ids: impl Iterator<Item = Uuid>, suffix: &str) -> QueryBuilder<Sqlite> {
    let mut query = QueryBuilder::new(prefix);
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    query.push(suffix);
    query
}

const LESSON_SUMMARY_COLUMNS: &str =
    "id, course_id, module_id, title, kind, position, duration_minutes, free_preview, required";

impl SqliteTx {
    async fn fetch_all(
        &mut self,
        query: sqlx::query::Query<'_, Sqlite, sqlx::sqlite::SqliteArguments>,
    ) -> Result<Vec<SqliteRow>, StoreError> {
        query.fetch_all(&mut *self.tx).await.map_err(map_error)
    }

    async fn fetch_optional(
        &mut self,
        query: sqlx::query::Query<'_, Sqlite, sqlx::sqlite::SqliteArguments>,
    ) -> Result<Option<SqliteRow>, StoreError> {
        query.fetch_optional(&mut *self.tx).await.map_err(map_error)
    }

    async fn fetch_built(
        &mut self,
        mut query: QueryBuilder<Sqlite>,
    ) -> Result<Vec<SqliteRow>, StoreError> {
        query
            .build()
            .fetch_all(&mut *self.tx)
            .await
            .map_err(map_error)
    }

    async fn execute(
        &mut self,
        query: sqlx::query::Query<'_, Sqlite, sqlx::sqlite::SqliteArguments>,
    ) -> Result<u64, StoreError> {
        Ok(query
            .execute(&mut *self.tx)
            .await
            .map_err(map_error)?
            .rows_affected())
    }
}

#[async_trait]
impl StoreTx for SqliteTx {
    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        let wrote_events = !self.events.is_empty();
        self.write_events().await?;
        self.tx.commit().await.map_err(map_error)?;
        if wrote_events {
            self.signal.send_modify(|commits| *commits += 1);
        }
        Ok(())
    }

    async fn set_scope(&mut self, _scope: TenantScope) -> Result<(), StoreError> {
        // One embedded database per application: isolation is the service's alone.
        Ok(())
    }

    async fn insert_org(&mut self, org: &Org) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO orgs (id, slug, name, settings, membership_plan, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(org.id.0)
        .bind(&org.slug)
        .bind(&org.name)
        .bind(org.settings.to_string())
        .bind(plan_json(org))
        .bind(org.created_at);
        self.execute(q).await.map(drop)
    }

    async fn org_by_slug(&mut self, slug: &str) -> Result<Option<Org>, StoreError> {
        let row = self
            .fetch_optional(sqlx::query("SELECT * FROM orgs WHERE slug = ?").bind(slug))
            .await?;
        row.as_ref().map(rows::org).transpose()
    }

    async fn lock_org(&mut self, _org: OrgId) -> Result<(), StoreError> {
        // A write transaction holds SQLite's database-wide write lock since BEGIN IMMEDIATE.
        Ok(())
    }

    async fn update_org(&mut self, org: &Org) -> Result<(), StoreError> {
        let q =
            sqlx::query("UPDATE orgs SET name = ?, settings = ?, membership_plan = ? WHERE id = ?")
                .bind(&org.name)
                .bind(org.settings.to_string())
                .bind(plan_json(org))
                .bind(org.id.0);
        self.execute(q).await.map(drop)
    }

    async fn insert_users(&mut self, users: &[User]) -> Result<(), StoreError> {
        // 4 parameters a row; SQLite takes up to 32,766 a statement.
        for chunk in users.chunks(1000) {
            let mut query = QueryBuilder::new("INSERT INTO users (id, email, name, created_at) ");
            query.push_values(chunk, |mut row, u| {
                row.push_bind(u.id.0)
                    .push_bind(&u.email)
                    .push_bind(&u.name)
                    .push_bind(u.created_at);
            });
            query
                .build()
                .execute(&mut *self.tx)
                .await
                .map_err(map_error)?;
        }
        Ok(())
    }

    async fn insert_user(&mut self, user: &User) -> Result<(), StoreError> {
        let q = sqlx::query("INSERT INTO users (id, email, name, created_at) VALUES (?, ?, ?, ?)")
            .bind(user.id.0)
            .bind(&user.email)
            .bind(&user.name)
            .bind(user.created_at);
        self.execute(q).await.map(drop)
    }

    async fn user(&mut self, id: UserId) -> Result<Option<User>, StoreError> {
        let row = self
            .fetch_optional(sqlx::query("SELECT * FROM users WHERE id = ?").bind(id.0))
            .await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn user_by_email(&mut self, email: &str) -> Result<Option<User>, StoreError> {
        let row = self
            .fetch_optional(sqlx::query("SELECT * FROM users WHERE email = ?").bind(email))
            .await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn membership(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> Result<Option<Membership>, StoreError> {
        let q = sqlx::query("SELECT * FROM memberships WHERE org_id = ? AND user_id = ?")
            .bind(org.0)
            .bind(user.0);
        let row = self.fetch_optional(q).await?;
        row.as_ref().map(rows::membership).transpose()
    }

    async fn memberships_of(&mut self, user: UserId) -> Result<Vec<MembershipSummary>, StoreError> {
        let q = sqlx::query(
            "SELECT o.slug AS org, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
             WHERE m.user_id = ? ORDER BY o.slug",
        )
        .bind(user.0);
        let rows = self.fetch_all(q).await?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get("role").map_err(map_error)?;
                Ok(MembershipSummary {
                    org: row.try_get("org").map_err(map_error)?,
                    role: Role::parse(&role)
                        .ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
                })
            })
            .collect()
    }

    async fn insert_membership(&mut self, m: &Membership) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO memberships (org_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
        )
        .bind(m.org_id.0)
        .bind(m.user_id.0)
        .bind(m.role.as_str())
        .bind(m.joined_at);
        self.execute(q).await.map(drop)
    }

    async fn update_membership_role(
        &mut self,
        org: OrgId,
        user: UserId,
        role: Role,
    ) -> Result<(), StoreError> {
        let q = sqlx::query("UPDATE memberships SET role = ? WHERE org_id = ? AND user_id = ?")
            .bind(role.as_str())
            .bind(org.0)
            .bind(user.0);
        self.execute(q).await.map(drop)
    }

    async fn delete_membership(&mut self, org: OrgId, user: UserId) -> Result<(), StoreError> {
        let q = sqlx::query("DELETE FROM memberships WHERE org_id = ? AND user_id = ?")
            .bind(org.0)
            .bind(user.0);
        self.execute(q).await.map(drop)
    }

    async fn count_admins(&mut self, org: OrgId) -> Result<u32, StoreError> {
        let q = sqlx::query(
            "SELECT count(*) AS n FROM memberships WHERE org_id = ? AND role = 'admin'",
        )
        .bind(org.0);
        let row = self.fetch_optional(q).await?;
        row.as_ref().map_or(Ok(0), |r| rows::u32_of(r, "n"))
    }

    async fn list_members(
        &mut self,
        org: OrgId,
        page: &PageRequest,
    ) -> Result<Vec<Member>, StoreError> {
        let q = sqlx::query(
            "SELECT m.user_id, u.name, u.email, m.role, m.joined_at
             FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = ? AND m.user_id > ? ORDER BY m.user_id LIMIT ?",
        )
        .bind(org.0)
        .bind(after(page))
        .bind(limit(page));
        rows::all(self.fetch_all(q).await?, rows::member)
    }

    async fn insert_course(&mut self, c: &Course) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO courses (id, org_id, slug, title, description, status, price_amount, price_currency,
                                  owner_id, metadata, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        .bind(c.metadata.to_string())
        .bind(c.created_at)
        .bind(c.updated_at);
        self.execute(q).await.map(drop)
    }

    async fn update_course(&mut self, c: &Course) -> Result<(), StoreError> {
        let q = sqlx::query(
            "UPDATE courses SET title = ?, description = ?, status = ?, price_amount = ?, price_currency = ?,
                                owner_id = ?, metadata = ?, updated_at = ?
             WHERE id = ?",
        )
        .bind(&c.title)
        .bind(&c.description)
        .bind(c.status.as_str())
        .bind(c.price.as_ref().map(|p| p.amount))
        .bind(c.price.as_ref().map(|p| p.currency.as_str()))
        .bind(c.owner_id.0)
        .bind(c.metadata.to_string())
        .bind(c.updated_at)
        .bind(c.id.0);
        self.execute(q).await.map(drop)
    }

    async fn course<'k>(
        &mut self,
        org: OrgId,
        key: CourseKey<'k>,
    ) -> Result<Option<Course>, StoreError> {
        let q = match key {
            CourseKey::Id(id) => sqlx::query("SELECT * FROM courses WHERE org_id = ? AND id = ?")
                .bind(org.0)
                .bind(id.0),
            CourseKey::Slug(slug) => {
                sqlx::query("SELECT * FROM courses WHERE org_id = ? AND slug = ?")
                    .bind(org.0)
                    .bind(slug)
            }
        };
        let row = self.fetch_optional(q).await?;
        row.as_ref().map(rows::course).transpose()
    }

    async fn course_context<'k>(
        &mut self,
        org: OrgId,
        key: CourseKey<'k>,
        user: Option<UserId>,
    ) -> Result<Option<CourseContext>, StoreError> {
        // The course's own columns keep their names (rows::course reads them); the joined
        // ones are prefixed.
        const SELECT: &str =
            "SELECT c.*, m.role AS member_role, e.id AS e_id, e.user_id AS e_user_id, e.source AS e_source,
                    e.status AS e_status, e.enrolled_at AS e_enrolled_at, e.completed_at AS e_completed_at,
                    e.completed_required AS e_completed_required
             FROM courses c
             LEFT JOIN memberships m ON m.org_id = c.org_id AND m.user_id = ?
             LEFT JOIN enrollments e ON e.course_id = c.id AND e.user_id = ?
             WHERE c.org_id = ? AND ";
        let nobody = Uuid::nil(); // matches no membership and no enrollment
        let user = user.map_or(nobody, |u| u.0);
        let q = match key {
            CourseKey::Id(id) => sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT}c.id = ?")))
                .bind(user)
                .bind(user)
                .bind(org.0)
                .bind(id.0),
            CourseKey::Slug(slug) => {
                sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT}c.slug = ?")))
                    .bind(user)
                    .bind(user)
                    .bind(org.0)
                    .bind(slug.to_owned())
            }
        };
        let row = self.fetch_optional(q).await?;
        row.as_ref().map(rows::course_context).transpose()
    }

    async fn touch_course(
        &mut self,
        course: CourseId,
        updated_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let q = sqlx::query("UPDATE courses SET updated_at = ? WHERE id = ?")
            .bind(updated_at)
            .bind(course.0);
        self.execute(q).await.map(drop)
    }

    async fn lock_course(&mut self, _course: CourseId) -> Result<(), StoreError> {
        // Held already: see lock_org.
        Ok(())
    }

    async fn list_courses(
        &mut self,
        org: OrgId,
        filter: CourseFilter,
        page: &PageRequest,
    ) -> Result<Vec<Course>, StoreError> {
        let q = sqlx::query(
            "SELECT * FROM courses
             WHERE org_id = ?1 AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR owner_id = ?3) AND id > ?4
             ORDER BY id LIMIT ?5",
        )
        .bind(org.0)
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.owner.map(|o| o.0))
        .bind(after(page))
        .bind(limit(page));
        rows::all(self.fetch_all(q).await?, rows::course)
    }

    async fn outline(&mut self, course: CourseId) -> Result<Vec<OutlineModule>, StoreError> {
        let modules = self
            .fetch_all(
                sqlx::query("SELECT * FROM modules WHERE course_id = ? ORDER BY position")
                    .bind(course.0),
            )
            .await?;
        let lessons = self
            .fetch_all(
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {LESSON_SUMMARY_COLUMNS} FROM lessons WHERE course_id = ? ORDER BY position"
                )))
                .bind(course.0),
            )
            .await?;
        let mut outline: Vec<OutlineModule> = modules
            .iter()
            .map(|row| {
                Ok(OutlineModule {
                    module: rows::module(row)?,
                    lessons: Vec::new(),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let index: HashMap<ModuleId, usize> = outline
            .iter()
            .enumerate()
            .map(|(i, m)| (m.module.id, i))
            .collect();
        for row in &lessons {
            let lesson = rows::lesson_summary(row)?;
            let slot = index.get(&lesson.module_id).ok_or_else(|| {
                StoreError::Corrupt(format!("lesson {} has no module", lesson.id))
            })?;
            outline[*slot].lessons.push(lesson);
        }
        Ok(outline)
    }

    async fn insert_module(&mut self, m: &Module) -> Result<(), StoreError> {
        let q =
            sqlx::query("INSERT INTO modules (id, course_id, title, position) VALUES (?, ?, ?, ?)")
                .bind(m.id.0)
                .bind(m.course_id.0)
                .bind(&m.title)
                .bind(i64::from(m.position));
        self.execute(q).await.map(drop)
    }

    async fn update_module(&mut self, m: &Module) -> Result<(), StoreError> {
        let q = sqlx::query("UPDATE modules SET title = ? WHERE id = ?")
            .bind(&m.title)
            .bind(m.id.0);
        self.execute(q).await.map(drop)
    }

    async fn delete_module(&mut self, module: ModuleId) -> Result<(), StoreError> {
        self.execute(sqlx::query("DELETE FROM modules WHERE id = ?").bind(module.0))
            .await
            .map(drop)
    }

    async fn lesson(
        &mut self,
        course: CourseId,
        lesson: LessonId,
    ) -> Result<Option<Lesson>, StoreError> {
        let q = sqlx::query("SELECT * FROM lessons WHERE course_id = ? AND id = ?")
            .bind(course.0)
            .bind(lesson.0);
        let row = self.fetch_optional(q).await?;
        row.as_ref().map(rows::lesson).transpose()
    }

    async fn insert_lesson(&mut self, l: &Lesson) -> Result<(), StoreError> {
        let s = &l.summary;
        let q = sqlx::query(
            "INSERT INTO lessons (id, course_id, module_id, title, kind, position, duration_minutes, free_preview,
                                  required, content)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(s.id.0)
        .bind(s.course_id.0)
        .bind(s.module_id.0)
        .bind(&s.title)
        .bind(s.kind.as_str())
        .bind(i64::from(s.position))
        .bind(s.duration_minutes.map(i64::from))
        .bind(s.free_preview)
        .bind(s.required)
        .bind(l.content.to_inner_json().to_string());
        self.execute(q).await.map(drop)
    }

    async fn update_lesson(&mut self, l: &Lesson) -> Result<(), StoreError> {
        let s = &l.summary;
        let q = sqlx::query(
            "UPDATE lessons SET title = ?, kind = ?, duration_minutes = ?, free_preview = ?, required = ?, content = ?
             WHERE id = ?",
        )
        .bind(&s.title)
        .bind(s.kind.as_str())
        .bind(s.duration_minutes.map(i64::from))
        .bind(s.free_preview)
        .bind(s.required)
        .bind(l.content.to_inner_json().to_string())
        .bind(s.id.0);
        self.execute(q).await.map(drop)
    }

    async fn delete_lesson(&mut self, lesson: LessonId) -> Result<(), StoreError> {
        self.execute(sqlx::query("DELETE FROM lessons WHERE id = ?").bind(lesson.0))
            .await
            .map(drop)
    }

    async fn apply_layout(
        &mut self,
        course: CourseId,
        layout: &CurriculumLayout,
    ) -> Result<(), StoreError> {
        // Positions are unique per parent; move every row to a negative position first so
        // that no intermediate state collides.
        self.execute(
            sqlx::query("UPDATE modules SET position = -1 - position WHERE course_id = ?")
                .bind(course.0),
        )
        .await?;
        self.execute(
            sqlx::query("UPDATE lessons SET position = -1 - position WHERE course_id = ?")
                .bind(course.0),
        )
        .await?;
        for (i, module) in layout.modules.iter().enumerate() {
            let q = sqlx::query("UPDATE modules SET position = ? WHERE id = ? AND course_id = ?")
                .bind(i as i64)
                .bind(module.id.0)
                .bind(course.0);
            self.execute(q).await?;
            for (j, lesson) in module.lessons.iter().enumerate() {
                let q = sqlx::query(
                    "UPDATE lessons SET module_id = ?, position = ? WHERE id = ? AND course_id = ?",
                )
                .bind(module.id.0)
                .bind(j as i64)
                .bind(lesson.0)
                .bind(course.0);
                self.execute(q).await?;
            }
        }
        Ok(())
    }

    async fn enrollment(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Enrollment>, StoreError> {
        let q = sqlx::query("SELECT * FROM enrollments WHERE user_id = ? AND course_id = ?")
            .bind(user.0)
            .bind(course.0);
        let row = self.fetch_optional(q).await?;
        row.as_ref().map(rows::enrollment).transpose()
    }

    async fn lock_enrollment(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Enrollment>, StoreError> {
        // Held already: see lock_org.
        self.enrollment(user, course).await
    }

    async fn insert_enrollment(&mut self, e: &Enrollment) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO enrollments (id, user_id, course_id, source, status, enrolled_at, completed_at, completed_required)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(e.id.0)
        .bind(e.user_id.0)
        .bind(e.course_id.0)
        .bind(e.source.as_str())
        .bind(e.status.as_str())
        .bind(e.enrolled_at)
        .bind(e.completed_at)
        .bind(i64::from(e.completed_required));
        self.execute(q).await.map(drop)
    }

    async fn insert_enrollments(&mut self, enrollments: &[Enrollment]) -> Result<(), StoreError> {
        for chunk in enrollments.chunks(1000) {
            let mut query = QueryBuilder::new(
                "INSERT INTO enrollments (id, user_id, course_id, source, status, enrolled_at, completed_at, \
                 completed_required) ",
            );
            query.push_values(chunk, |mut row, e| {
                row.push_bind(e.id.0)
                    .push_bind(e.user_id.0)
                    .push_bind(e.course_id.0)
                    .push_bind(e.source.as_str())
                    .push_bind(e.status.as_str())
                    .push_bind(e.enrolled_at)
                    .push_bind(e.completed_at)
                    .push_bind(i64::from(e.completed_required));
            });
            query
                .build()
                .execute(&mut *self.tx)
                .await
                .map_err(map_error)?;
        }
        Ok(())
    }

    async fn insert_progress_rows(&mut self, rows: &[LessonProgress]) -> Result<(), StoreError> {
        for chunk in rows.chunks(1000) {
            let mut query = QueryBuilder::new(
                "INSERT INTO lesson_progress (user_id, lesson_id, course_id, status, percent, completed_at, updated_at) ",
            );
            query.push_values(chunk, |mut row, p| {
                row.push_bind(p.user_id.0)
                    .push_bind(p.lesson_id.0)
                    .push_bind(p.course_id.0)
                    .push_bind(p.status.as_str())
                    .push_bind(i64::from(p.percent))
                    .push_bind(p.completed_at)
                    .push_bind(p.updated_at);
            });
            query
                .build()
                .execute(&mut *self.tx)
                .await
                .map_err(map_error)?;
        }
        Ok(())
    }

    async fn update_enrollment(&mut self, e: &Enrollment) -> Result<(), StoreError> {
        let q = sqlx::query(
            "UPDATE enrollments SET source = ?, status = ?, enrolled_at = ?, completed_at = ?, completed_required = ?
             WHERE id = ?",
        )
        .bind(e.source.as_str())
        .bind(e.status.as_str())
        .bind(e.enrolled_at)
        .bind(e.completed_at)
        .bind(i64::from(e.completed_required))
        .bind(e.id.0);
        self.execute(q).await.map(drop)
    }

    async fn list_enrollments(
        &mut self,
        course: CourseId,
        page: &PageRequest,
    ) -> Result<Vec<Enrollment>, StoreError> {
        let q = sqlx::query(
            "SELECT * FROM enrollments WHERE course_id = ? AND id > ? ORDER BY id LIMIT ?",
        )
        .bind(course.0)
        .bind(after(page))
        .bind(limit(page));
        rows::all(self.fetch_all(q).await?, rows::enrollment)
    }

    async fn enrollments_of(
        &mut self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<EnrollmentWithCourse>, StoreError> {
        let q = sqlx::query(
            "SELECT * FROM enrollments WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?",
        )
        .bind(user.0)
        .bind(after(page))
        .bind(limit(page));
        let enrollments = rows::all(self.fetch_all(q).await?, rows::enrollment)?;
        if enrollments.is_empty() {
            return Ok(Vec::new());
        }
        let query = with_ids(
            "SELECT c.*, o.slug AS org_slug FROM courses c JOIN orgs o ON o.id = c.org_id WHERE c.id IN (",
            enrollments.iter().map(|e| e.course_id.0),
            ")",
        );
        let course_rows = self.fetch_built(query).await?;
        let mut courses = HashMap::new();
        for row in &course_rows {
            let slug: String = row.try_get("org_slug").map_err(map_error)?;
            let course = rows::course(row)?;
            courses.insert(course.id, (course, slug));
        }
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

    async fn progress_rows(
        &mut self,
        users: &[UserId],
        courses: &[CourseId],
    ) -> Result<Vec<LessonProgress>, StoreError> {
        let mut rows = Vec::new();
        if courses.is_empty() {
            return Ok(rows);
        }
        // Chunked to stay well under SQLite's limit on bound parameters.
        for chunk in users.chunks(500) {
            let mut query = with_ids(
                "SELECT * FROM lesson_progress WHERE user_id IN (",
                chunk.iter().map(|u| u.0),
                ")",
            );
            let mut list = query.push(" AND course_id IN (").separated(", ");
            for course in courses {
                list.push_bind(course.0);
            }
            query.push(")");
            rows.extend(rows::all(
                self.fetch_built(query).await?,
                rows::lesson_progress,
            )?);
        }
        Ok(rows)
    }

    async fn course_progress_rows(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Vec<LessonProgress>, StoreError> {
        let q = sqlx::query("SELECT * FROM lesson_progress WHERE user_id = ? AND course_id = ?")
            .bind(user.0)
            .bind(course.0);
        rows::all(self.fetch_all(q).await?, rows::lesson_progress)
    }

    async fn upsert_lesson_progress(&mut self, p: &LessonProgress) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO lesson_progress (user_id, lesson_id, course_id, status, percent, completed_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (user_id, lesson_id) DO UPDATE SET
                 status = excluded.status, percent = excluded.percent,
                 completed_at = excluded.completed_at, updated_at = excluded.updated_at",
        )
        .bind(p.user_id.0)
        .bind(p.lesson_id.0)
        .bind(p.course_id.0)
        .bind(p.status.as_str())
        .bind(i64::from(p.percent))
        .bind(p.completed_at)
        .bind(p.updated_at);
        self.execute(q).await.map(drop)
    }

    async fn recount_rollups(&mut self, course: CourseId) -> Result<(), StoreError> {
        let q = sqlx::query(
            "UPDATE enrollments SET completed_required = (
                 SELECT count(*) FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
                 WHERE p.user_id = enrollments.user_id AND p.course_id = enrollments.course_id
                   AND l.course_id = enrollments.course_id AND l.required = 1 AND p.status = 'completed')
             WHERE course_id = ?",
        )
        .bind(course.0);
        self.execute(q).await.map(drop)
    }

    async fn record_completions(
        &mut self,
        course: CourseId,
        threshold: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<UserId>, StoreError> {
        let q = sqlx::query(
            "UPDATE enrollments SET completed_at = ?
             WHERE course_id = ? AND status = 'active' AND completed_at IS NULL AND completed_required >= ?
             RETURNING user_id",
        )
        .bind(now)
        .bind(course.0)
        .bind(i64::from(threshold));
        let rows = self.fetch_all(q).await?;
        rows.iter()
            .map(|row| row.try_get("user_id").map(UserId).map_err(map_error))
            .collect()
    }

    async fn insert_certificate(&mut self, c: &Certificate) -> Result<bool, StoreError> {
        let q = sqlx::query(
            "INSERT INTO certificates (code, user_id, course_id, org_id, learner_name, course_title, org_name,
                                       issued_at, revoked_at, revoked_reason)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (user_id, course_id) DO NOTHING",
        )
        .bind(c.code.as_str())
        .bind(c.user_id.0)
        .bind(c.course_id.0)
        .bind(c.org_id.0)
        .bind(&c.learner_name)
        .bind(&c.course_title)
        .bind(&c.org_name)
        .bind(c.issued_at)
        .bind(c.revoked_at)
        .bind(c.revoked_reason.map(|r| r.as_str()));
        Ok(self.execute(q).await? == 1)
    }

    async fn certificate(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Certificate>, StoreError> {
        let q = sqlx::query("SELECT * FROM certificates WHERE user_id = ? AND course_id = ?")
            .bind(user.0)
            .bind(course.0);
        let row = self.fetch_optional(q).await?;
        row.as_ref().map(rows::certificate).transpose()
    }

    async fn certificate_by_code(
        &mut self,
        code: &CertificateCode,
    ) -> Result<Option<Certificate>, StoreError> {
        let q = sqlx::query("SELECT * FROM certificates WHERE code = ?").bind(code.as_str());
        let row = self.fetch_optional(q).await?;
        row.as_ref().map(rows::certificate).transpose()
    }

    async fn update_certificate_revocation(&mut self, c: &Certificate) -> Result<(), StoreError> {
        let q = sqlx::query(
            "UPDATE certificates SET revoked_at = ?, revoked_reason = ? WHERE code = ?",
        )
        .bind(c.revoked_at)
        .bind(c.revoked_reason.map(|r| r.as_str()))
        .bind(c.code.as_str());
        self.execute(q).await.map(drop)
    }

    async fn insert_attempt(&mut self, a: &QuizAttempt) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO quiz_attempts (id, user_id, lesson_id, course_id, attempt_number, score_percent, passed,
                                        answers, submitted_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(a.id.0)
        .bind(a.user_id.0)
        .bind(a.lesson_id.0)
        .bind(a.course_id.0)
        .bind(i64::from(a.attempt_number))
        .bind(i64::from(a.score_percent))
        .bind(a.passed)
        .bind(a.answers.to_string())
        .bind(a.submitted_at);
        self.execute(q).await.map(drop)
    }

    async fn count_attempts(&mut self, user: UserId, lesson: LessonId) -> Result<u32, StoreError> {
        let q = sqlx::query(
            "SELECT count(*) AS n FROM quiz_attempts WHERE user_id = ? AND lesson_id = ?",
        )
        .bind(user.0)
        .bind(lesson.0);
        let row = self.fetch_optional(q).await?;
        row.as_ref().map_or(Ok(0), |r| rows::u32_of(r, "n"))
    }

    async fn list_attempts(
        &mut self,
        user: UserId,
        lesson: LessonId,
        page: &PageRequest,
    ) -> Result<Vec<QuizAttempt>, StoreError> {
        let q = sqlx::query(
            "SELECT * FROM quiz_attempts WHERE user_id = ? AND lesson_id = ? AND id > ? ORDER BY id LIMIT ?",
        )
        .bind(user.0)
        .bind(lesson.0)
        .bind(after(page))
        .bind(limit(page));
        rows::all(self.fetch_all(q).await?, rows::attempt)
    }

    async fn report_rows(
        &mut self,
        course: CourseId,
        page: &PageRequest,
    ) -> Result<Vec<ReportRow>, StoreError> {
        let q = sqlx::query(
            "SELECT e.*, u.name FROM enrollments e JOIN users u ON u.id = e.user_id
             WHERE e.course_id = ? AND e.status = 'active' AND e.id > ? ORDER BY e.id LIMIT ?",
        )
        .bind(course.0)
        .bind(after(page))
        .bind(limit(page));
        rows::all(self.fetch_all(q).await?, rows::report_row)
    }

    async fn rollup_buckets(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<RollupBucket>, StoreError> {
        if courses.is_empty() {
            return Ok(Vec::new());
        }
        let query = with_ids(
            "SELECT course_id, completed_required, enrollments, completed
             FROM rollup_histogram WHERE enrollments > 0 AND course_id IN (",
            courses.iter().map(|c| c.0),
            ")",
        );
        let rows = self.fetch_built(query).await?;
        rows.iter()
            .map(|row| {
                let course: Uuid = row.try_get("course_id").map_err(map_error)?;
                Ok(RollupBucket {
                    course_id: CourseId(course),
                    completed_required: rows::u32_of(row, "completed_required")?,
                    enrollments: u64::from(rows::u32_of(row, "enrollments")?),
                    completed: u64::from(rows::u32_of(row, "completed")?),
                })
            })
            .collect()
    }

    async fn required_totals(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<(CourseId, u32)>, StoreError> {
        if courses.is_empty() {
            return Ok(Vec::new());
        }
        let query = with_ids(
            "SELECT course_id, count(*) AS n FROM lessons WHERE required = 1 AND course_id IN (",
            courses.iter().map(|c| c.0),
            ") GROUP BY course_id",
        );
        let rows = self.fetch_built(query).await?;
        rows.iter()
            .map(|row| {
                let course: Uuid = row.try_get("course_id").map_err(map_error)?;
                Ok((CourseId(course), rows::u32_of(row, "n")?))
            })
            .collect()
    }

    async fn insert_post(&mut self, p: &Post) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO posts (id, course_id, lesson_id, author_id, parent_id, body, created_at, edited_at, hidden)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(p.id.0)
        .bind(p.course_id.0)
        .bind(p.lesson_id.0)
        .bind(p.author.id.0)
        .bind(p.parent_id.map(|id| id.0))
        .bind(&p.body)
        .bind(p.created_at)
        .bind(p.edited_at)
        .bind(p.hidden);
        self.execute(q).await.map(drop)
    }

    async fn post(&mut self, course: CourseId, post: PostId) -> Result<Option<Post>, StoreError> {
        let q = sqlx::query(
            "SELECT p.*, u.name AS author_name FROM posts p JOIN users u ON u.id = p.author_id
             WHERE p.course_id = ? AND p.id = ?",
        )
        .bind(course.0)
        .bind(post.0);
        let row = self.fetch_optional(q).await?;
        row.as_ref().map(rows::post).transpose()
    }

    async fn list_posts(
        &mut self,
        lesson: LessonId,
        page: &PageRequest,
    ) -> Result<Vec<Post>, StoreError> {
        let q = sqlx::query(
            "SELECT p.*, u.name AS author_name FROM posts p JOIN users u ON u.id = p.author_id
             WHERE p.lesson_id = ? AND p.id > ? ORDER BY p.id LIMIT ?",
        )
        .bind(lesson.0)
        .bind(after(page))
        .bind(limit(page));
        rows::all(self.fetch_all(q).await?, rows::post)
    }

    async fn update_post(&mut self, p: &Post) -> Result<(), StoreError> {
        let q = sqlx::query("UPDATE posts SET body = ?, edited_at = ?, hidden = ? WHERE id = ?")
            .bind(&p.body)
            .bind(p.edited_at)
            .bind(p.hidden)
            .bind(p.id.0);
        self.execute(q).await.map(drop)
    }

    async fn delete_post(&mut self, post: PostId) -> Result<(), StoreError> {
        self.execute(sqlx::query("DELETE FROM posts WHERE id = ?").bind(post.0))
            .await
            .map(drop)
    }

    async fn count_posts_since(
        &mut self,
        user: UserId,
        since: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let q =
            sqlx::query("SELECT count(*) AS n FROM posts WHERE author_id = ? AND created_at >= ?")
                .bind(user.0)
                .bind(since);
        let row = self
            .fetch_optional(q)
            .await?
            .ok_or_else(|| StoreError::Corrupt("count returned no row".into()))?;
        let n: i64 = row.try_get("n").map_err(map_error)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn insert_payment_event(
        &mut self,
        event_id: &str,
        kind: &str,
        received_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let q = sqlx::query(
            "INSERT INTO payment_events (event_id, kind, received_at) VALUES (?, ?, ?)
             ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(kind)
        .bind(received_at);
        Ok(self.execute(q).await? == 1)
    }

    async fn insert_payment(&mut self, p: &PaymentRecord) -> Result<bool, StoreError> {
        let q = sqlx::query(
            "INSERT INTO payments (id, org_id, user_id, course_id, kind, reference, amount, currency, event_id,
                                   created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (kind, reference) DO NOTHING",
        )
        .bind(p.id.0)
        .bind(p.org_id.0)
        .bind(p.user_id.0)
        .bind(p.course_id.map(|c| c.0))
        .bind(p.kind.as_str())
        .bind(&p.reference)
        .bind(p.amount)
        .bind(&p.currency)
        .bind(&p.event_id)
        .bind(p.created_at);
        Ok(self.execute(q).await? == 1)
    }

    async fn list_payments(
        &mut self,
        org: OrgId,
        page: &PageRequest,
    ) -> Result<Vec<PaymentRecord>, StoreError> {
        let q =
            sqlx::query("SELECT * FROM payments WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?")
                .bind(org.0)
                .bind(after(page))
                .bind(limit(page));
        rows::all(self.fetch_all(q).await?, rows::payment)
    }

    async fn subscription(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> Result<Option<Subscription>, StoreError> {
        let q = sqlx::query("SELECT * FROM plan_subscriptions WHERE org_id = ? AND user_id = ?")
            .bind(org.0)
            .bind(user.0);
        let row = self.fetch_optional(q).await?;
        row.as_ref().map(rows::subscription).transpose()
    }

    async fn upsert_subscription(&mut self, s: &Subscription) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO plan_subscriptions (org_id, user_id, provider_id, status, current_period_end,
                                             cancel_at_period_end, past_due_since, event_created, object_updated,
                                             is_final)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (org_id, user_id) DO UPDATE SET
                provider_id = excluded.provider_id, status = excluded.status,
                current_period_end = excluded.current_period_end,
                cancel_at_period_end = excluded.cancel_at_period_end, past_due_since = excluded.past_due_since,
                event_created = excluded.event_created, object_updated = excluded.object_updated,
                is_final = excluded.is_final",
        )
        .bind(s.org_id.0)
        .bind(s.user_id.0)
        .bind(&s.provider_id)
        .bind(s.status.as_str())
        .bind(s.current_period_end)
        .bind(s.cancel_at_period_end)
        .bind(s.past_due_since)
        .bind(s.version.event_created)
        .bind(s.version.object_updated)
        .bind(s.version.is_final);
        self.execute(q).await.map(drop)
    }

    async fn revoke_subscription_enrollments(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> Result<u64, StoreError> {
        let q = sqlx::query(
            "UPDATE enrollments SET status = 'revoked'
             WHERE user_id = ? AND source = 'subscription' AND status = 'active'
               AND course_id IN (SELECT id FROM courses WHERE org_id = ?)",
        )
        .bind(user.0)
        .bind(org.0);
        self.execute(q).await
    }

    async fn set_password_hash(&mut self, user: UserId, hash: &str) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO credentials (user_id, password_hash, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at",
        )
        .bind(user.0)
        .bind(hash)
        .bind(Utc::now());
        self.execute(q).await.map(drop)
    }

    async fn password_hash(&mut self, email: &str) -> Result<Option<(User, String)>, StoreError> {
        let q = sqlx::query(
            "SELECT u.*, c.password_hash FROM users u JOIN credentials c ON c.user_id = u.id WHERE u.email = ?",
        )
        .bind(email);
        let row = self.fetch_optional(q).await?;
        row.as_ref()
            .map(|r| {
                Ok((
                    rows::user(r)?,
                    r.try_get("password_hash").map_err(map_error)?,
                ))
            })
            .transpose()
    }

    async fn insert_session(&mut self, s: &AuthSession) -> Result<(), StoreError> {
        let q = sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(&s.token_hash)
            .bind(s.user_id.0)
            .bind(s.created_at)
            .bind(s.expires_at);
        self.execute(q).await.map(drop)
    }

    async fn session(&mut self, token_hash: &str) -> Result<Option<AuthSession>, StoreError> {
        let row = self
            .fetch_optional(
                sqlx::query("SELECT * FROM sessions WHERE token_hash = ?").bind(token_hash),
            )
            .await?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn extend_session(
        &mut self,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let q = sqlx::query("UPDATE sessions SET expires_at = ? WHERE token_hash = ?")
            .bind(expires_at)
            .bind(token_hash);
        self.execute(q).await.map(drop)
    }

    async fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.execute(sqlx::query("DELETE FROM sessions WHERE token_hash = ?").bind(token_hash))
            .await
            .map(drop)
    }

    async fn append_event(&mut self, event: NewEvent) -> Result<(), StoreError> {
        self.events.push(event);
        Ok(())
    }

    async fn course_events(
        &mut self,
        course: CourseId,
        after: EventSeq,
        limit: u32,
    ) -> Result<Vec<Event>, StoreError> {
        let q = sqlx::query(
            "SELECT * FROM events WHERE course_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(course.0)
        .bind(after)
        .bind(i64::from(limit));
        self.fetch_all(q).await?.iter().map(rows::event).collect()
    }

    async fn notifications_after(
        &mut self,
        user: UserId,
        after: EventSeq,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        let q = sqlx::query(
            "SELECT n.id, n.seq, n.user_id, n.kind, n.read_at, e.course_id, e.data, e.created_at
             FROM notifications n JOIN events e ON e.seq = n.seq
             WHERE n.user_id = ? AND n.seq > ? ORDER BY n.seq LIMIT ?",
        )
        .bind(user.0)
        .bind(after)
        .bind(i64::from(limit));
        self.fetch_all(q)
            .await?
            .iter()
            .map(rows::notification)
            .collect()
    }

    async fn list_notifications(
        &mut self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<Notification>, StoreError> {
        // Newest first: a page continues below the cursor's id.
        let q = sqlx::query(
            "SELECT n.id, n.seq, n.user_id, n.kind, n.read_at, e.course_id, e.data, e.created_at
             FROM notifications n JOIN events e ON e.seq = n.seq
             WHERE n.user_id = ? AND (? IS NULL OR n.id < ?) ORDER BY n.id DESC LIMIT ?",
        )
        .bind(user.0)
        .bind(page.after)
        .bind(page.after)
        .bind(limit(page));
        self.fetch_all(q)
            .await?
            .iter()
            .map(rows::notification)
            .collect()
    }

    async fn mark_notifications_read<'a>(
        &mut self,
        user: UserId,
        ids: Option<&'a [NotificationId]>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let Some(ids) = ids else {
            let q = sqlx::query(
                "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL",
            )
            .bind(at)
            .bind(user.0);
            return self.execute(q).await.map(drop);
        };
        // Bounded chunks: SQLite limits the parameters of one statement.
        for chunk in ids.chunks(500) {
            let mut query = QueryBuilder::new("UPDATE notifications SET read_at = ");
            query
                .push_bind(at)
                .push(" WHERE read_at IS NULL AND user_id = ")
                .push_bind(user.0)
                .push(" AND id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(id.0);
            }
            query.push(")");
            query
                .build()
                .execute(&mut *self.tx)
                .await
                .map_err(map_error)?;
        }
        Ok(())
    }
}

/// The org's membership plan as JSON text, or NULL.
fn plan_json(org: &Org) -> Option<String> {
    org.membership_plan
        .as_ref()
        .map(|plan| serde_json::json!(plan).to_string())
}
