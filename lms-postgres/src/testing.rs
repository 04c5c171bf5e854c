//! Databases for tests (feature `testing`): each test gets a fresh, migrated database of
//! its own, dropped when the store is dropped, so tests run in parallel and leave nothing
//! behind. Its name starts with the run's prefix ([`run_prefix`]), so a clean-up can drop
//! its own run's leftovers and never another run's. The server comes from `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`; its user must create databases and roles);
//! without one the tests fail, saying how to point them at one.
#![allow(missing_docs)]

use crate::{PgOptions, PgSchema, PgStore};
use async_trait::async_trait;
use lms_core::store::{
    Access, AuthSession, CourseKey, EnrollmentWithCourse, LearnerContext, LearnerWrite, Store,
    StoreTx,
};
use lms_core::{LessonId, LessonProgress, OrgId, PageRequest, StoreError, UserId};
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, PgConnection};
use std::str::FromStr;

pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// The login role the row-level security tests connect as (a member of `lms_app`).
pub const APP_ROLE: &str = "lms_test_app";

/// The key of the transaction-scoped advisory lock that orders outbox positions by commit
/// (for the test that holds it).
pub const EVENTS_LOCK: i64 = crate::tx::events::EVENTS_LOCK;

pub fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

pub fn server() -> PgConnectOptions {
    PgConnectOptions::from_str(&server_url()).expect("DATABASE_URL is a postgres:// URL")
}

/// The Postgres that accepts only TLS, as `LMS_TLS_DATABASE_URL` names it (with
/// `sslmode=verify-full` and `sslrootcert`); scripts/test.sh makes one.
pub fn tls_server() -> PgConnectOptions {
    let url = std::env::var("LMS_TLS_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "LMS_TLS_DATABASE_URL is not set: the TLS tests need a Postgres that accepts only TLS. \
             Run scripts/test.sh (as root on Debian it makes one), or set LMS_TLS_DATABASE_URL, e.g. \
             postgres://postgres@localhost:5440/postgres?sslmode=verify-full&sslrootcert=/path/ca.crt"
        )
    });
    PgConnectOptions::from_str(&url).expect("LMS_TLS_DATABASE_URL is a postgres:// URL")
}

/// The server a mode's databases live on.
fn server_for(mode: Mode) -> PgConnectOptions {
    match mode {
        Mode::Tls => tls_server(),
        Mode::Replicated => replication_env("LMS_REPLICA_PRIMARY_URL"),
        _ => server(),
    }
}

/// The primary (`LMS_REPLICA_PRIMARY_URL`) or its streaming replica (`LMS_REPLICA_URL`).
fn replication_env(name: &str) -> PgConnectOptions {
    let url = std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: the replica tests need a Postgres primary \
             (LMS_REPLICA_PRIMARY_URL) and a hot standby streaming from it (LMS_REPLICA_URL) \
             that they may pause. Run scripts/test.sh (as root on Debian it makes both with \
             pg_basebackup -R), or set both, e.g. postgres://postgres@127.0.0.1:5460/postgres \
             and postgres://postgres@127.0.0.1:5461/postgres"
        )
    });
    PgConnectOptions::from_str(&url).unwrap_or_else(|_| panic!("{name} is a postgres:// URL"))
}

async fn admin_connection(server: &PgConnectOptions) -> PgConnection {
    server.connect().await.unwrap_or_else(|e| {
        panic!(
            "cannot reach Postgres at {}:{}: {e}\n\
             The Postgres tests need a server. Run scripts/test.sh (it starts the local cluster), \
             or set DATABASE_URL to a server whose user may create databases, e.g. \
             DATABASE_URL={DEFAULT_URL}",
            server.get_host(),
            server.get_port()
        )
    })
}

