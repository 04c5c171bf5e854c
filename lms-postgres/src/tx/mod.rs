//! The Postgres transaction: [`lms_sql::SqlTx`] over a [`PgConn`]. The statements are
//! `lms-sql`'s; this module binds and reads Postgres's types, and each sibling file holds
//! one aggregate's Postgres-only part: row locks, `UNNEST` and `= ANY($1)` for lists, the
//! outbox's commit-order lock and `NOTIFY`.
//!
//! Locks follow one order so that concurrent calls queue instead of deadlocking: a
//! curriculum change takes the course row `FOR UPDATE`; a learner's write first shares the
//! course row (`FOR KEY SHARE`, as its foreign-key checks would anyway), then takes its
//! enrollment row — `FOR NO KEY UPDATE` on the locking path, or by updating it in the
//! optimistic write's one statement (`progress.rs`).

mod certificates;
mod courses;
mod curriculum;
mod enrollments;
pub(crate) mod events;
mod invitations;
mod orgs;
mod progress;
mod reports;
mod users;

pub(crate) use events::EVENTS_CHANNEL;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use lms_core::store::TenantScope;
use lms_core::{NewEvent, StoreError, UniqueKey};
use lms_sql::{Arg, Connection, ProgressFields, Query, RowsAsTheyCome, SqlRow};
use serde_json::Value;
use sqlx::error::ErrorKind;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Column, Postgres, Row, Transaction, TypeInfo};
use std::borrow::Cow;
use uuid::Uuid;

/// One Postgres transaction, as the shared statements see it.
pub struct PgConn {
    tx: Transaction<'static, Postgres>,
    settings: TxSettings,
    /// Events appended so far, written at commit.
    events: Vec<NewEvent>,
}

/// A Postgres store transaction (see [`lms_core::StoreTx`]).
pub type PgTx = lms_sql::SqlTx<PgConn>;

/// What every transaction of a store does the same way.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TxSettings {
    /// Prepare named, reusable statements (off behind a transaction-mode pooler, where the
    /// next transaction may run on a server connection that never saw them).
    pub(crate) named_statements: bool,
    /// Name the tenant scope of every transaction for the row-level security policies.
    pub(crate) row_level_security: bool,
}

pub(crate) type PgQuery<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

impl PgConn {
    pub(crate) fn new(tx: Transaction<'static, Postgres>, settings: TxSettings) -> Self {
        Self {
            tx,
            settings,
            events: Vec::new(),
        }
    }

    fn prepare<'q>(&self, query: Query<'q>) -> PgQuery<'q> {
        let mut prepared = match query.sql(Self::TENANT_COLUMNS) {
            Cow::Borrowed(sql) => sqlx::query(sql),
            Cow::Owned(sql) => sqlx::query(sqlx::AssertSqlSafe(sql)),
        };
        for arg in query.into_args() {
            prepared = match arg {
                Arg::Uuid(v) => prepared.bind(v),
                Arg::Text(v) => prepared.bind(v),
                Arg::Int(v) => prepared.bind(v),
                Arg::Bool(v) => prepared.bind(v),
                Arg::Time(v) => prepared.bind(v),
                Arg::Json(v) => prepared.bind(v.map(sqlx::types::Json)),
            };
        }
        prepared.persistent(self.settings.named_statements)
    }

    /// Runs a statement built here with Postgres-only binds (arrays).
    async fn run(&mut self, query: PgQuery<'_>) -> Result<u64, StoreError> {
        let query = query.persistent(self.settings.named_statements);
        let done = query.execute(&mut *self.tx).await.map_err(map_error)?;
        Ok(done.rows_affected())
    }

    /// Runs a query built here with Postgres-only binds (arrays).
    async fn rows(&mut self, query: PgQuery<'_>) -> Result<Vec<PgRecord>, StoreError> {
        let query = query.persistent(self.settings.named_statements);
        let rows = query.fetch_all(&mut *self.tx).await.map_err(map_error)?;
        Ok(rows.into_iter().map(PgRecord).collect())
    }
}

#[async_trait]
impl Connection for PgConn {
    type Row = PgRecord;

    /// Every tenant row carries its org, for the row-level security policies.
    const TENANT_COLUMNS: bool = true;

    async fn execute(&mut self, query: Query<'_>) -> Result<u64, StoreError> {
        let done = self.prepare(query).execute(&mut *self.tx).await;
        Ok(done.map_err(map_error)?.rows_affected())
    }

    async fn fetch_all(&mut self, query: Query<'_>) -> Result<Vec<PgRecord>, StoreError> {
        let rows = self.prepare(query).fetch_all(&mut *self.tx).await;
        Ok(rows.map_err(map_error)?.into_iter().map(PgRecord).collect())
    }

    async fn fetch_optional(&mut self, query: Query<'_>) -> Result<Option<PgRecord>, StoreError> {
        let row = self.prepare(query).fetch_optional(&mut *self.tx).await;
        Ok(row.map_err(map_error)?.map(PgRecord))
    }

