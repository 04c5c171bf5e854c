//! Notifications and live events over HTTP, on both stores: the inbox routes, the two
//! server-sent event streams (delivery, `Last-Event-ID` replay, keep-alive, who receives
//! what, streams that end when their caller loses the right), and on Postgres a post
//! written through one instance reaching a stream held by another.
//!
//! One test binary: the client side of the streams is in `client`, the cases by stream in
//! the other modules, each made a `sqlite::<case>` and a `postgres::<case>` test below.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod client;
mod course_streams;
mod notifications;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use client::{call, config, open};
use common::{Backend, UserIdTokens};
use course_streams::{
    a_long_history_replays_batch_by_batch, course_streams_deliver_and_replay_exactly,
    streams_reach_only_those_allowed,
};
use lms_axum::LmsRouter;
use lms_core::testing::World;
use lms_core::testing::acme;
use lms_core::{Actor, Lms};
use lms_postgres::testing::{Mode, TestDatabase};
use notifications::{
    an_open_stream_does_not_keep_its_session_alive, notifications_are_listed_marked_and_streamed,
    open_streams_are_capped_per_user_and_in_total, signing_out_ends_the_stream,
};
use serde_json::json;
use std::time::{Duration, Instant};

on_both_stores!(
    a_long_history_replays_batch_by_batch,
    course_streams_deliver_and_replay_exactly,
    streams_reach_only_those_allowed,
    notifications_are_listed_marked_and_streamed,
    signing_out_ends_the_stream,
    an_open_stream_does_not_keep_its_session_alive,
    open_streams_are_capped_per_user_and_in_total,
);

/// Two instances of the server (two routers, two Lms, two pools) on one Postgres database:
/// a post written through A reaches a stream held by B, through LISTEN/NOTIFY (the
/// dispatchers' timers are set to a minute, so only the notification can deliver it in time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_through_one_instance_reaches_a_stream_on_another() {
    let database = TestDatabase::create(Mode::Direct).await;
    let second_pool = database.second_instance().await;
    let slow_poll = Duration::from_secs(60);
    let a = Lms::new(database).with_event_poll_interval(slow_poll);
    let b = Lms::new(second_pool).with_event_poll_interval(slow_poll);
    let w = World::new(a.clone()).await;
    let outline = w.published("c", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let instance = |lms| {
        LmsRouter::new(lms, crate::common::public_url())
            .auth(UserIdTokens)
            .config(config())
            .build()
    };
    let (instance_a, instance_b): (axum::Router, axum::Router) = (instance(a), instance(b));

    let bearer = |who: Actor| format!("Bearer {}", who.user_id().unwrap());
    let mut on_b = open(
        &instance_b,
        "/orgs/acme/courses/c/events",
        &bearer(w.instructor),
        None,
    )
    .await
    .expect("open");
    let mut inbox_on_b = open(&instance_b, "/me/events", &bearer(w.instructor), None)
        .await
        .expect("open");
    let mut latencies = Vec::new();
    for n in 0..5 {
        let body = json!({"body": format!("Question {n}, asked on A")});
        let post = Request::builder()
            .method("POST")
            .uri(format!("/orgs/acme/courses/c/lessons/{lesson}/posts"))
            .header(header::AUTHORIZATION, bearer(w.learner))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let sent = Instant::now();
        let (status, created) = call(&instance_a, post).await;
        let answered = sent.elapsed();
        assert_eq!(status, StatusCode::CREATED);
        let message = on_b.message().await;
        latencies.push((sent.elapsed(), answered));
        assert_eq!(
            (message.event.as_str(), &message.data["id"]),
            ("post.created", &created["id"])
        );
        assert_eq!(inbox_on_b.message().await.data["data"]["id"], created["id"]);
    }
    let slowest = latencies
        .iter()
        .map(|(delivered, _)| *delivered)
        .max()
        .unwrap();
    assert!(slowest < Duration::from_secs(5));
    latencies.sort();
    let after_answer: Vec<_> = latencies
        .iter()
        .map(|(delivered, answered)| *delivered - *answered)
        .collect();
    eprintln!(
        "cross-instance delivery, 5 posts: POST sent on A → SSE message on B min {:?}, median {:?}, max {:?}; \
         of which after A answered 201: {after_answer:?}",
        latencies[0].0, latencies[2].0, latencies[4].0
    );
}

/// A client that stops reading its stream holds nothing: the stream's checks run in a task
/// of their own, not while the client polls the body. Checks run every millisecond here, so
/// the client stops reading in the middle of one; the in-memory SQLite store has a single
/// connection, which the writes below need within the (short) request time limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_holds_no_transaction() {
    let lms = common::lms_on(Backend::Sqlite).await;
    let w = World::new(lms.clone()).await;
    w.published("c", None).await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let mut config = config();
    config.event_keep_alive = Duration::from_millis(1);
    config.request_timeout = Duration::from_secs(5);
    let app = LmsRouter::new(lms, crate::common::public_url())
        .auth(UserIdTokens)
        .config(config)
        .build();
    let bearer = format!("Bearer {}", w.learner.user_id().unwrap());
    // A course stream: each check reads the store (may the learner still follow it?).
    let course = "/orgs/acme/courses/c/events";
    let mut stalled = open(&app, course, &bearer, None).await.expect("open");
    stalled.keep_alive_within(Duration::from_secs(5)).await;
    // From here on nobody reads `stalled`.
    for i in 0..20 {
        let body = json!({"slug": format!("org-{i}"), "name": "Org"});
        let request = Request::builder()
            .method("POST")
            .uri("/orgs")
            .header(header::AUTHORIZATION, &bearer)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (status, reply) = call(&app, request).await;
        assert_eq!(status, StatusCode::CREATED, "write {i}: {reply}");
    }
    drop(stalled);
}
