//! Findings 6, 7, 10 and 11 (media): storage without bounds, quiz answers of any size, the
//! `Range` overflow, another course's media in a free lesson, and uploads served inline.

use super::membership::{complete_free_course, lessons};
use super::{Backend, PUBLIC_URL, Reply, Server};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lms_examples::assembly::DEMO_VIDEO_BYTES;
use serde_json::json;

const FREE: &str = "/orgs/demo/courses/rust-101";
const PAID: &str = "/orgs/demo/courses/async-rust";

async fn upload(server: &Server, course: &str, token: &str, bytes: usize) -> Reply {
    let request = Request::builder()
        .method("POST")
        .uri(format!("/api/v1{course}/media"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "video/mp4")
        .body(Body::from(vec![9u8; bytes]))
        .unwrap();
    server.send_from([10, 0, 0, 1], request).await
}

/// A video lesson on `key` in the first module of `course`.
async fn video_lesson(server: &Server, course: &str, token: &str, key: &str) -> Reply {
    let outline = server.call("GET", course, Some(token), None).await.body;
    let module = outline["modules"][0]["id"].as_str().unwrap().to_string();
    let lesson = json!({"title": "Clip", "kind": "video", "content": {"media_key": key}});
    let path = format!("{course}/modules/{module}/lessons");
    server.call("POST", &path, Some(token), Some(lesson)).await
}

pub async fn storage_stops_at_the_org_quota(backend: Backend) {
    // Room for the demo's own video and 10,000 bytes more.
    let server = Server::start(backend, |settings| {
        settings.media_quota_bytes = Some(DEMO_VIDEO_BYTES + 10_000)
    })
    .await;
    let admin = server.demo("admin").await;
    assert_eq!(
        upload(&server, FREE, &admin, 8_000).await.status,
        StatusCode::CREATED
    );
    let past = upload(&server, FREE, &admin, 8_000).await;
    assert_eq!(
        (past.status, past.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded")
    );
    let listed = server
        .call("GET", &format!("{FREE}/media"), Some(&admin), None)
        .await;
    assert_eq!(
        listed.body["items"].as_array().map(Vec::len),
        Some(2),
        "the demo's video and the one upload that fit: {}",
        listed.body
    );
}

pub async fn quiz_answers_of_any_size_are_refused(backend: Backend) {
    let server = Server::start(backend, |_| {}).await;
    let learner = server.demo("learner").await;
    let enrolled = server
        .call("POST", &format!("{FREE}/enrollments"), Some(&learner), None)
        .await;
    assert_eq!(enrolled.status, StatusCode::CREATED);
    let quiz = lessons(&server)
        .await
        .into_iter()
        .find(|(_, kind)| kind == "quiz")
        .unwrap()
        .0;
    let huge = json!({"answers": {"q1": "x".repeat(500_000), "q2": true}});
    let path = format!("{FREE}/lessons/{quiz}/attempts");
    let refused = server.call("POST", &path, Some(&learner), Some(huge)).await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
    );
}

pub async fn a_range_past_u64_is_cut_to_the_last_byte(backend: Backend) {
    let server = Server::start(backend, |_| {}).await;
    let (admin, learner) = (server.demo("admin").await, server.demo("learner").await);
    let key = upload(&server, FREE, &admin, 1_000).await.body["media_key"].clone();
    let lesson = video_lesson(&server, FREE, &admin, key.as_str().unwrap()).await;
    assert_eq!(lesson.status, StatusCode::CREATED, "{}", lesson.body);
    complete_free_course(&server, &learner).await;
    let path = format!("{FREE}/lessons/{}", lesson.body["id"].as_str().unwrap());
    let seen = server.call("GET", &path, Some(&learner), None).await.body;
    let url = seen["content"]["url"]
        .as_str()
        .expect("a signed URL")
        .to_string();
    let path = url
        .strip_prefix(PUBLIC_URL)
        .expect("built on the public URL");
    let ranged = Request::builder()
        .uri(path)
        .header(header::RANGE, "bytes=5-18446744073709551615")
        .body(Body::empty())
        .unwrap();
    let part = server.send_from([10, 0, 0, 2], ranged).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        (part.bytes.len(), &part.headers[header::CONTENT_RANGE]),
        (
            995,
            &"bytes 5-999/1000"
                .parse::<axum::http::HeaderValue>()
                .unwrap()
        )
    );
    assert_eq!(part.headers[header::CONTENT_LENGTH], "995");
    // Served as a download in a sandbox, never as a page of the API's origin.
    assert_eq!(part.headers[header::CONTENT_DISPOSITION], "attachment");
    assert_eq!(part.headers[header::CONTENT_SECURITY_POLICY], "sandbox");
}

pub async fn another_courses_media_is_refused(backend: Backend) {
    let server = Server::start(backend, |_| {}).await;
    let admin = server.demo("admin").await;
    let paid = upload(&server, PAID, &admin, 500).await.body["media_key"].clone();
    let stolen = video_lesson(&server, FREE, &admin, paid.as_str().unwrap()).await;
    assert_eq!(
        stolen.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        stolen.body
    );
    assert_eq!(stolen.body["errors"][0]["field"], "content.media_key");
}
