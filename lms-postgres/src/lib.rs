//! # lms-postgres
//!
//! The production store of lms-rs on Postgres (13 or newer). Migrations are embedded and
//! applied by an explicit [`PgStore::migrate`], which a host calls at deploy time (the
//! example server calls it on start); re-running it is a no-op. Every [`lms_core::Lms`]
//! call runs in one transaction; rows a read-decide-write sequence depends on are locked
//! (`FOR UPDATE` / `FOR NO KEY UPDATE`) in one order, so concurrent app instances queue
//! instead of racing.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use lms_core::Lms;
//! use lms_postgres::{PgOptions, PgStore};
//!
//! let store = PgStore::connect_with("postgres://app@db.internal/app", PgOptions::default()).await?;
//! store.migrate().await?; // at deploy time
//! let lms = Lms::new(store);
//! # Ok(()) }
//! ```
//!
//! ## TLS
//!
//! Connections use TLS through rustls with the system's root certificates. The URL's
//! `sslmode` (`disable`, `prefer` — the default —, `require`, `verify-ca`, `verify-full`) and
//! `sslrootcert` (a CA certificate file) mean what they mean to libpq; managed Postgres
//! (Neon, Supabase, RDS) wants `sslmode=verify-full`. A first connection that fails is a
//! [`StoreError::Unavailable`] holding a [`ConnectError`], whose message names the address,
//! the reason, and what to check (the CA, the host name, a server that accepts only TLS).
//!
//! ## Connection settings
//!
//! [`PgOptions`] holds the pool settings. The defaults suit a long-running server talking to
//! Postgres directly: 10 connections, 10 s to get one, idle connections closed after 10
//! minutes, every connection recycled after 30 minutes, and server-side prepared statements
//! cached per connection.
//!
//! Behind a transaction-mode pooler (PgBouncer `pool_mode = transaction`, Neon's pooled
//! endpoint, Supabase's pooler), consecutive transactions of one client connection may run
//! on different server connections, so a statement prepared on one may be missing on the
//! next. Set [`PgOptions::statement_cache`] to `false` there ([`PgOptions::for_pooler`]):
//! every statement is then sent as an unnamed statement, parsed in one round trip and run
//! in the next, within one of our transactions so that the pooler keeps both on one server
//! connection (at the cost of planning each statement anew and of that extra round trip;
//! this is also why the learner's path, one statement in autocommit with the cache on,
//! runs in a transaction of its own then). On serverless platforms also keep the pool
//! small (1–5 per instance) and the idle timeout short, since the pooler, not the
//! instance, holds the server connections.
//!
//! What fails with the cache on behind a transaction-mode pooler (seen with PgBouncer 1.18):
//! named statements of different clients meet on one server connection. In our pooled
//! conformance run with the cache on, 53 of 55 cases failed: most with `prepared statement
//! "sqlx_s_1" already exists`, one with `bind message supplies 3 parameters, but prepared
//! statement "sqlx_s_2" requires 5` — another client's statement under the same name. A
//! transaction can also land on a server connection that never saw its statement (`does not
//! exist`).
//! PgBouncer 1.21+ can track prepared statements itself (`max_prepared_statements`); with
//! that setting the cache may stay on.
//!
//! Run [`PgStore::migrate`] over a direct connection, not through the pooler: the migrator
//! holds a session-level advisory lock.
//!
//! ## Our own schema
//!
//! Every LMS object — tables, functions, triggers, the migrations table (`_lms_migrations`),
//! row-level security policies — lives in one schema, [`PgOptions::schema`] (`lms` by
//! default), which [`PgStore::migrate`] creates. The host's own `public.users`,
//! `public.sessions` or `public.courses` are never read or changed, and the host's tables
//! need no prefix. Every transaction of the store begins with
//! `BEGIN; SET LOCAL search_path TO lms`: transaction-local, because a transaction-mode
//! pooler ignores a connection's start-up `options` and would hand a session-level `SET` on
//! to other clients. A pool shared with the host ([`PgStore::from_pool`]) keeps the host's
//! own `search_path` outside our transactions. Several LMS instances can share one database,
//! each in a schema of its own; they share the `lms_events` notification channel, which
//! only costs a spare read of the other's outbox.
//!
//! To reach the tables from `psql`, qualify them (`lms.courses`) or
//! `SET search_path TO lms, public`.
//!
//! ## Reads on a replica
//!
//! With [`PgOptions::replica_url`] naming a streaming replica (a hot standby made with
//! `pg_basebackup -R`, or a managed read replica) of the same database, the rows that may be
//! a moment old are read there, so that reporting load leaves the primary:
//!
//! | call | on the replica | on the primary |
//! |---|---|---|
//! | `Lms::course_report` | the summary buckets, completions per week, the page of learners | the org, the caller's role, the course, its outline |
//! | `Lms::org_report`, `Lms::export_org_report` | the courses and their summaries | the org, the caller's role |
//! | `Lms::export_course_report` | every exported row | the org, the caller's role, the course, its outline |
//! | `Lms::courses` (published: the catalog) | the page of courses | the org, the caller's role |
//!
//! Everything else reads the primary: authorization (roles, enrollments, ownership, which
//! must bite the moment they are revoked), drafts and archived courses (their authors' working
//! set), and whatever follows a caller's own writes — their progress, dashboard, lesson
//! states, attempts, submissions, certificates, notifications. So a learner always sees their
//! own progress at once, while a report or an export shows the primary as of the replica's
//! replay: usually milliseconds behind, more while the replica is loaded or its replay
//! paused (`pg_stat_replication.replay_lag` on the primary says by how much). A course
//! published a moment ago may be missing from the catalog for that long, and a report read
//! right after a write may not count it yet; right after a curriculum change, a report's
//! percentages may divide the replica's counts by the primary's new lesson total. Replication conflicts can cancel a long export
//! on the standby (`hot_standby_feedback = on` on the replica prevents most). Without a
//! replica every call reads the primary, and so do these calls while the replica cannot be
//! reached (its pool connects lazily, so a replica that is down does not stop the store
//! from starting). Nothing bounds the lag: a standby that stops replaying keeps serving
//! what it has, so watch `replay_lag`.
//!
//! ## Live events across instances
//!
//! A transaction that produces events (a post, an enrollment, a completion) writes them to
//! the `events` outbox as it commits and sends `NOTIFY lms_events`; Postgres delivers that
//! only if the transaction commits. Every instance's dispatcher holds a `LISTEN lms_events`
//! session and, on each notification, reads the new events and hands them to its streams, so
//! a client sees an event whichever instance it is connected to. `LISTEN` needs a session
//! that stays open, which a transaction-mode pooler cannot give: behind one, point
//! [`PgOptions::listen_url`] at a direct URL of the same database (one connection per
//! instance). Without it the listener uses the store's own connection settings. If the
//! listener loses its connection it reconnects and reads the outbox, and the dispatcher also
//! reads it on a timer, so no event is lost, only delayed.
//!
//! ```no_run
//! # async fn demo() -> Result<(), lms_core::StoreError> {
//! use lms_postgres::{PgOptions, PgStore};
//! let mut options = PgOptions::for_pooler();
//! options.listen_url = Some("postgres://app@db.internal:5432/lms".into());
//! let store = PgStore::connect_with("postgres://app@pgbouncer.internal:6432/lms", options).await?;
//! # Ok(()) }
//! ```
//!
//! ## Row-level security
//!
//! With [`PgOptions::row_level_security`], isolation between orgs is enforced by Postgres as
//! well as by the core's policy. `migrate` installs policies on every tenant-scoped table
//! (`memberships`, `courses`, `modules`, `lessons`, `enrollments`, `lesson_progress`,
//! `quiz_attempts`, `posts`, `events`…; `orgs` is readable by all but changed only in its own
//! scope; a user's `notifications` are theirs across orgs) keyed on the
//! transaction-local settings `lms.org_id` and `lms.user_id`, which the store sets at the
//! start of every call with `set_config(…, true)` — or, on a learner's own path (their
//! progress, dashboard and progress writes, one statement each in autocommit), the
//! statement's function sets first, for that statement's implicit transaction. A connection that has not set them sees
//! and writes nothing tenant-scoped; one scoped to another org sees nothing of this one.
//!
//! Superusers and roles with `BYPASSRLS` skip the policies, and the tables use
//! `FORCE ROW LEVEL SECURITY` so their owner does not. So: migrate as the owner, and run the
//! application as an ordinary login role that is a member of `lms_app` (which `migrate`
//! creates when it may, and grants table access to):
//!
//! ```sql
//! CREATE ROLE lms_app NOLOGIN;                         -- if migrate could not
//! CREATE ROLE lms_web LOGIN PASSWORD '…' IN ROLE lms_app;
//! ```
#![warn(missing_docs)]

