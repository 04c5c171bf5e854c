//! What every request meets: the health check, denials before input errors, page
//! parameters, and the body limit.

use crate::api::{Api, assert_problem};
use crate::common::Backend;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lms_core::Actor;
use serde_json::{Value, json};

pub async fn health_answers_ok(backend: Backend) {
    let api = Api::new(backend).await;
    let reply = api.call("GET", "/health", None, None).await;
    assert_eq!(
        (reply.status, reply.body.clone()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
}

pub async fn denials_come_before_input_errors(backend: Backend) {
    let api = Api::new(backend).await;
    api.w.draft("secret", None).await;
    api.w.published("open", None).await;
    let bad = || Some(json!({"title": 5}));
    assert_problem(
        &api.raw(
            "POST",
            "/orgs",
            Actor::Anonymous,
            Some("application/json"),
            "{nope",
        )
        .await,
        401,
        "unauthenticated",
    );
    assert_problem(
        &api.call(
            "PATCH",
            "/orgs/acme/courses/secret",
            Some(api.w.learner),
            bad(),
        )
        .await,
        404,
        "not_found",
    );
    assert_problem(
        &api.call(
            "PATCH",
            "/orgs/acme/courses/open",
            Some(api.w.learner),
            bad(),
        )
        .await,
        403,
        "forbidden",
    );
    assert_problem(
        &api.call(
            "PATCH",
            "/orgs/acme/courses/open",
            Some(api.w.instructor),
            bad(),
        )
        .await,
        422,
        "validation_failed",
    );
    let unknown_token = Request::builder()
        .uri("/me")
        .header(header::AUTHORIZATION, "Bearer not-a-user")
        .body(Body::empty())
        .unwrap();
    assert_problem(&api.send(unknown_token).await, 401, "unauthenticated");
}

pub async fn pages_and_parameters_are_checked(backend: Backend) {
    let api = Api::new(backend).await;
    for i in 0..3 {
        api.w.draft(&format!("c{i}"), None).await;
        api.w.publish(&format!("c{i}")).await;
    }
    let first = api
        .call("GET", "/orgs/acme/courses?limit=2", None, None)
        .await;
    assert_eq!(first.body["items"].as_array().map(Vec::len), Some(2));
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let second = api
        .call(
            "GET",
            &format!("/orgs/acme/courses?limit=2&cursor={cursor}"),
            None,
            None,
        )
        .await;
    assert_eq!(
        (
            second.body["items"][0]["slug"].clone(),
            second.body["next_cursor"].clone()
        ),
        (json!("c2"), Value::Null)
    );
    assert_problem(
        &api.call("GET", "/orgs/acme/courses?limit=0", None, None)
            .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &api.call("GET", "/orgs/acme/courses?limit=201", None, None)
            .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &api.call("GET", "/orgs/acme/courses?limit=ten", None, None)
            .await,
        400,
        "malformed_request",
    );
    assert_problem(
        &api.call("GET", "/orgs/acme/courses?cursor=zzz", None, None)
            .await,
        400,
        "malformed_request",
    );
    assert_problem(
        &api.call("GET", "/orgs/acme/courses?status=gone", None, None)
            .await,
        400,
        "malformed_request",
    );
    let lesson = "/orgs/acme/courses/c0/lessons/not-a-uuid";
    assert_problem(
        &api.call("GET", lesson, Some(api.w.admin), None).await,
        400,
        "malformed_request",
    );
}

pub async fn bodies_over_one_mebibyte_are_refused(backend: Backend) {
    let api = Api::new(backend).await;
    let huge = format!(
        "{{\"slug\": \"big\", \"name\": \"{}\"}}",
        "x".repeat(1024 * 1024 + 1)
    );
    let reply = api
        .raw(
            "POST",
            "/orgs",
            api.w.outsider,
            Some("application/json"),
            &huge,
        )
        .await;
    assert_problem(&reply, 413, "payload_too_large");
}
