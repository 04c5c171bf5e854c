//! Keys from a JWKS URL: every kind of public key verifies, an unknown `kid` makes one
//! fetch and no more than one a minute, old copies are fetched again, a token never picks
//! its own algorithm, and an issuer that cannot be reached is 503, not a refusal.

use super::issuer::{AUDIENCE, ISSUER, JwksServer, ec_key, ed_key, hs256_with, rsa_key, sign};
use super::{JwtApi, assert_refused};
use crate::api::assert_problem;
use crate::common::Backend;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lms_axum::jwt::JwtConfig;
use serde_json::json;
use std::time::Duration;

/// The test provider's keys at `server`, for tokens whose `aud` is this server.
fn jwks_config(server: &JwksServer) -> JwtConfig {
    JwtConfig::jwks(&server.url, ISSUER).audience(AUDIENCE)
}

async fn with_jwks(backend: Backend, server: &JwksServer) -> JwtApi {
    JwtApi::new(backend, jwks_config(server)).await
}

pub async fn rs256_es256_and_eddsa_keys_from_a_jwks_verify(backend: Backend) {
    let (rsa, ec, ed) = (rsa_key("rsa-1"), ec_key("ec-1"), ed_key("ed-1"));
    let server = JwksServer::start(&[&rsa, &ec, &ed]).await;
    let t = with_jwks(backend, &server).await;
    assert_eq!(
        server.fetches(),
        0,
        "nothing is fetched before a token comes"
    );
    let claims = t.claims("idp|ada", "ada@example.test", "Ada");
    let ada = t.user_id(&sign(&rsa, &claims)).await;
    assert_eq!(t.user_id(&sign(&ec, &claims)).await, ada);
    assert_eq!(t.user_id(&sign(&ed, &claims)).await, ada);
    assert_eq!(server.fetches(), 1, "one fetch serves every key");
    // A key of the right kind under a published `kid`, but not the published key.
    let impostor = ec_key("ec-1");
    assert_refused(
        &t.me(&sign(&impostor, &claims)).await,
        "signature does not verify",
    );
    let no_kid = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256),
        &claims,
        &ec.encoding,
    )
    .unwrap();
    assert_refused(&t.me(&no_kid).await, "names no signing key (`kid`)");
    assert_eq!(server.fetches(), 1);
}

pub async fn an_unknown_kid_refetches_the_keys_at_most_once_a_minute(backend: Backend) {
    let (old, new, later) = (rsa_key("2024"), ed_key("2025"), ec_key("2026"));
    let server = JwksServer::start(&[&old]).await;
    let t = with_jwks(backend, &server).await;
    let claims = t.claims("idp|ada", "ada@example.test", "Ada");
    t.user_id(&sign(&old, &claims)).await;
    assert_eq!(server.fetches(), 1);
    // The provider rotates: a token signed with the new key makes one fetch, and verifies.
    t.clock.advance(chrono::Duration::seconds(60));
    server.publish(&[&old, &new]);
    t.user_id(&sign(&new, &claims)).await;
    assert_eq!(server.fetches(), 2);
    for _ in 0..3 {
        t.user_id(&sign(&new, &claims)).await;
        t.user_id(&sign(&old, &claims)).await;
    }
    assert_eq!(server.fetches(), 2, "known keys make no fetch");
    // Within the minute after that fetch, another unknown kid fetches nothing, even
    // when the key has been published meanwhile…
    let unknown = sign(&later, &claims);
    assert_refused(
        &t.me(&unknown).await,
        "signing key `2026` is not one of the issuer's keys",
    );
    server.publish(&[&old, &new, &later]);
    t.clock.advance(chrono::Duration::seconds(59));
    assert_refused(
        &t.me(&unknown).await,
        "`2026` is not one of the issuer's keys",
    );
    assert_eq!(server.fetches(), 2, "no second fetch within the minute");
    // …and a minute after the last fetch, it may fetch again.
    t.clock.advance(chrono::Duration::seconds(1));
    t.user_id(&unknown).await;
    assert_eq!(server.fetches(), 3);
    // The interval is a setting.
    let slow = jwks_config(&server).jwks_refresh_interval(Duration::from_secs(600));
    let t = JwtApi::new(backend, slow).await;
    let claims = t.claims("idp|ada", "ada@example.test", "Ada");
    t.user_id(&sign(&old, &claims)).await;
    let fetched = server.fetches();
    t.clock.advance(chrono::Duration::seconds(599));
    assert_refused(
        &t.me(&sign(&ec_key("ghost"), &claims)).await,
        "`ghost` is not one",
    );
    assert_eq!(server.fetches(), fetched);
    t.clock.advance(chrono::Duration::seconds(1));
    assert_refused(
        &t.me(&sign(&ec_key("ghost"), &claims)).await,
        "`ghost` is not one",
    );
    assert_eq!(server.fetches(), fetched + 1);
}

