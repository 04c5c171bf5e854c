//! The learner's path as single statements: calls of the functions of migrations
//! `0022_learner_path_functions`, `0023_grade_with_learner_write`,
//! `0025_progress_as_arrays` and `0026_progress_arrays_function`, which set the tenant
//! scope themselves and then run their one statement, and the session lookup that signs
//! each of its requests in (sessions are not tenant-scoped: it needs no scope). Inside a
//! transaction (`tx/progress.rs`) they are called by name, under its `search_path`; on
//! their own ([`PgStore`]'s [`Store::learner_context`], [`Store::dashboard_page`],
//! [`Store::apply_learner_write`] and [`Store::session`]) with the schema named, since no
//! `search_path` is set outside our transactions.
//!
//! [`Store::session`]: lms_core::store::Store::session
//! [`Store::learner_context`]: lms_core::store::Store::learner_context
//! [`Store::dashboard_page`]: lms_core::store::Store::dashboard_page
//! [`Store::apply_learner_write`]: lms_core::store::Store::apply_learner_write

use crate::tx::{PgQuery, map_error};
use crate::{PgRecord, PgSchema, PgStore};
use lms_core::store::{
    Access, AuthSession, CourseKey, EnrollmentWithCourse, LearnerContext, LearnerWrite,
};
use lms_core::{LessonId, LessonProgress, OrgId, PageRequest, StoreError, UserId};
use lms_sql::SqlRow;
use lms_sql::row::all;
use sqlx::AssertSqlSafe;
use std::sync::{Arc, LazyLock};

/// The calls' statements.
#[derive(Clone, Debug)]
pub(crate) struct LearnerPathCalls {
    context: Arc<str>,
    dashboard: Arc<str>,
    write: Arc<str>,
    session: Arc<str>,
}

/// The calls as a transaction of ours makes them (its `search_path` names the schema).
pub(crate) static IN_TRANSACTION: LazyLock<LearnerPathCalls> =
    LazyLock::new(|| LearnerPathCalls::with_prefix(""));

impl LearnerPathCalls {
    /// The calls with the functions of `schema` named in full, for statements outside a
    /// transaction of ours.
    pub(crate) fn in_schema(schema: &PgSchema) -> Self {
        Self::with_prefix(&format!("\"{schema}\"."))
    }

    fn with_prefix(prefix: &str) -> Self {
        let call = |sql: String| Arc::<str>::from(sql);
        Self {
            context: call(format!(
                "SELECT * FROM {prefix}lms_learner_context($1, $2, $3, $4, $5, $6)"
            )),
            dashboard: call(format!(
                "SELECT * FROM {prefix}lms_dashboard_page($1, $2, $3)"
            )),
            write: call(format!(
                "SELECT {prefix}lms_apply_learner_write($1, $2, $3, $4, $5, $6, $7, $8, $9,
                     $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
                     $24, $25, $26, $27, $28, $29, $30)
                 AS written"
            )),
            session: call(format!(
                "SELECT * FROM {prefix}sessions WHERE token_hash = $1"
            )),
        }
    }

    /// [`lms_core::store::ProgressTx::learner_context`]'s statement.
    pub(crate) fn context<'q>(
        &self,
        (org, slug): (OrgId, &'q str),
        course: CourseKey<'q>,
        user: UserId,
        attempts_at: Option<LessonId>,
    ) -> PgQuery<'q> {
        let (id, slug_of_course) = match course {
            CourseKey::Id(id) => (Some(id.0), None),
            CourseKey::Slug(key) => (None, Some(key)),
        };
        sqlx::query(AssertSqlSafe(self.context.clone()))
            .bind(org.0)
            .bind(user.0)
            .bind(slug)
            .bind(id)
            .bind(slug_of_course)
            .bind(attempts_at.map(|l| l.0))
    }

    /// [`lms_core::store::ProgressTx::dashboard_page`]'s statement.
    pub(crate) fn dashboard(&self, user: UserId, page: &PageRequest) -> PgQuery<'static> {
        sqlx::query(AssertSqlSafe(self.dashboard.clone()))
            .bind(user.0)
            .bind(lms_sql::after(page))
            .bind(lms_sql::limit(page))
    }

    /// [`lms_core::store::ProgressTx::apply_learner_write`]'s statement; its one row's
    /// `written` says whether it applied.
    pub(crate) fn write<'q>(&self, w: &'q LearnerWrite) -> PgQuery<'q> {
        let e = &w.enrollment;
        let p = w.progress.as_ref();
        let a = w.attempt.as_ref();
        let g = w.graded.as_ref();
        sqlx::query(AssertSqlSafe(self.write.clone()))
            .bind(w.org.0)
            .bind(e.user_id.0)
            .bind(w.course.0)
            .bind(w.course_version)
            .bind(e.id.0)
            .bind(i64::from(e.completed_required))
            .bind(e.completed_at)
            .bind(e.last_activity_at)
            .bind(w.revision)
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
            .bind(a.map(|a| a.submitted_at))
            .bind(g.map(|g| g.id.0))
            .bind(g.map(|g| g.status.as_str()))
            .bind(g.and_then(|g| g.score).map(i64::from))
            .bind(g.map(|g| g.passed.unwrap_or(false)))
            .bind(g.and_then(|g| g.feedback.as_deref()))
            .bind(g.and_then(|g| g.graded_at))
            .bind(g.and_then(|g| g.graded_by).map(|u| u.0))
    }
}

