//! The checks on one token: a header without extensions it would have to understand; its
//! signature, by a key pinned to one algorithm; its issuer, audience and authorized party;
//! `exp` and `nbf` against the [`lms_core::Lms`]'s clock. Which key to use and
//! who the claims describe are decided elsewhere ([`super::jwks`], [`super::identity`]).

use crate::error::ApiError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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
    /// Empty: any audience (the configuration said so explicitly).
    pub(super) audiences: Vec<String>,
    /// Empty: `azp` is not checked.
    pub(super) authorized_parties: Vec<String>,
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

/// The token's header, read without verifying anything: it names the key (`kid`). A header
/// with critical extensions (`crit`) is refused: a token that says it must not be accepted
/// by a verifier that does not understand them is not accepted (RFC 7515, 4.1.11), and
/// none is understood here (jsonwebtoken would take `"crit": ["b64"]`).
pub(super) fn header(token: &str) -> Result<Header, Refusal> {
    let raw = token.split('.').next().unwrap_or_default();
    let raw: Option<Map<String, Value>> = URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok());
    if raw.is_some_and(|header| header.contains_key("crit")) {
        return Err(Refusal::new(
            "the token's header lists critical extensions (`crit`), which this server does \
             not understand",
        ));
    }
    jsonwebtoken::decode_header(token).map_err(|_| {
        Refusal::new("the token's header is not a JWT header with a known algorithm (`alg`)")
    })
}

/// The claims of `token` once its signature, issuer, audience, authorized party and times
/// check out.
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
    check_issuer(&claims, &rules.issuer)?;
    check_authorized_party(&claims, &rules.authorized_parties)?;
    let claims = Value::Object(claims);
    check_times(&claims, rules.leeway, now)?;
    Ok(claims)
}

/// `iss` is one string, the issuer's. jsonwebtoken has checked it already, but it also
/// takes an array of which any one member matches, which no issuer sends (RFC 7519, 4.1.1:
/// `iss` is a StringOrURI).
fn check_issuer(claims: &Map<String, Value>, issuer: &str) -> Result<(), Refusal> {
    match claims.get("iss") {
        Some(Value::String(iss)) if iss == issuer => Ok(()),
        Some(Value::String(_)) => Err(Refusal::new("the token is from another issuer (`iss`)")),
        None | Some(Value::Null) => Err(Refusal::new("the token has no `iss` claim")),
        Some(_) => Err(Refusal::new(
            "the token's `iss` claim is not a single string",
        )),
    }
}

/// When authorized parties are configured, `azp` is one of them.
fn check_authorized_party(claims: &Map<String, Value>, parties: &[String]) -> Result<(), Refusal> {
    if parties.is_empty() {
        return Ok(());
    }
    match claims.get("azp") {
        Some(Value::String(azp)) if parties.contains(azp) => Ok(()),
        None | Some(Value::Null) => Err(Refusal::new(
            "the token has no `azp` claim: it must name the party it was issued to",
        )),
        Some(_) => Err(Refusal::new(
            "the token was issued to another party (`azp`)",
        )),
    }
}

/// jsonwebtoken's checks, less its time checks: it reads the system clock, and times here
/// are the `Lms`'s (so a clock fixed with `Lms::with_clock` fixes them too).
fn validation(key: &PinnedKey, rules: &Rules) -> Validation {
    let mut validation = Validation::new(key.algorithm);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    // It checks `iss` and `aud` only when present, unless they are required. A missing
    // `iss` is left to `check_issuer`, which has the last word on it anyway: required here,
    // an `iss` of the wrong type would be reported missing.
    let mut required = vec![];
    validation.set_issuer(&[&rules.issuer]);
    if rules.audiences.is_empty() {
        // Only with `JwtConfig::any_audience`: otherwise jsonwebtoken would refuse every
        // token that has an `aud`.
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
