//! # lms-axum
//!
//! The headless JSON API of lms-rs as an [`axum::Router`] that a host nests under any
//! prefix (the example server uses `/api/v1`). Handlers only parse, call the
//! [`lms_core::Lms`] service and map its typed errors onto problem+json responses: every
//! rule is decided in `lms-core`.
//!
//! ```
//! use async_trait::async_trait;
//! use axum::http::HeaderMap;
//! use lms_axum::{ApiError, Authenticate};
//! use lms_core::{Actor, Lms};
//!
//! struct Everyone;
//! #[async_trait]
//! impl Authenticate for Everyone {
//!     async fn actor(&self, _: &HeaderMap) -> Result<Actor, ApiError> { Ok(Actor::Anonymous) }
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
mod error;
mod extract;
mod routes;
mod views;

pub use auth::{Authenticate, Caller, session_token};
pub use builtin::{AuthConfig, BuiltInAuth, PASSWORD_CHARS, SignedIn};
pub use error::ApiError;

use axum::Router;
use lms_core::Lms;
use std::sync::Arc;

/// What every handler reads: the service and the authenticator.
#[derive(Clone)]
pub struct AppState {
    lms: Lms,
    auth: Arc<dyn Authenticate>,
    builtin: Option<BuiltInAuth>,
}

/// The API's routes on `lms` with the built-in sign-in (`/auth/sign-up`, `/auth/sign-in`,
/// `/auth/sign-out`) and its default settings.
pub fn router(lms: Lms) -> Router {
    router_with_builtin_auth(lms, AuthConfig::default())
}

/// Like [`router`], with the built-in sign-in configured by `config`.
pub fn router_with_builtin_auth(lms: Lms, config: AuthConfig) -> Router {
    let auth = BuiltInAuth::new(lms.clone(), config);
    let state = AppState { lms, auth: Arc::new(auth.clone()), builtin: Some(auth) };
    finish(routes::all().merge(routes::sign_in()), state)
}

/// Largest request body the API reads.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The API's routes on `lms`, with callers identified by the host's `auth` (no sign-in
/// routes: the host owns sign-in).
pub fn router_with_auth(lms: Lms, auth: impl Authenticate) -> Router {
    finish(routes::all(), AppState { lms, auth: Arc::new(auth), builtin: None })
}

/// Bodies over 1 MiB are refused (413); unknown paths answer a problem+json 404.
fn finish(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .fallback(|| async { ApiError(lms_core::LmsError::NotFound("route")) })
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}
