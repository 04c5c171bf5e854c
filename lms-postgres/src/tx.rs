//! The Postgres transaction: every [`StoreTx`] method as SQL.
//!
//! Locks follow one order so that concurrent calls queue instead of deadlocking: a
//! curriculum change takes the course row `FOR UPDATE`; a learner's write first shares the
//! course row (`FOR KEY SHARE`, as its foreign-key checks would anyway), then takes its
//! enrollment row `FOR NO KEY UPDATE`.

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
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{Postgres, Row, Transaction};
use std::collections::HashMap;
use uuid::Uuid;

type PgQuery<'q> = Query<'q, Postgres, PgArguments>;

/// One Postgres transaction (see [`StoreTx`]).
pub struct PgTx {
    tx: Transaction<'static, Postgres>,
    settings: TxSettings,
    /// Events appended so far, written at commit.
    events: Vec<NewEvent>,
}

/// The channel every instance LISTENs on; a committed event NOTIFYs it.
pub(crate) const EVENTS_CHANNEL: &str = "lms_events";

/// The transaction-scoped advisory lock that orders outbox positions by commit.
const EVENTS_LOCK: i64 = 0x6c6d_735f_6576_7473; // "lms_evts"

/// What every transaction of a store does the same way.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TxSettings {
    /// Prepare named, reusable statements (off behind a transaction-mode pooler, where the
    /// next transaction may run on a server connection that never saw them).
    pub(crate) named_statements: bool,
    /// Name the tenant scope of every transaction for the row-level security policies.
    pub(crate) row_level_security: bool,
}

impl PgTx {
    pub(crate) fn new(tx: Transaction<'static, Postgres>, settings: TxSettings) -> Self {
        Self {
            tx,
            settings,
            events: Vec::new(),
        }
    }

    /// Writes the appended events and their notifications, then NOTIFYs: the last writes
    /// before COMMIT. The advisory lock is held to the end of the transaction, so positions
    /// are taken in commit order (held briefly: nothing else is locked after it).
    async fn write_events(&mut self) -> Result<(), StoreError> {
        let events = std::mem::take(&mut self.events);
        if events.is_empty() {
            return Ok(());
        }
        self.execute(sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(EVENTS_LOCK))
            .await?;
        for event in events {
            let audience: Vec<Uuid> = event.recipients.iter().map(|r| r.user_id.0).collect();
            let q = sqlx::query(
                "INSERT INTO events (org_id, course_id, kind, data, audience, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
            )
            .bind(event.org_id.0)
            .bind(event.course_id.0)
            .bind(event.kind.as_str())
            .bind(&event.data)
            .bind(&audience)
            .bind(event.created_at);
            let row = self
                .fetch_optional(q)
                .await?
                .ok_or_else(|| StoreError::Corrupt("no event seq".into()))?;
            let seq: i64 = row.try_get("seq").map_err(map_error)?;
            if event.recipients.is_empty() {
                continue;
            }
            let q = sqlx::query(
                "INSERT INTO notifications (id, seq, org_id, user_id, kind)
                 SELECT id, $2, $3, user_id, kind FROM UNNEST($1::uuid[], $4::uuid[], $5::text[]) AS r (id, user_id, kind)",
            )
            .bind(ids(&event.recipients, |r| r.id.0))
            .bind(seq)
            .bind(event.org_id.0)
            .bind(audience)
            .bind(event.recipients.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>());
            self.execute(q).await?;
        }
        self.execute(sqlx::query("SELECT pg_notify($1, '')").bind(EVENTS_CHANNEL))
            .await
            .map(drop)
    }

    async fn fetch_all(&mut self, query: PgQuery<'_>) -> Result<Vec<PgRow>, StoreError> {
        let query = query.persistent(self.settings.named_statements);
        query.fetch_all(&mut *self.tx).await.map_err(map_error)
    }

    async fn fetch_optional(&mut self, query: PgQuery<'_>) -> Result<Option<PgRow>, StoreError> {
        let query = query.persistent(self.settings.named_statements);
        query.fetch_optional(&mut *self.tx).await.map_err(map_error)
    }

    async fn execute(&mut self, query: PgQuery<'_>) -> Result<u64, StoreError> {
        let query = query.persistent(self.settings.named_statements);
        Ok(query
            .execute(&mut *self.tx)
            .await
            .map_err(map_error)?
            .rows_affected())
    }
}