mod connect_error;
mod learner_path;
mod pool;
mod schema;
#[cfg(feature = "testing")]
pub mod testing;
mod tx;

pub use connect_error::ConnectError;
pub use schema::{InvalidSchema, PgSchema};

use async_trait::async_trait;
use lms_core::feed::EventFeed;
use lms_core::store::{
    Access, AuthSession, CourseKey, EnrollmentWithCourse, EventSignals, LearnerContext,
    LearnerWrite, Store, StoreTx,
};
use lms_core::{
    EventHead, EventSeq, LessonId, LessonProgress, OrgId, PageRequest, StoreError, UserId,
};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};
use std::str::FromStr;
use std::time::Duration;

use schema::BeginStatements;
use sqlx::AssertSqlSafe;
use tx::TxSettings;
pub use tx::{PgConn, PgRecord, PgTx};

/// The table that records applied migrations; not sqlx's default, so that a host
/// application using sqlx migrations in the same database keeps its own.
pub const MIGRATIONS_TABLE: &str = "_lms_migrations";

/// The files of `migrations/`, every one, in order (the tests check both against
/// `sqlx::migrate!`).
const MIGRATIONS: [lms_sql::migrations::MigrationFile; 27] = lms_sql::migration_files![
    "0001_init",
    "0002_auth",
    "0003_certificates",
    "0004_payments",
    "0005_rollup_histogram",
    "0006_discussions",
    "0007_events",
    "0008_external_users",
    "0009_pin_trigger_search_path",
    "0010_profile",
    "0011_account_tokens",
    "0012_sessions",
    "0013_invitations",
    "0014_certificate_erasure",
    "0015_enrollment_revoked_reason",
    "0016_media",
    "0017_learning_depth",
    "0018_submissions",
    "0019_report_exports",
    "0020_enrollment_revision",
    "0021_report_pages",
    "0022_learner_path_functions",
    "0023_grade_with_learner_write",
    "0024_media_sha256",
    "0025_progress_as_arrays",
    "0026_progress_arrays_function",
    "0027_enrollment_hot_updates",
];

