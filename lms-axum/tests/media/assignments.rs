//! A learner's files for an assignment over HTTP: who may upload which types and sizes, and
//! the signed URLs of attachments, which reach the submitter and the course's managers.

use super::{BASE, SECRET, get, send, send_json};
use crate::common::{Backend, UserIdTokens, lms_on};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lms_axum::{ApiConfig, LmsRouter, MediaConfig};
use lms_core::testing::{World, acme};
use lms_core::{Actor, LessonKind};
use lms_media::LocalMediaStore;
use serde_json::{Value, json};

fn file_to(lesson: &str, who: Actor, content_type: &str, body: Body) -> Request<Body> {
    let mut request = Request::builder()
        .method("POST")
        .uri(format!("/orgs/acme/courses/a/lessons/{lesson}/files"))
        .header(header::CONTENT_TYPE, content_type);
    if let Some(id) = who.user_id() {
        request = request.header(header::AUTHORIZATION, format!("Bearer {id}"));
    }
    request.body(body).unwrap()
}

/// The path and query of an absolute signed URL under [`BASE`].
fn local(url: &Value) -> String {
    url.as_str()
        .and_then(|u| u.strip_prefix(BASE))
        .expect("a URL under the public base")
        .to_string()
}

pub(super) async fn learner_files_go_to_their_submission_only(backend: Backend) {
    let lms = lms_on(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let mut media = MediaConfig::new(LocalMediaStore::new(dir.path()), SECRET);
    media.submission_max_bytes = 64 * 1024;
    let mut config = ApiConfig::default();
    config.media = Some(media);
    let app = LmsRouter::new(lms.clone(), BASE.parse().unwrap())
        .auth(UserIdTokens)
        .config(config)
        .build();
    let w = World::new(lms.clone()).await;
    w.draft("a", None).await;
    let module = w.module("a", "Work").await;
    let essay = w
        .lesson(
            "a",
            module.id,
            "Essay",
            LessonKind::Assignment,
            json!({"instructions": "Write"}),
        )
        .await;
    let notes = w
        .lesson(
            "a",
            module.id,
            "Notes",
            LessonKind::Text,
            json!({"markdown": "…"}),
        )
        .await;
    w.publish("a").await;
    w.lms.enroll(&w.learner, acme("a")).await.unwrap();
    let (essay, notes) = (essay.summary.id.to_string(), notes.summary.id.to_string());
    let pdf = || Body::from(b"%PDF-1.7 my essay".to_vec());

    let anonymous = send(
        &app,
        file_to(&essay, Actor::Anonymous, "application/pdf", pdf()),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let stranger = send(&app, file_to(&essay, w.outsider, "application/pdf", pdf())).await;
    assert_eq!(
        (stranger.status, stranger.json()["code"].clone()),
        (StatusCode::FORBIDDEN, json!("not_enrolled"))
    );
    let not_assignment = send(&app, file_to(&notes, w.learner, "application/pdf", pdf())).await;
    assert_eq!(not_assignment.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = send(&app, file_to(&essay, w.learner, "text/html", pdf())).await;
    assert_eq!(html.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = Body::from(vec![0u8; 64 * 1024 + 1]);
    let too_big = send(&app, file_to(&essay, w.learner, "application/zip", big)).await;
    assert_eq!(
        (too_big.status, too_big.json()["code"].clone()),
        (StatusCode::PAYLOAD_TOO_LARGE, json!("payload_too_large"))
    );

    let uploaded = send(&app, file_to(&essay, w.learner, "application/pdf", pdf())).await;
    assert_eq!(
        uploaded.status,
        StatusCode::CREATED,
        "{:?}",
        uploaded.json()
    );
    let key = uploaded.json()["media_key"].clone();
    let path = format!("/orgs/acme/courses/a/lessons/{essay}/submissions");
    let body = json!({"body": "See the attachment", "attachments": [key]});
    let submitted = send(&app, send_json("POST", &path, w.learner, body)).await;
    assert_eq!(
        submitted.status,
        StatusCode::CREATED,
        "{:?}",
        submitted.json()
    );
    let url = submitted.json()["attachments"][0]["url"].clone();
    let fetched = send(&app, get(&local(&url), None, None)).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.bytes, b"%PDF-1.7 my essay");

    // The owner sees it in the queue, with a URL of its own; another learner sees nothing.
    let queue = send(
        &app,
        get("/orgs/acme/courses/a/submissions", Some(w.instructor), None),
    )
    .await;
    let items = queue.json()["items"].clone();
    assert_eq!(items.as_array().map(Vec::len), Some(1));
    assert!(items[0]["attachments"][0]["url"].is_string());
    let other = w.enrolled_learner("other@acme.test", "a").await;
    let theirs = send(&app, get(&path, Some(other), None)).await;
    assert_eq!(theirs.json()["items"], json!([]));
    // Nor can they attach the learner's file to a submission of their own.
    let body = json!({"attachments": [key]});
    let stolen = send(&app, send_json("POST", &path, other, body)).await;
    assert_eq!(stolen.status, StatusCode::UNPROCESSABLE_ENTITY);
}