/// Whether the write's row says it applied.
pub(crate) fn written(rows: &[PgRecord]) -> Result<bool, StoreError> {
    let row = rows
        .first()
        .ok_or_else(|| StoreError::Corrupt("a learner write returned no row".into()))?;
    row.bool("written")
}

impl PgStore {
    /// Runs one of the calls on its own. With named statements it is one statement in
    /// autocommit: one round trip once the connection has it prepared. Without them
    /// (behind a transaction-mode pooler) sqlx parses and runs a statement in two round
    /// trips, which outside a transaction the pooler may send to two server connections:
    /// then it runs in a transaction of its own.
    async fn alone(&self, access: Access, query: PgQuery<'_>) -> Result<Vec<PgRecord>, StoreError> {
        let query = query.persistent(self.settings.named_statements);
        let rows = if self.settings.named_statements {
            query.fetch_all(&self.pool).await.map_err(map_error)?
        } else {
            let begin = self.begin.of(access);
            let begun = self.pool.begin_with(AssertSqlSafe(begin.clone()));
            let mut tx = begun.await.map_err(map_error)?;
            let rows = query.fetch_all(&mut *tx).await.map_err(map_error)?;
            tx.commit().await.map_err(map_error)?;
            rows
        };
        Ok(rows.into_iter().map(PgRecord).collect())
    }

    pub(crate) async fn learner_context_alone(
        &self,
        org: (OrgId, &str),
        course: CourseKey<'_>,
        user: UserId,
        attempts_at: Option<LessonId>,
    ) -> Result<Option<LearnerContext>, StoreError> {
        let query = self.calls.context(org, course, user, attempts_at);
        let rows = self.alone(Access::Read, query).await?;
        let context = rows
            .first()
            .map(|row| lms_sql::decode::learner_context(row, user));
        context.transpose()
    }

    pub(crate) async fn session_alone(
        &self,
        token_hash: &str,
    ) -> Result<Option<AuthSession>, StoreError> {
        let query = sqlx::query(AssertSqlSafe(self.calls.session.clone())).bind(token_hash);
        let rows = self.alone(Access::Read, query).await?;
        rows.first().map(lms_sql::decode::session).transpose()
    }

    pub(crate) async fn dashboard_page_alone(
        &self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<(EnrollmentWithCourse, Vec<LessonProgress>)>, StoreError> {
        let rows = self
            .alone(Access::Read, self.calls.dashboard(user, page))
            .await?;
        all(&rows, |row| lms_sql::decode::dashboard_item(row, user))
    }

    pub(crate) async fn apply_learner_write_alone(
        &self,
        write: &LearnerWrite,
    ) -> Result<bool, StoreError> {
        written(&self.alone(Access::Write, self.calls.write(write)).await?)
    }
}