/// Pool and protocol settings of a [`PgStore`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PgOptions {
    /// Most connections the pool opens.
    pub max_connections: u32,
    /// Connections kept open even when idle.
    pub min_connections: u32,
    /// How long a call waits for a connection (including connecting) before failing with
    /// "unavailable".
    pub acquire_timeout: Duration,
    /// How long an unused connection stays open; `None` keeps it.
    pub idle_timeout: Option<Duration>,
    /// How long any connection lives before it is replaced; `None` keeps it.
    pub max_lifetime: Option<Duration>,
    /// Cache server-side prepared statements per connection. Turn off behind a
    /// transaction-mode pooler.
    pub statement_cache: bool,
    /// Enforce tenant isolation in the database too: [`PgStore::migrate`] installs
    /// row-level security policies and every transaction names its org. See
    /// [the crate docs](crate#row-level-security).
    pub row_level_security: bool,
    /// Where the event listener connects (`LISTEN lms_events`, see [`Store::listen`]);
    /// `None` uses the store's own connection settings. `LISTEN` needs a session of its
    /// own for as long as it listens, which a transaction-mode pooler (PgBouncer,
    /// Supavisor, RDS Proxy in transaction mode…) cannot give: behind one, set this to a
    /// direct URL of the same database.
    pub listen_url: Option<String>,
    /// The schema that holds every LMS object (tables, functions, the migrations table,
    /// row-level security policies): `lms` by default, so that the host's own tables in
    /// `public` never meet ours. See [the crate docs](crate#our-own-schema).
    pub schema: PgSchema,
    /// A streaming replica (hot standby) of the same database: when set, the rows of
    /// reports, exports and the public catalog are read there, while authorization and
    /// everything that follows a caller's own writes stays on the primary. See
    /// [the crate docs](crate#reads-on-a-replica) for which calls go where and how stale
    /// they may be. The pool settings are the primary's; TLS settings come from this URL's
    /// own `sslmode` and `sslrootcert` (give them again: nothing is copied from the
    /// primary's).
    pub replica_url: Option<String>,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(10),
            idle_timeout: Some(Duration::from_secs(600)),
            max_lifetime: Some(Duration::from_secs(1800)),
            statement_cache: true,
            row_level_security: false,
            listen_url: None,
            schema: PgSchema::default(),
            replica_url: None,
        }
    }
}

