//! The SQLite transaction: [`lms_sql::SqlTx`] over a [`SqliteConn`]. The statements are
//! `lms-sql`'s; this module binds and reads SQLite's types, and each sibling file holds one
//! aggregate's SQLite-only part (for most of them, why SQLite needs no row lock).

mod certificates;
mod courses;
mod curriculum;
mod enrollments;
mod events;
mod invitations;
mod orgs;
mod progress;
mod reports;
mod users;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use lms_core::store::TenantScope;
use lms_core::{NewEvent, StoreError, UniqueKey};
use lms_sql::{Arg, Connection, Query, RowsAsTheyCome, SqlRow};
use serde_json::Value;
use sqlx::error::ErrorKind;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use std::borrow::Cow;
use std::sync::Arc;
use tokio::sync::OwnedSemaphorePermit;
use uuid::Uuid;

/// One SQLite transaction, as the shared statements see it.
pub struct SqliteConn {
    tx: Transaction<'static, Sqlite>,
    /// Events appended so far, written at commit.
    events: Vec<NewEvent>,
    /// Told after a commit that wrote events ([`lms_core::Store::listen`]).
    signal: EventSignal,
    /// A writer's turn in the store's queue of writers, held until the transaction ends
    /// (dropped after `commit` returns, or with the rolled-back transaction).
    _turn: Option<OwnedSemaphorePermit>,
}

/// A SQLite store transaction (see [`lms_core::StoreTx`]).
pub type SqliteTx = lms_sql::SqlTx<SqliteConn>;

/// Counts commits that wrote events; listeners wait for it to change.
pub(crate) type EventSignal = Arc<tokio::sync::watch::Sender<u64>>;

type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments>;

impl SqliteConn {
    pub(crate) fn new(
        tx: Transaction<'static, Sqlite>,
        signal: EventSignal,
        turn: Option<OwnedSemaphorePermit>,
    ) -> Self {
        Self {
            tx,
            events: Vec::new(),
            signal,
            _turn: turn,
        }
    }

    fn prepare(query: Query<'_>) -> SqliteQuery<'_> {
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
                // JSON columns are text (STRICT tables).
                Arg::Json(v) => prepared.bind(v.map(|v| v.to_string())),
            };
        }
        prepared
    }

    /// Runs a statement built with sqlx's `QueryBuilder` (lists and bulk inserts).
    async fn fetch_built(
        &mut self,
        mut query: QueryBuilder<Sqlite>,
    ) -> Result<Vec<SqliteRecord>, StoreError> {
        let rows = query.build().fetch_all(&mut *self.tx).await;
        Ok(rows
            .map_err(map_error)?
            .into_iter()
            .map(SqliteRecord)
            .collect())
    }
}

#[async_trait]
impl Connection for SqliteConn {
    type Row = SqliteRecord;

    /// One embedded database per application: isolation is the service's alone.
    const TENANT_COLUMNS: bool = false;

    async fn execute(&mut self, query: Query<'_>) -> Result<u64, StoreError> {
        let done = Self::prepare(query).execute(&mut *self.tx).await;
        Ok(done.map_err(map_error)?.rows_affected())
    }

    async fn fetch_all(&mut self, query: Query<'_>) -> Result<Vec<SqliteRecord>, StoreError> {
        let rows = Self::prepare(query).fetch_all(&mut *self.tx).await;
        Ok(rows
            .map_err(map_error)?
            .into_iter()
            .map(SqliteRecord)
            .collect())
    }

    async fn fetch_optional(
        &mut self,
        query: Query<'_>,
    ) -> Result<Option<SqliteRecord>, StoreError> {
        let row = Self::prepare(query).fetch_optional(&mut *self.tx).await;
        Ok(row.map_err(map_error)?.map(SqliteRecord))
    }

    fn fetch_stream<'a>(&'a mut self, query: Query<'a>) -> RowsAsTheyCome<'a, SqliteRecord> {
        let rows = Self::prepare(query).fetch(&mut *self.tx);
        Box::pin(rows.map(|row| row.map(SqliteRecord).map_err(map_error)))
    }

    async fn commit(mut self) -> Result<(), StoreError> {
        let wrote_events = !self.events.is_empty();
        events::write_events(&mut self).await?;
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

/// A SQLite result row read by the shared decoders: UUIDs are blobs, JSON is text,
/// booleans and integers are `INTEGER`.
pub struct SqliteRecord(pub(crate) SqliteRow);

impl SqliteRecord {
    fn get<'r, T>(&'r self, column: &str) -> Result<T, StoreError>
    where
        T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
    {
        let value = self.0.try_get(column);
        value.map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
    }
}

impl SqlRow for SqliteRecord {
    fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        self.get(column)
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        self.get(column)
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        self.get(column)
    }
    fn bool(&self, column: &str) -> Result<bool, StoreError> {
        self.get(column)
    }
    fn opt_time(&self, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.get(column)
    }
    fn opt_json(&self, column: &str) -> Result<Option<Value>, StoreError> {
        let text: Option<String> = self.get(column)?;
        let value = text.map(|text| serde_json::from_str(&text)).transpose();
        value.map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
    }
    fn uuids(&self, column: &str) -> Result<Vec<Uuid>, StoreError> {
        // A JSON array of UUID strings (SQLite has no arrays).
        serde_json::from_value(self.json(column)?)
            .map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
    }
}

/// `prefix` + one bound parameter per id, comma-separated + `suffix`: SQLite's form of a
/// list parameter. Callers keep lists to a few hundred ids (SQLite limits parameters).
fn with_ids(prefix: &str, ids: impl Iterator<Item = Uuid>, suffix: &str) -> QueryBuilder<Sqlite> {
    let mut query = QueryBuilder::new(prefix);
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    query.push(suffix);
    query
}
