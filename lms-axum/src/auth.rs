//! Who is calling. The router asks an [`Authenticate`] implementation for the [`Actor`] of
//! each request, so a host with its own sign-in plugs it in here.

use crate::error::ApiError;
use async_trait::async_trait;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use lms_core::Actor;

/// Turns a request's headers into the caller.
///
/// Answer `Ok(Actor::Anonymous)` when the request carries no credentials, and
/// `Err(LmsError::Unauthenticated)` when it carries ones you do not accept (unknown or
/// expired), so the API answers 401 rather than treating the caller as anonymous.
///
/// ```
/// use async_trait::async_trait;
/// use axum::http::HeaderMap;
/// use lms_axum::{ApiError, Authenticate};
/// use lms_core::{Actor, LmsError};
///
/// /// The host's gateway has verified the user and passes their id in a header.
/// struct FromGateway;
///
/// #[async_trait]
/// impl Authenticate for FromGateway {
///     async fn actor(&self, headers: &HeaderMap) -> Result<Actor, ApiError> {
///         match headers.get("x-user-id").map(|v| v.to_str().ok().and_then(|s| s.parse().ok())) {
///             None => Ok(Actor::Anonymous),
///             Some(Some(id)) => Ok(Actor::User(id)),
///             Some(None) => Err(LmsError::Unauthenticated.into()),
///         }
///     }
/// }
/// ```
#[async_trait]
pub trait Authenticate: Send + Sync + 'static {
    /// The caller of a request with these headers.
    async fn actor(&self, headers: &HeaderMap) -> Result<Actor, ApiError>;

    /// Whether the caller of an open event stream, admitted with these headers, is still
    /// signed in; streams ask on every keep-alive. Unlike a request, this is not a use of
    /// the credentials: a stream left open must not keep a session alive forever. The
    /// default asks [`Authenticate::actor`], which suits credentials that do not slide.
    async fn recheck(&self, headers: &HeaderMap) -> Result<Actor, ApiError> {
        self.actor(headers).await
    }
}

/// The `Authorization: Bearer <token>` value, or the `lms_session` cookie, if any.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
        if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() {
            return Some(token.trim());
        }
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == "lms_session")
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// The [`Actor`] making the current request (an extractor): the one name the HTTP layer
/// uses for "who is calling".
#[derive(Clone, Copy, Debug)]
pub struct CurrentActor(pub Actor);

impl FromRequestParts<crate::AppState> for CurrentActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        state.auth.actor(&parts.headers).await.map(CurrentActor)
    }
}
