//! The tokens of real providers, as they shape them (the recipes in `docs/recipes/` set
//! the authenticator up the same way): Supabase Auth access tokens, Clerk session tokens,
//! Auth0 access and ID tokens, Better Auth's JWT plugin.

use super::issuer::{JwksServer, ec_key, ed_key, rsa_key, sign, with};
use super::{JwtApi, actor, assert_actor_refused, assert_refused};
use crate::common::Backend;
use lms_axum::jwt::{ClaimNames, JwtAuth, JwtConfig};
use lms_core::Actor;
use serde_json::{Value, json};

pub async fn supabase_access_tokens_sign_users_in(backend: Backend) {
    let issuer = "https://abcdefghijklmnop.supabase.co/auth/v1";
    let key = ec_key("5b1a1c4e-93f2-4d5e-8c3b-0d6f2e7a9b10");
    let server = JwksServer::start(&[&key]).await;
    // As the recipe says: "Confirm email" on, so every token's address is confirmed.
    let config = JwtConfig::jwks(&server.url, issuer)
        .audience("authenticated")
        .email_verified_when_absent(true)
        .claims(ClaimNames::default().name("/user_metadata/full_name"));
    let t = JwtApi::new(backend, config.clone()).await;
    let now = t.now();
    let sub = "8b7f1f5e-2c1d-4c3a-9a0e-2f4d5b6c7d8e";
    let access = json!({
        "iss": issuer, "sub": sub, "aud": "authenticated",
        "exp": now + 3600, "iat": now,
        "email": "ada@example.com", "phone": "",
        "app_metadata": {"provider": "email", "providers": ["email"]},
        "user_metadata": {
            "email": "ada@example.com", "email_verified": true,
            "full_name": "Ada Lovelace", "phone_verified": false, "sub": sub
        },
        "role": "authenticated", "aal": "aal1",
        "amr": [{"method": "password", "timestamp": now}],
        "session_id": "1d3c5b7a-9e8f-4a2b-8c6d-0e1f2a3b4c5d", "is_anonymous": false
    });
    let reply = t.me(&sign(&key, &access)).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
    assert_eq!(reply.body["user"]["name"], "Ada Lovelace");
    assert_eq!(reply.body["user"]["email"], "ada@example.com");
    // Without that setting the same token is refused: access tokens have no top-level
    // `email_verified`, and `user_metadata.email_verified` is the user's to write
    // (`supabase.auth.updateUser({ data })`), so it proves nothing.
    let strict = config.clone().email_verified_when_absent(false);
    let strict = JwtAuth::new(t.lms.clone(), strict).unwrap();
    let refused = actor(&strict, &sign(&key, &access)).await;
    assert_actor_refused(refused, "the token has no `email_verified` claim");
    // An anonymous sign-in has an empty email: no user can be made of it.
    let anonymous = with(
        access.clone(),
        json!({"sub": "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f", "email": "", "user_metadata": {},
               "is_anonymous": true}),
    );
    assert_refused(
        &t.me(&sign(&key, &anonymous)).await,
        "`email` claim is not an email address",
    );
    // The project's `anon` key is a JWT too, but names no user: no audience, no `sub`,
    // another issuer.
    let anon_key = json!({"iss": "supabase", "ref": "abcdefghijklmnop", "role": "anon",
                          "iat": now, "exp": now + 3600});
    assert_refused(&t.me(&sign(&key, &anon_key)).await, "no `aud` claim");
    let anon_key = with(anon_key, json!({"aud": "authenticated"}));
    assert_refused(&t.me(&sign(&key, &anon_key)).await, "another issuer");
}

