//! What the server logs, in a test process of its own: tracing's interest in a callsite is
//! cached process-wide, so in the shared HTTP test binary a request on another thread could
//! cache the request's span or event as disabled before this test's subscriber existed (a
//! flake seen twice). Here the subscriber is the process's global default from the start.

#[path = "common/mod.rs"]
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lms_axum::{ApiConfig, AuthConfig, LmsRouter};
use lms_core::Lms;
use lms_sqlite::SqliteStore;
use serde_json::json;

/// Issue 17, item 11: a 5xx's cause was never logged, only its status.
#[tokio::test]
async fn server_errors_are_logged_with_their_cause() {
    #[derive(Clone, Default)]
    struct Log(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Log {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the process's only subscriber");
    let lms = Lms::new(SqliteStore::memory().await.expect("store"));
    let app = LmsRouter::new(lms, common::public_url())
        .sign_in(AuthConfig::default())
        .config(ApiConfig::default())
        .build();
    // A sign-in without the client's address (no connect info): the server cannot apply
    // its per-client limit, which is a server error.
    let body = json!({"email": "a@example.com", "password": "whatever it is"});
    let request = Request::builder()
        .method("POST")
        .uri("/auth/sign-in")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-request-id", "req-5xx-1234")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = tower::ServiceExt::oneshot(app, request).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("request failed"), "{logged}");
    assert!(
        logged.contains("cannot tell clients apart"),
        "the cause: {logged}"
    );
    assert!(logged.contains("internal_error"), "the code: {logged}");
    assert!(logged.contains("req-5xx-1234"), "the request id: {logged}");
}
