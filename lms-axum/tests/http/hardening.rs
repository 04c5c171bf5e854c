//! What protects the server: request ids, links behind a mount point or a public URL, CORS,
//! and the request time limit.

use crate::api::{Api, assert_problem};
use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lms_axum::ApiConfig;
use lms_axum::{AuthConfig, LmsRouter};
use lms_core::Lms;
use lms_core::testing::World;
use lms_core::testing::acme;
use lms_sqlite::SqliteStore;
use serde_json::json;
use std::time::Duration;

async fn api(config: ApiConfig) -> Api {
    let lms = Lms::new(SqliteStore::memory().await.expect("store"));
    let w = World::new(lms.clone()).await;
    Api {
        app: LmsRouter::new(lms, crate::common::public_url())
            .sign_in(AuthConfig::default())
            .config(config)
            .build(),
        w,
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let api = api(ApiConfig::default()).await;
    let fresh = api.call("GET", "/health", None, None).await;
    let id = fresh.headers["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let given = Request::builder()
        .uri("/orgs/nope")
        .header("x-request-id", "client-chosen-1")
        .body(Body::empty())
        .unwrap();
    let reply = api.send(given).await;
    assert_eq!(
        (
            reply.status,
            reply.headers["x-request-id"].to_str().unwrap()
        ),
        (StatusCode::NOT_FOUND, "client-chosen-1")
    );
}

#[tokio::test]
async fn links_follow_the_configured_public_url_never_the_host_header() {
    // The client sends a forged Host below; a trailing slash in the configuration is
    // dropped.
    for (public_url, expected_base) in [
        (
            "https://lms.example.com/api/v1/",
            "https://lms.example.com/api/v1",
        ),
        (
            "http://127.0.0.1:3000/api/v1",
            "http://127.0.0.1:3000/api/v1",
        ),
    ] {
        let lms = Lms::new(SqliteStore::memory().await.expect("store"));
        let w = World::new(lms.clone()).await;
        let router =
            LmsRouter::new(lms, public_url.parse().unwrap()).sign_in(AuthConfig::default());
        let app = axum::Router::new().nest("/api/v1", router.build());
        let api = Api { app, w };
        api.w.published("c", None).await;
        api.w.lms.enroll(&api.w.learner, acme("c")).await.unwrap();
        let outline = api
            .w
            .lms
            .course(&api.w.instructor, acme("c"))
            .await
            .unwrap();
        for lesson in &outline.modules[0].lessons {
            let done = lms_core::ProgressUpdate {
                position_seconds: None,
                percent: Some(100),
                status: None,
            };
            api.w
                .lms
                .record_progress(&api.w.learner, acme("c"), lesson.id, done)
                .await
                .unwrap();
        }
        let quiz = outline.modules[1].lessons[0].id;
        api.w
            .lms
            .submit_attempt(
                &api.w.learner,
                acme("c"),
                quiz,
                json!({"q1": "b", "q2": true}),
            )
            .await
            .unwrap();
        let code = api
            .w
            .lms
            .certificate(&api.w.learner, acme("c"))
            .await
            .unwrap()
            .code;
        let request = Request::builder()
            .uri(format!("/api/v1/certificates/{code}"))
            .header(header::HOST, "evil.test")
            .body(Body::empty())
            .unwrap();
        let reply = api.send(request).await;
        assert_eq!(
            reply.body["verify_url"],
            format!("{expected_base}/certificates/{code}")
        );
        assert_eq!(
            reply.body["pdf_url"],
            format!("{expected_base}/certificates/{code}/pdf")
        );
        assert!(
            !reply.body.to_string().contains("evil.test"),
            "{}",
            reply.body
        );
    }
}

#[tokio::test]
async fn cors_answers_only_configured_origins() {
    let mut config = ApiConfig::default();
    config.cors_allowed_origins = vec!["https://app.example.com".into()];
    let api = api(config).await;
    let preflight = |origin: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/orgs")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .body(Body::empty())
            .unwrap()
    };
    let allowed = api.send(preflight("https://app.example.com")).await;
    assert_eq!(
        allowed.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://app.example.com"
    );
    assert_eq!(
        allowed.headers[header::ACCESS_CONTROL_ALLOW_CREDENTIALS],
        "true"
    );
    let other = api.send(preflight("https://evil.example.net")).await;
    assert!(
        other
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
    // An EventSource reconnecting from the front end's origin sends Last-Event-ID.
    let reconnect = Request::builder()
        .method("OPTIONS")
        .uri("/me/events")
        .header(header::ORIGIN, "https://app.example.com")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "last-event-id")
        .body(Body::empty())
        .unwrap();
    let allowed = api.send(reconnect).await;
    let headers = allowed.headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(headers.contains("last-event-id"), "{headers}");
}

/// A store whose health check never answers (a database that hangs).
struct SlowPing(SqliteStore);

#[async_trait]
impl lms_core::Store for SlowPing {
    async fn begin(
        &self,
        access: lms_core::Access,
    ) -> Result<Box<dyn lms_core::StoreTx>, lms_core::StoreError> {
        self.0.begin(access).await
    }

    async fn ping(&self) -> Result<(), lms_core::StoreError> {
        std::future::pending::<()>().await;
        self.0.ping().await
    }

    async fn last_event_seq(&self) -> Result<lms_core::EventSeq, lms_core::StoreError> {
        self.0.last_event_seq().await
    }

    async fn event_heads(
        &self,
        after: lms_core::EventSeq,
        limit: u32,
    ) -> Result<Vec<lms_core::EventHead>, lms_core::StoreError> {
        self.0.event_heads(after, limit).await
    }

    async fn listen(
        &self,
    ) -> Result<Option<Box<dyn lms_core::EventSignals>>, lms_core::StoreError> {
        self.0.listen().await
    }

    fn start_event_feed(
        &self,
        feed: lms_core::feed::EventFeed,
    ) -> Result<(), lms_core::StoreError> {
        self.0.start_event_feed(feed)
    }
}

#[tokio::test]
async fn slow_requests_are_cut_off_with_503() {
    let lms = Lms::new(SlowPing(SqliteStore::memory().await.expect("store")));
    let w = World::new(lms.clone()).await;
    let mut config = ApiConfig::default();
    config.request_timeout = Duration::from_millis(750);
    let api = Api {
        app: LmsRouter::new(lms, crate::common::public_url())
            .config(config)
            .build(),
        w,
    };
    assert_problem(
        &api.call("GET", "/health", None, None).await,
        503,
        "unavailable",
    );
    assert_eq!(
        api.call("GET", "/orgs/acme", None, None).await.status,
        StatusCode::OK,
        "fast requests pass"
    );
}

/// A write that only the session cookie authenticates, started by another site's page (a
/// form posting to a route that reads no body), is refused; from the API's own origin, or
/// with a bearer token, it goes through. Every answer is kept out of shared caches.
#[tokio::test]
async fn cookie_writes_from_other_sites_are_refused() {
    let api = api(ApiConfig::default()).await;
    let new = json!({"email": "ada@x.test", "password": "correct horse battery", "name": "Ada"});
    let up = api.call("POST", "/auth/sign-up", None, Some(new)).await;
    let token = up.body["token"].as_str().unwrap().to_string();
    assert_eq!(up.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(up.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let sign_out = |origin: Option<&str>, site: Option<&str>| {
        let mut request = Request::builder()
            .method("POST")
            .uri("/auth/sign-out")
            .header(header::COOKIE, format!("lms_session={token}"));
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        request.body(Body::empty()).unwrap()
    };
    let forged = api.send(sign_out(Some("https://evil.example"), None)).await;
    assert_problem(&forged, 403, "forbidden");
    let sibling = api.send(sign_out(None, Some("same-site"))).await;
    assert_problem(&sibling, 403, "forbidden");
    let me = Request::builder()
        .uri("/me")
        .header(header::COOKIE, format!("lms_session={token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(api.send(me).await.status, StatusCode::OK, "still signed in");
    let own = crate::common::PUBLIC_URL.trim_end_matches("/api/v1");
    let from_own_page = api.send(sign_out(Some(own), Some("same-origin"))).await;
    assert_eq!(from_own_page.status, StatusCode::NO_CONTENT);
}
