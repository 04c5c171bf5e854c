//! Media over HTTP, on both stores: uploads (who, which types, how large), the signed
//! `content.url` of video lessons, serving with byte ranges, and refused URLs.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;
mod assignments;
mod bounds;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::{Backend, UserIdTokens, lms_on};
use futures_util::TryStreamExt;
use http_body_util::BodyExt;
use lms_axum::LmsRouter;
use lms_axum::{ApiConfig, MediaConfig};
use lms_core::portability::Record;
use lms_core::testing::World;
use lms_core::testing::acme;
use lms_core::{Actor, Sha256Digest};
use lms_media::{LocalMediaStore, MediaSigner};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

const SECRET: &[u8] = b"test secret shared by the instances";
const BASE: &str = "https://lms.test/api/v1";

use bounds::{
    a_slow_upload_is_cut_off, an_upload_whose_client_goes_away_leaves_no_stray_file,
    cross_course_media_is_refused, storage_without_bounds_stops_at_the_org_quota,
    uploads_are_listed_and_deleted_once_unused, uploads_in_flight_share_what_is_left_of_the_quota,
};

use assignments::learner_files_go_to_their_submission_only;

on_both_stores!(
    media_follows_the_contract,
    learner_files_go_to_their_submission_only,
    storage_without_bounds_stops_at_the_org_quota,
    uploads_are_listed_and_deleted_once_unused,
    cross_course_media_is_refused,
    a_slow_upload_is_cut_off,
    uploads_in_flight_share_what_is_left_of_the_quota,
    an_upload_whose_client_goes_away_leaves_no_stray_file,
);

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes().to_vec();
    Reply {
        status: parts.status,
        headers: parts.headers,
        bytes,
    }
}

fn upload(who: Actor, content_type: Option<&str>, body: Body) -> Request<Body> {
    upload_to("c", who, content_type, body)
}

fn upload_to(course: &str, who: Actor, content_type: Option<&str>, body: Body) -> Request<Body> {
    let mut request = Request::builder()
        .method("POST")
        .uri(format!("/orgs/acme/courses/{course}/media"));
    if let Some(id) = who.user_id() {
        request = request.header(header::AUTHORIZATION, format!("Bearer {id}"));
    }
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    request.body(body).unwrap()
}

fn get(path: &str, who: Option<Actor>, range: Option<&str>) -> Request<Body> {
    let mut request = Request::builder().uri(path);
    if let Some(id) = who.and_then(|w| w.user_id()) {
        request = request.header(header::AUTHORIZATION, format!("Bearer {id}"));
    }
    if let Some(range) = range {
        request = request.header(header::RANGE, range);
    }
    request.body(Body::empty()).unwrap()
}

