//! A database that goes away under load (issue 17, transport): every connection of the
//! store is terminated, as a restart of Postgres does, while 8 learners write progress.
//! Each answer is a success or 503 `unavailable` with `Retry-After` (never a 500), and
//! nothing acknowledged is lost.

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