/// `lms_test_<run>_`, where `<run>` is `LMS_TEST_RUN` (scripts/test.sh sets
/// `r<unix start>_<random>`) or, without it, `r<unix start>_<process id>`. The start time lets
/// a later run tell a stale leftover (hours old) from a database a live run still uses.
pub fn run_prefix() -> &'static str {
    static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PREFIX.get_or_init(|| {
        let run = std::env::var("LMS_TEST_RUN")
            .ok()
            .filter(|run| {
                // A database name has at most 63 bytes: the prefix, `_` and 32 hex digits.
                let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
                !run.is_empty() && run.len() <= 20 && run.chars().all(allowed)
            })
            .unwrap_or_else(|| {
                let start = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |elapsed| elapsed.as_secs());
                format!("r{start}_{}", std::process::id())
            });
        format!("lms_test_{run}_")
    })
}

fn pooler() -> PgConnectOptions {
    let url = std::env::var("LMS_PGBOUNCER_URL").unwrap_or_else(|_| {
        panic!(
            "LMS_PGBOUNCER_URL is not set: the pooler tests need a PgBouncer in transaction mode in front of \
             DATABASE_URL. Run scripts/test.sh (it starts one), or set LMS_PGBOUNCER_URL, e.g. \
             postgres://postgres@127.0.0.1:6433/postgres"
        )
    });
    PgConnectOptions::from_str(&url).expect("LMS_PGBOUNCER_URL is a postgres:// URL")
}

async fn run(connection: &mut PgConnection, sql: String) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(connection)
        .await
        .map(drop)
}

/// How a test's store reaches its database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Direct connections, as the tables' owner.
    Direct,
    /// Through the transaction-mode pooler at `LMS_PGBOUNCER_URL`, statement cache off.
    Pooled,
    /// As the application role `lms_test_app`, with row-level security on.
    RowLevelSecurity,
    /// On the TLS-only server of `LMS_TLS_DATABASE_URL`, verifying its certificate and name.
    Tls,
    /// On the primary of `LMS_REPLICA_PRIMARY_URL` as the application role with row-level
    /// security on, reading what may lag on its streaming replica `LMS_REPLICA_URL`.
    Replicated,
}

/// How long a test's transaction may wait for a pooled connection. The races run a hundred
/// transactions that queue on one row lock through a pool of ten; on a loaded two-core CI
/// machine the production default (10 s) is within reach, and a test that waits is not a
/// test that fails.
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// The production defaults, with a wait for a connection that suits the races.
fn test_options() -> PgOptions {
    PgOptions {
        acquire_timeout: ACQUIRE_TIMEOUT,
        ..PgOptions::default()
    }
}

/// A migrated store on a database of its own, dropped with the store.
pub struct TestDatabase {
    pub store: PgStore,
    pub name: String,
    pub mode: Mode,
    server: PgConnectOptions,
}

impl TestDatabase {
    pub async fn create(mode: Mode) -> Self {
        Self::create_after(mode, "").await
    }