impl PgOptions {
    /// Settings for a transaction-mode pooler or a serverless host: no statement cache, a
    /// small pool, short idle time.
    pub fn for_pooler() -> Self {
        Self {
            max_connections: 5,
            idle_timeout: Some(Duration::from_secs(30)),
            statement_cache: false,
            ..Self::default()
        }
    }
}

/// A Postgres-backed [`Store`].
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    /// Where lagging reads go ([`PgOptions::replica_url`]).
    replica: Option<PgPool>,
    settings: TxSettings,
    schema: PgSchema,
    begin: BeginStatements,
    /// The learner path's calls outside a transaction.
    calls: learner_path::LearnerPathCalls,
    /// Where [`Store::listen`] connects.
    listen_to: PgConnectOptions,
}

impl PgStore {
    /// Connects to `url` with the default [`PgOptions`]. Does not migrate.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, PgOptions::default()).await
    }

    /// Connects to `url` with `options`. Does not migrate.
    pub async fn connect_with(url: &str, options: PgOptions) -> Result<Self, StoreError> {
        let connect = PgConnectOptions::from_str(url).map_err(backend)?;
        Self::connect_with_options(connect, options).await
    }

    /// Connects with structured connection settings (host, user, database, TLS…) and
    /// `options`. Does not migrate.
    pub async fn connect_with_options(
        mut connect: PgConnectOptions,
        options: PgOptions,
    ) -> Result<Self, StoreError> {
        if !options.statement_cache {
            connect = connect.statement_cache_capacity(0);
        }
        let pool = pool::open_pool(connect.clone(), &options).await?;
        let mut store = Self::from_pool(pool, &options);
        if let Some(url) = &options.replica_url {
            let mut replica = PgConnectOptions::from_str(url).map_err(backend)?;
            if !options.statement_cache {
                replica = replica.statement_cache_capacity(0);
            }
            // Lazily: a replica that is down does not keep the store from starting, and
            // the reads meant for it go to the primary meanwhile.
            store.replica = Some(pool::pool_options(&options).connect_lazy_with(replica));
        }
        Ok(store)
    }

    /// A store on an existing pool (the host's own, say), with the statement and
    /// row-level security settings of `options` (its pool settings are the pool's own).
    /// Does not migrate.
    pub fn from_pool(pool: PgPool, options: &PgOptions) -> Self {
        let settings = TxSettings {
            named_statements: options.statement_cache,
            row_level_security: options.row_level_security,
        };
        let listen_to = options
            .listen_url
            .as_deref()
            .and_then(|url| PgConnectOptions::from_str(url).ok())
            .unwrap_or_else(|| (*pool.connect_options()).clone());
        Self {
            pool,
            replica: None,
            settings,
            begin: BeginStatements::new(&options.schema),
            calls: learner_path::LearnerPathCalls::in_schema(&options.schema),
            schema: options.schema.clone(),
            listen_to,
        }
    }

    /// Creates the schema ([`PgOptions::schema`]) if it is missing, applies the embedded
    /// migrations in it that are not applied yet (a no-op when current), and with row-level
    /// security on, (re)installs its policies. Nothing outside the schema changes, except
    /// the `lms_app` role that row-level security creates.
    ///
    /// Run it as the tables' owner over a direct connection (migrations take a session
    /// advisory lock, which a transaction-mode pooler cannot hold).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        // A connection of its own whose session searches only our schema: the migrations
        // name their tables unqualified, and so does the migrations table.
        let options = (*self.pool.connect_options()).clone();
        let mut conn = options
            .options([("search_path", format!("\"{}\"", self.schema))])
            .connect()
            .await
            .map_err(tx::map_error)?;
        let migrated = self.migrate_on(&mut conn).await;
        sqlx::Connection::close(conn).await.ok();
        migrated
    }

    async fn migrate_on(&self, conn: &mut sqlx::PgConnection) -> Result<(), StoreError> {
        let create = schema::create_statement(&self.schema);
        sqlx::raw_sql(AssertSqlSafe(create))
            .execute(&mut *conn)
            .await
            .map_err(tx::map_error)?;
        let migrator = lms_sql::migrations::migrator(&MIGRATIONS, MIGRATIONS_TABLE);
        migrator.run(&mut *conn).await.map_err(backend)?;
        if self.settings.row_level_security {
            let mut tx = sqlx::Connection::begin(&mut *conn)
                .await
                .map_err(tx::map_error)?;
            sqlx::raw_sql(include_str!("row_level_security.sql"))
                .execute(&mut *tx)
                .await
                .map_err(tx::map_error)?;
            tx.commit().await.map_err(tx::map_error)?;
        }
        Ok(())
    }

    /// The schema this store's objects live in.
    pub fn schema(&self) -> &PgSchema {
        &self.schema
    }

    /// Listens for events with these connection settings (see [`PgOptions::listen_url`];
    /// this is its structured form).
    pub fn listen_with(mut self, options: PgConnectOptions) -> Self {
        self.listen_to = options;
        self
    }

    /// The connection pool, for hosts that share it.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl PgStore {
    async fn begin_on(
        &self,
        pool: &PgPool,
        begin: &std::sync::Arc<str>,
    ) -> Result<Box<dyn StoreTx>, StoreError> {
        let tx = pool.begin_with(AssertSqlSafe(begin.clone())).await;
        let conn = PgConn::new(tx.map_err(tx::map_error)?, self.settings);
        Ok(Box::new(PgTx::new(conn)))
    }
}

