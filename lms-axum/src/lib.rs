//! # lms-axum
//!
//! The headless JSON API of lms-rs (contract v2, `docs/API.md`) as an [`axum::Router`] that
//! a host nests under any prefix, built by [`LmsRouter`]. Handlers only parse, call the
//! [`lms_core::Lms`] service and map its typed errors onto problem+json responses: every
//! rule is decided in `lms-core`.
//!
//! ```
//! use lms_axum::http::request::Parts;
//! use lms_axum::{ApiError, Authenticate, LmsRouter, async_trait};
//! use lms_core::{Actor, Lms};
//!
//! /// The host's own sign-in, as its session layer left it in the request.
//! struct FromHostSession;
//! #[async_trait]
//! impl Authenticate for FromHostSession {
//!     async fn actor(&self, request: &Parts) -> Result<Actor, ApiError> {
//!         Ok(request.extensions.get::<Actor>().copied().unwrap_or(Actor::Anonymous))
//!     }
//! }
//!
//! # fn host(lms: Lms) -> Result<(), lms_axum::InvalidPublicUrl> {
//! let public_url = "https://app.example.com/api/v1".parse()?;
//! let app: axum::Router = axum::Router::new()
//!     .nest("/api/v1", LmsRouter::new(lms, public_url).auth(FromHostSession).build());
//! # Ok(()) }
//! ```
//!
//! ## Features
//!
//! None is on by default; a route whose feature is off is not mounted (404).
//!
//! - `sign-in`: the built-in email-and-password sign-in (argon2id), [`LmsRouter::sign_in`].
//! - `jwt`: `jwt::JwtAuth` signs users in by the JWTs of an identity provider (Supabase
//!   Auth, Clerk, Auth0, Better Auth; recipes in `docs/recipes/`).
//! - `pdf`: `GET /certificates/{code}/pdf`, certificates rendered by `lms-pdf`.
//! - `media`: uploads and signed media URLs, through `lms-media`.
//! - `stripe`: the Stripe webhook route (the provider itself is `lms-stripe`).
#![warn(missing_docs)]

mod auth;
#[cfg(feature = "sign-in")]
mod builtin;
#[cfg(feature = "sign-in")]
mod client_addr;
mod cross_site;
mod error;
mod export;
mod extract;
mod feed;
#[cfg(feature = "jwt")]
pub mod jwt;
#[cfg(feature = "media")]
mod media;
#[cfg(not(feature = "media"))]
#[path = "media_off.rs"]
mod media;
mod openapi;
mod public_url;
mod router;
mod routes;
mod schemas;
mod stream_caps;
mod views;

pub use async_trait::async_trait;
pub use auth::{Authenticate, CurrentActor, session_token};
/// The `http` types an [`Authenticate`] implementation reads (`http::request::Parts`).
pub use axum::http;
#[cfg(feature = "sign-in")]
pub use builtin::{AuthConfig, BuiltInAuth, Device, PASSWORD_CHARS, SessionView, SignedIn};
pub use error::ApiError;
pub use export::{ExportFormat, Tabular, encode_export, encode_ndjson};
pub use ipnet::IpNet;
#[cfg(feature = "media")]
pub use media::{DEFAULT_MEDIA_MAX_BYTES, MediaConfig, MinUploadRate};
pub use public_url::{InvalidPublicUrl, PublicUrl};
pub use router::{ApiConfig, BODY_LIMIT, DEFAULT_EVENT_KEEP_ALIVE, ForwardedHeader, LmsRouter};

use lms_core::Lms;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// What every handler reads: the service and the authenticator.
#[derive(Clone)]
pub struct AppState {
    lms: Lms,
    auth: Arc<dyn Authenticate>,
    #[cfg(feature = "sign-in")]
    builtin: Option<BuiltInAuth>,
    /// The OpenAPI document of exactly the routes this router serves (set once built).
    openapi: Arc<OnceLock<serde_json::Value>>,
    /// [`LmsRouter::new`]'s public URL, without a trailing slash.
    public_url: Arc<str>,
    /// [`ApiConfig::app_url`] without a trailing slash.
    app_url: Option<Arc<str>>,
    /// [`ApiConfig::event_keep_alive`].
    event_keep_alive: Duration,
    /// Open event streams, capped ([`ApiConfig::event_streams_per_user`] and
    /// [`ApiConfig::event_streams_total`]).
    streams: Arc<stream_caps::StreamCaps>,
    /// [`ApiConfig::media`].
    #[cfg(feature = "media")]
    media: Option<Arc<MediaConfig>>,
    /// What uploads in flight may still write, by org.
    #[cfg(feature = "media")]
    uploads: Arc<media::UploadsInFlight>,
    /// [`ApiConfig::trusted_proxies`].
    #[cfg(feature = "sign-in")]
    trusted_proxies: Arc<[IpNet]>,
    /// [`ApiConfig::forwarded_header`].
    #[cfg(feature = "sign-in")]
    forwarded_header: ForwardedHeader,
}

/// The document's header; the paths come from the routes themselves.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "lms-rs API",
        description = "The headless JSON API of lms-rs (contract v2)."
    ),
    components(schemas(error::Problem))
)]
struct ApiDoc;
