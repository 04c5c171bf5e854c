//! The shared conformance suite on Postgres in three modes, plus Postgres-only cases. Every
//! test runs on a fresh database of its own, dropped when its store is dropped.
//!
//! - `conformance::*`: direct connections, as the tables' owner.
//! - `pooled_conformance::*`: through PgBouncer in transaction mode, statement cache off.
//! - `rls_conformance::*`: as an ordinary application role, with row-level security on.
//!
//! Needs a server: `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! names one whose user may create databases and roles, and `LMS_PGBOUNCER_URL` a
//! transaction-mode PgBouncer in front of it. `scripts/test.sh` sets both up.

use async_trait::async_trait;
use lms_core::store::{Access, Store, StoreTx};
use lms_core::{Lms, StoreError};
use lms_postgres::{PgOptions, PgStore};
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, PgConnection};
use std::str::FromStr;
use std::sync::Arc;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// The login role the row-level security tests connect as (a member of `lms_app`).
const APP_ROLE: &str = "lms_test_app";

fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

fn server() -> PgConnectOptions {
    PgConnectOptions::from_str(&server_url()).expect("DATABASE_URL is a postgres:// URL")
}

async fn admin_connection() -> PgConnection {
    server().connect().await.unwrap_or_else(|e| {
        panic!(
            "cannot reach Postgres at {}: {e}\n\
             The Postgres tests need a server. Run scripts/test.sh (it starts the local cluster), \
             or set DATABASE_URL to a server whose user may create databases, e.g. \
             DATABASE_URL={DEFAULT_URL}",
            server_url()
        )
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
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(connection).await.map(drop)
}

/// How a test's store reaches its database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Direct,
    Pooled,
    RowLevelSecurity,
}

/// A migrated store on a database of its own, dropped with the store.
pub struct TestDatabase {
    store: PgStore,
    name: String,
    mode: Mode,
}

impl TestDatabase {
    async fn create(mode: Mode) -> Self {
        let name = format!("lms_test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = admin_connection().await;
        run(&mut admin, format!("CREATE DATABASE {name}")).await.expect("create test database");
        let rls = mode == Mode::RowLevelSecurity;
        // Migrate as the owner over a direct connection, as a deployment would.
        let owner_options = PgOptions { max_connections: 1, row_level_security: rls, ..PgOptions::default() };
        let owner = PgStore::connect_with_options(server().database(&name), owner_options).await.expect("connect");
        owner.migrate().await.expect("migrate");
        owner.pool().close().await;
        let store = match mode {
            Mode::Direct => PgStore::connect_with_options(server().database(&name), PgOptions::default()).await,
            Mode::Pooled => PgStore::connect_with_options(pooler().database(&name), PgOptions::for_pooler()).await,
            Mode::RowLevelSecurity => {
                ensure_app_role(&mut admin).await;
                let options = PgOptions { row_level_security: true, ..PgOptions::default() };
                PgStore::connect_with_options(server().database(&name).username(APP_ROLE), options).await
            }
        };
        Self { store: store.expect("connect the test store"), name, mode }
    }

    /// A second, independent pool on the same database (another app instance).
    async fn second_instance(&self) -> PgStore {
        assert_eq!(self.mode, Mode::Direct);
        PgStore::connect_with_options(server().database(&self.name), PgOptions::default()).await.expect("connect")
    }

    /// A raw connection to this database as the application role.
    async fn app_role_connection(&self) -> PgConnection {
        server().database(&self.name).username(APP_ROLE).connect().await.expect("connect as the app role")
    }

    /// A raw connection to this database as the server's (super)user.
    async fn owner_connection(&self) -> PgConnection {
        server().database(&self.name).connect().await.expect("connect as owner")
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
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which may have a single thread: do the async
        // clean-up on a thread of its own, and let FORCE end the pool's connections rather
        // than waiting for them here.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async move {
                let mut admin = server().connect().await?;
                run(&mut admin, format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}: {dropped:?}", self.name);
        }
    }
}

#[async_trait]
impl Store for TestDatabase {
    async fn begin(&self, access: Access) -> Result<Box<dyn StoreTx>, StoreError> {
        self.store.begin(access).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.store.ping().await
    }
}

async fn fresh_store() -> TestDatabase {
    TestDatabase::create(Mode::Direct).await
}

async fn fresh_pooled_store() -> TestDatabase {
    TestDatabase::create(Mode::Pooled).await
}

async fn fresh_rls_store() -> TestDatabase {
    TestDatabase::create(Mode::RowLevelSecurity).await
}

lms_core::conformance_tests!(fresh_store);
lms_core::conformance_tests!(pooled_conformance: fresh_pooled_store);
lms_core::conformance_tests!(rls_conformance: fresh_rls_store);

mod migrations {
    use super::*;

    #[tokio::test]
    async fn migrating_twice_is_a_no_op() {
        let db = TestDatabase::create(Mode::RowLevelSecurity).await;
        let owner = PgOptions { row_level_security: true, ..PgOptions::default() };
        let again = PgStore::connect_with_options(server().database(&db.name), owner).await.expect("connect");
        again.migrate().await.expect("second migrate");
        let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _lms_migrations")
            .fetch_one(again.pool())
            .await
            .expect("migrations table");
        assert!(applied >= 1);
        let default_table: Option<String> = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
            .fetch_one(again.pool())
            .await
            .expect("regclass");
        assert_eq!(default_table, None, "the host's own sqlx migrations table is left alone");
    }
}

mod row_level_security {
    use super::*;
    use lms_core::testing::World;
    use lms_core::{NewOrg, ProgressUpdate};
    use sqlx::Row;

    const TENANT_TABLES: [&str; 7] =
        ["memberships", "courses", "modules", "lessons", "enrollments", "lesson_progress", "quiz_attempts"];

    async fn count(conn: &mut PgConnection, table: &str, org: uuid::Uuid) -> i64 {
        let column = if table == "orgs" { "id" } else { "org_id" };
        let sql = format!("SELECT count(*) FROM {table} WHERE {column} = $1");
        sqlx::query_scalar(AssertSqlSafe(sql)).bind(org).fetch_one(conn).await.expect("count")
    }

    /// What a connection of the app role can do to `org`'s rows in its current state.
    async fn assert_sees_and_writes_nothing(conn: &mut PgConnection, org: uuid::Uuid, course: uuid::Uuid) {
        for table in TENANT_TABLES {
            assert_eq!(count(conn, table, org).await, 0, "{table} rows of the org are visible");
        }
        let updated =
            sqlx::query("UPDATE courses SET title = 'taken over' WHERE org_id = $1").bind(org).execute(&mut *conn);
        assert_eq!(updated.await.expect("update").rows_affected(), 0);
        let renamed = sqlx::query("UPDATE orgs SET name = 'taken over' WHERE id = $1").bind(org).execute(&mut *conn);
        assert_eq!(renamed.await.expect("update org").rows_affected(), 0);
        for table in ["lessons", "enrollments", "lesson_progress", "memberships"] {
            let sql = format!("DELETE FROM {table} WHERE org_id = $1");
            let deleted = sqlx::query(AssertSqlSafe(sql)).bind(org).execute(&mut *conn).await.expect("delete");
            assert_eq!(deleted.rows_affected(), 0, "{table} rows of the org were deleted");
        }
        let insert = sqlx::query(
            "INSERT INTO modules (id, org_id, course_id, title, position) VALUES ($1, $2, $3, 'injected', 99)",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(org)
        .bind(course)
        .execute(&mut *conn)
        .await;
        let refused = insert.expect_err("an insert into another tenant is refused").to_string();
        assert!(refused.contains("row-level security"), "{refused}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn connections_without_the_org_or_with_another_see_and_write_nothing() {
        let db = Arc::new(TestDatabase::create(Mode::RowLevelSecurity).await);
        let w = World::new(Lms::from_arc(db.clone())).await;
        let outline = w.published("c", None).await;
        w.lms.enroll(&w.learner, "acme", "c").await.unwrap();
        let lesson = outline.modules[0].lessons[0].id;
        let update = ProgressUpdate { percent: Some(100), status: None };
        w.lms.record_progress(&w.learner, "acme", "c", lesson, update).await.unwrap();
        let quiz = outline.modules[1].lessons[0].id;
        w.lms.submit_attempt(&w.learner, "acme", "c", quiz, serde_json::json!({"q1": "b"})).await.unwrap();
        w.lms.create_org(&w.outsider, NewOrg { slug: "other".into(), name: "Other".into() }).await.unwrap();
        let (acme, other) = (w.lms.org("acme").await.unwrap().id.0, w.lms.org("other").await.unwrap().id.0);
        let course = outline.course.id.0;

        let mut owner = db.owner_connection().await;
        let mut before = Vec::new();
        for table in TENANT_TABLES {
            let n = count(&mut owner, table, acme).await;
            assert!(n > 0, "the fixture wrote {table} rows");
            before.push(n);
        }

        let mut app = db.app_role_connection().await;
        let role: String = sqlx::query("SELECT current_user").fetch_one(&mut app).await.unwrap().get(0);
        assert_eq!(role, APP_ROLE);
        assert_sees_and_writes_nothing(&mut app, acme, course).await;
        sqlx::query("SELECT set_config('lms.org_id', $1, false)")
            .bind(other.to_string())
            .execute(&mut app)
            .await
            .unwrap();
        assert_sees_and_writes_nothing(&mut app, acme, course).await;
        assert_eq!(count(&mut app, "memberships", other).await, 1, "its own org stays visible");

        for (table, n) in TENANT_TABLES.iter().zip(before) {
            assert_eq!(count(&mut owner, table, acme).await, n, "{table} rows changed");
        }
        let title: String = sqlx::query_scalar("SELECT title FROM courses WHERE id = $1")
            .bind(course)
            .fetch_one(&mut owner)
            .await
            .unwrap();
        assert_eq!(title, "Course c");
        // The store's own calls keep working under the same policies.
        let progress = w.lms.course_progress(&w.learner, "acme", "c").await.unwrap();
        assert_eq!((progress.completed_lessons, progress.total_lessons), (2, 3));
        let report = w.lms.course_report(&w.instructor, "acme", "c", lms_core::PageRequest::first(10)).await.unwrap();
        assert_eq!(report.summary.enrolled, 1);
        let dashboard = w.lms.my_courses(&w.learner, lms_core::PageRequest::first(10)).await.unwrap();
        assert_eq!(dashboard.items.len(), 1);
    }
}

mod concurrency {
    use super::*;
    use lms_core::testing::World;
    use lms_core::{
        Actor, CoursePatch, CourseStatus, LessonKind, LessonStatus, ModuleInput, NewCourse, NewLesson, NewOrg, NewUser,
        ProgressUpdate,
    };
    use serde_json::json;

    const ORG: &str = "acme";

    async fn course_with_lessons(w: &World, lessons: usize) -> Vec<lms_core::LessonId> {
        let new = NewCourse { slug: "race".into(), title: "Race".into(), ..Default::default() };
        w.lms.create_course(&w.instructor, ORG, new).await.unwrap();
        let module = w.lms.create_module(&w.instructor, ORG, "race", ModuleInput { title: "M".into() }).await.unwrap();
        let mut ids = Vec::new();
        for i in 0..lessons {
            let new = NewLesson {
                title: format!("L{i}"),
                kind: LessonKind::Text,
                content: json!({"markdown": "x"}),
                free_preview: None,
                duration_minutes: None,
                required: None,
            };
            ids.push(w.lms.create_lesson(&w.instructor, ORG, "race", module.id, new).await.unwrap().summary.id);
        }
        let publish = CoursePatch { status: Some(CourseStatus::Published), ..Default::default() };
        w.lms.update_course(&w.instructor, ORG, "race", publish).await.unwrap();
        ids
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn fifty_concurrent_enrollments_make_one_row() {
        let w = World::new(Lms::new(fresh_store().await)).await;
        course_with_lessons(&w, 1).await;
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..50 {
            let lms = w.lms.clone();
            let learner = w.learner;
            tasks.spawn(async move { lms.enroll(&learner, ORG, "race").await });
        }
        let results = tasks.join_all().await;
        let created = results.iter().filter(|r| r.is_ok()).count();
        let refused = results.iter().filter(|r| matches!(r, Err(e) if e.code() == "already_enrolled")).count();
        assert_eq!((created, refused), (1, 49), "{results:?}");
        let listed = w.lms.enrollments(&w.admin, ORG, "race", lms_core::PageRequest::first(100)).await.unwrap();
        assert_eq!(listed.items.len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_hundred_concurrent_progress_writes_keep_the_maximum_and_complete_once() {
        let w = World::new(Lms::new(fresh_store().await)).await;
        let lessons = course_with_lessons(&w, 4).await;
        w.lms.enroll(&w.learner, ORG, "race").await.unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..100u32 {
            let lms = w.lms.clone();
            let (learner, lesson) = (w.learner, lessons[i as usize % 4]);
            // Lesson 0 gets percents below 100 only; the others get a 100 early in the mix.
            let percent = match i % 4 {
                0 => (i * 7 % 100) as u8,
                _ if i < 12 => 100,
                _ => (i * 37 % 100) as u8,
            };
            tasks.spawn(async move {
                let update = ProgressUpdate { percent: Some(percent), status: None };
                lms.record_progress(&learner, ORG, "race", lesson, update).await.map(|r| (lesson, percent, r))
            });
        }
        let results: Vec<_> = tasks.join_all().await.into_iter().map(|r| r.expect("every write succeeds")).collect();
        let max_on_first = results.iter().filter(|(l, _, _)| *l == lessons[0]).map(|(_, p, _)| *p).max().unwrap();
        let finish = ProgressUpdate { percent: None, status: Some(LessonStatus::Completed) };
        let last = w.lms.record_progress(
            &w.learner,
            ORG,
            "race",
            lessons[0],
            ProgressUpdate { percent: Some(1), status: None },
        );
        assert_eq!(last.await.unwrap().lesson.percent, max_on_first, "the maximum of the race is kept");
        let done = w.lms.record_progress(&w.learner, ORG, "race", lessons[0], finish).await.unwrap();
        assert!(done.course.completed);
        let completions: std::collections::HashSet<_> =
            results.iter().filter_map(|(_, _, r)| r.course.completed_at).collect();
        assert!(completions.is_empty(), "no write completed the course before lesson 0 was finished");
        assert_eq!(w.lms.check_rollups(ORG, "race").await.unwrap().mismatches, []);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_instances_racing_on_the_same_rows_stay_consistent() {
        let db = fresh_store().await;
        let second = Lms::new(db.second_instance().await);
        let first = Lms::new(db);
        let w = World::new(first.clone()).await;
        let lessons = course_with_lessons(&w, 3).await;
        let mut learners = Vec::new();
        for i in 0..6 {
            let user =
                second.create_user(NewUser { email: format!("r{i}@x.test"), name: format!("R{i}") }).await.unwrap();
            learners.push(Actor::User(user.id));
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (i, learner) in learners.iter().enumerate() {
            for (n, lms) in [&first, &second].into_iter().enumerate() {
                let (lms, learner, lessons) = (lms.clone(), *learner, lessons.clone());
                tasks.spawn(async move {
                    let _ = lms.enroll(&learner, ORG, "race").await;
                    for (j, lesson) in lessons.iter().enumerate() {
                        let update =
                            ProgressUpdate { percent: Some(if (i + j + n) % 2 == 0 { 100 } else { 50 }), status: None };
                        lms.record_progress(&learner, ORG, "race", *lesson, update).await.expect("progress write");
                    }
                });
            }
        }
        tasks.join_all().await;
        let enrolled = first.enrollments(&w.admin, ORG, "race", lms_core::PageRequest::first(100)).await.unwrap();
        assert_eq!(enrolled.items.len(), 6, "one enrollment per learner across both instances");
        let check = second.check_rollups(ORG, "race").await.unwrap();
        assert_eq!((check.checked, check.mismatches), (6, vec![]));
        let report = second.course_report(&w.admin, ORG, "race", lms_core::PageRequest::first(50)).await.unwrap();
        let complete = report.items.iter().filter(|i| i.percent == 100).count() as u64;
        assert_eq!(report.summary.completed, complete);
        // And an org created through one instance is visible through the other.
        second.create_org(&w.outsider, NewOrg { slug: "other".into(), name: "Other".into() }).await.unwrap();
        assert_eq!(first.org("other").await.unwrap().name, "Other");
    }
}