#[async_trait]
impl Store for PgStore {
    async fn begin(&self, access: Access) -> Result<Box<dyn StoreTx>, StoreError> {
        let begin = self.begin.of(access);
        self.begin_on(&self.pool, begin).await
    }

    async fn begin_replica(&self) -> Result<Option<Box<dyn StoreTx>>, StoreError> {
        match &self.replica {
            Some(replica) => Ok(Some(self.begin_on(replica, &self.begin.read).await?)),
            None => Ok(None),
        }
    }

    async fn learner_context<'k>(
        &self,
        org: OrgId,
        slug: &str,
        course: CourseKey<'k>,
        user: UserId,
        attempts_at: Option<LessonId>,
    ) -> Result<Option<LearnerContext>, StoreError> {
        self.learner_context_alone((org, slug), course, user, attempts_at)
            .await
    }

    async fn dashboard_page(
        &self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<(EnrollmentWithCourse, Vec<LessonProgress>)>, StoreError> {
        self.dashboard_page_alone(user, page).await
    }

    async fn apply_learner_write(&self, write: &LearnerWrite) -> Result<bool, StoreError> {
        self.apply_learner_write_alone(write).await
    }

    async fn session(&self, token_hash: &str) -> Result<Option<AuthSession>, StoreError> {
        self.session_alone(token_hash).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let ping = sqlx::query("SELECT 1").persistent(self.settings.named_statements);
        ping.execute(&self.pool).await.map_err(tx::map_error)?;
        Ok(())
    }

    // Both read in a transaction of their own: behind a transaction-mode pooler a statement
    // outside one may be parsed on one server connection and bound on another.
    async fn last_event_seq(&self) -> Result<EventSeq, StoreError> {
        let mut tx = self
            .pool
            .begin_with(AssertSqlSafe(self.begin.read.clone()))
            .await
            .map_err(tx::map_error)?;
        let q = sqlx::query_scalar("SELECT lms_last_event_seq()")
            .persistent(self.settings.named_statements);
        let seq = q.fetch_one(&mut *tx).await.map_err(tx::map_error)?;
        tx.commit().await.map_err(tx::map_error)?;
        Ok(seq)
    }

    async fn event_heads(&self, after: EventSeq, limit: u32) -> Result<Vec<EventHead>, StoreError> {
        let mut tx = self
            .pool
            .begin_with(AssertSqlSafe(self.begin.read.clone()))
            .await
            .map_err(tx::map_error)?;
        let q = sqlx::query("SELECT * FROM lms_event_heads($1, $2)")
            .bind(after)
            .bind(i32::try_from(limit).unwrap_or(i32::MAX))
            .persistent(self.settings.named_statements);
        let rows = q.fetch_all(&mut *tx).await.map_err(tx::map_error)?;
        tx.commit().await.map_err(tx::map_error)?;
        rows.into_iter()
            .map(|row| lms_sql::decode::event_head(&PgRecord(row)))
            .collect()
    }

    /// On this store's Tokio runtime ([`lms_sql::spawn_event_feed`]).
    fn start_event_feed(&self, feed: EventFeed) -> Result<(), StoreError> {
        lms_sql::spawn_event_feed(feed);
        Ok(())
    }

    /// `LISTEN lms_events` on a connection of its own (see [`PgOptions::listen_url`]): every
    /// instance on the database hears every committed event.
    async fn listen(&self) -> Result<Option<Box<dyn EventSignals>>, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_with(self.listen_to.clone().statement_cache_capacity(0))
            .await
            .map_err(tx::map_error)?;
        let mut listener = PgListener::connect_with(&pool)
            .await
            .map_err(tx::map_error)?;
        listener.ignore_pool_close_event(true);
        listener
            .listen(tx::EVENTS_CHANNEL)
            .await
            .map_err(tx::map_error)?;
        Ok(Some(Box::new(Notifications(listener))))
    }

    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        // Tables the role does not own are skipped with a warning (row-level-security
        // deployments run it as the owner, or let autovacuum catch up).
        // One simple-protocol message: outside a transaction, a transaction-mode pooler may
        // send an extended-protocol Parse and its Bind to different server connections
        // ("unnamed prepared statement does not exist", seen once in the pooled suite).
        let analyze = sqlx::raw_sql("ANALYZE");
        analyze.execute(&self.pool).await.map_err(tx::map_error)?;
        Ok(())
    }
}

fn backend(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend(Box::new(e))
}

/// `NOTIFY lms_events` as signals.
struct Notifications(PgListener);

#[async_trait]
impl EventSignals for Notifications {
    async fn next(&mut self) -> Result<(), StoreError> {
        // `None` is a lost connection, already re-established: notifications sent meanwhile
        // are gone, so answer as if one came (the dispatcher reads the outbox).
        self.0.try_recv().await.map(drop).map_err(tx::map_error)
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