pub async fn clerk_session_tokens_need_an_email_claim(backend: Backend) {
    let issuer = "https://clean-mole-42.clerk.accounts.dev";
    let key = rsa_key("ins_2abcDEF");
    let server = JwksServer::start(&[&key]).await;
    let app = "https://app.example.com";
    // Session tokens have no `aud`: any audience, but only from the app's own origins.
    let config = JwtConfig::jwks(&server.url, issuer)
        .any_audience()
        .authorized_parties([app]);
    let t = JwtApi::new(backend, config.clone()).await;
    let now = t.now();
    // A default session token (v2): a minute long, and nothing about the user but `sub`.
    let default = json!({
        "azp": app, "exp": now + 60, "fva": [0, -1], "iat": now,
        "iss": issuer, "nbf": now - 10, "sid": "sess_2abcDEFghi", "sub": "user_2abcDEFghi",
        "v": 2
    });
    assert_refused(
        &t.me(&sign(&key, &default)).await,
        "the token has no `email` claim",
    );
    // With the session token customised in Clerk's dashboard
    // (`{"email": "{{user.primary_email_address}}", "email_verified":
    // "{{user.email_verified}}", "name": "{{user.full_name}}"}`):
    let customised = with(
        default,
        json!({"email": "ada@example.com", "email_verified": true, "name": "Ada Lovelace"}),
    );
    let reply = t.me(&sign(&key, &customised)).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
    assert_eq!(reply.body["user"]["name"], "Ada Lovelace");
    let ada = reply.body["user"]["id"].clone();
    // A primary address not verified (yet), or not said to be: refused.
    let unverified = with(customised.clone(), json!({"email_verified": false}));
    assert_refused(
        &t.me(&sign(&key, &unverified)).await,
        "not verified (`email_verified` is false)",
    );
    let unsaid = with(customised.clone(), json!({"email_verified": null}));
    assert_refused(
        &t.me(&sign(&key, &unsaid)).await,
        "no `email_verified` claim",
    );
    // …unless the instance requires verification at sign-up and the host says so.
    let trusting = JwtAuth::new(t.lms.clone(), config.email_verified_when_absent(true));
    let signed_in = actor(&trusting.unwrap(), &sign(&key, &unsaid)).await;
    assert!(matches!(signed_in, Ok(Actor::User(id)) if json!(id) == ada));
    // A token asked for from another origin (a look-alike site using the same Clerk
    // instance's publishable key), or with the origin withheld: refused.
    let elsewhere = with(
        customised.clone(),
        json!({"azp": "https://app.example.com.evil.test"}),
    );
    assert_refused(
        &t.me(&sign(&key, &elsewhere)).await,
        "issued to another party (`azp`)",
    );
    let no_origin = with(customised.clone(), json!({"azp": null}));
    assert_refused(&t.me(&sign(&key, &no_origin)).await, "no `azp` claim");
    // A user with no name in Clerk: `{{user.full_name}}` is null.
    let nameless = with(
        customised,
        json!({"sub": "user_2xyz", "email": "grace@example.com", "name": Value::Null}),
    );
    assert_eq!(
        t.me(&sign(&key, &nameless)).await.body["user"]["name"],
        "grace"
    );
}

