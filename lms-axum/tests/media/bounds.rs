//! Storage with bounds (issue 17, items 6 and 10): the org's quota, the course's list of
//! uploads and deleting the unused ones, uploads used only by their own course, and a
//! minimum upload rate, each named after the attack it stops.

use super::{Reply, SECRET, files_under, send, send_json, upload, upload_to};
use crate::common::{Backend, UserIdTokens, lms_on};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lms_axum::{ApiConfig, LmsRouter, MediaConfig, MinUploadRate};
use lms_core::Actor;
use lms_core::testing::World;
use lms_media::LocalMediaStore;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MP4: Option<&str> = Some("video/mp4");

/// A world with published courses `c` and `d`, served with media kept in a temporary
/// directory, each org allowed `quota` bytes.
async fn served(backend: Backend, quota: u64, rate: MinUploadRate) -> (Router, World, TempDir) {
    let lms = lms_on(backend).await.with_media_quota(quota);
    let dir = tempfile::tempdir().unwrap();
    let mut media = MediaConfig::new(LocalMediaStore::new(dir.path()), SECRET);
    media.min_upload_rate = rate;
    let mut config = ApiConfig::default();
    config.media = Some(media);
    let app = LmsRouter::new(lms.clone(), super::BASE.parse().unwrap())
        .auth(UserIdTokens)
        .config(config)
        .build();
    let w = World::new(lms).await;
    w.published("c", None).await;
    w.published("d", None).await;
    (app, w, dir)
}

fn code(reply: &Reply) -> (StatusCode, Value) {
    (reply.status, reply.json()["code"].clone())
}

fn key_of(reply: &Reply) -> String {
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.json());
    reply.json()["media_key"].as_str().unwrap().to_string()
}

fn bytes(n: usize) -> Body {
    Body::from(vec![7u8; n])
}

fn delete(course: &str, key: &str, who: Actor) -> Request<Body> {
    let encoded = key.replace('/', "%2F");
    Request::builder()
        .method("DELETE")
        .uri(format!("/orgs/acme/courses/{course}/media/{encoded}"))
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", who.user_id().unwrap()),
        )
        .body(Body::empty())
        .unwrap()
}

fn list(course: &str, who: Actor) -> Request<Body> {
    Request::builder()
        .uri(format!("/orgs/acme/courses/{course}/media"))
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", who.user_id().unwrap()),
        )
        .body(Body::empty())
        .unwrap()
}

async fn video_lesson(app: &Router, w: &World, course: &str, key: &str) -> Reply {
    let outline = w
        .lms
        .course(&w.admin, lms_core::testing::acme(course))
        .await;
    let module = outline.unwrap().modules[0].module.id;
    let new = json!({"title": "Clip", "kind": "video", "content": {"media_key": key}});
    let path = format!("/orgs/acme/courses/{course}/modules/{module}/lessons");
    send(app, send_json("POST", &path, w.instructor, new)).await
}

pub async fn storage_without_bounds_stops_at_the_org_quota(backend: Backend) {
    let (app, w, dir) = served(backend, 5_000, MinUploadRate::default()).await;
    let first = key_of(&send(&app, upload(w.admin, MP4, bytes(3_000))).await);
    let declared = send(&app, upload(w.admin, MP4, bytes(3_000))).await;
    let past = (StatusCode::PAYLOAD_TOO_LARGE, json!("quota_exceeded"));
    assert_eq!(code(&declared), past, "a declared length past the quota");
    let chunks = (0..3).map(|_| Ok::<_, std::io::Error>(vec![0u8; 1_000]));
    let streamed = Body::from_stream(futures_util::stream::iter(chunks));
    let streamed = send(&app, upload(w.admin, MP4, streamed)).await;
    assert_eq!(
        code(&streamed),
        past,
        "no length declared: cut off mid-stream"
    );
    assert_eq!(files_under(dir.path()).len(), 1, "nothing refused was kept");
    // Exactly up to the quota is allowed; then nothing more, whatever the course.
    key_of(&send(&app, upload(w.admin, MP4, bytes(2_000))).await);
    let full = send(&app, upload_to("d", w.admin, MP4, bytes(1))).await;
    assert_eq!(code(&full), past);
    // Deleting frees the space.
    let deleted = send(&app, delete("c", &first, w.admin)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    key_of(&send(&app, upload(w.admin, MP4, bytes(3_000))).await);
    // Uploads finishing together cannot both take the last bytes.
    for _ in 0..2 {
        let freed = send(&app, delete("c", &first_key(&app, &w).await, w.admin)).await;
        assert_eq!(freed.status, StatusCode::NO_CONTENT);
    }
    let (a, b) = tokio::join!(
        send(&app, upload(w.admin, MP4, bytes(3_000))),
        send(&app, upload(w.admin, MP4, bytes(3_000))),
    );
    let statuses = [a.status, b.status];
    assert!(
        statuses.contains(&StatusCode::CREATED)
            && statuses.contains(&StatusCode::PAYLOAD_TOO_LARGE),
        "one of two fits: {statuses:?}"
    );
    let listed: u64 = send(&app, list("c", w.admin)).await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["size"].as_u64().unwrap())
        .sum();
    assert!(
        listed <= 5_000,
        "{listed} bytes stored past a 5,000-byte quota"
    );
    assert_eq!(
        files_under(dir.path()).len(),
        1,
        "the refused one was deleted"
    );
}

