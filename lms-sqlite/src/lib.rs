//! # lms-sqlite
//!
//! The embedded default store of lms-rs: SQLite (bundled, no system library), migrations
//! applied on connect, WAL journal, foreign keys on, a busy timeout, and one transaction per
//! [`lms_core::Lms`] call (write transactions take SQLite's write lock up front with
//! `BEGIN IMMEDIATE`, so read-decide-write sequences never interleave).
//!
//! SQLite writes one transaction at a time. Writers of one store therefore queue in the
//! process, first come first served, for its one write connection, and only the writer at
//! the head of the queue asks SQLite for the lock: none of them sleeps and retries in
//! SQLite's busy handler, which is what made the tail of concurrent writes two orders of
//! magnitude over the median (see `BENCHMARKS.md`). Readers use the other connections and,
//! with WAL, never wait for a writer.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use lms_core::{Lms, NewUser};
//! use lms_sqlite::SqliteStore;
//!
//! let lms = Lms::new(SqliteStore::memory().await?);
//! let ada = lms.create_user(NewUser { email: "ada@example.com".into(), name: "Ada".into() }).await?;
//! assert_eq!(ada.email, "ada@example.com");
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod tx;

use async_trait::async_trait;
use lms_core::feed::EventFeed;
use lms_core::store::{Access, AuthSession, EventSignals, Store, StoreTx};
use lms_core::{EventHead, EventSeq, StoreError};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, SqlSafeStr, SqliteConnection, SqlitePool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use tx::{SqliteConn, SqliteRecord, SqliteTx};

/// The name of the table that records applied migrations; not sqlx's default, so that a
/// host application using sqlx migrations on the same database keeps its own.
pub const MIGRATIONS_TABLE: &str = "_lms_migrations";

/// How a [`SqliteStore`] connects.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// Connections that read (file databases; writes queue for one more of their own). An
    /// in-memory database always uses one connection for everything.
    pub max_connections: u32,
    /// How long a statement waits for another connection's lock before failing.
    pub busy_timeout: Duration,
    /// How long a call waits for a free connection.
    pub acquire_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            busy_timeout: Duration::from_secs(10),
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

/// Connections that writers hold while they wait for their turn: one writes, the others
/// have their `BEGIN IMMEDIATE` ready, so a turn passes without a connection changing hands.
const WRITE_CONNECTIONS: u32 = 4;