    /// Like [`TestDatabase::create`], running `host_sql` in the new database before the LMS
    /// migrates into it (a host's own tables, say).
    pub async fn create_after(mode: Mode, host_sql: &str) -> Self {
        let name = format!("{}{}", run_prefix(), uuid::Uuid::now_v7().simple());
        let server = server_for(mode);
        let mut admin = admin_connection(&server).await;
        run(&mut admin, format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        let mut guard = DropGuard(Some((server.clone(), name.clone())));
        if !host_sql.is_empty() {
            let mut host = server
                .clone()
                .database(&name)
                .connect()
                .await
                .expect("connect");
            run(&mut host, host_sql.to_string())
                .await
                .expect("host SQL");
        }
        let rls = matches!(mode, Mode::RowLevelSecurity | Mode::Replicated);
        // Migrate as the owner over a direct connection, as a deployment would.
        let owner_options = PgOptions {
            max_connections: 1,
            row_level_security: rls,
            ..PgOptions::default()
        };
        let owner = PgStore::connect_with_options(server.clone().database(&name), owner_options)
            .await
            .expect("connect");
        owner.migrate().await.expect("migrate");
        owner.pool().close().await;
        let store = match mode {
            Mode::Direct | Mode::Tls => {
                PgStore::connect_with_options(server.clone().database(&name), test_options()).await
            }
            // LISTEN needs a session: the listener goes around the pooler, as documented.
            Mode::Pooled => {
                let options = PgOptions {
                    acquire_timeout: ACQUIRE_TIMEOUT,
                    ..PgOptions::for_pooler()
                };
                PgStore::connect_with_options(pooler().database(&name), options)
                    .await
                    .map(|store| store.listen_with(server.clone().database(&name)))
            }
            Mode::RowLevelSecurity => {
                ensure_app_role(&mut admin).await;
                let options = PgOptions {
                    row_level_security: true,
                    ..test_options()
                };
                PgStore::connect_with_options(
                    server.clone().database(&name).username(APP_ROLE),
                    options,
                )
                .await
            }
            Mode::Replicated => {
                ensure_app_role(&mut admin).await;
                let replica = replication_env("LMS_REPLICA_URL").database(&name);
                await_replica_database(&replica).await;
                let url = |o: &PgConnectOptions| {
                    format!(
                        "postgres://{APP_ROLE}@{}:{}/{name}",
                        o.get_host(),
                        o.get_port()
                    )
                };
                let options = PgOptions {
                    row_level_security: true,
                    replica_url: Some(url(&replica)),
                    ..test_options()
                };
                PgStore::connect_with(&url(&server), options).await
            }
        };
        let store = store.expect("connect the test store");
        guard.0 = None; // the TestDatabase drops it from here on
        Self {
            store,
            name,
            mode,
            server,
        }
    }

    /// A second, independent pool on the same database (another app instance).
    pub async fn second_instance(&self) -> PgStore {
        assert_eq!(self.mode, Mode::Direct);
        PgStore::connect_with_options(server().database(&self.name), test_options())
            .await
            .expect("connect")
    }

    /// A raw connection to this database as the application role, searching the LMS
    /// schema.
    pub async fn app_role_connection(&self) -> PgConnection {
        server()
            .database(&self.name)
            .username(APP_ROLE)
            .options([("search_path", PgSchema::DEFAULT)])
            .connect()
            .await
            .expect("connect as the app role")
    }

    /// A raw connection to this database as the server's (super)user, searching the LMS
    /// schema.
    pub async fn owner_connection(&self) -> PgConnection {
        self.server
            .clone()
            .database(&self.name)
            .options([("search_path", PgSchema::DEFAULT)])
            .connect()
            .await
            .expect("connect as owner")
    }
}

/// Creates the cluster-wide login role once; tests race to do it, which is fine.
async fn ensure_app_role(admin: &mut PgConnection) {
    let sql = format!(
        "DO $$ BEGIN
             CREATE ROLE {APP_ROLE} LOGIN IN ROLE lms_app;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
         END $$"
    );
    run(admin, sql).await.expect("create the application role");
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        drop_database(&self.server, &self.name);
    }
}

/// Drops the database `name` when dropped, unless disarmed: a test that panics between
/// creating its database and holding its [`TestDatabase`] (no pooler configured, a failed
/// migration) leaves nothing behind either.
struct DropGuard(Option<(PgConnectOptions, String)>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some((server, name)) = self.0.take() {
            drop_database(&server, &name);
        }
    }
}

fn drop_database(server: &PgConnectOptions, name: &str) {
    let (server, owned) = (server.clone(), name.to_string());
    // Drop runs inside the test's runtime, which may have a single thread: do the async
    // clean-up on a thread of its own, and let FORCE end the pool's connections rather
    // than waiting for them here.
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let mut admin = server.connect().await?;
            run(
                &mut admin,
                format!("DROP DATABASE IF EXISTS {owned} WITH (FORCE)"),
            )
            .await?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
    })
    .join();
    if !matches!(dropped, Ok(Ok(()))) {
        eprintln!("could not drop test database {name}: {dropped:?}");
    }
}

