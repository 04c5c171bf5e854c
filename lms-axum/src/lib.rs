//! # lms-axum
//!
//! The headless JSON API of lms-rs as an [`axum::Router`] that a host nests under any
//! prefix (the example server uses `/api/v1`). Handlers only parse, call the
//! [`lms_core::Lms`] service and map its typed errors onto problem+json responses: every
//! rule is decided in `lms-core`.
//!
//! ```
//! use lms_axum::http::request::Parts;
//! use lms_axum::{ApiError, Authenticate, async_trait};
//! use lms_core::{Actor, Lms};
//!
//! struct Everyone;
//! #[async_trait]
//! impl Authenticate for Everyone {
//!     async fn actor(&self, _: &Parts) -> Result<Actor, ApiError> { Ok(Actor::Anonymous) }
//! }
//!
//! # async fn host(lms: Lms) {
//! let app = axum::Router::new().nest("/api/v1", lms_axum::router_with_auth(lms, Everyone));
//! # let _: axum::Router = app;
//! # }
//! ```
#![warn(missing_docs)]

mod auth;
mod builtin;
mod client_addr;
mod error;
mod extract;
mod feed;
mod media;
mod routes;
mod views;

pub use async_trait::async_trait;
pub use auth::{Authenticate, CurrentActor, session_token};
/// The `http` types an [`Authenticate`] implementation reads (`http::request::Parts`).
pub use axum::http;
pub use builtin::{AuthConfig, BuiltInAuth, PASSWORD_CHARS, SignedIn};
pub use error::ApiError;
pub use ipnet::IpNet;
pub use media::{DEFAULT_MEDIA_MAX_BYTES, MediaConfig};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use lms_core::Lms;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// What every handler reads: the service and the authenticator.
#[derive(Clone)]
pub struct AppState {
    lms: Lms,
    auth: Arc<dyn Authenticate>,
    builtin: Option<BuiltInAuth>,
    /// The OpenAPI document of exactly the routes this router serves (set once built).
    openapi: Arc<OnceLock<serde_json::Value>>,
    /// [`ApiConfig::public_url`] without a trailing slash.
    public_url: Option<Arc<str>>,
    /// [`ApiConfig::event_keep_alive`].
    event_keep_alive: Duration,
    /// [`ApiConfig::media`].
    media: Option<Arc<MediaConfig>>,
    /// [`ApiConfig::trusted_proxies`].
    trusted_proxies: Arc<[IpNet]>,
}

/// The document's header; the paths come from the routes themselves.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "lms-rs API",
        description = "The headless JSON API of lms-rs (contract v1)."
    ),
    components(schemas(error::Problem)),
    paths(routes::media::serve)
)]
struct ApiDoc;

/// Largest request body the API reads.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Settings of the API router.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// The built-in sign-in's settings.
    pub auth: AuthConfig,
    /// How long a request may take before it is answered 503 `unavailable` (its
    /// transaction, if any, is rolled back).
    pub request_timeout: Duration,
    /// Origins allowed to call the API from a browser (CORS, with credentials); none by
    /// default, which suits a same-origin front end.
    pub cors_allowed_origins: Vec<String>,
    /// The absolute URL the router is reachable at, prefix included (e.g.
    /// `https://lms.example.com/api/v1`), where the links the API hands out start
    /// (certificate verification and PDF URLs, media URLs). Unset, links are relative to the
    /// server's root (`/api/v1/certificates/…`, from the path the router is nested under);
    /// they are never built from the request's `Host`, which the client controls.
    pub public_url: Option<String>,
    /// How often an idle event stream sends `: keep-alive` and checks that its caller is
    /// still signed in and allowed (default 10 s; the contract promises at most 15 s).
    pub event_keep_alive: Duration,
    /// Where uploads go and how their URLs are signed; without it the media routes answer
    /// 503 `unavailable` and video lessons keep only their `media_key`.
    pub media: Option<MediaConfig>,
    /// Reverse proxies (addresses or networks) whose `Forwarded` / `X-Forwarded-For` headers
    /// say who the client is; none by default, so the client is the TCP peer and those
    /// headers are ignored (anyone can write them). Per-client limits (sign-in attempts) need
    /// the peer: serve the router with
    /// `into_make_service_with_connect_info::<std::net::SocketAddr>()`; without it every
    /// client shares one bucket.
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            auth: AuthConfig::default(),
            request_timeout: Duration::from_secs(30),
            cors_allowed_origins: Vec::new(),
            public_url: None,
            event_keep_alive: DEFAULT_EVENT_KEEP_ALIVE,
            media: None,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Default of [`ApiConfig::event_keep_alive`].
