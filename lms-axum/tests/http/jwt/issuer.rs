//! The identity provider of the JWT tests: signing keys made in the test (RSA, P-256,
//! Ed25519, an HS256 secret), tokens signed with them, and a JWKS served over HTTP on
//! 127.0.0.1 that counts how often it is fetched.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lms_core::Clock;
use lms_core::testing::ManualClock;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

/// The `iss` of the test provider's tokens.
pub const ISSUER: &str = "https://auth.example.test";

/// The `aud` of the test provider's tokens for this server.
pub const AUDIENCE: &str = "https://lms.example.test";

/// The test provider's HS256 secret.
pub const SECRET: &[u8] = b"the-test-provider-shares-this-hs256-secret";

/// A private key, the algorithm it signs with and its public JWK (with its `kid`).
pub struct SigningKey {
    pub kid: String,
    pub alg: Algorithm,
    pub encoding: EncodingKey,
    pub jwk: Value,
    /// The public key's DER (SubjectPublicKeyInfo), for forging with it.
    pub public_der: Vec<u8>,
}

/// RSA keys take a second or so to make unoptimised: one per test binary, under any `kid`.
static RSA: LazyLock<rsa::PrivateKey> =
    LazyLock::new(|| rsa::PrivateKey::new(&mut getrandom04::SysRng, 2048).expect("RSA key"));

fn random32() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    getrandom04::fill(&mut bytes).expect("randomness");
    bytes
}

/// The RSA key as `kid` (RS256).
pub fn rsa_key(kid: &str) -> SigningKey {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::EncodePublicKey;
    let der = RSA.to_pkcs1_der().expect("PKCS#1");
    let encoding = EncodingKey::from_rsa_der(der.as_bytes());
    let public_der = RSA.to_public_key().to_public_key_der().expect("SPKI");
    let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, Algorithm::RS256).unwrap();
    keyed(
        kid,
        Algorithm::RS256,
        encoding,
        serde_json::to_value(jwk).unwrap(),
        public_der.as_bytes(),
    )
}

/// A new P-256 key as `kid` (ES256).
pub fn ec_key(kid: &str) -> SigningKey {
    use p256::pkcs8::{EncodePrivateKey, EncodePublicKey};
    let key = p256::ecdsa::SigningKey::from_slice(&random32()).expect("P-256 key");
    let encoding = EncodingKey::from_ec_der(key.to_pkcs8_der().expect("PKCS#8").as_bytes());
    let public_der = key.verifying_key().to_public_key_der().expect("SPKI");
    let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, Algorithm::ES256).unwrap();
    keyed(
        kid,
        Algorithm::ES256,
        encoding,
        serde_json::to_value(jwk).unwrap(),
        public_der.as_bytes(),
    )
}

/// A new Ed25519 key as `kid` (EdDSA).
pub fn ed_key(kid: &str) -> SigningKey {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let key = ed25519_dalek::SigningKey::from_bytes(&random32());
    let encoding = EncodingKey::from_ed_der(key.to_pkcs8_der().expect("PKCS#8").as_bytes());
    let public = key.verifying_key().to_bytes();
    let x = URL_SAFE_NO_PAD.encode(public);
    let jwk = json!({"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "x": x});
    keyed(kid, Algorithm::EdDSA, encoding, jwk, &public)
}

fn keyed(
    kid: &str,
    alg: Algorithm,
    encoding: EncodingKey,
    mut jwk: Value,
    public: &[u8],
) -> SigningKey {
    jwk["kid"] = json!(kid);
    jwk["use"] = json!("sig");
    SigningKey {
        kid: kid.to_string(),
        alg,
        encoding,
        jwk,
        public_der: public.to_vec(),
    }
}

/// `claims` signed by `key`, its `kid` in the header.
pub fn sign(key: &SigningKey, claims: &Value) -> String {
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).expect("signed")
}

/// `claims` signed with HS256 and `secret`, the header naming `kid` if any.
pub fn hs256_with(secret: &[u8], kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid.map(str::to_string);
    let key = EncodingKey::from_secret(secret).expect("secret");
    jsonwebtoken::encode(&header, claims, &key).expect("signed")
}

/// `claims` signed with the test provider's [`SECRET`].
pub fn hs256(claims: &Value) -> String {
    hs256_with(SECRET, None, claims)
}

/// A token with a header and claims as given and no signature (`alg: none` and friends).
pub fn unsigned(header: &Value, claims: &Value) -> String {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!("{}.{}.", part(header), part(claims))
}

/// The claims of a fresh token for `sub` and this server, by the clock: issued now, valid
/// for an hour, its email verified.
pub fn claims(clock: &ManualClock, sub: &str, email: &str, name: &str) -> Value {
    let now = clock.now().timestamp();
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": sub, "email": email, "email_verified": true,
        "name": name, "iat": now, "exp": now + 3600
    })
}

/// `claims` signed with HS256 and the test provider's [`SECRET`], the header listing
/// `crit`ical extensions and carrying `extras`.
pub fn hs256_crit(crit: &[&str], extras: &Value, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.crit = Some(crit.iter().map(|name| name.to_string()).collect());
    for (name, value) in extras.as_object().expect("an object") {
        header.extras.insert(name.clone(), value.clone());
    }
    let key = EncodingKey::from_secret(SECRET).expect("secret");
    jsonwebtoken::encode(&header, claims, &key).expect("signed")
}

/// `claims` with `changes` laid over its top level; a null removes the claim.
pub fn with(mut claims: Value, changes: Value) -> Value {
    for (name, value) in changes.as_object().expect("an object") {
        match value {
            Value::Null => claims.as_object_mut().unwrap().remove(name),
            value => claims
                .as_object_mut()
                .unwrap()
                .insert(name.clone(), value.clone()),
        };
    }
    claims
}

/// A JWKS endpoint on 127.0.0.1 serving the keys published last.
pub struct JwksServer {
    pub url: String,
    state: Arc<Served>,
}

#[derive(Default)]
struct Served {
    keys: Mutex<Vec<Value>>,
    fetches: AtomicUsize,
    /// 0: answer the keys; otherwise this status and no keys.
    failure: AtomicU16,
}

impl JwksServer {
    /// Serves `keys` until the test ends.
    pub async fn start(keys: &[&SigningKey]) -> Self {
        let state = Arc::new(Served::default());
        let app = axum::Router::new()
            .route("/.well-known/jwks.json", axum::routing::get(serve))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        let server = Self { url, state };
        server.publish(keys);
        server
    }

    /// From now on serves `keys`.
    pub fn publish(&self, keys: &[&SigningKey]) {
        self.publish_jwks(keys.iter().map(|key| key.jwk.clone()).collect());
    }

    /// From now on serves these JWKs as they are.
    pub fn publish_jwks(&self, jwks: Vec<Value>) {
        *self.state.keys.lock().unwrap() = jwks;
    }

    /// From now on answers `status` (0: the keys again).
    pub fn fail_with(&self, status: u16) {
        self.state.failure.store(status, Ordering::SeqCst);
    }

    /// How many times the keys were asked for.
    pub fn fetches(&self) -> usize {
        self.state.fetches.load(Ordering::SeqCst)
    }
}

async fn serve(State(state): State<Arc<Served>>) -> axum::response::Response {
    state.fetches.fetch_add(1, Ordering::SeqCst);
    match state.failure.load(Ordering::SeqCst) {
        0 => axum::Json(json!({"keys": *state.keys.lock().unwrap()})).into_response(),
        status => StatusCode::from_u16(status).unwrap().into_response(),
    }
}
