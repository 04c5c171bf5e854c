//! Sign-in by JSON Web Tokens from an identity provider (Supabase Auth, Clerk, Auth0,
//! Better Auth, …): [`JwtAuth`] is an [`Authenticate`] that verifies the
//! `Authorization: Bearer` JWT of a request and makes or refreshes its user with
//! [`Lms::ensure_user`]. Feature `jwt`.
//!
//! A request whose bearer token is not shaped like a JWT — or that has none — is not this
//! authenticator's: it answers [`Actor::Anonymous`], so another authenticator (the built-in
//! sign-in's session tokens) may take it. A JWT that fails any check is refused: 401
//! `unauthenticated`, with the check that failed in `detail`.
//!
//! The checks, in order: a header without critical extensions (`crit`); the key (the
//! configured HS256 secret, or the JWKS key the header's `kid` names) and the algorithm it
//! is pinned to, which the header's `alg` must match; the signature; `iss`, one string
//! equal to the issuer; `aud`, which must name a configured audience unless the
//! configuration explicitly accepts [any audience](JwtConfig::any_audience()); `azp` when
//! [authorized parties](JwtConfig::authorized_parties()) are configured; `exp` (required)
//! and `nbf` with the leeway, on the [`Lms`]'s clock; `sub`, taken exactly as it is
//! (refused with control characters or white space at its ends); the email claim
//! (required) and, unless allowed, an `email_verified` that is `true` — absent, it is
//! refused too unless the configuration says the provider
//! [only issues tokens for verified addresses](JwtConfig::email_verified_when_absent()).
//!
//! ```
//! use lms_axum::jwt::{ClaimNames, JwtAuth, JwtConfig};
//! # async fn host(lms: lms_core::Lms) -> Result<(), Box<dyn std::error::Error>> {
//! // Supabase Auth, "Confirm email" on (docs/recipes/jwt-supabase.md).
//! let config = JwtConfig::jwks(
//!     "https://example.supabase.co/auth/v1/.well-known/jwks.json",
//!     "https://example.supabase.co/auth/v1",
//! )
//! .audience("authenticated")
//! .email_verified_when_absent(true)
//! .claims(ClaimNames::default().name("/user_metadata/full_name"));
//! let auth = JwtAuth::new(lms.clone(), config)?;
//! let public_url = "https://app.example.com/api/v1".parse()?;
//! let app: axum::Router = axum::Router::new()
//!     .nest("/api/v1", lms_axum::LmsRouter::new(lms, public_url).auth(auth).build());
//! # Ok(()) }
//! ```

mod config;
mod identity;
mod jwks;
mod seen;
mod token;
mod verify;

pub use config::{
    ClaimNames, DEFAULT_JWKS_MAX_AGE, DEFAULT_JWKS_REFRESH_INTERVAL, DEFAULT_LEEWAY, JwtConfig,
    JwtConfigError, JwtKeys, MIN_SECRET_BYTES,
};

use crate::auth::Authenticate;
use crate::error::ApiError;
use async_trait::async_trait;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey};
use lms_core::{Actor, Lms, LmsError};
use std::sync::Arc;
use verify::{PinnedKey, Refusal, Rules};

/// The [`Authenticate`] of hosts whose users sign in with an identity provider that issues
/// JWTs. Cheap to clone: clones share the key cache.
///
/// ```
/// use lms_axum::Authenticate;
/// use lms_axum::jwt::{JwtAuth, JwtConfig};
/// use lms_core::Actor;
/// # async fn demo(lms: lms_core::Lms) -> Result<(), Box<dyn std::error::Error>> {
/// let config = JwtConfig::hs256([7u8; 32], "https://auth.example.com").audience("lms");
/// let auth = JwtAuth::new(lms, config)?;
/// // No bearer JWT: not this authenticator's request.
/// let (request, ()) = lms_axum::http::Request::new(()).into_parts();
/// assert!(matches!(auth.actor(&request).await, Ok(Actor::Anonymous)));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct JwtAuth(Arc<Inner>);

