//! The shared conformance suite on Postgres, plus Postgres-only concurrency cases. Every
//! test runs on its own fresh database, dropped when the test's store is dropped.
//!
//! Needs a server: `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! names one whose user may create databases. `scripts/test.sh` starts the local cluster
//! and exports it.

use async_trait::async_trait;
use lms_core::store::{Access, Store, StoreTx};
use lms_core::{Actor, Lms, NewOrg, NewUser, StoreError};
use lms_postgres::{PgOptions, PgStore};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

/// `url` with its database name replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let base = match base.rfind('/') {
        Some(i) if base[..i].contains("//") && i > base.find("//").unwrap() + 1 => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

async fn admin_connection() -> PgConnection {
    let url = server_url();
    PgConnection::connect(&url).await.unwrap_or_else(|e| {
        panic!(
            "cannot reach Postgres at {url}: {e}\n\
             The Postgres tests need a server. Run scripts/test.sh (it starts the local cluster), \
             or set DATABASE_URL to a server whose user may create databases, e.g. \
             DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres"
        )
    })
}

/// A migrated store on a database of its own, dropped with the store.
pub struct TestDatabase {
    store: PgStore,
    name: String,
}

impl TestDatabase {
    async fn create(options: PgOptions) -> Self {
        let name = format!("lms_test_{}", uuid::Uuid::now_v7().simple());
        let create = sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")));
        create.execute(&mut admin_connection().await).await.expect("create test database");
        let store = PgStore::connect_with(&with_database(&server_url(), &name), options).await.expect("connect");
        store.migrate().await.expect("migrate");
        Self { store, name }
    }

    /// A second, independent pool on the same database (another app instance).
    async fn second_instance(&self) -> PgStore {
        PgStore::connect_with(&with_database(&server_url(), &self.name), PgOptions::default()).await.expect("connect")
    }
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
                let mut admin = PgConnection::connect(&server_url()).await?;
                let drop = sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")));
                drop.execute(&mut admin).await?;
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
    TestDatabase::create(PgOptions::default()).await
}

lms_core::conformance_tests!(fresh_store);

mod migrations {
    use super::*;

    #[tokio::test]
    async fn migrating_twice_is_a_no_op() {
        let db = fresh_store().await;
        db.store.migrate().await.expect("second migrate");
        let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _lms_migrations")
            .fetch_one(db.store.pool())
            .await
            .expect("migrations table");
        assert!(applied >= 1);
        let default_table: Option<String> = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
            .fetch_one(db.store.pool())
            .await
            .expect("regclass");
        assert_eq!(default_table, None, "the host's own sqlx migrations table is left alone");
    }

    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(with_database("postgres://u@h:5432/postgres", "x"), "postgres://u@h:5432/x");
        assert_eq!(with_database("postgres://u@h/postgres?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}

mod concurrency {
    use super::*;
    use lms_core::testing::World;
    use lms_core::{
        CoursePatch, CourseStatus, LessonKind, LessonStatus, ModuleInput, NewCourse, NewLesson, ProgressUpdate,
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
        let course = w.lms.course(&w.admin, ORG, "race").await.unwrap().course.id;
        assert_eq!(w.lms.check_rollups(course).await.unwrap().mismatches, []);
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
        let course = first.course(&w.admin, ORG, "race").await.unwrap().course.id;
        let check = second.check_rollups(course).await.unwrap();
        assert_eq!((check.checked, check.mismatches), (6, vec![]));
        let report = second.course_report(&w.admin, ORG, "race", lms_core::PageRequest::first(50)).await.unwrap();
        let complete = report.items.iter().filter(|i| i.percent == 100).count() as u64;
        assert_eq!(report.summary.completed, complete);
        // And an org created through one instance is visible through the other.
        second.create_org(&w.outsider, NewOrg { slug: "other".into(), name: "Other".into() }).await.unwrap();
        assert_eq!(first.org("other").await.unwrap().name, "Other");
    }
}