/// Maps sqlx errors onto the store's: broken unique keys by constraint name, lost
/// connections as unavailable, the rest as backend failures.
pub(crate) fn map_error(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Database(db) if db.kind() == ErrorKind::UniqueViolation => {
            let key = match db.constraint() {
                Some("orgs_slug") => UniqueKey::OrgSlug,
                Some("users_email") => UniqueKey::UserEmail,
                Some("courses_org_slug") => UniqueKey::CourseSlug,
                Some("memberships_pkey") => UniqueKey::Membership,
                Some("enrollments_user_course") => UniqueKey::Enrollment,
                Some("quiz_attempts_number") => UniqueKey::AttemptNumber,
                _ => UniqueKey::Other,
            };
            StoreError::Duplicate(key)
        }
        e @ (sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)) => StoreError::Unavailable(Box::new(e)),
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

fn ids<T>(items: &[T], id: impl Fn(&T) -> Uuid) -> Vec<Uuid> {
    items.iter().map(id).collect()
}

#[async_trait]
impl StoreTx for PgTx {
    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.write_events().await?;
        self.tx.commit().await.map_err(map_error)
    }

    async fn set_scope(&mut self, scope: TenantScope) -> Result<(), StoreError> {
        if !self.settings.row_level_security {
            return Ok(());
        }
        // Transaction-local (`is_local = true`): gone at COMMIT, so a pooled connection
        // never carries one caller's scope into another's transaction.
        let text = |id: Option<Uuid>| id.map_or_else(String::new, |id| id.to_string());
        let q = sqlx::query(
            "SELECT set_config('lms.org_id', $1, true), set_config('lms.user_id', $2, true)",
        )
        .bind(text(scope.org.map(|o| o.0)))
        .bind(text(scope.user.map(|u| u.0)));
        self.execute(q).await.map(drop)
    }

    async fn insert_org(&mut self, org: &Org) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO orgs (id, slug, name, settings, membership_plan, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(org.id.0)
        .bind(&org.slug)
        .bind(&org.name)
        .bind(&org.settings)
        .bind(plan_json(org))
        .bind(org.created_at);
        self.execute(q).await.map(drop)
    }

    async fn org_by_slug(&mut self, slug: &str) -> Result<Option<Org>, StoreError> {
        let row = self
            .fetch_optional(sqlx::query("SELECT * FROM orgs WHERE slug = $1").bind(slug))
            .await?;
        row.as_ref().map(rows::org).transpose()
    }

    async fn lock_org(&mut self, org: OrgId) -> Result<(), StoreError> {
        // NO KEY UPDATE: serializes membership changes without blocking inserts that merely
        // reference the org.
        self.execute(sqlx::query("SELECT 1 FROM orgs WHERE id = $1 FOR NO KEY UPDATE").bind(org.0))
            .await
            .map(drop)
    }

    async fn update_org(&mut self, org: &Org) -> Result<(), StoreError> {
        let q = sqlx::query(
            "UPDATE orgs SET name = $1, settings = $2, membership_plan = $3 WHERE id = $4",
        )
        .bind(&org.name)
        .bind(&org.settings)
        .bind(plan_json(org))
        .bind(org.id.0);
        self.execute(q).await.map(drop)
    }

    async fn insert_users(&mut self, users: &[User]) -> Result<(), StoreError> {
        // One statement per chunk, the columns as arrays: far fewer round trips and
        // parameters than row-by-row inserts.
        for chunk in users.chunks(10_000) {
            let q = sqlx::query(
                "INSERT INTO users (id, email, name, created_at)
                 SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::timestamptz[])",
            )
            .bind(chunk.iter().map(|u| u.id.0).collect::<Vec<_>>())
            .bind(chunk.iter().map(|u| u.email.clone()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|u| u.name.clone()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|u| u.created_at).collect::<Vec<_>>());
            self.execute(q).await?;
        }
        Ok(())
    }

    async fn insert_user(&mut self, user: &User) -> Result<(), StoreError> {
        let q =
            sqlx::query("INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, $4)")
                .bind(user.id.0)
                .bind(&user.email)
                .bind(&user.name)
                .bind(user.created_at);
        self.execute(q).await.map(drop)
    }

    async fn user(&mut self, id: UserId) -> Result<Option<User>, StoreError> {
        let row = self
            .fetch_optional(sqlx::query("SELECT * FROM users WHERE id = $1").bind(id.0))
            .await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn user_by_email(&mut self, email: &str) -> Result<Option<User>, StoreError> {
        let row = self
            .fetch_optional(sqlx::query("SELECT * FROM users WHERE email = $1").bind(email))
            .await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn membership(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> Result<Option<Membership>, StoreError> {
        let q = sqlx::query("SELECT * FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(org.0)
            .bind(user.0);
        let row = self.fetch_optional(q).await?;
        row.as_ref().map(rows::membership).transpose()
    }

    async fn memberships_of(&mut self, user: UserId) -> Result<Vec<MembershipSummary>, StoreError> {
        let q = sqlx::query(
            "SELECT o.slug AS org, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
             WHERE m.user_id = $1 ORDER BY o.slug",
        )
        .bind(user.0);
        let rows = self.fetch_all(q).await?;
        rows.iter()
            .map(|row| {
                let role = rows::text(row, "role")?;
                Ok(MembershipSummary {
                    org: rows::text(row, "org")?,
                    role: Role::parse(&role)
                        .ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
                })
            })
            .collect()
    }

    async fn insert_membership(&mut self, m: &Membership) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO memberships (org_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
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
        let q = sqlx::query("UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3")
            .bind(role.as_str())
            .bind(org.0)
            .bind(user.0);
        self.execute(q).await.map(drop)
    }

    async fn delete_membership(&mut self, org: OrgId, user: UserId) -> Result<(), StoreError> {
        let q = sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(org.0)
            .bind(user.0);
        self.execute(q).await.map(drop)
    }

    async fn count_admins(&mut self, org: OrgId) -> Result<u32, StoreError> {
        let q = sqlx::query(
            "SELECT count(*) AS n FROM memberships WHERE org_id = $1 AND role = 'admin'",
        )
        .bind(org.0);
        let row = self.fetch_optional(q).await?;
        row.as_ref()
            .map_or(Ok(0), |r| rows::big_count(r, "n").map(|n| n as u32))
    }

    async fn list_members(
        &mut self,
        org: OrgId,
        page: &PageRequest,
    ) -> Result<Vec<Member>, StoreError> {
        let q = sqlx::query(
            "SELECT m.user_id, u.name, u.email, m.role, m.joined_at
             FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = $1 AND m.user_id > $2 ORDER BY m.user_id LIMIT $3",
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
        .bind(c.updated_at);
        self.execute(q).await.map(drop)
    }

    async fn update_course(&mut self, c: &Course) -> Result<(), StoreError> {
        let q = sqlx::query(
            "UPDATE courses SET title = $1, description = $2, status = $3, price_amount = $4, price_currency = $5,
                                owner_id = $6, metadata = $7, updated_at = $8
             WHERE id = $9",
        )
        .bind(&c.title)
        .bind(&c.description)
        .bind(c.status.as_str())
        .bind(c.price.as_ref().map(|p| p.amount))
        .bind(c.price.as_ref().map(|p| p.currency.as_str()))
        .bind(c.owner_id.0)
        .bind(&c.metadata)
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
            CourseKey::Id(id) => sqlx::query("SELECT * FROM courses WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(id.0),
            CourseKey::Slug(slug) => {
                sqlx::query("SELECT * FROM courses WHERE org_id = $1 AND slug = $2")
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
             LEFT JOIN memberships m ON m.org_id = c.org_id AND m.user_id = $1
             LEFT JOIN enrollments e ON e.course_id = c.id AND e.user_id = $2
             WHERE c.org_id = $3 AND ";
        let nobody = Uuid::nil(); // matches no membership and no enrollment
        let user = user.map_or(nobody, |u| u.0);
        let q = match key {
            CourseKey::Id(id) => sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT}c.id = $4")))
                .bind(user)
                .bind(user)
                .bind(org.0)
                .bind(id.0),
            CourseKey::Slug(slug) => {
                sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT}c.slug = $4")))
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
        let q = sqlx::query("UPDATE courses SET updated_at = $1 WHERE id = $2")
            .bind(updated_at)
            .bind(course.0);
        self.execute(q).await.map(drop)
    }

    async fn lock_course(&mut self, course: CourseId) -> Result<(), StoreError> {
        self.execute(sqlx::query("SELECT 1 FROM courses WHERE id = $1 FOR UPDATE").bind(course.0))
            .await
            .map(drop)
    }

    async fn list_courses(
        &mut self,
        org: OrgId,
        filter: CourseFilter,
        page: &PageRequest,
    ) -> Result<Vec<Course>, StoreError> {
        let q = sqlx::query(
            "SELECT * FROM courses
             WHERE org_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::uuid IS NULL OR owner_id = $3)
               AND id > $4
             ORDER BY id LIMIT $5",
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
                sqlx::query("SELECT * FROM modules WHERE course_id = $1 ORDER BY position")
                    .bind(course.0),
            )
            .await?;
        let lessons = self
            .fetch_all(
                sqlx::query(
                    "SELECT id, course_id, module_id, title, kind, position, duration_minutes, free_preview, required
                     FROM lessons WHERE course_id = $1 ORDER BY position",
                )
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
        let q = sqlx::query(
            "INSERT INTO modules (id, org_id, course_id, title, position)
             SELECT $1, org_id, id, $3, $4 FROM courses WHERE id = $2",
        )
        .bind(m.id.0)
        .bind(m.course_id.0)
        .bind(&m.title)
        .bind(m.position as i32);
        expect_one(self.execute(q).await?, "module's course")
    }

    async fn update_module(&mut self, m: &Module) -> Result<(), StoreError> {
        let q = sqlx::query("UPDATE modules SET title = $1 WHERE id = $2")
            .bind(&m.title)
            .bind(m.id.0);
        self.execute(q).await.map(drop)
    }

    async fn delete_module(&mut self, module: ModuleId) -> Result<(), StoreError> {
        self.execute(sqlx::query("DELETE FROM modules WHERE id = $1").bind(module.0))
            .await
            .map(drop)
    }

    async fn lesson(
        &mut self,
        course: CourseId,
        lesson: LessonId,
    ) -> Result<Option<Lesson>, StoreError> {
        let q = sqlx::query("SELECT * FROM lessons WHERE course_id = $1 AND id = $2")
            .bind(course.0)
            .bind(lesson.0);
        let row = self.fetch_optional(q).await?;
        row.as_ref().map(rows::lesson).transpose()
    }

    async fn insert_lesson(&mut self, l: &Lesson) -> Result<(), StoreError> {
        let s = &l.summary;
        let q = sqlx::query(
            "INSERT INTO lessons (id, org_id, course_id, module_id, title, kind, position, duration_minutes,
                                  free_preview, required, content)
             SELECT $1, org_id, id, $3, $4, $5, $6, $7, $8, $9, $10 FROM courses WHERE id = $2",
        )
        .bind(s.id.0)
        .bind(s.course_id.0)
        .bind(s.module_id.0)
        .bind(&s.title)
        .bind(s.kind.as_str())
        .bind(s.position as i32)
        .bind(s.duration_minutes.map(|d| d as i32))
        .bind(s.free_preview)
        .bind(s.required)
        .bind(l.content.to_inner_json());
        expect_one(self.execute(q).await?, "lesson's course")
    }

    async fn update_lesson(&mut self, l: &Lesson) -> Result<(), StoreError> {
        let s = &l.summary;
        let q = sqlx::query(
            "UPDATE lessons SET title = $1, kind = $2, duration_minutes = $3, free_preview = $4, required = $5,
                                content = $6
             WHERE id = $7",
        )
        .bind(&s.title)
        .bind(s.kind.as_str())
        .bind(s.duration_minutes.map(|d| d as i32))
        .bind(s.free_preview)
        .bind(s.required)
        .bind(l.content.to_inner_json())
        .bind(s.id.0);
        self.execute(q).await.map(drop)
    }

    async fn delete_lesson(&mut self, lesson: LessonId) -> Result<(), StoreError> {
        self.execute(sqlx::query("DELETE FROM lessons WHERE id = $1").bind(lesson.0))
            .await
            .map(drop)
    }

    async fn apply_layout(
        &mut self,
        course: CourseId,
        layout: &CurriculumLayout,
    ) -> Result<(), StoreError> {
        // Positions are unique per parent and checked row by row; park every row at a
        // negative position first so that no intermediate state collides.
        self.execute(
            sqlx::query("UPDATE modules SET position = -1 - position WHERE course_id = $1")
                .bind(course.0),
        )
        .await?;
        self.execute(
            sqlx::query("UPDATE lessons SET position = -1 - position WHERE course_id = $1")
                .bind(course.0),
        )
        .await?;
        let module_ids: Vec<Uuid> = layout.modules.iter().map(|m| m.id.0).collect();
        let module_positions: Vec<i32> = (0..layout.modules.len() as i32).collect();
        let q = sqlx::query(
            "UPDATE modules m SET position = v.position
             FROM unnest($1::uuid[], $2::int[]) AS v(id, position)
             WHERE m.id = v.id AND m.course_id = $3",
        )
        .bind(module_ids)
        .bind(module_positions)
        .bind(course.0);
        self.execute(q).await?;
        let (mut lesson_ids, mut lesson_modules, mut lesson_positions) =
            (Vec::new(), Vec::new(), Vec::new());
        for module in &layout.modules {
            for (position, lesson) in module.lessons.iter().enumerate() {
                lesson_ids.push(lesson.0);
                lesson_modules.push(module.id.0);
                lesson_positions.push(position as i32);
            }
        }
        let q = sqlx::query(
            "UPDATE lessons l SET module_id = v.module_id, position = v.position
             FROM unnest($1::uuid[], $2::uuid[], $3::int[]) AS v(id, module_id, position)
             WHERE l.id = v.id AND l.course_id = $4",
        )
        .bind(lesson_ids)
        .bind(lesson_modules)
        .bind(lesson_positions)
        .bind(course.0);
        self.execute(q).await.map(drop)
    }

    async fn enrollment(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Enrollment>, StoreError> {
        let q = sqlx::query("SELECT * FROM enrollments WHERE user_id = $1 AND course_id = $2")
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
        // The course first, shared, so a learner's write and a curriculum change (which
        // takes the course FOR UPDATE, then rewrites enrollments) always lock in one order.
        self.execute(
            sqlx::query("SELECT 1 FROM courses WHERE id = $1 FOR KEY SHARE").bind(course.0),
        )
        .await?;
        let q = sqlx::query(
            "SELECT * FROM enrollments WHERE user_id = $1 AND course_id = $2 FOR NO KEY UPDATE",
        )
        .bind(user.0)
        .bind(course.0);
        let row = self.fetch_optional(q).await?;
        row.as_ref().map(rows::enrollment).transpose()
    }

    async fn insert_enrollment(&mut self, e: &Enrollment) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO enrollments (id, org_id, user_id, course_id, source, status, enrolled_at, completed_at,
                                      completed_required)
             SELECT $1, org_id, $2, id, $4, $5, $6, $7, $8 FROM courses WHERE id = $3",
        )
        .bind(e.id.0)
        .bind(e.user_id.0)
        .bind(e.course_id.0)
        .bind(e.source.as_str())
        .bind(e.status.as_str())
        .bind(e.enrolled_at)
        .bind(e.completed_at)
        .bind(e.completed_required as i32);
        expect_one(self.execute(q).await?, "enrollment's course")
    }

    async fn insert_enrollments(&mut self, enrollments: &[Enrollment]) -> Result<(), StoreError> {
        for chunk in enrollments.chunks(10_000) {
            let q = sqlx::query(
                "INSERT INTO enrollments (id, org_id, user_id, course_id, source, status, enrolled_at, completed_at,
                                          completed_required)
                 SELECT e.id, c.org_id, e.user_id, e.course_id, e.source, e.status, e.enrolled_at, e.completed_at,
                        e.completed_required
                 FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[],
                             $7::timestamptz[], $8::int[])
                      AS e (id, user_id, course_id, source, status, enrolled_at, completed_at, completed_required)
                 JOIN courses c ON c.id = e.course_id",
            )
            .bind(chunk.iter().map(|e| e.id.0).collect::<Vec<_>>())
            .bind(chunk.iter().map(|e| e.user_id.0).collect::<Vec<_>>())
            .bind(chunk.iter().map(|e| e.course_id.0).collect::<Vec<_>>())
            .bind(chunk.iter().map(|e| e.source.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|e| e.status.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|e| e.enrolled_at).collect::<Vec<_>>())
            .bind(chunk.iter().map(|e| e.completed_at).collect::<Vec<_>>())
            .bind(chunk.iter().map(|e| e.completed_required as i32).collect::<Vec<_>>());
            let inserted = self.execute(q).await?;
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

    async fn insert_progress_rows(&mut self, rows: &[LessonProgress]) -> Result<(), StoreError> {
        for chunk in rows.chunks(20_000) {
            let q = sqlx::query(
                "INSERT INTO lesson_progress (user_id, lesson_id, course_id, org_id, status, percent, completed_at,
                                              updated_at)
                 SELECT p.user_id, p.lesson_id, p.course_id, c.org_id, p.status, p.percent, p.completed_at,
                        p.updated_at
                 FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::smallint[], $6::timestamptz[],
                             $7::timestamptz[])
                      AS p (user_id, lesson_id, course_id, status, percent, completed_at, updated_at)
                 JOIN courses c ON c.id = p.course_id",
            )
            .bind(chunk.iter().map(|p| p.user_id.0).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.lesson_id.0).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.course_id.0).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.status.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| i16::from(p.percent)).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.completed_at).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.updated_at).collect::<Vec<_>>());
            self.execute(q).await?;
        }
        Ok(())
    }

    async fn update_enrollment(&mut self, e: &Enrollment) -> Result<(), StoreError> {
        let q = sqlx::query(
            "UPDATE enrollments SET source = $1, status = $2, enrolled_at = $3, completed_at = $4,
                                    completed_required = $5
             WHERE id = $6",
        )
        .bind(e.source.as_str())
        .bind(e.status.as_str())
        .bind(e.enrolled_at)
        .bind(e.completed_at)
        .bind(e.completed_required as i32)
        .bind(e.id.0);
        self.execute(q).await.map(drop)
    }

    async fn list_enrollments(
        &mut self,
        course: CourseId,
        page: &PageRequest,
    ) -> Result<Vec<Enrollment>, StoreError> {
        let q = sqlx::query(
            "SELECT * FROM enrollments WHERE course_id = $1 AND id > $2 ORDER BY id LIMIT $3",
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
            "SELECT * FROM enrollments WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(user.0)
        .bind(after(page))
        .bind(limit(page));
        let enrollments = rows::all(self.fetch_all(q).await?, rows::enrollment)?;
        if enrollments.is_empty() {
            return Ok(Vec::new());
        }
        let q = sqlx::query(
            "SELECT c.*, o.slug AS org_slug FROM courses c JOIN orgs o ON o.id = c.org_id WHERE c.id = ANY($1)",
        )
        .bind(ids(&enrollments, |e| e.course_id.0));
        let mut courses = HashMap::new();
        for row in &self.fetch_all(q).await? {
            let course = rows::course(row)?;
            courses.insert(course.id, (course, rows::text(row, "org_slug")?));
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
        let q = sqlx::query(
            "SELECT * FROM lesson_progress WHERE user_id = ANY($1) AND course_id = ANY($2)",
        )
        .bind(users.iter().map(|u| u.0).collect::<Vec<_>>())
        .bind(courses.iter().map(|c| c.0).collect::<Vec<_>>());
        rows::all(self.fetch_all(q).await?, rows::lesson_progress)
    }

    async fn course_progress_rows(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Vec<LessonProgress>, StoreError> {
        let q = sqlx::query("SELECT * FROM lesson_progress WHERE user_id = $1 AND course_id = $2")
            .bind(user.0)
            .bind(course.0);
        rows::all(self.fetch_all(q).await?, rows::lesson_progress)
    }

    async fn upsert_lesson_progress(&mut self, p: &LessonProgress) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO lesson_progress (user_id, lesson_id, course_id, org_id, status, percent, completed_at,
                                          updated_at)
             SELECT $1, $2, id, org_id, $4, $5, $6, $7 FROM courses WHERE id = $3
             ON CONFLICT (user_id, lesson_id) DO UPDATE SET
                 status = excluded.status, percent = excluded.percent,
                 completed_at = excluded.completed_at, updated_at = excluded.updated_at",
        )
        .bind(p.user_id.0)
        .bind(p.lesson_id.0)
        .bind(p.course_id.0)
        .bind(p.status.as_str())
        .bind(i16::from(p.percent))
        .bind(p.completed_at)
        .bind(p.updated_at);
        expect_one(self.execute(q).await?, "progress's course")
    }

    async fn recount_rollups(&mut self, course: CourseId) -> Result<(), StoreError> {
        let q = sqlx::query(
            "UPDATE enrollments e SET completed_required = (
                 SELECT count(*)::int FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
                 WHERE p.user_id = e.user_id AND p.course_id = e.course_id
                   AND l.course_id = e.course_id AND l.required AND p.status = 'completed')
             WHERE e.course_id = $1",
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
            "UPDATE enrollments SET completed_at = $1
             WHERE course_id = $2 AND status = 'active' AND completed_at IS NULL AND completed_required >= $3
             RETURNING user_id",
        )
        .bind(now)
        .bind(course.0)
        .bind(threshold as i32);
        let rows = self.fetch_all(q).await?;
        rows.iter()
            .map(|row| row.try_get("user_id").map(UserId).map_err(map_error))
            .collect()
    }

    async fn insert_certificate(&mut self, c: &Certificate) -> Result<bool, StoreError> {
        let q = sqlx::query(
            "INSERT INTO certificates (code, user_id, course_id, org_id, learner_name, course_title, org_name,
                                       issued_at, revoked_at, revoked_reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
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
        let q = sqlx::query("SELECT * FROM certificates WHERE user_id = $1 AND course_id = $2")
            .bind(user.0)
            .bind(course.0);
        let row = self.fetch_optional(q).await?;
        row.as_ref().map(rows::certificate).transpose()
    }

    async fn certificate_by_code(
        &mut self,
        code: &CertificateCode,
    ) -> Result<Option<Certificate>, StoreError> {
        if self.settings.row_level_security {
            // The row-level policy admits the one certificate whose code the caller holds.
            let q = sqlx::query("SELECT set_config('lms.certificate_code', $1, true)")
                .bind(code.as_str());
            self.execute(q).await?;
        }
        let q = sqlx::query("SELECT * FROM certificates WHERE code = $1").bind(code.as_str());
        let row = self.fetch_optional(q).await?;
        row.as_ref().map(rows::certificate).transpose()
    }

    async fn update_certificate_revocation(&mut self, c: &Certificate) -> Result<(), StoreError> {
        let q = sqlx::query(
            "UPDATE certificates SET revoked_at = $1, revoked_reason = $2 WHERE code = $3",
        )
        .bind(c.revoked_at)
        .bind(c.revoked_reason.map(|r| r.as_str()))
        .bind(c.code.as_str());
        self.execute(q).await.map(drop)
    }

    async fn insert_attempt(&mut self, a: &QuizAttempt) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO quiz_attempts (id, org_id, user_id, lesson_id, course_id, attempt_number, score_percent,
                                        passed, answers, submitted_at)
             SELECT $1, org_id, $2, $3, id, $5, $6, $7, $8, $9 FROM courses WHERE id = $4",
        )
        .bind(a.id.0)
        .bind(a.user_id.0)
        .bind(a.lesson_id.0)
        .bind(a.course_id.0)
        .bind(a.attempt_number as i32)
        .bind(i16::from(a.score_percent))
        .bind(a.passed)
        .bind(&a.answers)
        .bind(a.submitted_at);
        expect_one(self.execute(q).await?, "attempt's course")
    }

    async fn count_attempts(&mut self, user: UserId, lesson: LessonId) -> Result<u32, StoreError> {
        let q = sqlx::query(
            "SELECT count(*) AS n FROM quiz_attempts WHERE user_id = $1 AND lesson_id = $2",
        )
        .bind(user.0)
        .bind(lesson.0);
        let row = self.fetch_optional(q).await?;
        row.as_ref()
            .map_or(Ok(0), |r| rows::big_count(r, "n").map(|n| n as u32))
    }

    async fn list_attempts(
        &mut self,
        user: UserId,
        lesson: LessonId,
        page: &PageRequest,
    ) -> Result<Vec<QuizAttempt>, StoreError> {
        let q = sqlx::query(
            "SELECT * FROM quiz_attempts WHERE user_id = $1 AND lesson_id = $2 AND id > $3 ORDER BY id LIMIT $4",
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
             WHERE e.course_id = $1 AND e.status = 'active' AND e.id > $2 ORDER BY e.id LIMIT $3",
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
        let q = sqlx::query(
            "SELECT course_id, completed_required, sum(enrollments)::bigint AS enrollments,
                    sum(completed)::bigint AS completed
             FROM rollup_histogram WHERE course_id = ANY($1)
             GROUP BY course_id, completed_required HAVING sum(enrollments) > 0",
        )
        .bind(ids(courses, |c| c.0));
        let rows = self.fetch_all(q).await?;
        rows.iter()
            .map(|row| {
                Ok(RollupBucket {
                    course_id: rows::course_id(row)?,
                    completed_required: rows::count(row, "completed_required")?,
                    enrollments: rows::big_count(row, "enrollments")?,
                    completed: rows::big_count(row, "completed")?,
                })
            })
            .collect()
    }

    async fn required_totals(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<(CourseId, u32)>, StoreError> {
        let q = sqlx::query(
            "SELECT course_id, count(*) AS n FROM lessons WHERE required AND course_id = ANY($1) GROUP BY course_id",
        )
        .bind(ids(courses, |c| c.0));
        let rows = self.fetch_all(q).await?;
        rows.iter()
            .map(|row| Ok((rows::course_id(row)?, rows::big_count(row, "n")? as u32)))
            .collect()
    }

    async fn insert_post(&mut self, p: &Post) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO posts (id, org_id, course_id, lesson_id, author_id, parent_id, body, created_at, edited_at, hidden)
             SELECT $1, org_id, id, $3, $4, $5, $6, $7, $8, $9 FROM courses WHERE id = $2",
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
        expect_one(self.execute(q).await?, "post's course")
    }

    async fn post(&mut self, course: CourseId, post: PostId) -> Result<Option<Post>, StoreError> {
        let q = sqlx::query(
            "SELECT p.*, u.name AS author_name FROM posts p JOIN users u ON u.id = p.author_id
             WHERE p.course_id = $1 AND p.id = $2",
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
             WHERE p.lesson_id = $1 AND p.id > $2 ORDER BY p.id LIMIT $3",
        )
        .bind(lesson.0)
        .bind(after(page))
        .bind(limit(page));
        rows::all(self.fetch_all(q).await?, rows::post)
    }

    async fn update_post(&mut self, p: &Post) -> Result<(), StoreError> {
        let q =
            sqlx::query("UPDATE posts SET body = $1, edited_at = $2, hidden = $3 WHERE id = $4")
                .bind(&p.body)
                .bind(p.edited_at)
                .bind(p.hidden)
                .bind(p.id.0);
        self.execute(q).await.map(drop)
    }

    async fn delete_post(&mut self, post: PostId) -> Result<(), StoreError> {
        self.execute(sqlx::query("DELETE FROM posts WHERE id = $1").bind(post.0))
            .await
            .map(drop)
    }

    async fn count_posts_since(
        &mut self,
        user: UserId,
        since: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let q = sqlx::query(
            "SELECT count(*) AS n FROM posts WHERE author_id = $1 AND created_at >= $2",
        )
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
            "INSERT INTO payment_events (event_id, kind, received_at) VALUES ($1, $2, $3)
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
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
        let q = sqlx::query(
            "SELECT * FROM payments WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
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
        let q = sqlx::query("SELECT * FROM plan_subscriptions WHERE org_id = $1 AND user_id = $2")
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
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
             WHERE user_id = $1 AND source = 'subscription' AND status = 'active'
               AND course_id IN (SELECT id FROM courses WHERE org_id = $2)",
        )
        .bind(user.0)
        .bind(org.0);
        self.execute(q).await
    }

    async fn set_password_hash(&mut self, user: UserId, hash: &str) -> Result<(), StoreError> {
        let q = sqlx::query(
            "INSERT INTO credentials (user_id, password_hash, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at",
        )
        .bind(user.0)
        .bind(hash)
        .bind(Utc::now());
        self.execute(q).await.map(drop)
    }

    async fn password_hash(&mut self, email: &str) -> Result<Option<(User, String)>, StoreError> {
        let q = sqlx::query(
            "SELECT u.*, c.password_hash FROM users u JOIN credentials c ON c.user_id = u.id WHERE u.email = $1",
        )
        .bind(email);
        let row = self.fetch_optional(q).await?;
        row.as_ref()
            .map(|r| Ok((rows::user(r)?, rows::text(r, "password_hash")?)))
            .transpose()
    }

    async fn insert_session(&mut self, s: &AuthSession) -> Result<(), StoreError> {
        let q =
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(&s.token_hash)
                .bind(s.user_id.0)
                .bind(s.created_at)
                .bind(s.expires_at);
        self.execute(q).await.map(drop)
    }

    async fn session(&mut self, token_hash: &str) -> Result<Option<AuthSession>, StoreError> {
        let row = self
            .fetch_optional(
                sqlx::query("SELECT * FROM sessions WHERE token_hash = $1").bind(token_hash),
            )
            .await?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn extend_session(
        &mut self,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let q = sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2")
            .bind(expires_at)
            .bind(token_hash);
        self.execute(q).await.map(drop)
    }

    async fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.execute(sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash))
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
            "SELECT * FROM events WHERE course_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
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
             WHERE n.user_id = $1 AND n.seq > $2 ORDER BY n.seq LIMIT $3",
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
             WHERE n.user_id = $1 AND ($2::uuid IS NULL OR n.id < $2) ORDER BY n.id DESC LIMIT $3",
        )
        .bind(user.0)
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
        let q = sqlx::query(
            "UPDATE notifications SET read_at = $1
             WHERE user_id = $2 AND read_at IS NULL AND ($3::uuid[] IS NULL OR id = ANY($3))",
        )
        .bind(at)
        .bind(user.0)
        .bind(ids.map(|ids| ids.iter().map(|id| id.0).collect::<Vec<_>>()));
        self.execute(q).await.map(drop)
    }
}

/// An `INSERT … SELECT … FROM courses` writes nothing when the course is gone.
fn expect_one(affected: u64, what: &str) -> Result<(), StoreError> {
    if affected == 1 {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!("the {what} does not exist")))
    }
}

/// The org's membership plan as a JSON value, or NULL.
fn plan_json(org: &Org) -> Option<serde_json::Value> {
    org.membership_plan
        .as_ref()
        .map(|plan| serde_json::json!(plan))
}
