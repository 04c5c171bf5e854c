//! [`LmsRouter`], the one way to build the API's router, and its settings, [`ApiConfig`].

use crate::auth::{Authenticate, Authenticators};
use crate::error::ApiError;
use crate::{AppState, routes};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use lms_core::Lms;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Largest request body the API reads.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Default of [`ApiConfig::event_keep_alive`].
pub const DEFAULT_EVENT_KEEP_ALIVE: Duration = Duration::from_secs(10);

/// Settings of the API router, for [`LmsRouter::config`]. Start from the default and set
/// what you need (new settings may be added, so the struct cannot be written out in full):
///
/// ```
/// let mut config = lms_axum::ApiConfig::default();
/// config.app_url = Some("https://learn.example.com".into());
/// config.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiConfig {
    /// How long a request may take before it is answered 503 `unavailable` (its
    /// transaction, if any, is rolled back).
    pub request_timeout: Duration,
    /// Origins allowed to call the API from a browser (CORS, with credentials); none by
    /// default, which suits a same-origin front end.
    pub cors_allowed_origins: Vec<String>,
    /// The front end's base URL (e.g. `https://learn.example.com`), where the links meant
    /// for people start: a certificate's `verify_url` is `{app_url}/certificates/{code}`,
    /// a page the front end serves. Unset, `verify_url` is the API's own verification
    /// route, under [`LmsRouter::new`]'s public URL. Never built from the request.
    pub app_url: Option<String>,
    /// How often an idle event stream sends `: keep-alive` and checks that its caller is
    /// still signed in and allowed (default 10 s; the contract promises at most 15 s).
    pub event_keep_alive: Duration,
    /// Where uploads go and how their URLs are signed; without it the media routes answer
    /// 503 `unavailable` and video lessons keep only their `media_key`.
    #[cfg(feature = "media")]
    pub media: Option<crate::MediaConfig>,
    /// Reverse proxies (addresses or networks) whose `Forwarded` / `X-Forwarded-For` headers
    /// say who the client is; none by default, so the client is the TCP peer and those
    /// headers are ignored (anyone can write them). Per-client limits (sign-in attempts)
    /// need the peer: serve the router with
    /// `into_make_service_with_connect_info::<std::net::SocketAddr>()`. A request without
    /// connect info is answered 500 where a route needs the client's address, never counted
    /// in a bucket shared by everyone.
    pub trusted_proxies: Vec<IpNet>,
    /// Which header the trusted proxies write (and append to): only that one is read.
    pub forwarded_header: ForwardedHeader,
    /// Event streams one user may hold open at once (default 5: a few tabs and devices);
    /// one more is 429 `rate_limited`.
    pub event_streams_per_user: usize,
    /// Event streams the router holds open at once (default 10,000); one more is 503
    /// `unavailable`. Streams are not counted by a server's request concurrency limit,
    /// which they would fill while they stay open.
    pub event_streams_total: usize,
}

/// The header a reverse proxy reports the client in ([`ApiConfig::forwarded_header`]).
/// Proxies append to the header they write and pass the other one on as the client wrote
/// it, so reading both would let a client pick its own address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardedHeader {
    /// `X-Forwarded-For` (nginx, HAProxy, AWS load balancers, Cloudflare, Caddy, Traefik).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=…` (RFC 7239).
    Forwarded,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            cors_allowed_origins: Vec::new(),
            app_url: None,
            event_keep_alive: DEFAULT_EVENT_KEEP_ALIVE,
            #[cfg(feature = "media")]
            media: None,
            trusted_proxies: Vec::new(),
            forwarded_header: ForwardedHeader::default(),
            event_streams_per_user: 5,
            event_streams_total: 10_000,
        }
    }
}

/// Builds the API's [`Router`], to be nested under any prefix of a host's router whatever
/// its state.
///
/// Callers are recognised by the authenticators added with [`LmsRouter::auth`], asked in
/// order (the first that names a user, or refuses the credentials, decides), then by the
/// built-in sign-in when it is on ([`LmsRouter::sign_in`], feature `sign-in`). With none,
/// every caller is anonymous: the catalog and health answer, the rest is 401.
///
/// ```
/// use lms_axum::LmsRouter;
/// use lms_core::Lms;
///
/// # fn host(lms: Lms) -> Result<(), lms_axum::InvalidPublicUrl> {
/// let public_url = "https://app.example.com/lms".parse()?;
/// let app: axum::Router = axum::Router::new()
///     .route("/", axum::routing::get(|| async { "the host's own page" }))
///     .nest("/lms", LmsRouter::new(lms, public_url).build());
/// # Ok(()) }
/// ```
#[must_use = "call .build() for the router"]
pub struct LmsRouter {
    lms: Lms,
    public_url: crate::PublicUrl,
    config: ApiConfig,
    authenticators: Vec<Arc<dyn Authenticate>>,
    #[cfg(feature = "sign-in")]
    sign_in: Option<crate::AuthConfig>,
}

