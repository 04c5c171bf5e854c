//! The browser app the example server serves at `/` (`examples/full/web/`): its files,
//! compiled into the binary so that it runs offline from anywhere, the settings it reads at
//! `/app-settings.json`, and the headers that keep every page to its own origin. The app
//! reaches the server only through the public API at `/api/v1`, as a host's own front end
//! would.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// Where the app's pages may load from: this server only (no inline script, no inline style
/// element), plus images and media at `https:` addresses users give (logos, avatars,
/// external videos).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' https: data:; media-src 'self' https:; \
    connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'none'";

/// One file of the app, as served.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $type:expr, $file:literal) => {
        Asset {
            path: $path,
            content_type: $type,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $file)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file the app serves, by path.
const ASSETS: &[Asset] = &[
    asset!("/app.css", "text/css; charset=utf-8", "app.css"),
    asset!("/app/main.mjs", JS, "app/main.mjs"),
    asset!("/app/api.mjs", JS, "app/api.mjs"),
    asset!("/app/ui.mjs", JS, "app/ui.mjs"),
    asset!("/app/pages.mjs", JS, "app/pages.mjs"),
    asset!("/app/lesson.mjs", JS, "app/lesson.mjs"),
    asset!("/app/account.mjs", JS, "app/account.mjs"),
    asset!("/app/admin.mjs", JS, "app/admin.mjs"),
    asset!("/app/assignment.mjs", JS, "app/assignment.mjs"),
    asset!("/app/builder.mjs", JS, "app/builder.mjs"),
    asset!("/app/chart.mjs", JS, "app/chart.mjs"),
    asset!("/app/discussion.mjs", JS, "app/discussion.mjs"),
    asset!("/app/grading.mjs", JS, "app/grading.mjs"),
    asset!("/app/markdown.mjs", JS, "app/markdown.mjs"),
    asset!("/app/me.mjs", JS, "app/me.mjs"),
    asset!("/app/quiz-builder.mjs", JS, "app/quiz-builder.mjs"),
    asset!("/app/release.mjs", JS, "app/release.mjs"),
    asset!("/app/report.mjs", JS, "app/report.mjs"),
    asset!("/app/teach.mjs", JS, "app/teach.mjs"),
    asset!("/docs", "text/html; charset=utf-8", "docs.html"),
    asset!("/docs.js", JS, "docs.js"),
    asset!("/docs.css", "text/css; charset=utf-8", "docs.css"),
    asset!("/vendor/preact.mjs", JS, "vendor/preact.mjs"),
    asset!("/vendor/preact-hooks.mjs", JS, "vendor/preact-hooks.mjs"),
    asset!("/vendor/htm.mjs", JS, "vendor/htm.mjs"),
    asset!("/vendor/marked.mjs", JS, "vendor/marked.mjs"),
    asset!("/vendor/purify.mjs", JS, "vendor/purify.mjs"),
    asset!(
        "/vendor/swagger-ui-bundle.js",
        JS,
        "vendor/swagger-ui-bundle.js"
    ),
    asset!(
        "/vendor/swagger-ui.css",
        "text/css; charset=utf-8",
        "vendor/swagger-ui.css"
    ),
];

/// The app's page: every path the app routes itself answers with it.
const INDEX: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/index.html"));

/// The app's own paths (its pages answer with the index; the app routes within it).
const PAGES: &[&str] = &[
    "/",
    "/sign-in",
    "/sign-up",
    "/dashboard",
    "/courses/{course}",
    "/courses/{course}/lessons/{lesson}",
    "/verify-email",
    "/forgot-password",
    "/reset-password",
    "/invitations/accept",
    "/certificates/{code}",
    "/account",
    "/notifications",
    "/teach",
    "/teach/{*page}",
    "/admin",
    "/admin/{section}",
];

/// The app's routes: its files, its pages and its settings (`default_org`: the org whose
/// catalog the landing page shows).
pub fn app(default_org: &str) -> Router {
    let mut router = Router::new();
    for asset in ASSETS {
        router = router.route(
            asset.path,
            get(move || async move { serve(asset.content_type, asset.body) }),
        );
    }
    for page in PAGES {
        router = router.route(
            page,
            get(|| async { serve("text/html; charset=utf-8", INDEX) }),
        );
    }
    let settings = serde_json::json!({ "default_org": default_org }).to_string();
    router.route(
        "/app-settings.json",
        get(move || {
            let settings = settings.clone();
            async move { serve("application/json", settings) }
        }),
    )
}

fn serve(content_type: &'static str, body: impl IntoResponse) -> Response {
    with_headers(content_type, body.into_response())
}

/// The app's headers: its type, the policy above, no sniffing, no framing, and a check with
/// the server before reuse (the files change with the binary).
fn with_headers(content_type: &'static str, mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |value: &'static str| HeaderValue::from_static(value);
    headers.insert(header::CONTENT_TYPE, set(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        set(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, set("nosniff"));
    headers.insert(header::REFERRER_POLICY, set("same-origin"));
    headers.insert(header::CACHE_CONTROL, set("no-cache"));
    response
}