struct Inner {
    lms: Lms,
    keys: Keys,
    rules: Rules,
    claims: ClaimNames,
    verification: identity::Verification,
    seen: seen::Seen,
}

enum Keys {
    Secret(PinnedKey),
    Jwks(jwks::Jwks),
}

impl JwtAuth {
    /// Checks `config` and makes the authenticator; users are made and refreshed in `lms`.
    /// No request is made here: the JWKS is fetched on the first token.
    ///
    /// ```
    /// use lms_axum::jwt::{JwtAuth, JwtConfig, JwtConfigError};
    /// # async fn demo(lms: lms_core::Lms) {
    /// let jwks = "https://auth.example.com/.well-known/jwks.json";
    /// let config = JwtConfig::jwks(jwks, "").audience("https://api.example.com");
    /// assert!(matches!(JwtAuth::new(lms.clone(), config), Err(JwtConfigError::EmptyIssuer)));
    /// // The audience is required: the issuer's tokens for other APIs must not sign in here.
    /// let config = JwtConfig::jwks(jwks, "https://auth.example.com");
    /// assert!(matches!(JwtAuth::new(lms, config), Err(JwtConfigError::NoAudience)));
    /// # }
    /// ```
    pub fn new(lms: Lms, config: JwtConfig) -> Result<Self, JwtConfigError> {
        if jsonwebtoken::crypto::CryptoProvider::try_get_default().is_none() {
            return Err(JwtConfigError::NoCryptoProvider);
        }
        if config.issuer.trim().is_empty() {
            return Err(JwtConfigError::EmptyIssuer);
        }
        match (config.audiences.is_empty(), config.any_audience) {
            (true, false) => return Err(JwtConfigError::NoAudience),
            (false, true) => return Err(JwtConfigError::AudienceAndAnyAudience),
            _ => {}
        }
        let keys = match &config.keys {
            JwtKeys::Hs256(secret) => match DecodingKey::from_secret(secret) {
                Ok(key) if secret.len() >= MIN_SECRET_BYTES => Keys::Secret(PinnedKey {
                    algorithm: Algorithm::HS256,
                    key,
                }),
                _ => {
                    let bytes = secret.len();
                    return Err(JwtConfigError::WeakSecret { bytes });
                }
            },
            JwtKeys::Jwks(url) => Keys::Jwks(jwks::Jwks::new(
                url,
                config.jwks_refresh_interval,
                config.jwks_max_age,
            )?),
        };
        Ok(Self(Arc::new(Inner {
            lms,
            keys,
            rules: Rules {
                issuer: config.issuer,
                audiences: config.audiences,
                authorized_parties: config.authorized_parties,
                leeway: config.leeway,
            },
            claims: config.claims,
            verification: identity::Verification {
                required: config.require_verified_email,
                when_absent: config.email_verified_when_absent,
            },
            seen: seen::Seen::default(),
        })))
    }
}

#[async_trait]
impl Authenticate for JwtAuth {
    async fn actor(&self, request: &Parts) -> Result<Actor, ApiError> {
        let Some(token) = token::bearer_jwt(&request.headers) else {
            return Ok(Actor::Anonymous);
        };
        let this = &self.0;
        let now = this.lms.now();
        let header = verify::header(token)?;
        let fetched;
        let key = match &this.keys {
            Keys::Secret(key) => key,
            Keys::Jwks(jwks) => {
                fetched = jwks.key(header.kid.as_deref(), now).await?;
                &fetched
            }
        };
        let claims = verify::verify(token, &header, key, &this.rules, now)?;
        let who = identity::external_user(&claims, &this.claims, this.verification)?;
        if let Some(user) = this.seen.get(&who, now) {
            return Ok(Actor::User(user));
        }
        let user = match this.lms.ensure_user(who.clone()).await {
            Ok(user) => user,
            // The claims passed the checks above, so what is left is an id too long to keep.
            Err(LmsError::Validation(errors)) => {
                let why = format!("the token's claims do not make a user: {errors}");
                return Err(Refusal::new(why).into());
            }
            Err(other) => return Err(other.into()),
        };
        this.seen.put(&who, user.id, now);
        Ok(Actor::User(user.id))
    }
}