pub const DEFAULT_EVENT_KEEP_ALIVE: Duration = Duration::from_secs(10);

/// The API's routes on `lms` with the built-in sign-in (`/auth/sign-up`, `/auth/sign-in`,
/// `/auth/sign-out`) and default settings.
pub fn router(lms: Lms) -> Router {
    router_with_config(lms, ApiConfig::default())
}

/// Like [`router`], configured by `config`.
pub fn router_with_config(lms: Lms, config: ApiConfig) -> Router {
    let auth = BuiltInAuth::new(lms.clone(), config.auth.clone());
    let public_url = config
        .public_url
        .as_deref()
        .map(|url| Arc::from(url.trim_end_matches('/')));
    let state = AppState {
        lms,
        auth: Arc::new(auth.clone()),
        builtin: Some(auth),
        openapi: Arc::default(),
        public_url,
        event_keep_alive: config.event_keep_alive,
        media: config.media.clone().map(Arc::new),
        trusted_proxies: config.trusted_proxies.clone().into(),
    };
    finish(routes::all().merge(routes::sign_in()), state, &config)
}

/// Like [`router`] with the built-in sign-in configured by `auth`.
pub fn router_with_builtin_auth(lms: Lms, auth: AuthConfig) -> Router {
    router_with_config(
        lms,
        ApiConfig {
            auth,
            ..ApiConfig::default()
        },
    )
}

/// The API's routes on `lms`, with callers identified by the host's `auth` (no sign-in
/// routes: the host owns sign-in), and default settings otherwise.
pub fn router_with_auth(lms: Lms, auth: impl Authenticate) -> Router {
    router_with_auth_and_config(lms, auth, ApiConfig::default())
}

/// Like [`router_with_auth`], configured by `config` (whose `auth` part is unused).
pub fn router_with_auth_and_config(lms: Lms, auth: impl Authenticate, config: ApiConfig) -> Router {
    let state = AppState {
        lms,
        auth: Arc::new(auth),
        builtin: None,
        openapi: Arc::default(),
        public_url: config
            .public_url
            .as_deref()
            .map(|url| Arc::from(url.trim_end_matches('/'))),
        event_keep_alive: config.event_keep_alive,
        media: config.media.clone().map(Arc::new),
        trusted_proxies: config.trusted_proxies.clone().into(),
    };
    finish(routes::all(), state, &config)
}

/// Every request gets an `x-request-id` (kept when the client sent one, echoed in the
/// response) and a tracing span; bodies over 1 MiB are refused (413); slow requests are
/// cut off; unknown paths answer a problem+json 404.
fn finish(routes: OpenApiRouter<AppState>, state: AppState, config: &ApiConfig) -> Router {
    let (routes, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes)
        .merge(routes::openapi())
        .split_for_parts();
    let document = serde_json::to_value(&document).unwrap_or_default();
    state.openapi.get_or_init(|| document);
    let request_id = HeaderName::from_static("x-request-id");
    let trace = TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
        let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
    });
    let router = routes
        .fallback(|| async { ApiError(lms_core::LmsError::NotFound("route")) })
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            config.request_timeout,
            time_limit,
        ))
        .layer(trace)
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state);
    match cors(&config.cors_allowed_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

async fn time_limit(State(limit): State<Duration>, request: Request<Body>, next: Next) -> Response {
    // An upload takes as long as the client's bandwidth (its size is capped instead).
    if request.method() == Method::POST && request.uri().path().ends_with("/media") {
        return next.run(request).await;
    }
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let slow = lms_core::StoreError::Unavailable(
                "the request took longer than the server allows".into(),
            );
            ApiError(slow.into()).into_response()
        }
    }
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            // EventSource resends Last-Event-ID on reconnect; players ask for byte ranges.
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("last-event-id"),
                header::RANGE,
            ])
            .expose_headers([header::CONTENT_RANGE, header::ACCEPT_RANGES])
            .allow_credentials(true),
    )
}
