//! The issuer's public keys, from its JWKS URL: fetched on the first token, cached, and
//! fetched again when a token names a key id the copy lacks or the copy is old — never more
//! than once per refresh interval, so tokens with made-up `kid`s cannot turn this server
//! into a load generator against the provider. Times are the `Lms`'s clock.

use super::config::JwtConfigError;
use super::verify::{PinnedKey, Refusal};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use lms_core::{LmsError, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

/// Largest JWKS read, in bytes; real ones are a few kilobytes.
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// How long a fetch may take before it counts as failed.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The keys of one JWKS URL.
pub(super) struct Jwks {
    url: reqwest::Url,
    client: reqwest::Client,
    refresh_interval: chrono::TimeDelta,
    max_age: chrono::TimeDelta,
    /// The keys last fetched; read by every request, replaced by a fetch.
    keys: RwLock<Arc<KeySet>>,
    /// Held while deciding on and making a fetch, so one request fetches at a time.
    fetches: tokio::sync::Mutex<Fetches>,
}

#[derive(Default)]
struct KeySet {
    by_kid: HashMap<String, PinnedKey>,
    /// When this set was fetched; `None` before the first successful fetch.
    fetched_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
struct Fetches {
    last: Option<DateTime<Utc>>,
    last_failed: bool,
}

impl Jwks {
    pub(super) fn new(
        url: &str,
        refresh_interval: Duration,
        max_age: Duration,
    ) -> Result<Self, JwtConfigError> {
        let parsed = reqwest::Url::parse(url).map_err(|source| JwtConfigError::InvalidJwksUrl {
            url: url.to_string(),
            source: source.into(),
        })?;
        let loopback = is_loopback(&parsed);
        if !(parsed.scheme() == "https" || parsed.scheme() == "http" && loopback) {
            return Err(JwtConfigError::InsecureJwksUrl {
                url: url.to_string(),
            });
        }
        let delta = |d: Duration| chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX);
        Ok(Self {
            url: parsed,
            client: http_client(!loopback)?,
            refresh_interval: delta(refresh_interval),
            max_age: delta(max_age),
            keys: RwLock::default(),
            fetches: tokio::sync::Mutex::default(),
        })
    }

    /// The key named `kid`, fetching the set when `kid` is unknown or the copy is old and
    /// the last fetch is at least a refresh interval ago. An unknown key is a refusal (401);
    /// no keys because the JWKS cannot be fetched is 503.
    pub(super) async fn key(
        &self,
        kid: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<PinnedKey, ApiError> {
        let kid = kid.ok_or_else(|| Refusal::new("the token names no signing key (`kid`)"))?;
        let mut fetches = match self.known(kid, now) {
            (Some(key), false) => return Ok(key),
            // An old copy still serves while another request refreshes it.
            (Some(key), true) => match self.fetches.try_lock() {
                Ok(fetches) => fetches,
                Err(_) => return Ok(key),
            },
            (None, _) => self.fetches.lock().await,
        };
        // Another request may have fetched while this one waited.
        if let (Some(key), false) = self.known(kid, now) {
            return Ok(key);
        }
        let due = fetches
            .last
            .is_none_or(|last| now - last >= self.refresh_interval);
        if due {
            self.refresh(&mut fetches, now).await;
        }
        match self.known(kid, now).0 {
            Some(key) => Ok(key),
            None if fetches.last_failed => Err(ApiError(LmsError::Store(StoreError::Unavailable(
                "the issuer's JWKS could not be fetched".into(),
            )))),
            None => Err(Refusal::new(format!(
                "the token's signing key `{kid}` is not one of the issuer's keys"
            ))
            .into()),
        }
    }

    /// The key named `kid`, if the current copy has it, and whether the copy is old.
    fn known(&self, kid: &str, now: DateTime<Utc>) -> (Option<PinnedKey>, bool) {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        let old = keys
            .fetched_at
            .is_none_or(|fetched| now - fetched >= self.max_age);
        (keys.by_kid.get(kid).cloned(), old)
    }

    async fn refresh(&self, fetches: &mut Fetches, now: DateTime<Utc>) {
        fetches.last = Some(now);
        match self.fetch().await {
            Ok(by_kid) => {
                fetches.last_failed = false;
                let set = Arc::new(KeySet {
                    by_kid,
                    fetched_at: Some(now),
                });
                *self.keys.write().unwrap_or_else(PoisonError::into_inner) = set;
            }
            Err(error) => {
                // The keys already fetched, if any, stay in use.
                fetches.last_failed = true;
                tracing::warn!(url = %self.url, %error, "could not fetch the JWKS");
            }
        }
    }

    async fn fetch(&self) -> Result<HashMap<String, PinnedKey>, String> {
        let mut response = self
            .client
            .get(self.url.clone())
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| e.to_string())?;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("the JWKS is larger than {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        let set: JwksDocument = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        // A key this server cannot use (another kind, a malformed one) is skipped, not fatal.
        Ok(set
            .keys
            .into_iter()
            .filter_map(|key| serde_json::from_value::<Jwk>(key).ok())
            .filter_map(|jwk| pinned(&jwk))
            .collect())
    }
}

#[derive(serde::Deserialize)]
struct JwksDocument {
    keys: Vec<serde_json::Value>,
}

/// The key as it will verify: its id and the one algorithm its kind allows (the JWK's
/// `alg` chooses among RSA's; for other kinds it must agree with the curve). Symmetric
/// (`oct`) keys are never taken from a URL, nor keys meant for encryption.
fn pinned(jwk: &Jwk) -> Option<(String, PinnedKey)> {
    let kid = jwk.common.key_id.clone()?;
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return None;
    }
    let natural = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => Algorithm::ES256,
            EllipticCurve::P384 => Algorithm::ES384,
            _ => return None,
        },
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        _ => return None,
    };
    let algorithm = match jwk.common.key_algorithm.map(Algorithm::try_from) {
        None => natural,
        Some(Ok(declared)) if declared == natural => declared,
        Some(Ok(declared))
            if natural.family() == AlgorithmFamily::Rsa
                && declared.family() == AlgorithmFamily::Rsa =>
        {
            declared
        }
        Some(_) => return None,
    };
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some((kid, PinnedKey { algorithm, key }))
}

/// `localhost`, `127.0.0.0/8` or `::1`: traffic that never leaves the machine.
fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// rustls on ring with the platform's roots, and no aws-lc: the crypto is pure Rust but
/// for ring's own assembly, and building needs no cmake. `https_only` holds for redirects
/// too.
fn http_client(https_only: bool) -> Result<reqwest::Client, JwtConfigError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let failed = |e: rustls::Error| JwtConfigError::HttpClient(e.into());
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(failed)?
    .with_platform_verifier()
    .map_err(failed)?
    .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .https_only(https_only)
        .connect_timeout(FETCH_TIMEOUT)
        .timeout(FETCH_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .map_err(|e| JwtConfigError::HttpClient(e.into()))
}