/// A SQLite-backed [`Store`].
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The write connections (a file database); `None` for an in-memory database, whose
    /// one connection in `pool` serves both.
    writer: Option<SqlitePool>,
    /// The writers' queue: a write transaction holds the one permit from before `BEGIN
    /// IMMEDIATE` until it ends. Tokio's semaphore serves waiters in arrival order.
    write_turn: Arc<Semaphore>,
    /// How long a writer waits for its turn before giving up (the busy timeout).
    write_wait: Duration,
    /// Bumped by every commit that wrote events (the in-process side of [`Store::listen`]).
    events: tx::EventSignal,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path` and migrates it.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        Self::with_options(options, SqliteOptions::default()).await
    }

    /// A private in-memory database (one connection; gone when the store is dropped).
    pub async fn memory() -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new().in_memory(true);
        Self::with_options(
            options,
            SqliteOptions {
                max_connections: 1,
                ..SqliteOptions::default()
            },
        )
        .await
    }

    /// Connects to a `sqlite:` URL (`sqlite://lms.db`, `sqlite::memory:`), creating the
    /// file if missing, and migrates it.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(backend)?
            .create_if_missing(true);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let settings = if in_memory {
            SqliteOptions {
                max_connections: 1,
                ..SqliteOptions::default()
            }
        } else {
            SqliteOptions::default()
        };
        Self::with_options(options, settings).await
    }

    /// Connects with explicit options (WAL, foreign keys and the busy timeout are always
    /// set) and migrates.
    pub async fn with_options(
        options: SqliteConnectOptions,
        settings: SqliteOptions,
    ) -> Result<Self, StoreError> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(settings.busy_timeout);
        // Switch a new file to WAL and migrate it on one connection before the pool opens
        // more: SQLite answers a journal-mode switch that races another connection with
        // SQLITE_BUSY, without waiting for the busy timeout. (For an in-memory database this
        // connection's copy simply vanishes; the pool's is migrated below.)
        let mut first = SqliteConnection::connect_with(&options)
            .await
            .map_err(tx::map_error)?;
        migrator().run(&mut first).await.map_err(backend)?;
        first.close().await.map_err(tx::map_error)?;
        // An in-memory database lives as long as its one connection: never let it go idle.
        let pool_of = |connections: u32| {
            SqlitePoolOptions::new()
                .max_connections(connections)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .acquire_timeout(settings.acquire_timeout)
        };
        let readers = settings.max_connections.max(1);
        let pool = pool_of(readers)
            .connect_with(options.clone())
            .await
            .map_err(tx::map_error)?;
        let writer = match readers > 1 {
            true => Some(
                pool_of(WRITE_CONNECTIONS)
                    .connect_with(options)
                    .await
                    .map_err(tx::map_error)?,
            ),
            false => None, // one connection (an in-memory database) serves both
        };
        let store = Self {
            pool,
            writer,
            write_turn: Arc::new(Semaphore::new(1)),
            write_wait: settings.busy_timeout,
            events: Arc::new(tokio::sync::watch::Sender::new(0)),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the embedded migrations that are not applied yet (a no-op when current).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migrator().run(&self.pool).await.map_err(backend)
    }

    /// The connection pool of readers, for hosts that share it. (A host that writes
    /// through it does not queue with this store's writers: its writes wait in SQLite's
    /// busy handler, as any other process's would.)
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Waits for this writer's turn, in arrival order, at most the busy timeout.
    async fn write_turn(&self) -> Result<OwnedSemaphorePermit, StoreError> {
        let turn = self.write_turn.clone().acquire_owned();
        match tokio::time::timeout(self.write_wait, turn).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(closed)) => Err(StoreError::Unavailable(Box::new(closed))),
            Err(_) => Err(StoreError::Unavailable(
                format!(
                    "waited {:?} for the other writers of this SQLite database: a write \
                     transaction is taking too long, or too many are queued",
                    self.write_wait
                )
                .into(),
            )),
        }
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn begin(&self, access: Access) -> Result<Box<dyn StoreTx>, StoreError> {
        let (tx, turn) = match access {
            // A read transaction keeps the snapshot its first statement saw: a snapshot.
            Access::Read | Access::Snapshot => (self.pool.begin().await, None),
            Access::Write => {
                // The connection first, then the turn: the previous writer's connection
                // goes back to its pool off the queue's critical path.
                let pool = self.writer.as_ref().unwrap_or(&self.pool);
                let conn = pool.acquire().await.map_err(tx::map_error)?;
                let turn = self.write_turn().await?;
                let begin = sqlx::AssertSqlSafe("BEGIN IMMEDIATE").into_sql_str();
                (Transaction::begin(conn, Some(begin)).await, Some(turn))
            }
        };
        let conn = SqliteConn::new(tx.map_err(tx::map_error)?, self.events.clone(), turn);
        Ok(Box::new(SqliteTx::new(conn)))
    }

    async fn session(&self, token_hash: &str) -> Result<Option<AuthSession>, StoreError> {
        // One statement outside a transaction reads one snapshot all the same.
        let q = sqlx::query("SELECT * FROM sessions WHERE token_hash = ?").bind(token_hash);
        let row = q.fetch_optional(&self.pool).await.map_err(tx::map_error)?;
        row.map(|row| lms_sql::decode::session(&SqliteRecord(row)))
            .transpose()
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(tx::map_error)?;
        Ok(())
    }

    async fn last_event_seq(&self) -> Result<EventSeq, StoreError> {
        let q = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM events");
        q.fetch_one(&self.pool).await.map_err(tx::map_error)
    }

    async fn event_heads(&self, after: EventSeq, limit: u32) -> Result<Vec<EventHead>, StoreError> {
        let q =
            sqlx::query("SELECT seq, org_id, course_id, kind, audience FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
                .bind(after)
                .bind(i64::from(limit));
        let rows = q.fetch_all(&self.pool).await.map_err(tx::map_error)?;
        rows.into_iter()
            .map(|row| lms_sql::decode::event_head(&SqliteRecord(row)))
            .collect()
    }

    /// On this store's Tokio runtime ([`lms_sql::spawn_event_feed`]).
    fn start_event_feed(&self, feed: EventFeed) -> Result<(), StoreError> {
        lms_sql::spawn_event_feed(feed);
        Ok(())
    }

    /// This process's commits only: processes sharing a file hear each other through the
    /// feed's timer ([`lms_core::Lms::with_event_poll_interval`]).
    async fn listen(&self) -> Result<Option<Box<dyn EventSignals>>, StoreError> {
        Ok(Some(Box::new(CommitSignals(self.events.subscribe()))))
    }

    // refresh_statistics: the default (nothing). SQLite's planner picks the right indexes for
    // this schema without statistics, and with ANALYZE's it got slower on the progress
    // benchmark (W1 p50 0.28 → 0.36 ms, W5 1,628 → 1,281 writes/s at 10,000 learners).
}

/// The files of `migrations/`, every one, in order (the tests check both against
/// `sqlx::migrate!`).
const MIGRATIONS: [lms_sql::migrations::MigrationFile; 21] = lms_sql::migration_files![
    "0001_init",
    "0002_auth",
    "0003_certificates",
    "0004_payments",
    "0005_rollup_histogram",
    "0006_discussions",
    "0007_events",
    "0008_external_users",
    "0009_profile",
    "0010_account_tokens",
    "0011_sessions",
    "0012_invitations",
    "0013_certificate_erasure",
    "0014_enrollment_revoked_reason",
    "0015_media",
    "0016_learning_depth",
    "0017_submissions",
    "0018_report_exports",
    "0019_enrollment_revision",
    "0020_media_sha256",
    "0021_drop_enrollment_rollup_index",
];

fn migrator() -> Migrator {
    lms_sql::migrations::migrator(&MIGRATIONS, MIGRATIONS_TABLE)
}

fn backend(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend(Box::new(e))
}

/// Wakes on commits that wrote events, in this process.
struct CommitSignals(tokio::sync::watch::Receiver<u64>);

#[async_trait]
impl EventSignals for CommitSignals {
    async fn next(&mut self) -> Result<(), StoreError> {
        self.0
            .changed()
            .await
            .map_err(|_| StoreError::Unavailable("the store was dropped".into()))
    }
}

#[cfg(test)]
mod migration_list {
    #[test]
    fn embeds_every_migration_as_sqlx_reads_it() {
        let ours = lms_sql::migrations::migrator(&super::MIGRATIONS, super::MIGRATIONS_TABLE);
        let sqlx = sqlx::migrate!("./migrations");
        assert_eq!(
            lms_sql::migrations::differences(&ours, &sqlx),
            Vec::<String>::new()
        );
    }
}