impl LmsRouter {
    /// The API on `lms`, reachable at `public_url` (the absolute URL it is mounted at,
    /// prefix included: the links it hands out start there), default settings, no
    /// authenticator yet.
    pub fn new(lms: Lms, public_url: crate::PublicUrl) -> Self {
        Self {
            lms,
            public_url,
            config: ApiConfig::default(),
            authenticators: Vec::new(),
            #[cfg(feature = "sign-in")]
            sign_in: None,
        }
    }

    /// Uses these settings.
    pub fn config(mut self, config: ApiConfig) -> Self {
        self.config = config;
        self
    }

    /// Adds an authenticator: the host's own sign-in, read from the request's head (see
    /// [`Authenticate`]), or [`crate::jwt::JwtAuth`].
    pub fn auth(mut self, auth: impl Authenticate) -> Self {
        self.authenticators.push(Arc::new(auth));
        self
    }

    /// Turns on the built-in sign-in: the `/auth/sign-up`, `/auth/sign-in` and
    /// `/auth/sign-out` routes, and its sessions, asked after the authenticators added with
    /// [`LmsRouter::auth`].
    #[cfg(feature = "sign-in")]
    pub fn sign_in(mut self, config: crate::AuthConfig) -> Self {
        self.sign_in = Some(config);
        self
    }

    /// The router, ready to nest into a host's router of any state.
    pub fn build<S: Clone + Send + Sync + 'static>(self) -> Router<S> {
        let (lms, config) = (self.lms, self.config);
        let routes = routes::all();
        #[cfg(feature = "sign-in")]
        let (routes, authenticators, builtin) = {
            let mut authenticators = self.authenticators;
            let builtin = self
                .sign_in
                .map(|auth| crate::BuiltInAuth::new(lms.clone(), auth));
            let routes = match &builtin {
                Some(builtin) => {
                    authenticators.push(Arc::new(builtin.clone()));
                    routes.merge(routes::sign_in())
                }
                None => routes,
            };
            (routes, authenticators, builtin)
        };
        #[cfg(not(feature = "sign-in"))]
        let authenticators = self.authenticators;
        if authenticators.is_empty() {
            tracing::warn!(
                "the LMS router has no authenticator: every caller is anonymous \
                 (add one with LmsRouter::auth or LmsRouter::sign_in)"
            );
        }
        let state = AppState {
            lms,
            auth: Arc::new(Authenticators(authenticators)),
            #[cfg(feature = "sign-in")]
            builtin,
            openapi: Arc::default(),
            public_url: Arc::from(self.public_url.as_str()),
            app_url: config
                .app_url
                .as_deref()
                .map(|url| Arc::from(url.trim_end_matches('/'))),
            event_keep_alive: config.event_keep_alive,
            streams: Arc::new(crate::stream_caps::StreamCaps::new(
                config.event_streams_per_user,
                config.event_streams_total,
                config.event_keep_alive.as_secs().max(1),
            )),
            #[cfg(feature = "media")]
            media: config.media.clone().map(Arc::new),
            #[cfg(feature = "media")]
            uploads: Arc::default(),
            #[cfg(feature = "sign-in")]
            trusted_proxies: config.trusted_proxies.clone().into(),
            #[cfg(feature = "sign-in")]
            forwarded_header: config.forwarded_header,
        };
        finish(routes, state, &config)
    }
}

/// Every request gets an `x-request-id` (kept when the client sent one, echoed in the
/// response) and a tracing span; bodies over 1 MiB are refused (413); slow requests are
/// cut off; unknown paths answer a problem+json 404.
fn finish<S: Clone + Send + Sync + 'static>(
    routes: OpenApiRouter<AppState>,
    state: AppState,
    config: &ApiConfig,
) -> Router<S> {
    let (routes, document) = OpenApiRouter::with_openapi(crate::ApiDoc::openapi())
        .merge(routes)
        .merge(routes::openapi())
        .split_for_parts();
    let document = crate::openapi::finish(document);
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
        .layer(middleware::from_fn_with_state(
            trusted_origins(&state, config),
            crate::cross_site::refuse_cross_site_writes,
        ))
        // The answers depend on who asks (cookies included): no shared cache may keep one,
        // and none is to be read as anything but its declared type. Routes that mean to be
        // cached (media) set their own.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
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

/// The origins whose pages may write with the session cookie: the API's own, the app's,
/// and those CORS lets call it.
fn trusted_origins(state: &AppState, config: &ApiConfig) -> crate::cross_site::TrustedOrigins {
    let own = [state.public_url.as_ref()]
        .into_iter()
        .chain(state.app_url.as_deref());
    let allowed = config.cors_allowed_origins.iter().map(String::as_str);
    crate::cross_site::TrustedOrigins::of(own.chain(allowed))
}

async fn time_limit(State(limit): State<Duration>, request: Request<Body>, next: Next) -> Response {
    // An upload takes as long as the client's bandwidth: its size, the org's quota and
    // MediaConfig::min_upload_rate bound it instead.
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
