//! A lesson's discussion over HTTP: posting, replies, moderation, and the posting rate.

use crate::api::{Api, assert_problem};
use crate::common::Backend;
use axum::http::{StatusCode, header};
use lms_core::testing::acme;
use serde_json::{Value, json};

pub async fn lesson_discussions_over_http(backend: Backend) {
    let api = Api::new(backend).await;
    let outline = api.w.published("rust", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    let posts = format!("/orgs/acme/courses/rust/lessons/{lesson}/posts");
    let learner = Some(api.w.learner);
    assert_problem(
        &api.call("GET", &posts, None, None).await,
        401,
        "unauthenticated",
    );
    assert_problem(
        &api.call("POST", &posts, learner, Some(json!({"body": "hi"})))
            .await,
        403,
        "not_enrolled",
    );
    assert_eq!(
        api.call("POST", "/orgs/acme/courses/rust/enrollments", learner, None)
            .await
            .status,
        StatusCode::CREATED
    );
    assert_problem(
        &api.raw("POST", &posts, api.w.learner, Some("application/json"), "{")
            .await,
        400,
        "malformed_request",
    );
    assert_problem(
        &api.call("POST", &posts, learner, Some(json!({"parent_id": null})))
            .await,
        422,
        "validation_failed",
    );
    let created = api
        .call(
            "POST",
            &posts,
            learner,
            Some(json!({"body": "Why `'static`?"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["author"]["name"], "Lea Learner");
    assert_eq!(
        (
            created.body["hidden"].clone(),
            created.body["edited_at"].clone()
        ),
        (json!(false), Value::Null)
    );
    let id = created.body["id"].as_str().unwrap().to_owned();
    let reply = api
        .call(
            "POST",
            &posts,
            Some(api.w.instructor),
            Some(json!({"body": "See chapter 10", "parent_id": id})),
        )
        .await;
    assert_eq!(
        (reply.status, reply.body["parent_id"].clone()),
        (StatusCode::CREATED, json!(id))
    );
    let listed = api
        .call("GET", &format!("{posts}?limit=1"), learner, None)
        .await;
    assert_eq!(
        (
            listed.body["items"][0]["id"].clone(),
            listed.body["next_cursor"].is_string()
        ),
        (json!(id), true)
    );
    let post = format!("/orgs/acme/courses/rust/posts/{id}");
    assert_problem(
        &api.call(
            "PATCH",
            &post,
            Some(api.w.instructor),
            Some(json!({"body": "edited"})),
        )
        .await,
        403,
        "forbidden",
    );
    assert_problem(
        &api.call("PATCH", &post, learner, Some(json!({"hidden": true})))
            .await,
        403,
        "forbidden",
    );
    let hidden = api
        .call(
            "PATCH",
            &post,
            Some(api.w.instructor),
            Some(json!({"hidden": true})),
        )
        .await;
    assert_eq!(
        (hidden.status, hidden.body["hidden"].clone()),
        (StatusCode::OK, json!(true))
    );
    let edited = api
        .call(
            "PATCH",
            &post,
            learner,
            Some(json!({"body": "Why 'static, really?"})),
        )
        .await;
    assert!(edited.body["edited_at"].is_string(), "{}", edited.body);
    assert_eq!(
        api.call("DELETE", &post, learner, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_problem(
        &api.call("DELETE", &post, learner, None).await,
        404,
        "not_found",
    );
    // Past the posting rate: 429 with Retry-After. A fresh learner, so the count starts at
    // zero: the first ten are created, the eleventh is refused.
    let newcomer = api.w.new_user("newcomer@acme.test").await;
    api.w.lms.enroll(&newcomer, acme("rust")).await.unwrap();
    let mut last = None;
    for i in 0..11 {
        let reply = api
            .call(
                "POST",
                &posts,
                Some(newcomer),
                Some(json!({"body": format!("post {i}")})),
            )
            .await;
        if i < 10 {
            assert_eq!(
                reply.status,
                StatusCode::CREATED,
                "post {i}: {}",
                reply.body
            );
        }
        last = Some(reply);
    }
    let limited = last.unwrap();
    assert_problem(&limited, 429, "rate_limited");
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
}
