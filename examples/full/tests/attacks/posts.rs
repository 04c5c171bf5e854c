//! Finding 2: hidden, deleted and edited posts came back through `Last-Event-ID: 0`.

use super::membership::lessons;
use super::{Backend, Server, request};
use axum::http::StatusCode;
use http_body_util::BodyExt;
use serde_json::json;
use std::time::Duration;
use tower::ServiceExt;

const FREE: &str = "/orgs/demo/courses/rust-101";

/// Opens the course's event stream as `token` from position 0 and reads it until `until`
/// appears (or three seconds pass): the text received.
async fn replay_from_zero(server: &Server, token: &str, until: &str) -> String {
    let mut open = request("GET", &format!("{FREE}/events"), Some(token), None);
    open.headers_mut()
        .insert("last-event-id", "0".parse().unwrap());
    let response = server.app.clone().oneshot(open).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while !text.contains(until) {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    text.push_str(&String::from_utf8_lossy(data));
                }
            }
            _ => break,
        }
    }
    text
}

pub async fn hidden_and_edited_posts_do_not_come_back_in_a_replay(backend: Backend) {
    let server = Server::start(backend, |_| {}).await;
    let (instructor, admin, learner) = (
        server.demo("instructor").await,
        server.demo("admin").await,
        server.demo("learner").await,
    );
    let (lesson, _) = lessons(&server).await.remove(0);
    let posts = format!("{FREE}/lessons/{lesson}/posts");
    let post = |body: &str| json!({"body": body});
    let hidden = server
        .call(
            "POST",
            &posts,
            Some(&instructor),
            Some(post("my phone is 555-0100")),
        )
        .await;
    let hidden_id = hidden.body["id"].as_str().unwrap().to_string();
    let edited = server
        .call(
            "POST",
            &posts,
            Some(&instructor),
            Some(post("the first draft")),
        )
        .await;
    let edited_id = edited.body["id"].as_str().unwrap().to_string();
    let deleted = server
        .call(
            "POST",
            &posts,
            Some(&instructor),
            Some(post("a deleted aside")),
        )
        .await;
    let deleted_id = deleted.body["id"].as_str().unwrap().to_string();
    let hide = json!({"hidden": true});
    let path = format!("{FREE}/posts/{hidden_id}");
    assert_eq!(
        server
            .call("PATCH", &path, Some(&admin), Some(hide))
            .await
            .status,
        StatusCode::OK
    );
    let path = format!("{FREE}/posts/{edited_id}");
    let edit = post("the final text");
    assert_eq!(
        server
            .call("PATCH", &path, Some(&instructor), Some(edit))
            .await
            .status,
        StatusCode::OK
    );
    let path = format!("{FREE}/posts/{deleted_id}");
    let gone = server.call("DELETE", &path, Some(&instructor), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let enrolled = server
        .call("POST", &format!("{FREE}/enrollments"), Some(&learner), None)
        .await;
    assert_eq!(enrolled.status, StatusCode::CREATED);
    let seen = replay_from_zero(&server, &learner, "the final text").await;
    assert!(seen.contains("the final text"), "the replay ran: {seen}");
    for leaked in ["555-0100", "the first draft", "a deleted aside"] {
        assert!(!seen.contains(leaked), "{leaked:?} came back: {seen}");
    }
}
