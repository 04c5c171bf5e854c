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

use lms_core::Lms;
use lms_core::testing::acme;
use lms_postgres::testing::{APP_ROLE, Mode, TestDatabase, server};
use lms_postgres::{PgOptions, PgStore};
use sqlx::{AssertSqlSafe, PgConnection};
use std::sync::Arc;

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

#[path = "conformance/schema.rs"]
mod schema;

#[path = "conformance/migrations.rs"]
mod migrations;

mod row_level_security {
    use super::*;
    use lms_core::testing::World;
    use lms_core::{NewOrg, ProgressUpdate};
    use sqlx::Row;

    const TENANT_TABLES: [&str; 7] = [
        "memberships",
        "courses",
        "modules",
        "lessons",
        "enrollments",
        "lesson_progress",
        "quiz_attempts",
    ];

    async fn count(conn: &mut PgConnection, table: &str, org: uuid::Uuid) -> i64 {
        let column = if table == "orgs" { "id" } else { "org_id" };
        let sql = format!("SELECT count(*) FROM {table} WHERE {column} = $1");
        sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(org)
            .fetch_one(conn)
            .await
            .expect("count")
    }

    /// What a connection of the app role can do to `org`'s rows in its current state.
    async fn assert_sees_and_writes_nothing(
        conn: &mut PgConnection,
        org: uuid::Uuid,
        course: uuid::Uuid,
    ) {
        for table in TENANT_TABLES {
            assert_eq!(
                count(conn, table, org).await,
                0,
                "{table} rows of the org are visible"
            );
        }
        let updated = sqlx::query("UPDATE courses SET title = 'taken over' WHERE org_id = $1")
            .bind(org)
            .execute(&mut *conn);
        assert_eq!(updated.await.expect("update").rows_affected(), 0);
        let renamed = sqlx::query("UPDATE orgs SET name = 'taken over' WHERE id = $1")
            .bind(org)
            .execute(&mut *conn);
        assert_eq!(renamed.await.expect("update org").rows_affected(), 0);
        for table in ["lessons", "enrollments", "lesson_progress", "memberships"] {
            let sql = format!("DELETE FROM {table} WHERE org_id = $1");
            let deleted = sqlx::query(AssertSqlSafe(sql))
                .bind(org)
                .execute(&mut *conn)
                .await
                .expect("delete");
            assert_eq!(
                deleted.rows_affected(),
                0,
                "{table} rows of the org were deleted"
            );
        }
        let insert = sqlx::query(
            "INSERT INTO modules (id, org_id, course_id, title, position) VALUES ($1, $2, $3, 'injected', 99)",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(org)
        .bind(course)
        .execute(&mut *conn)
        .await;
        let refused = insert
            .expect_err("an insert into another tenant is refused")
            .to_string();
        assert!(refused.contains("row-level security"), "{refused}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn connections_without_the_org_or_with_another_see_and_write_nothing() {
        let db = Arc::new(TestDatabase::create(Mode::RowLevelSecurity).await);
        let w = World::new(Lms::from_arc(db.clone())).await;
        let outline = w.published("c", None).await;
        w.lms.enroll(&w.learner, acme("c")).await.unwrap();
        let lesson = outline.modules[0].lessons[0].id;
        let update = ProgressUpdate {
            position_seconds: None,
            percent: Some(100),
            status: None,
        };
        w.lms
            .record_progress(&w.learner, acme("c"), lesson, update)
            .await
            .unwrap();
        let quiz = outline.modules[1].lessons[0].id;
        w.lms
            .submit_attempt(&w.learner, acme("c"), quiz, serde_json::json!({"q1": "b"}))
            .await
            .unwrap();
        w.lms
            .create_org(
                &w.outsider,
                NewOrg {
                    slug: "other".into(),
                    name: "Other".into(),
                },
            )
            .await
            .unwrap();
        let (acme_id, other) = (
            w.lms.org("acme").await.unwrap().id.0,
            w.lms.org("other").await.unwrap().id.0,
        );
        let course = outline.course.id.0;

        let mut owner = db.owner_connection().await;
        let mut before = Vec::new();
        for table in TENANT_TABLES {
            let n = count(&mut owner, table, acme_id).await;
            assert!(n > 0, "the fixture wrote {table} rows");
            before.push(n);
        }

        let mut app = db.app_role_connection().await;
        let role: String = sqlx::query("SELECT current_user")
            .fetch_one(&mut app)
            .await
            .unwrap()
            .get(0);
        assert_eq!(role, APP_ROLE);
        assert_sees_and_writes_nothing(&mut app, acme_id, course).await;
        sqlx::query("SELECT set_config('lms.org_id', $1, false)")
            .bind(other.to_string())
            .execute(&mut app)
            .await
            .unwrap();
        assert_sees_and_writes_nothing(&mut app, acme_id, course).await;
        assert_eq!(
            count(&mut app, "memberships", other).await,
            1,
            "its own org stays visible"
        );

        for (table, n) in TENANT_TABLES.iter().zip(before) {
            assert_eq!(
                count(&mut owner, table, acme_id).await,
                n,
                "{table} rows changed"
            );
        }
        let title: String = sqlx::query_scalar("SELECT title FROM courses WHERE id = $1")
            .bind(course)
            .fetch_one(&mut owner)
            .await
            .unwrap();
        assert_eq!(title, "Course c");
        // The store's own calls keep working under the same policies.
        let progress = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
        assert_eq!((progress.completed_lessons, progress.total_lessons), (2, 3));
        let report = w
            .lms
            .course_report(&w.instructor, acme("c"), lms_core::PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(report.summary.enrolled, 1);
        let dashboard = w
            .lms
            .my_courses(&w.learner, lms_core::PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(dashboard.items.len(), 1);
    }
}

mod concurrency {
    use super::*;
    use lms_core::testing::World;
    use lms_core::{
        Actor, CoursePatch, CourseStatus, LessonKind, LessonStatus, ModuleInput, NewCourse,
        NewLesson, NewOrg, NewUser, ProgressUpdate,
    };
    use serde_json::json;

    const ORG: &str = "acme";

    async fn course_with_lessons(w: &World, lessons: usize) -> Vec<lms_core::LessonId> {
        let new = NewCourse {
            slug: "race".into(),
            title: "Race".into(),
            ..Default::default()
        };
        w.lms.create_course(&w.instructor, ORG, new).await.unwrap();
        let module = w
            .lms
            .create_module(
                &w.instructor,
                acme("race"),
                ModuleInput {
                    title: "M".into(),
                    release: None,
                },
            )
            .await
            .unwrap();
        let mut ids = Vec::new();
        for i in 0..lessons {
            let new = NewLesson {
                release: None,
                title: format!("L{i}"),
                kind: LessonKind::Text,
                content: json!({"markdown": "x"}),
                free_preview: None,
                duration_minutes: None,
                required: None,
            };
            ids.push(
                w.lms
                    .create_lesson(&w.instructor, acme("race"), module.id, new)
                    .await
                    .unwrap()
                    .summary
                    .id,
            );
        }
        let publish = CoursePatch {
            status: Some(CourseStatus::Published),
            ..Default::default()
        };
        w.lms
            .update_course(&w.instructor, acme("race"), publish)
            .await
            .unwrap();
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
            tasks.spawn(async move { lms.enroll(&learner, acme("race")).await });
        }
        let results = tasks.join_all().await;
        let created = results.iter().filter(|r| r.is_ok()).count();
        let refused = results
            .iter()
            .filter(|r| matches!(r, Err(e) if e.code() == "already_enrolled"))
            .count();
        assert_eq!((created, refused), (1, 49), "{results:?}");
        let listed = w
            .lms
            .enrollments(&w.admin, acme("race"), lms_core::PageRequest::first(100))
            .await
            .unwrap();
        assert_eq!(listed.items.len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_hundred_concurrent_progress_writes_keep_the_maximum_and_complete_once() {
        let w = World::new(Lms::new(fresh_store().await)).await;
        let lessons = course_with_lessons(&w, 4).await;
        w.lms.enroll(&w.learner, acme("race")).await.unwrap();
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
                let update = ProgressUpdate {
                    position_seconds: None,
                    percent: Some(percent),
                    status: None,
                };
                lms.record_progress(&learner, acme("race"), lesson, update)
                    .await
                    .map(|r| (lesson, percent, r))
            });
        }
        let results: Vec<_> = tasks
            .join_all()
            .await
            .into_iter()
            .map(|r| r.expect("every write succeeds"))
            .collect();
        let max_on_first = results
            .iter()
            .filter(|(l, _, _)| *l == lessons[0])
            .map(|(_, p, _)| *p)
            .max()
            .unwrap();
        let finish = ProgressUpdate {
            position_seconds: None,
            percent: None,
            status: Some(LessonStatus::Completed),
        };
        let last = w.lms.record_progress(
            &w.learner,
            acme("race"),
            lessons[0],
            ProgressUpdate {
                position_seconds: None,
                percent: Some(1),
                status: None,
            },
        );
        assert_eq!(
            last.await.unwrap().lesson.percent,
            max_on_first,
            "the maximum of the race is kept"
        );
        let done = w
            .lms
            .record_progress(&w.learner, acme("race"), lessons[0], finish)
            .await
            .unwrap();
        assert!(done.course.completed);
        let completions: std::collections::HashSet<_> = results
            .iter()
            .filter_map(|(_, _, r)| r.course.completed_at)
            .collect();
        assert!(
            completions.is_empty(),
            "no write completed the course before lesson 0 was finished"
        );
        assert_eq!(
            w.lms.check_rollups(acme("race")).await.unwrap().mismatches,
            []
        );
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
            let user = second
                .create_user(NewUser {
                    email: format!("r{i}@x.test"),
                    name: format!("R{i}"),
                })
                .await
                .unwrap();
            learners.push(Actor::User(user.id));
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (i, learner) in learners.iter().enumerate() {
            for (n, lms) in [&first, &second].into_iter().enumerate() {
                let (lms, learner, lessons) = (lms.clone(), *learner, lessons.clone());
                tasks.spawn(async move {
                    // Both instances try; the second finds the first's enrollment.
                    match lms.enroll(&learner, acme("race")).await {
                        Ok(_) => {}
                        Err(e) if e.code() == "already_enrolled" => {}
                        Err(e) => panic!("enroll: {e:?}"),
                    }
                    for (j, lesson) in lessons.iter().enumerate() {
                        let update = ProgressUpdate {
                            position_seconds: None,
                            percent: Some(if (i + j + n) % 2 == 0 { 100 } else { 50 }),
                            status: None,
                        };
                        lms.record_progress(&learner, acme("race"), *lesson, update)
                            .await
                            .expect("progress write");
                    }
                });
            }
        }
        tasks.join_all().await;
        let enrolled = first
            .enrollments(&w.admin, acme("race"), lms_core::PageRequest::first(100))
            .await
            .unwrap();
        assert_eq!(
            enrolled.items.len(),
            6,
            "one enrollment per learner across both instances"
        );
        let check = second.check_rollups(acme("race")).await.unwrap();
        assert_eq!((check.checked, check.mismatches), (6, vec![]));
        let report = second
            .course_report(&w.admin, acme("race"), lms_core::PageRequest::first(50))
            .await
            .unwrap();
        let complete = report.items.iter().filter(|i| i.percent == 100).count() as u64;
        assert_eq!(report.summary.completed, complete);
        // And an org created through one instance is visible through the other.
        second
            .create_org(
                &w.outsider,
                NewOrg {
                    slug: "other".into(),
                    name: "Other".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(first.org("other").await.unwrap().name, "Other");
    }
}

mod outbox {
    use super::*;
    use lms_core::NewPost;
    use lms_core::testing::World;
    use lms_postgres::testing::EVENTS_LOCK;

    /// How many lock requests of this database wait (not granted) for an advisory lock.
    async fn advisory_waiters(connection: &mut PgConnection) -> i64 {
        sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks
             WHERE locktype = 'advisory' AND NOT granted
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .fetch_one(connection)
        .await
        .unwrap()
    }

    /// Outbox positions follow commit order because every transaction that appends events
    /// takes one advisory lock before it writes them: while another holds it, the append
    /// waits, and it commits only after the holder ends.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn appending_events_waits_while_another_holds_the_outbox_lock() {
        let db = fresh_store().await;
        let mut holder = db.owner_connection().await;
        let mut observer = db.owner_connection().await;
        let w = World::new(Lms::new(db)).await;
        let lesson = w.published("c", None).await.modules[0].lessons[0].id;
        w.lms.enroll(&w.learner, acme("c")).await.unwrap();

        sqlx::raw_sql("BEGIN").execute(&mut holder).await.unwrap();
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(EVENTS_LOCK)
            .execute(&mut holder)
            .await
            .unwrap();
        let (lms, learner) = (w.lms.clone(), w.learner);
        let post = tokio::spawn(async move {
            let new = NewPost {
                body: "queued".into(),
                parent_id: None,
            };
            lms.create_post(&learner, acme("c"), lesson, new).await
        });
        // Poll the server (not the clock) until the post's transaction waits on the lock.
        let mut polls = 0;
        while advisory_waiters(&mut observer).await == 0 {
            polls += 1;
            assert!(polls < 3_000, "the post never waited for the outbox lock");
            assert!(
                !post.is_finished(),
                "the post committed past a held outbox lock"
            );
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(!post.is_finished());
        sqlx::raw_sql("COMMIT").execute(&mut holder).await.unwrap();
        let post = post
            .await
            .unwrap()
            .expect("the post commits once the lock is free");
        assert_eq!(post.body, "queued");
        assert_eq!(advisory_waiters(&mut observer).await, 0);
    }
}

mod statistics {
    use super::*;
    use lms_core::NewUser;

    async fn estimated_users(connection: &mut PgConnection) -> f32 {
        sqlx::query_scalar("SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass")
            .fetch_one(connection)
            .await
            .unwrap()
    }

    /// After a bulk import, `refresh_statistics` gives the planner the tables' real sizes
    /// (a table never analyzed estimates -1 rows).
    #[tokio::test]
    async fn refreshing_statistics_analyzes_the_imported_tables() {
        let db = fresh_store().await;
        let mut owner = db.owner_connection().await;
        let lms = Lms::new(db);
        let users = (0..300)
            .map(|i| NewUser {
                email: format!("u{i}@acme.test"),
                name: format!("U{i}"),
            })
            .collect();
        lms.import_users(users).await.unwrap();
        assert_ne!(estimated_users(&mut owner).await, 300.0);
        lms.refresh_statistics().await.unwrap();
        assert_eq!(estimated_users(&mut owner).await, 300.0);
    }
}
