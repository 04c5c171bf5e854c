//! The checks on one token: its signature, by a key pinned to one algorithm; its issuer and
//! audience; `exp` and `nbf` against the [`lms_core::Lms`]'s clock. Which key to use and
//! who the claims describe are decided elsewhere ([`super::jwks`], [`super::identity`]).

use crate::error::ApiError;
use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use lms_core::LmsError;
use serde_json::{Map, Value};
use std::time::Duration;

/// A key and the one algorithm it verifies, fixed when the key was read (from the
/// configuration or its JWK), never by the token.
#[derive(Clone)]
pub(super) struct PinnedKey {
    pub(super) algorithm: Algorithm,
    pub(super) key: DecodingKey,
}

/// What every token's claims must satisfy.
pub(super) struct Rules {
    pub(super) issuer: String,
    pub(super) audiences: Vec<String>,
    pub(super) leeway: Duration,
}

/// Why a token is refused, in words for its holder. Answered 401 `unauthenticated`.
#[derive(Debug)]
pub(super) struct Refusal(pub(super) String);

impl Refusal {
    pub(super) fn new(why: impl Into<String>) -> Self {
        Self(why.into())
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        ApiError(LmsError::CredentialsRefused(refusal.0))
    }
}

/// The token's header, read without verifying anything: it names the key (`kid`).
pub(super) fn header(token: &str) -> Result<Header, Refusal> {
    jsonwebtoken::decode_header(token).map_err(|_| {
        Refusal::new("the token's header is not a JWT header with a known algorithm (`alg`)")
    })
}

/// The claims of `token` once its signature, issuer, audience and times check out.
pub(super) fn verify(
    token: &str,
    header: &Header,
    key: &PinnedKey,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Value, Refusal> {
    if header.alg != key.algorithm {
        return Err(Refusal::new(format!(
            "the token says it is signed with {:?}, but its key verifies {:?} only",
            header.alg, key.algorithm
        )));
    }
    let claims =
        jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation(key, rules))
            .map_err(|error| refusal(error.kind()))?
            .claims;
    let claims = Value::Object(claims);
    check_times(&claims, rules.leeway, now)?;
    Ok(claims)
}

/// jsonwebtoken's checks, less its time checks: it reads the system clock, and times here
/// are the `Lms`'s (so a clock fixed with `Lms::with_clock` fixes them too).
fn validation(key: &PinnedKey, rules: &Rules) -> Validation {
    let mut validation = Validation::new(key.algorithm);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    // It checks `iss` and `aud` only when present, unless they are required.
    let mut required = vec!["iss"];
    validation.set_issuer(&[&rules.issuer]);
    if rules.audiences.is_empty() {
        // Otherwise it refuses every token that has an `aud`: unset means unchecked.
        validation.validate_aud = false;
    } else {
        validation.set_audience(&rules.audiences);
        required.push("aud");
    }
    validation.set_required_spec_claims(&required);
    validation
}

fn refusal(error: &ErrorKind) -> Refusal {
    Refusal::new(match error {
        ErrorKind::InvalidSignature => "the token's signature does not verify".to_string(),
        ErrorKind::InvalidIssuer => "the token is from another issuer (`iss`)".to_string(),
        ErrorKind::InvalidAudience => "the token is not meant for this server (`aud`)".to_string(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the token has no `{claim}` claim"),
        ErrorKind::InvalidClaimFormat(claim) => format!("the token's `{claim}` claim is malformed"),
        ErrorKind::InvalidAlgorithm => "the token's algorithm (`alg`) does not fit its key".into(),
        ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_)
        | ErrorKind::InvalidToken => "the token is not a well-formed JWT".to_string(),
        other => format!("the token does not verify: {other:?}"),
    })
}

/// `exp` is required, and neither it nor `nbf` may be off by more than `leeway`.
fn check_times(claims: &Value, leeway: Duration, now: DateTime<Utc>) -> Result<(), Refusal> {
    let now = now.timestamp_micros() as f64 / 1e6;
    let leeway = leeway.as_secs_f64();
    let exp = numeric_date(claims, "exp")?
        .ok_or_else(|| Refusal::new("the token has no expiry (`exp`)"))?;
    // RFC 7519, 4.1.4: the token is valid only before `exp`.
    if now >= exp + leeway {
        return Err(Refusal::new("the token has expired (`exp`)"));
    }
    if let Some(nbf) = numeric_date(claims, "nbf")?
        && now + leeway < nbf
    {
        return Err(Refusal::new("the token is not valid yet (`nbf`)"));
    }
    Ok(())
}

fn numeric_date(claims: &Value, claim: &str) -> Result<Option<f64>, Refusal> {
    match claims.get(claim) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_f64()
            .filter(|seconds| seconds.is_finite())
            .map(Some)
            .ok_or_else(|| Refusal::new(format!("the token's `{claim}` is not a time"))),
    }
}
