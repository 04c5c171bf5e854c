//! A route whose feature is off is not mounted: it answers like an unknown path and is
//! missing from the OpenAPI document. `scripts/test.sh` runs this file in the workspace run
//! (every feature on) and again with only the default features (`sqlite`, `axum`), so both
//! sides of every gate are checked.

use axum::body::Body;
use axum::http::Request;
use lms::Lms;
use lms::axum::LmsRouter;
use lms::sqlite::SqliteStore;
use tower::ServiceExt;

/// The status and body of `method path` on `app`.
async fn call(app: &axum::Router, method: &str, path: &str) -> (u16, String) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Whether the router has a route at `method path`: anything but the unknown-route answer.
async fn mounted(app: &axum::Router, method: &str, path: &str) -> bool {
    let (status, body) = call(app, method, path).await;
    !(status == 404 && body.contains("route not found"))
}

#[tokio::test]
async fn routes_are_mounted_exactly_when_their_feature_is_on() {
    let lms = Lms::new(SqliteStore::memory().await.expect("store"));
    let router = LmsRouter::new(lms, "https://lms.test/api/v1".parse().unwrap());
    #[cfg(feature = "sign-in")]
    let router = router.sign_in(lms::axum::AuthConfig::default());
    let app: axum::Router = router.build();
    let (_, document) = call(&app, "GET", "/openapi.json").await;
    let document: serde_json::Value = serde_json::from_str(&document).unwrap();
    let gates = [
        (
            cfg!(feature = "sign-in"),
            "POST",
            "/auth/sign-in",
            "/auth/sign-in",
        ),
        (
            cfg!(feature = "pdf"),
            "GET",
            "/certificates/ABCD-EFGH/pdf",
            "/certificates/{code}/pdf",
        ),
        (
            cfg!(feature = "media"),
            "GET",
            "/media/c/x.mp4?exp=1&sig=x",
            "/media/{media_key}",
        ),
        (
            cfg!(feature = "media"),
            "POST",
            "/orgs/o/courses/c/media",
            "/orgs/{org}/courses/{course}/media",
        ),
        (
            cfg!(feature = "stripe"),
            "POST",
            "/webhooks/stripe",
            "/webhooks/stripe",
        ),
    ];
    for (on, method, path, documented) in gates {
        assert_eq!(mounted(&app, method, path).await, on, "{method} {path}");
        let listed = document["paths"][documented][method.to_lowercase()].is_object();
        assert_eq!(listed, on, "{method} {documented} in the document");
    }
    // The core routes are there whatever the features.
    assert!(mounted(&app, "GET", "/health").await);
    assert!(mounted(&app, "GET", "/orgs/o/courses").await);
}