pub async fn auth0_access_and_id_tokens_sign_in_one_user(backend: Backend) {
    let issuer = "https://example.us.auth0.com/";
    let key = rsa_key("Xq3Yb6mNp0");
    let server = JwksServer::start(&[&key]).await;
    let ns = "https://lms.example.com/";
    let access_config = JwtConfig::jwks(&server.url, issuer)
        .audience("https://api.lms.example.com")
        .claims(
            ClaimNames::default()
                .email(format!("{ns}email"))
                .email_verified(format!("{ns}email_verified"))
                .name(format!("{ns}name")),
        );
    let t = JwtApi::new(backend, access_config).await;
    let now = t.now();
    let sub = "auth0|65f0c0ffee0123456789abcd";
    // An access token for the API, the user's details in namespaced claims that an Auth0
    // Action adds (`api.accessToken.setCustomClaim`).
    let access = json!({
        "iss": issuer, "sub": sub,
        "aud": ["https://api.lms.example.com", "https://example.us.auth0.com/userinfo"],
        "iat": now, "exp": now + 86400, "scope": "openid profile email",
        "azp": "m1N2b3V4c5X6z7", "gty": "password",
        format!("{ns}email"): "ada@example.com",
        format!("{ns}email_verified"): true,
        format!("{ns}name"): "Ada Lovelace"
    });
    let ada = t.user_id(&sign(&key, &access)).await;
    let other_api = with(
        access.clone(),
        json!({"aud": "https://billing.example.com"}),
    );
    assert_refused(
        &t.me(&sign(&key, &other_api)).await,
        "not meant for this server (`aud`)",
    );
    let unverified = with(
        access.clone(),
        json!({format!("{ns}email_verified"): false}),
    );
    assert_refused(
        &t.me(&sign(&key, &unverified)).await,
        "not verified (`https://lms.example.com/email_verified` is false)",
    );
    // An Action that sets the email but not whether it is verified: refused too.
    let unsaid = with(access.clone(), json!({format!("{ns}email_verified"): null}));
    assert_refused(
        &t.me(&sign(&key, &unsaid)).await,
        "no `https://lms.example.com/email_verified` claim",
    );
    // Without the Action, an access token has no email, and the refusal names the claim.
    let bare = with(access, json!({format!("{ns}email"): null}));
    assert_refused(
        &t.me(&sign(&key, &bare)).await,
        "no `https://lms.example.com/email` claim",
    );
    // An ID token: for the application (its client id), OIDC's standard claims.
    let id_config = JwtConfig::jwks(&server.url, issuer).audience("m1N2b3V4c5X6z7");
    let id_auth = lms_axum::jwt::JwtAuth::new(t.lms.clone(), id_config).unwrap();
    let id_token = json!({
        "iss": issuer, "sub": sub, "aud": "m1N2b3V4c5X6z7", "iat": now, "exp": now + 36000,
        "email": "ada@example.com", "email_verified": true, "name": "Ada Lovelace",
        "nickname": "ada", "picture": "https://example.com/ada.png",
        "updated_at": "2030-01-01T00:00:00.000Z", "sid": "abc", "nonce": "n-0S6_WzA2Mj"
    });
    let actor = super::actor(&id_auth, &sign(&key, &id_token))
        .await
        .unwrap();
    assert_eq!(
        json!(actor.user_id().unwrap()),
        ada,
        "one user, whichever token"
    );
}

pub async fn better_auth_tokens_say_email_verified_in_camel_case(backend: Backend) {
    // Better Auth's JWT plugin: EdDSA keys at `/api/auth/jwks`, `iss` and `aud` the base
    // URL, `sub` the user's id, and the whole user object as claims.
    let base = "https://app.example.com";
    let key = ed_key("c5c7995d-0037-4553-8aee-b5b620b89b23");
    let server = JwksServer::start(&[]).await;
    // Its JWKs say neither `alg` nor `use`.
    let mut jwk = key.jwk.clone();
    jwk.as_object_mut()
        .unwrap()
        .retain(|name, _| !["alg", "use"].contains(&name.as_str()));
    server.publish_jwks(vec![jwk]);
    let config = JwtConfig::jwks(&server.url, base)
        .audience(base)
        .claims(ClaimNames::default().email_verified("emailVerified"));
    let t = JwtApi::new(backend, config).await;
    let now = t.now();
    let user = json!({
        "iss": base, "aud": base, "sub": "usr_9Qk2", "iat": now, "exp": now + 900,
        "id": "usr_9Qk2", "name": "Ada Lovelace", "email": "ada@example.com",
        "emailVerified": true, "image": null,
        "createdAt": "2030-01-01T00:00:00.000Z", "updatedAt": "2030-01-01T00:00:00.000Z"
    });
    let reply = t.me(&sign(&key, &user)).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
    assert_eq!(reply.body["user"]["name"], "Ada Lovelace");
    // Better Auth does not require verification by default: anyone may sign up as
    // `cfo@acme.test`, and their token says `emailVerified: false`.
    let claimed = with(
        user.clone(),
        json!({"sub": "usr_evil", "id": "usr_evil", "email": "cfo@acme.test",
               "emailVerified": false}),
    );
    assert_refused(
        &t.me(&sign(&key, &claimed)).await,
        "not verified (`emailVerified` is false)",
    );
    // Read under the default claim name, the camelCase claim is not seen: absent, so
    // refused, naming the claim that was looked for.
    let defaults = JwtConfig::jwks(&server.url, base).audience(base);
    let defaults = JwtAuth::new(t.lms.clone(), defaults).unwrap();
    let refused = actor(&defaults, &sign(&key, &claimed)).await;
    assert_actor_refused(refused, "the token has no `email_verified` claim");
}