/// The key of the course's first listed upload.
async fn first_key(app: &Router, w: &World) -> String {
    let listed = send(app, list("c", w.admin)).await.json();
    listed["items"][0]["media_key"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn uploads_are_listed_and_deleted_once_unused(backend: Backend) {
    let (app, w, dir) = served(backend, u64::MAX, MinUploadRate::default()).await;
    let key = key_of(&send(&app, upload(w.admin, MP4, bytes(1_234))).await);
    let other = key_of(&send(&app, upload_to("d", w.admin, MP4, bytes(10))).await);
    let listed = send(&app, list("c", w.instructor)).await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    let item = &listed["items"][0];
    assert_eq!(
        (&item["media_key"], &item["size"], &item["content_type"]),
        (&json!(key), &json!(1_234), &json!("video/mp4"))
    );
    assert!(item["created_at"].is_string() && item["used_by"] == json!([]));
    // Learners neither list nor delete.
    assert_eq!(
        code(&send(&app, list("c", w.learner)).await).0,
        StatusCode::FORBIDDEN
    );
    let refused = send(&app, delete("c", &key, w.learner)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // In use: listed with its lesson, and kept.
    let lesson = video_lesson(&app, &w, "c", &key).await;
    assert_eq!(lesson.status, StatusCode::CREATED, "{:?}", lesson.json());
    let lesson_id = lesson.json()["id"].clone();
    let listed = send(&app, list("c", w.admin)).await.json();
    assert_eq!(listed["items"][0]["used_by"], json!([lesson_id]));
    let in_use = send(&app, delete("c", &key, w.admin)).await;
    assert_eq!(code(&in_use), (StatusCode::CONFLICT, json!("conflict")));
    // Another course's upload, and made-up keys, are not this course's to delete.
    for stranger in [other.as_str(), "nothing-here.mp4"] {
        let missing = send(&app, delete("c", stranger, w.admin)).await;
        assert_eq!(code(&missing), (StatusCode::NOT_FOUND, json!("not_found")));
    }
    // The lesson deleted, the upload is an orphan: listed as unused, and removable.
    let path = format!(
        "/orgs/acme/courses/c/lessons/{}",
        lesson_id.as_str().unwrap()
    );
    let gone = Request::builder()
        .method("DELETE")
        .uri(path)
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", w.admin.user_id().unwrap()),
        )
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, gone).await.status, StatusCode::NO_CONTENT);
    let listed = send(&app, list("c", w.admin)).await.json();
    assert_eq!(listed["items"][0]["used_by"], json!([]));
    let deleted = send(&app, delete("c", &key, w.instructor)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let listed = send(&app, list("c", w.admin)).await.json();
    assert_eq!(listed["items"], json!([]));
    let left = files_under(dir.path());
    assert_eq!(left.len(), 1, "only course d's file is left: {left:?}");
}

pub async fn cross_course_media_is_refused(backend: Backend) {
    let (app, w, _dir) = served(backend, u64::MAX, MinUploadRate::default()).await;
    let paid_key = key_of(&send(&app, upload_to("d", w.admin, MP4, bytes(100))).await);
    // An instructor who learned course d's key cannot hand it out from course c.
    let stolen = video_lesson(&app, &w, "c", &paid_key).await;
    assert_eq!(
        (stolen.status, stolen.json()["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("content.media_key"))
    );
    // Nor by rewriting the key to name course c: no such upload was recorded there.
    let course_c = w.lms.course(&w.admin, lms_core::testing::acme("c")).await;
    let course_c = course_c.unwrap().course.id.0.to_string();
    let parts: Vec<&str> = paid_key.split('/').collect();
    let forged = format!("{}/{course_c}/{}", parts[0], parts[2]);
    let forged = video_lesson(&app, &w, "c", &forged).await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Its own course's upload is fine.
    let own = key_of(&send(&app, upload_to("c", w.admin, MP4, bytes(100))).await);
    assert_eq!(
        video_lesson(&app, &w, "c", &own).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        video_lesson(&app, &w, "d", &own).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

/// Sends an upload's head (declaring `declared` bytes) and `sent` bytes of its body over a
/// real connection, then nothing more; returns the status line the server answers with and
/// how long it took.
async fn send_raw(
    addr: std::net::SocketAddr,
    who: Actor,
    declared: usize,
    sent: usize,
) -> (String, Duration) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /orgs/acme/courses/c/media HTTP/1.1\r\nhost: lms.test\r\n\
         authorization: Bearer {}\r\ncontent-type: video/mp4\r\ncontent-length: {declared}\r\n\r\n",
        who.user_id().unwrap()
    );
    let started = Instant::now();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![1u8; sent]).await.unwrap();
    let mut answer = vec![0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut answer)).await;
    let n = read.expect("the server answers").unwrap();
    let text = String::from_utf8_lossy(&answer[..n]).to_string();
    let status = text.lines().next().unwrap_or_default().to_string();
    (status, started.elapsed())
}

pub async fn a_slow_upload_is_cut_off(backend: Backend) {
    let rate = MinUploadRate::new(256 * 1024, Duration::from_millis(500));
    let (app, w, dir) = served(backend, u64::MAX, rate).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (status, took) = send_raw(addr, w.admin, 1024 * 1024, 1_000).await;
    assert_eq!(status, "HTTP/1.1 408 Request Timeout", "after {took:?}");
    assert!(took < Duration::from_secs(5), "cut off after {took:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(files_under(dir.path()).is_empty(), "no part of it was kept");
    // A client that sends at speed is not held by the rate.
    let (status, _) = send_raw(addr, w.admin, 2 * 1024 * 1024, 2 * 1024 * 1024).await;
    assert_eq!(status, "HTTP/1.1 201 Created");
}

/// Uploads running together cannot write more than the quota left between them: each
/// reserves what it may write before it starts.
pub async fn uploads_in_flight_share_what_is_left_of_the_quota(backend: Backend) {
    let (app, w, dir) = served(backend, 5_000, MinUploadRate::default()).await;
    // An upload of unknown length, held open: it may write all that is left.
    let (sender, receiver) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let chunks = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let chunk = receiver.recv().await?;
        Some((Ok::<_, std::io::Error>(chunk), receiver))
    });
    let held = tokio::spawn({
        let app = app.clone();
        let request = upload(w.admin, MP4, Body::from_stream(chunks));
        async move { send(&app, request).await }
    });
    sender.send(vec![1u8; 1_000]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let beside = send(&app, upload(w.admin, MP4, bytes(100))).await;
    let past = (StatusCode::PAYLOAD_TOO_LARGE, json!("quota_exceeded"));
    assert_eq!(
        code(&beside),
        past,
        "the upload in flight holds what is left"
    );
    sender.send(vec![2u8; 2_000]).await.unwrap();
    drop(sender);
    let held = held.await.unwrap();
    assert_eq!(held.json()["size"], json!(3_000), "{:?}", held.json());
    // Finished and recorded at 3,000 bytes: the rest of its reservation is free again.
    key_of(&send(&app, upload(w.admin, MP4, bytes(2_000))).await);
    let full = send(&app, upload(w.admin, MP4, bytes(1))).await;
    assert_eq!(code(&full), past);
    assert_eq!(files_under(dir.path()).len(), 2);
}

/// A client that goes away mid-upload drops the request's handler: the upload still ends
/// cleanly, leaving no file that nothing counts or lists.
pub async fn an_upload_whose_client_goes_away_leaves_no_stray_file(backend: Backend) {
    let (app, w, dir) = served(backend, u64::MAX, MinUploadRate::default()).await;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let chunks = futures_util::stream::unfold(receiver, |mut receiver| async move {
        Some((receiver.recv().await?, receiver))
    });
    let request = upload(w.admin, MP4, Body::from_stream(chunks));
    let handler = tokio::spawn({
        let app = app.clone();
        async move { send(&app, request).await }
    });
    sender.send(Ok(vec![1u8; 64 * 1024])).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    handler.abort(); // the connection is gone: hyper drops the handler
    let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "gone");
    let _ = sender.send(Err(reset)).await;
    drop(sender);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !files_under(dir.path()).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(files_under(dir.path()), Vec::<std::path::PathBuf>::new());
    let listed = send(&app, list("c", w.admin)).await.json();
    assert_eq!(listed["items"], json!([]));
}
