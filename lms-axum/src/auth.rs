//! Who is calling. The router asks an [`Authenticate`] implementation for the [`Actor`] of
//! each request, so a host with its own sign-in plugs it in here.

use crate::error::ApiError;
use async_trait::async_trait;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use lms_core::Actor;
use std::sync::Arc;

/// Turns a request into the caller. It sees the request's head, [`Parts`]: the headers,
/// and the extensions where the host's own layers (axum-login, tower-sessions, a JWT
/// middleware) leave the user they recognised.
///
/// Answer `Ok(Actor::Anonymous)` when the request carries no credentials, and
/// `Err(LmsError::Unauthenticated)` when it carries ones you do not accept (unknown or
/// expired), so the API answers 401 rather than treating the caller as anonymous.
///
/// ```
/// use lms_axum::http::request::Parts;
/// use lms_axum::{ApiError, Authenticate, async_trait};
/// use lms_core::{Actor, UserId};
///
/// /// What the host's session layer put in the request for a signed-in user.
/// #[derive(Clone)]
/// struct SignedInUser(UserId);
///
/// struct FromHostSession;
///
/// #[async_trait]
/// impl Authenticate for FromHostSession {
///     async fn actor(&self, request: &Parts) -> Result<Actor, ApiError> {
///         Ok(match request.extensions.get::<SignedInUser>() {
///             Some(user) => Actor::User(user.0),
///             None => Actor::Anonymous,
///         })
///     }
/// }
/// ```
#[async_trait]
pub trait Authenticate: Send + Sync + 'static {
    /// The caller of a request with this head.
    async fn actor(&self, request: &Parts) -> Result<Actor, ApiError>;

    /// Whether the caller of an open event stream, admitted with this request head, is
    /// still signed in; streams ask on every keep-alive. Unlike a request, this is not a use
    /// of the credentials: a stream left open must not keep a session alive forever. The
    /// default asks [`Authenticate::actor`], which suits credentials that do not slide.
    async fn recheck(&self, request: &Parts) -> Result<Actor, ApiError> {
        self.actor(request).await
    }
}

/// The authenticators of a router, asked in order: the first that names a user, or refuses
/// the credentials it was shown, decides; a request none recognises is anonymous.
pub(crate) struct Authenticators(pub(crate) Vec<Arc<dyn Authenticate>>);

#[async_trait]
impl Authenticate for Authenticators {
    async fn actor(&self, request: &Parts) -> Result<Actor, ApiError> {
        for auth in &self.0 {
            match auth.actor(request).await? {
                Actor::Anonymous => continue,
                known => return Ok(known),
            }
        }
        Ok(Actor::Anonymous)
    }

    async fn recheck(&self, request: &Parts) -> Result<Actor, ApiError> {
        for auth in &self.0 {
            match auth.recheck(request).await? {
                Actor::Anonymous => continue,
                known => return Ok(known),
            }
        }
        Ok(Actor::Anonymous)
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
        state.auth.actor(parts).await.map(CurrentActor)
    }
}
