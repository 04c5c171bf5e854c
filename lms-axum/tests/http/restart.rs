//! A database that goes away under load (issue 17, transport), two ways: every connection
//! of the store cut, as a restart does to them, on the shared server; and a real restart of a
//! Postgres cluster of the test's own (scripts/test.sh makes it). Each time 8 learners write
//! progress; each answer is a success or 503 `unavailable` with `Retry-After` (never a 500),
//! and nothing acknowledged is lost.

use crate::api::Api;
use crate::common::{UserIdTokens, public_url};
use axum::http::StatusCode;
use lms_axum::LmsRouter;
use lms_core::Lms;
use lms_core::testing::{World, acme};
use lms_postgres::testing::{Mode, TestDatabase};
use serde_json::json;
use sqlx::Connection;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_restart_is_503_and_loses_nothing() {
    let database = TestDatabase::create(Mode::Direct).await;
    let mut killer = database.owner_connection().await;
    let name = database.name.clone();
    let lms = Lms::new(database);
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
    let api = Arc::new(Api { app, w });
    let lesson = outline.modules[0].lessons[0].id;
    let path = format!("/orgs/acme/courses/c/lessons/{lesson}/progress");
    let mut writers = tokio::task::JoinSet::new();
    for learner in learners.clone() {
        let (api, path) = (api.clone(), path.clone());
        writers.spawn(async move {
            // Each writer raises its percent step by step; what was acknowledged must stay.
            let mut acknowledged = 0;
            let mut unavailable = 0;
            for percent in 1..=60 {
                let body = Some(json!({"percent": percent}));
                let reply = api.call("PUT", &path, Some(learner), body).await;
                match reply.status {
                    StatusCode::OK => acknowledged = percent,
                    StatusCode::SERVICE_UNAVAILABLE => {
                        assert!(
                            reply.headers.contains_key("retry-after"),
                            "{:?}",
                            reply.headers
                        );
                        assert_eq!(reply.body["code"], "unavailable");
                        unavailable += 1;
                    }
                    other => panic!("{other} during the restart: {}", reply.body),
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            (learner, acknowledged, unavailable)
        });
    }
    // The "restart": every connection of the store is cut, a few times over.
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
    let mut outcome = Vec::new();
    let mut unavailable = 0;
    while let Some(done) = writers.join_next().await {
        let (learner, acknowledged, refused) = done.expect("a writer panicked");
        outcome.push((learner, acknowledged));
        unavailable += refused;
    }
    killer.close().await.ok();
    for (learner, acknowledged) in outcome {
        // Progress never goes back, so a write of 1% answers with what is stored.
        let done = lms_core::ProgressUpdate {
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
    println!("{unavailable} writes answered 503 during the restart");
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
    let w = World::new(lms.clone()).await;
    let outline = w.published("c", None).await;
    let lesson = outline.modules[0].lessons[0].id;
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
    let api = Arc::new(Api { app, w });
    let path = format!("/orgs/acme/courses/c/lessons/{lesson}/progress");
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = tokio::task::JoinSet::new();
    for learner in learners {
        let (api, path, stop) = (api.clone(), path.clone(), stop.clone());
        writers.spawn(async move {
            let (mut acknowledged, mut unavailable, mut percent) = (0, 0, 0);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && percent < 100 {
                percent += 1;
                let body = Some(json!({"percent": percent}));
                let reply = api.call("PUT", &path, Some(learner), body).await;
                match reply.status {
                    StatusCode::OK => acknowledged = percent,
                    StatusCode::SERVICE_UNAVAILABLE => {
                        assert!(
                            reply.headers.contains_key("retry-after"),
                            "{:?}",
                            reply.headers
                        );
                        assert_eq!(reply.body["code"], "unavailable");
                        unavailable += 1;
                    }
                    other => panic!("{other} during the restart: {}", reply.body),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (learner, acknowledged, unavailable)
        });
    }
    let before = started_at(&server_url).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let restarted = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(&restart)
            .status()
    });
    let status = restarted.await.unwrap().expect("run LMS_RESTART_COMMAND");
    assert!(status.success(), "LMS_RESTART_COMMAND failed: {status}");
    assert_ne!(
        started_at(&server_url).await,
        before,
        "the server restarted"
    );
    // Writes go on after the restart: the pool reconnects.
    tokio::time::sleep(Duration::from_millis(700)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut unavailable = 0;
    let mut outcome = Vec::new();
    while let Some(done) = writers.join_next().await {
        let (learner, acknowledged, refused) = done.expect("a writer panicked");
        outcome.push((learner, acknowledged));
        unavailable += refused;
    }
    for (learner, acknowledged) in outcome {
        let done = lms_core::ProgressUpdate {
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
    println!("{unavailable} writes answered 503 across the restart");
}