/// Waits until a database just created on the primary exists on its replica.
async fn await_replica_database(replica: &PgConnectOptions) {
    for _ in 0..300 {
        if replica.connect().await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "the new database did not reach the replica (LMS_REPLICA_URL) in 30 s: is it streaming?"
    );
}

impl TestDatabase {
    /// Waits until the replica has replayed everything the primary has written so far
    /// (`Mode::Replicated`).
    pub async fn replica_caught_up(&self) {
        assert_eq!(self.mode, Mode::Replicated);
        let mut primary = admin_connection(&self.server).await;
        let target: String = sqlx::query_scalar("SELECT pg_current_wal_lsn()::text")
            .fetch_one(&mut primary)
            .await
            .expect("the primary's position");
        let mut replica = admin_connection(&replication_env("LMS_REPLICA_URL")).await;
        for _ in 0..300 {
            let replayed: bool =
                sqlx::query_scalar("SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn")
                    .bind(&target)
                    .fetch_one(&mut replica)
                    .await
                    .expect("the replica's position");
            if replayed {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the replica did not replay up to {target} in 6 s");
    }

    /// Pauses the replica's replay until the guard is dropped (`Mode::Replicated`): reads
    /// there then see the primary as it was. Pausing stops the whole standby, so tests
    /// that pause take turns.
    pub async fn pause_replay(&self) -> ReplayPaused {
        assert_eq!(self.mode, Mode::Replicated);
        self.replica_caught_up().await;
        let mut replica = admin_connection(&replication_env("LMS_REPLICA_URL")).await;
        run(&mut replica, "SELECT pg_wal_replay_pause()".into())
            .await
            .expect("pause the replica's replay");
        ReplayPaused
    }
}

/// Resumes the replica's replay when dropped, even when the test panicked.
pub struct ReplayPaused;

impl Drop for ReplayPaused {
    fn drop(&mut self) {
        let resumed = std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut replica = replication_env("LMS_REPLICA_URL").connect().await?;
                run(&mut replica, "SELECT pg_wal_replay_resume()".into()).await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .join();
        if !matches!(resumed, Ok(Ok(()))) {
            eprintln!("could not resume the replica's replay: {resumed:?}");
        }
    }
}

#[async_trait]
impl Store for TestDatabase {
    async fn begin(&self, access: Access) -> Result<Box<dyn StoreTx>, StoreError> {
        self.store.begin(access).await
    }

    async fn begin_replica(&self) -> Result<Option<Box<dyn StoreTx>>, StoreError> {
        self.store.begin_replica().await
    }

    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        self.store.refresh_statistics().await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.store.ping().await
    }

    async fn learner_context<'k>(
        &self,
        org: OrgId,
        slug: &str,
        course: CourseKey<'k>,
        user: UserId,
        attempts_at: Option<LessonId>,
    ) -> Result<Option<LearnerContext>, StoreError> {
        let context = self
            .store
            .learner_context(org, slug, course, user, attempts_at);
        context.await
    }

    async fn dashboard_page(
        &self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<(EnrollmentWithCourse, Vec<LessonProgress>)>, StoreError> {
        self.store.dashboard_page(user, page).await
    }

    async fn apply_learner_write(&self, write: &LearnerWrite) -> Result<bool, StoreError> {
        self.store.apply_learner_write(write).await
    }

    async fn session(&self, token_hash: &str) -> Result<Option<AuthSession>, StoreError> {
        self.store.session(token_hash).await
    }

    async fn last_event_seq(&self) -> Result<lms_core::EventSeq, StoreError> {
        self.store.last_event_seq().await
    }

    async fn event_heads(
        &self,
        after: lms_core::EventSeq,
        limit: u32,
    ) -> Result<Vec<lms_core::EventHead>, StoreError> {
        self.store.event_heads(after, limit).await
    }

    async fn listen(&self) -> Result<Option<Box<dyn lms_core::EventSignals>>, StoreError> {
        self.store.listen().await
    }

    fn start_event_feed(&self, feed: lms_core::feed::EventFeed) -> Result<(), StoreError> {
        self.store.start_event_feed(feed)
    }
}