pub async fn withdrawn_keys_stop_verifying_once_the_copy_is_old(backend: Backend) {
    let (leaked, fresh) = (ed_key("leaked"), ed_key("fresh"));
    let server = JwksServer::start(&[&leaked, &fresh]).await;
    let config = jwks_config(&server).jwks_max_age(Duration::from_secs(3600));
    let t = JwtApi::new(backend, config).await;
    let claims = |t: &JwtApi| t.claims("idp|ada", "ada@example.test", "Ada");
    t.user_id(&sign(&leaked, &claims(&t))).await;
    server.publish(&[&fresh]);
    // Until the copy is an hour old the withdrawn key still verifies; then it is fetched
    // again and the key is gone.
    t.clock.advance(chrono::Duration::seconds(3599));
    t.user_id(&sign(&leaked, &claims(&t))).await;
    assert_eq!(server.fetches(), 1);
    t.clock.advance(chrono::Duration::seconds(1));
    assert_refused(
        &t.me(&sign(&leaked, &claims(&t))).await,
        "`leaked` is not one",
    );
    assert_eq!(server.fetches(), 2);
    t.user_id(&sign(&fresh, &claims(&t))).await;
    // When that fetch fails, the old copy keeps serving rather than signing everyone out.
    t.clock.advance(chrono::Duration::hours(2));
    server.fail_with(500);
    t.user_id(&sign(&fresh, &claims(&t))).await;
    assert_eq!(server.fetches(), 3);
}

pub async fn alg_confusion_is_refused(backend: Backend) {
    let (rsa, ed) = (rsa_key("rsa-1"), ed_key("ed-1"));
    // The provider also (wrongly) publishes a symmetric key: it must never verify.
    let secret = b"a-symmetric-key-that-is-public-now-by-mistake";
    let oct =
        json!({"kty": "oct", "kid": "oct-1", "alg": "HS256", "k": URL_SAFE_NO_PAD.encode(secret)});
    let server = JwksServer::start(&[]).await;
    server.publish_jwks(vec![rsa.jwk.clone(), ed.jwk.clone(), oct]);
    let t = with_jwks(backend, &server).await;
    let claims = t.claims("idp|mallory", "mallory@example.test", "Mallory");
    // HS256 keyed with the RSA public key, which anyone can read from the JWKS.
    let n = rsa.jwk["n"].as_str().unwrap().as_bytes();
    for public in [&rsa.public_der[..], n] {
        let forged = hs256_with(public, Some("rsa-1"), &claims);
        assert_refused(
            &t.me(&forged).await,
            "signed with HS256, but its key verifies RS256 only",
        );
    }
    let forged = hs256_with(&ed.public_der, Some("ed-1"), &claims);
    assert_refused(&t.me(&forged).await, "verifies EdDSA only");
    let forged = hs256_with(secret, Some("oct-1"), &claims);
    assert_refused(
        &t.me(&forged).await,
        "`oct-1` is not one of the issuer's keys",
    );
    // An RS256 token under the Ed25519 key's id.
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("ed-1".into());
    let swapped = jsonwebtoken::encode(&header, &claims, &rsa.encoding).unwrap();
    assert_refused(
        &t.me(&swapped).await,
        "signed with RS256, but its key verifies EdDSA only",
    );
    // The same claims, properly signed, are fine: the refusals were about the algorithm.
    t.user_id(&sign(&rsa, &claims)).await;
}

pub async fn a_jwks_that_cannot_be_fetched_is_unavailable(backend: Backend) {
    let key = ec_key("ec-1");
    let server = JwksServer::start(&[&key]).await;
    server.fail_with(500);
    let t = with_jwks(backend, &server).await;
    let token = sign(&key, &t.claims("idp|ada", "ada@example.test", "Ada"));
    // Not the token's fault: 503, so the client retries instead of signing the user out.
    assert_problem(&t.me(&token).await, 503, "unavailable");
    assert_problem(&t.me(&token).await, 503, "unavailable");
    assert_eq!(
        server.fetches(),
        1,
        "a failed fetch is not retried within the minute"
    );
    server.fail_with(0);
    t.clock.advance(chrono::Duration::seconds(60));
    let token = sign(&key, &t.claims("idp|ada", "ada@example.test", "Ada"));
    t.user_id(&token).await;
    assert_eq!(server.fetches(), 2);
}
