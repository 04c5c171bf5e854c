//! A database that goes away under load (issue 17, transport), two ways: every connection
//! of the store cut, as a restart does to them, on the shared server; and a real restart of a
//! Postgres cluster of the test's own (scripts/test.sh makes it). Each time 8 learners write
//! progress; each answer is a success or 503 `unavailable` with `Retry-After` (never a 500),
//! and nothing acknowledged is lost.

use crate::api::Api;
use crate::common::{UserIdTokens, public_url};
use axum::http::StatusCode;
use lms_axum::LmsRouter;
use lms_core::testing::{World, acme};
use lms_core::{Actor, LessonId, Lms};
use lms_postgres::testing::{Mode, TestDatabase};
use serde_json::json;
use sqlx::Connection;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// 8 learners enrolled in a published course `c` of a fresh world on `lms`, the API on it,
/// and the lesson they write progress to.
async fn eight_writers(lms: &Lms) -> (Arc<Api>, Vec<Actor>, LessonId) {
    let w = World::new(lms.clone()).await;
    let outline = w.published("c", None).await;
    let mut learners = Vec::new();
    for n in 0..8 {
        let learner = w.new_user(&format!("writer{n}@acme.test")).await;
        let id = learner.user_id().unwrap();
        lms.set_member_role(&w.admin, "acme", id, lms_core::Role::Learner)
            .await
            .unwrap();
        lms.enroll(&learner, acme("c")).await.unwrap();
        learners.push(learner);
    }
    let app = LmsRouter::new(lms.clone(), public_url())
        .auth(UserIdTokens)
        .build();
    let lesson = outline.modules[0].lessons[0].id;
    (Arc::new(Api { app, w }), learners, lesson)
}

/// Each learner raises their percent step by step (up to 100) until `disruption` is over
/// and `after` has passed; every answer must be 200 or 503 with `Retry-After`. Then each
/// learner's stored percent must be at least what was acknowledged. Returns how many
/// writes were answered 503.
async fn write_through(
    lms: &Lms,
    (api, learners, lesson): (Arc<Api>, Vec<Actor>, LessonId),
    disruption: impl Future<Output = ()>,
    after: Duration,
) -> u32 {
    let path = format!("/orgs/acme/courses/c/lessons/{lesson}/progress");
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = tokio::task::JoinSet::new();
    for learner in learners {
        let (api, path, stop) = (api.clone(), path.clone(), stop.clone());
        writers.spawn(async move {
            let (mut acknowledged, mut unavailable) = (0, 0);
            for percent in 1..=100 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let body = Some(json!({"percent": percent}));
                let reply = api.call("PUT", &path, Some(learner), body).await;
                match reply.status {
                    StatusCode::OK => acknowledged = percent,
                    StatusCode::SERVICE_UNAVAILABLE => {
                        let headers = &reply.headers;
                        assert!(headers.contains_key("retry-after"), "{headers:?}");
                        assert_eq!(reply.body["code"], "unavailable");
                        unavailable += 1;
                    }
                    other => panic!("{other} while the database went away: {}", reply.body),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (learner, acknowledged, unavailable)
        });
    }
    disruption.await;
    tokio::time::sleep(after).await;
    stop.store(true, Ordering::Relaxed);
    let mut unavailable = 0;
    while let Some(done) = writers.join_next().await {
        let (learner, acknowledged, refused) = done.expect("a writer panicked");
        unavailable += refused;
        // Progress never goes back, so a write of 1% answers with what is stored.
        let done = lms_core::ProgressUpdate {
            position_seconds: None,
            percent: Some(1),
            status: None,
        };
        let after = lms.record_progress(&learner, acme("c"), lesson, done).await;
        let stored = u32::from(after.expect("the store is back").lesson.percent);
        assert!(
            stored >= acknowledged,
            "{learner:?}: {acknowledged}% was acknowledged, {stored}% is stored"
        );
    }
    unavailable
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_restart_is_503_and_loses_nothing() {
    let database = TestDatabase::create(Mode::Direct).await;
    let mut killer = database.owner_connection().await;
    let name = database.name.clone();
    let lms = Lms::new(database);
    let world = eight_writers(&lms).await;
    // The "restart": every connection of the store is cut, a few times over.
    let cut = async {
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_millis(60)).await;
            sqlx::query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
            )
            .bind(&name)
            .execute(&mut killer)
            .await
            .expect("terminate the store's connections");
        }
    };
    let unavailable = write_through(&lms, world, cut, Duration::from_millis(200)).await;
    println!("{unavailable} writes answered 503 while connections were cut");
    assert!(unavailable > 0, "the connections were cut while writes ran");
}

/// The restart test's own Postgres and the command that restarts it (scripts/test.sh makes
/// both); never the server the other tests share.
fn restartable_server() -> (String, String) {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    match (var("LMS_RESTART_DATABASE_URL"), var("LMS_RESTART_COMMAND")) {
        (Some(url), Some(command)) => (url, command),
        _ => panic!(
            "the restart test restarts a Postgres server of its own: run scripts/test.sh (it \
             makes the cluster lmsrestart), or set LMS_RESTART_DATABASE_URL (a server this \
             test may restart) and LMS_RESTART_COMMAND (a shell command that restarts it)"
        ),
    }
}

/// When the server last started.
async fn started_at(url: &str) -> String {
    let mut connection = sqlx::PgConnection::connect(url).await.expect("connect");
    let row: (String,) = sqlx::query_as("SELECT pg_postmaster_start_time()::text")
        .fetch_one(&mut connection)
        .await
        .expect("the server's start time");
    row.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_restart_under_8_writers_is_503_and_loses_nothing() {
    let (server_url, restart) = restartable_server();
    let mut admin = sqlx::PgConnection::connect(&server_url)
        .await
        .expect("the restart test's server");
    for sql in [
        "DROP DATABASE IF EXISTS lms_restart WITH (FORCE)",
        "CREATE DATABASE lms_restart",
    ] {
        sqlx::raw_sql(sql).execute(&mut admin).await.expect(sql);
    }
    admin.close().await.ok();
    let url = match server_url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/lms_restart"),
        None => panic!("LMS_RESTART_DATABASE_URL names no database: {server_url}"),
    };
    let store = lms_postgres::PgStore::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let lms = Lms::new(store);
    let world = eight_writers(&lms).await;
    let before = started_at(&server_url).await;
    let restarted = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let status = tokio::task::spawn_blocking(move || {
            std::process::Command::new("sh")
                .arg("-c")
                .arg(&restart)
                .status()
        });
        let status = status.await.unwrap().expect("run LMS_RESTART_COMMAND");
        assert!(status.success(), "LMS_RESTART_COMMAND failed: {status}");
    };
    // Writes go on after the restart: the pool reconnects.
    let unavailable = write_through(&lms, world, restarted, Duration::from_millis(700)).await;
    assert_ne!(
        started_at(&server_url).await,
        before,
        "the server restarted"
    );
    println!("{unavailable} writes answered 503 across the restart");
}