fn send_json(method: &str, path: &str, who: Actor, body: Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", who.user_id().unwrap()),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// Every file below `dir`, at any depth.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

async fn media_follows_the_contract(backend: Backend) {
    let lms = lms_on(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let mut media = MediaConfig::new(LocalMediaStore::new(dir.path()), SECRET);
    media.max_bytes = 3 * 1024 * 1024;
    let mut config = ApiConfig::default();
    config.media = Some(media);
    let app = LmsRouter::new(lms.clone(), BASE.parse().unwrap())
        .auth(UserIdTokens)
        .config(config)
        .build();
    let w = World::new(lms.clone()).await;
    let outline = w.published("c", None).await;
    let video: Vec<u8> = (0..2_000_000u32).map(|i| (i % 251) as u8).collect();

    // Who may upload, then what.
    let mp4 = Some("video/mp4");
    let small = || Body::from(vec![1u8; 10]);
    assert_eq!(
        send(&app, upload(Actor::Anonymous, mp4, small()))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let learner = send(&app, upload(w.learner, mp4, small())).await;
    assert_eq!(
        (learner.status, learner.json()["code"].clone()),
        (StatusCode::FORBIDDEN, json!("forbidden"))
    );
    let html = send(&app, upload(w.instructor, Some("text/html"), small())).await;
    assert_eq!(
        (html.status, html.json()["code"].clone()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            json!("unsupported_media_type")
        )
    );
    assert_eq!(
        send(&app, upload(w.instructor, None, small())).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let too_big = Body::from(vec![0u8; 3 * 1024 * 1024 + 1]);
    let refused = send(&app, upload(w.instructor, mp4, too_big)).await;
    assert_eq!(
        (refused.status, refused.json()["code"].clone()),
        (StatusCode::PAYLOAD_TOO_LARGE, json!("payload_too_large"))
    );
    // Without a declared length the limit still holds, mid-stream.
    let chunks = (0..4).map(|_| Ok::<_, std::io::Error>(vec![0u8; 1024 * 1024]));
    let streamed = Body::from_stream(futures_util::stream::iter(chunks));
    assert_eq!(
        send(&app, upload(w.instructor, mp4, streamed)).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    let empty = send(&app, upload(w.instructor, mp4, Body::empty())).await;
    assert_eq!(
        (empty.status, empty.json()["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("body"))
    );
    // Nothing refused above was kept, not even in part.
    assert_eq!(files_under(dir.path()), Vec::<std::path::PathBuf>::new());

    // Past the API's 1 MiB JSON limit, within the media limit: stored.
    let created = send(
        &app,
        upload(
            w.admin,
            Some("Video/MP4; codecs=avc1"),
            Body::from(video.clone()),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    let created = created.json();
    assert_eq!(
        (created["size"].clone(), created["content_type"].clone()),
        (json!(video.len()), json!("video/mp4"))
    );
    let key = created["media_key"].as_str().unwrap().to_string();
    assert!(
        key.starts_with(&format!("{}/", w.org_id)) && key.ends_with(".mp4"),
        "{key}"
    );
    // Its bytes' SHA-256, taken as they were stored, is in the org's export.
    let records = lms.export_org_as_operator("acme").await.unwrap();
    let records: Vec<Record> = records.into_records().try_collect().await.unwrap();
    let digests: Vec<Option<String>> = records
        .into_iter()
        .filter_map(|record| match record {
            Record::Media(upload) if upload.key == key => Some(upload.sha256),
            _ => None,
        })
        .collect();
    let expected = Sha256Digest::from_bytes(Sha256::digest(&video).into());
    assert_eq!(digests, [Some(expected.to_string())]);

    // A video lesson on the upload: a signed absolute URL for those who may read it.
    let module = outline.modules[0].module.id;
    let new = json!({"title": "Uploaded", "kind": "video", "content": {"media_key": key}});
    let lesson = send(
        &app,
        send_json(
            "POST",
            &format!("/orgs/acme/courses/c/modules/{module}/lessons"),
            w.instructor,
            new,
        ),
    )
    .await;
    assert_eq!(lesson.status, StatusCode::CREATED, "{:?}", lesson.json());
    let lesson_id = lesson.json()["id"].as_str().unwrap().to_string();
    let lesson_path = format!("/orgs/acme/courses/c/lessons/{lesson_id}");
    let denied = send(&app, get(&lesson_path, Some(w.learner), None)).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(!String::from_utf8_lossy(&denied.bytes).contains("sig="));
    lms.enroll(&w.learner, acme("c")).await.unwrap();
    let seen = send(&app, get(&lesson_path, Some(w.learner), None))
        .await
        .json();
    let url = seen["content"]["url"]
        .as_str()
        .expect("a signed URL")
        .to_string();
    assert_eq!(seen["content"]["media_key"], json!(key));
    let prefix = format!("{BASE}/media/{key}?exp=");
    assert!(url.starts_with(&prefix) && url.contains("&sig="), "{url}");
    let exp: i64 = url[prefix.len()..]
        .split('&')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let in_an_hour = chrono::Utc::now().timestamp() + 3600;
    assert!(
        (in_an_hour - 5..=in_an_hour).contains(&exp),
        "valid for one hour"
    );
    let path = url.strip_prefix(BASE).unwrap().to_string();

    // Other orgs' uploads and made-up keys are refused.
    let foreign = format!("{}/{}.mp4", uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    for media_key in [foreign.as_str(), "intro.mp4", "../../etc/passwd"] {
        let new = json!({"title": "Stolen", "kind": "video", "content": {"media_key": media_key}});
        let reply = send(
            &app,
            send_json(
                "POST",
                &format!("/orgs/acme/courses/c/modules/{module}/lessons"),
                w.instructor,
                new,
            ),
        )
        .await;
        assert_eq!(
            (reply.status, reply.json()["errors"][0]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("content.media_key"))
        );
    }

    // Serving: whole, ranges (so video can seek), and ranges past the end.
    let whole = send(&app, get(&path, None, None)).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.bytes, video);
    assert_eq!(
        (
            whole.headers[header::CONTENT_TYPE].clone(),
            whole.headers[header::ACCEPT_RANGES].clone()
        ),
        ("video/mp4".parse().unwrap(), "bytes".parse().unwrap())
    );
    assert_eq!(
        whole.headers[header::CONTENT_LENGTH],
        video.len().to_string()
    );
    let head = send(
        &app,
        Request::builder()
            .method("HEAD")
            .uri(&path)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        (head.status, head.bytes.len()),
        (StatusCode::OK, 0),
        "players probe with HEAD"
    );
    assert_eq!(
        head.headers[header::CONTENT_LENGTH],
        video.len().to_string()
    );
    let part = send(&app, get(&path, None, Some("bytes=1000-1999"))).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes, video[1000..2000]);
    assert_eq!(
        part.headers[header::CONTENT_RANGE],
        format!("bytes 1000-1999/{}", video.len())
    );
    let tail = send(&app, get(&path, None, Some("bytes=-10"))).await;
    assert_eq!(
        (tail.status, tail.bytes.as_slice()),
        (StatusCode::PARTIAL_CONTENT, &video[video.len() - 10..])
    );
    let open_ended = send(&app, get(&path, None, Some("bytes=1999990-"))).await;
    assert_eq!(open_ended.bytes, video[1_999_990..]);
    let past = send(
        &app,
        get(&path, None, Some(&format!("bytes={}-", video.len()))),
    )
    .await;
    assert_eq!(past.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        past.headers[header::CONTENT_RANGE],
        format!("bytes */{}", video.len())
    );

    // Uploads never run as pages of the API's origin (issue 17, item 11).
    assert_eq!(part.headers[header::CONTENT_DISPOSITION], "attachment");
    assert_eq!(part.headers[header::CONTENT_SECURITY_POLICY], "sandbox");

    // The range-overflow attack: an end of u64::MAX is the file's last byte, not a wrap.
    let huge = send(&app, get(&path, None, Some("bytes=5-18446744073709551615"))).await;
    assert_eq!(huge.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(huge.bytes, video[5..]);
    assert_eq!(
        huge.headers[header::CONTENT_RANGE],
        format!("bytes 5-{}/{}", video.len() - 1, video.len())
    );
    assert_eq!(
        huge.headers[header::CONTENT_LENGTH],
        (video.len() - 5).to_string()
    );

    // Tampered or expired URLs: 403.
    let forbidden = |reply: &Reply| {
        (reply.status, reply.json()["code"].clone()) == (StatusCode::FORBIDDEN, json!("forbidden"))
    };
    let altered_sig = path.replace("&sig=", "&sig=A");
    assert!(forbidden(&send(&app, get(&altered_sig, None, None)).await));
    let later = path.replace(&format!("exp={exp}"), &format!("exp={}", exp + 3600));
    assert!(
        forbidden(&send(&app, get(&later, None, None)).await),
        "a longer life is a tampered URL"
    );
    let other_key = send(&app, upload(w.instructor, mp4, small())).await.json()["media_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(forbidden(
        &send(&app, get(&path.replace(&key, &other_key), None, None)).await
    ));
    assert!(
        forbidden(&send(&app, get(&format!("/media/{key}"), None, None)).await),
        "unsigned"
    );
    let (old_exp, old_sig) =
        MediaSigner::new(SECRET).sign(&key, chrono::Utc::now().timestamp() - 7200);
    let expired = send(
        &app,
        get(
            &format!("/media/{key}?exp={old_exp}&sig={old_sig}"),
            None,
            None,
        ),
    )
    .await;
    assert!(forbidden(&expired));
    assert!(String::from_utf8_lossy(&expired.bytes).contains("expired"));
    let (exp2, sig2) =
        MediaSigner::new(b"another server's secret").sign(&key, chrono::Utc::now().timestamp());
    assert!(forbidden(
        &send(
            &app,
            get(&format!("/media/{key}?exp={exp2}&sig={sig2}"), None, None)
        )
        .await
    ));

    // A server without media storage says so.
    let bare = LmsRouter::new(lms, crate::common::public_url())
        .auth(UserIdTokens)
        .build::<()>();
    let unconfigured = send(&bare, upload(w.instructor, mp4, small())).await;
    assert_eq!(
        (unconfigured.status, unconfigured.json()["code"].clone()),
        (StatusCode::SERVICE_UNAVAILABLE, json!("unavailable"))
    );
    let plain = send(&bare, get(&lesson_path, Some(w.learner), None))
        .await
        .json();
    assert_eq!(
        (
            plain["content"]["media_key"].clone(),
            plain["content"].get("url")
        ),
        (json!(key), None)
    );
}