    fn fetch_stream<'a>(&'a mut self, query: Query<'a>) -> RowsAsTheyCome<'a, PgRecord> {
        let rows = self.prepare(query).fetch(&mut *self.tx);
        Box::pin(rows.map(|row| row.map(PgRecord).map_err(map_error)))
    }

    async fn commit(mut self) -> Result<(), StoreError> {
        events::write_events(&mut self).await?;
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
        self.run(q).await.map(drop)
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
        sqlx::Error::Database(db) if db.code().as_deref().is_some_and(server_going_away) => {
            StoreError::Unavailable(Box::new(sqlx::Error::Database(db)))
        }
        e @ (sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed) => StoreError::Unavailable(Box::new(e)),
        e => StoreError::Backend(Box::new(e)),
    }
}

/// SQLSTATEs of a server that is restarting, shutting down, starting up, full or too busy
/// to finish: the request may succeed if tried again shortly (503 with `Retry-After`),
/// unlike a fault.
fn server_going_away(code: &str) -> bool {
    code.starts_with("08") // connection exception
        || matches!(
            code,
            "57P01" // admin_shutdown: a restart, or pg_terminate_backend
                | "57P02" // crash_shutdown
                | "57P03" // cannot_connect_now: starting up, or in recovery
                | "53300" // too_many_connections
                | "57014" // query_canceled: a statement timeout
                | "40001" // serialization_failure
                | "40P01" // deadlock_detected
        )
}

/// A Postgres result row read by the shared decoders: integers of any width (`smallint`,
/// `integer`, `bigint`), `jsonb`, `uuid[]`.
pub struct PgRecord(pub(crate) PgRow);

impl PgRecord {
    fn get<'r, T>(&'r self, column: &str) -> Result<T, StoreError>
    where
        T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
    {
        let value = self.0.try_get(column);
        value.map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
    }

    /// An array column, empty when NULL.
    fn array<'r, T>(&'r self, column: &str) -> Result<Vec<T>, StoreError>
    where
        Vec<T>: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
    {
        Ok(self.get::<Option<Vec<T>>>(column)?.unwrap_or_default())
    }
}

impl SqlRow for PgRecord {
    fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        self.get(column)
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        self.get(column)
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        let width = self.0.try_column(column).map(|c| c.type_info().name());
        match width.map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))? {
            "INT2" => Ok(self.get::<Option<i16>>(column)?.map(i64::from)),
            "INT4" => Ok(self.get::<Option<i32>>(column)?.map(i64::from)),
            _ => self.get(column),
        }
    }
    fn bool(&self, column: &str) -> Result<bool, StoreError> {
        self.get(column)
    }
    fn opt_time(&self, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.get(column)
    }
    fn opt_json(&self, column: &str) -> Result<Option<Value>, StoreError> {
        self.get(column)
    }
    fn uuids(&self, column: &str) -> Result<Vec<Uuid>, StoreError> {
        self.get(column)
    }
    fn progress_fields(&self) -> Result<Vec<ProgressFields>, StoreError> {
        // `array_agg` of no rows is NULL: no progress yet.
        let lessons: Vec<Uuid> = self.array("e_progress_lesson")?;
        let statuses: Vec<String> = self.array("e_progress_status")?;
        let percents: Vec<i16> = self.array("e_progress_percent")?;
        let positions: Vec<Option<i32>> = self.array("e_progress_position")?;
        let completed: Vec<Option<DateTime<Utc>>> = self.array("e_progress_completed")?;
        let updated: Vec<DateTime<Utc>> = self.array("e_progress_updated")?;
        let rows = lessons.len();
        let lengths = [
            statuses.len(),
            percents.len(),
            positions.len(),
            completed.len(),
            updated.len(),
        ];
        if lengths.into_iter().any(|n| n != rows) {
            return Err(StoreError::Corrupt(
                "the e_progress arrays differ in length".into(),
            ));
        }
        let corrupt = |column: &str, e: &dyn std::fmt::Display| {
            StoreError::Corrupt(format!("column {column}: {e}"))
        };
        let mut fields = Vec::with_capacity(rows);
        let columns = lessons
            .into_iter()
            .zip(statuses)
            .zip(percents)
            .zip(positions);
        let stamps = completed.into_iter().zip(updated);
        for ((((lesson_id, status), percent), position), (completed_at, updated_at)) in
            columns.zip(stamps)
        {
            let percent = u8::try_from(percent)
                .ok()
                .filter(|p| *p <= 100)
                .ok_or_else(|| corrupt("e_progress_percent", &percent))?;
            let position_seconds = match position {
                Some(s) => Some(u32::try_from(s).map_err(|e| corrupt("e_progress_position", &e))?),
                None => None,
            };
            fields.push(ProgressFields {
                lesson_id,
                status,
                percent,
                position_seconds,
                completed_at,
                updated_at,
            });
        }
        Ok(fields)
    }
}

/// The ids of `items`, as one array parameter.
fn ids<T>(items: &[T], id: impl Fn(&T) -> Uuid) -> Vec<Uuid> {
    items.iter().map(id).collect()
}
