//! Sign-in by an identity provider's JWTs (`lms_axum::jwt`, feature `jwt`): tokens made and
//! signed in the test, keys served from a JWKS on 127.0.0.1, time on a `ManualClock`.
//! The cases here use an HS256 secret; `jwks` has the key sets, `providers` the claim
//! shapes of Supabase, Clerk and Auth0.

mod configuration;
mod issuer;
mod jwks;
mod providers;

use crate::api::{Api, Reply, assert_problem};
use crate::common::{Backend, UserIdTokens, lms_on};
use axum::body::Body;
use axum::http::{Request, header};
use issuer::{
    AUDIENCE, ISSUER, SECRET, claims, hs256, hs256_crit, hs256_with, rsa_key, sign, unsigned, with,
};
use lms_axum::jwt::{ClaimNames, JwtAuth, JwtConfig, JwtConfigError};
use lms_axum::{Authenticate, LmsRouter};
use lms_core::testing::{ManualClock, World};
use lms_core::{Actor, Clock, ExternalUser, Lms, LmsError};
use serde_json::{Value, json};
use std::time::Duration;

use jwks::{
    a_jwks_that_cannot_be_fetched_is_unavailable, alg_confusion_is_refused,
    an_unknown_kid_refetches_the_keys_at_most_once_a_minute,
    rs256_es256_and_eddsa_keys_from_a_jwks_verify,
    withdrawn_keys_stop_verifying_once_the_copy_is_old,
};
use providers::{
    auth0_access_and_id_tokens_sign_in_one_user,
    better_auth_tokens_say_email_verified_in_camel_case, clerk_session_tokens_need_an_email_claim,
    supabase_access_tokens_sign_users_in,
};

on_both_stores!(
    a_jwt_makes_its_user_once_and_finds_it_after,
    tokens_that_fail_a_check_are_refused_saying_why,
    audience_is_checked_unless_any_audience_is_chosen,
    a_token_without_a_verified_email_is_refused_naming_the_claim,
    control_characters_in_claims_never_reach_the_store,
    an_email_another_identity_holds_is_email_taken,
    changed_claims_refresh_the_user,
    requests_without_a_jwt_are_left_to_other_authenticators,
    rs256_es256_and_eddsa_keys_from_a_jwks_verify,
    an_unknown_kid_refetches_the_keys_at_most_once_a_minute,
    withdrawn_keys_stop_verifying_once_the_copy_is_old,
    alg_confusion_is_refused,
    a_jwks_that_cannot_be_fetched_is_unavailable,
    supabase_access_tokens_sign_users_in,
    clerk_session_tokens_need_an_email_claim,
    auth0_access_and_id_tokens_sign_in_one_user,
    better_auth_tokens_say_email_verified_in_camel_case,
);

/// The router with a [`JwtAuth`] of `config`, on a fresh world whose time stands still.
pub struct JwtApi {
    pub api: Api,
    pub lms: Lms,
    pub clock: ManualClock,
    pub auth: JwtAuth,
}

impl JwtApi {
    pub async fn new(backend: Backend, config: JwtConfig) -> Self {
        let clock = ManualClock::new();
        let lms = lms_on(backend).await.with_clock(clock.clone());
        let w = World::new(lms.clone()).await;
        let auth = JwtAuth::new(lms.clone(), config).expect("a valid configuration");
        let app = LmsRouter::new(lms.clone(), crate::common::public_url())
            .auth(auth.clone())
            .build();
        Self {
            api: Api { app, w },
            lms,
            clock,
            auth,
        }
    }

    /// `GET /me` with `Authorization: Bearer <token>`.
    pub async fn me(&self, token: &str) -> Reply {
        self.api.send(bearer_request(token)).await
    }

    /// The id of the user `token` signs in, which must succeed.
    pub async fn user_id(&self, token: &str) -> Value {
        let reply = self.me(token).await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
        reply.body["user"]["id"].clone()
    }

    /// The claims of a fresh token by this world's clock.
    pub fn claims(&self, sub: &str, email: &str, name: &str) -> Value {
        claims(&self.clock, sub, email, name)
    }

    /// The clock as a JWT's NumericDate.
    pub fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }
}

/// `reply` is the 401 of a refused token, whose `detail` says `why`.
#[track_caller]
pub fn assert_refused(reply: &Reply, why: &str) {
    assert_problem(reply, 401, "unauthenticated");
    let detail = reply.body["detail"].as_str().unwrap();
    assert!(detail.contains(why), "{detail:?} does not say {why:?}");
}

/// `actor` is the refusal of a token, saying `why`.
#[track_caller]
pub fn assert_actor_refused(actor: Result<Actor, lms_axum::ApiError>, why: &str) {
    match actor {
        Err(lms_axum::ApiError(LmsError::CredentialsRefused(detail))) => {
            assert!(detail.contains(why), "{detail:?} does not say {why:?}");
        }
        other => panic!("{other:?} is not a refusal saying {why:?}"),
    }
}

/// The test provider's HS256 tokens, for this server's audience.
fn hs256_config() -> JwtConfig {
    JwtConfig::hs256(SECRET, ISSUER).audience(AUDIENCE)
}

pub async fn a_jwt_makes_its_user_once_and_finds_it_after(backend: Backend) {
    let t = JwtApi::new(backend, hs256_config()).await;
    let token = hs256(&t.claims("idp|ada", "Ada@Example.test", "Ada Lovelace"));
    let first = t.me(&token).await;
    assert_eq!(first.status.as_u16(), 200, "{}", first.body);
    assert_eq!(first.body["user"]["name"], "Ada Lovelace");
    assert_eq!(first.body["user"]["email"], "ada@example.test");
    let ada = first.body["user"]["id"].clone();
    assert_eq!(t.user_id(&token).await, ada);
    // Past the minute an identity is remembered, the store is asked again: same user.
    t.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(t.user_id(&token).await, ada);
    // The user is the host's "idp|ada": the store knows them by the token's `sub`.
    let known = t
        .lms
        .ensure_user(ExternalUser {
            external_id: "idp|ada".into(),
            email: "ada@example.test".into(),
            name: "Ada Lovelace".into(),
            email_verified: true,
        })
        .await
        .unwrap();
    assert_eq!(json!(known.id), ada);
    let bob = hs256(&t.claims("idp|bob", "bob@example.test", "Bob"));
    assert_ne!(t.user_id(&bob).await, ada);
}

pub async fn tokens_that_fail_a_check_are_refused_saying_why(backend: Backend) {
    let t = JwtApi::new(backend, hs256_config()).await;
    let ok = t.claims("idp|ada", "ada@example.test", "Ada");
    let now = t.now();
    let good = hs256(&ok);
    let tampered = {
        let other = hs256(&with(ok.clone(), json!({"sub": "idp|admin"})));
        let parts: Vec<&str> = good.split('.').collect();
        let payload = other.split('.').nth(1).unwrap();
        format!("{}.{payload}.{}", parts[0], parts[2])
    };
    let rsa = rsa_key("rsa-1");
    let cases = [
        (
            "another secret",
            hs256_with(b"not-the-providers-secret-but-long-enough", None, &ok),
            "signature does not verify",
        ),
        (
            "claims changed after signing",
            tampered,
            "signature does not verify",
        ),
        (
            "expired, past the leeway",
            hs256(&with(ok.clone(), json!({"exp": now - 60}))),
            "expired",
        ),
        (
            "no expiry",
            hs256(&with(ok.clone(), json!({"exp": null}))),
            "no expiry (`exp`)",
        ),
        (
            "not valid yet, past the leeway",
            hs256(&with(ok.clone(), json!({"nbf": now + 61}))),
            "not valid yet (`nbf`)",
        ),
        (
            "another issuer",
            hs256(&with(ok.clone(), json!({"iss": "https://evil.example"}))),
            "another issuer",
        ),
        (
            "no issuer",
            hs256(&with(ok.clone(), json!({"iss": null}))),
            "no `iss` claim",
        ),
        (
            "the issuer among others",
            hs256(&with(
                ok.clone(),
                json!({"iss": ["https://evil.example", ISSUER]}),
            )),
            "`iss` claim is not a single string",
        ),
        (
            "the issuer alone, in an array",
            hs256(&with(ok.clone(), json!({"iss": [ISSUER]}))),
            "`iss` claim is not a single string",
        ),
        (
            "an issuer that is no string",
            hs256(&with(ok.clone(), json!({"iss": 42}))),
            "`iss` claim is malformed",
        ),
        (
            "a critical extension",
            hs256_crit(&["exp"], &json!({"exp": now + 10}), &ok),
            "critical extensions (`crit`)",
        ),
        (
            "the one critical extension jsonwebtoken would take",
            hs256_crit(&["b64"], &json!({"b64": true}), &ok),
            "critical extensions (`crit`)",
        ),
        (
            "an empty list of critical extensions",
            hs256_crit(&[], &json!({}), &ok),
            "critical extensions (`crit`)",
        ),
        (
            "no subject",
            hs256(&with(ok.clone(), json!({"sub": null}))),
            "no `sub` claim",
        ),
        (
            "a subject with a NUL",
            hs256(&with(ok.clone(), json!({"sub": "idp|ada\u{0}"}))),
            "`sub` claim has control characters",
        ),
        (
            "a subject that would be someone else's, trimmed",
            hs256(&with(ok.clone(), json!({"sub": "idp|ada "}))),
            "`sub` claim starts or ends with white space",
        ),
        (
            "RS256 where HS256 is expected",
            sign(&rsa, &ok),
            "signed with RS256, but its key verifies HS256 only",
        ),
        (
            "unsigned",
            unsigned(&json!({"alg": "none", "typ": "JWT"}), &ok),
            "known algorithm (`alg`)",
        ),
        (
            "HS256 with no signature",
            unsigned(&json!({"alg": "HS256"}), &ok),
            "signature does not verify",
        ),
        (
            "a subject too long to keep",
            hs256(&with(ok.clone(), json!({"sub": "x".repeat(256)}))),
            "claims do not make a user: external_id: must be 1 to 255 characters",
        ),
        (
            "garbage of a JWT's shape",
            "eyJub3Q.eyJqc29u.c2ln".to_string(),
            "not a JWT header",
        ),
    ];
    for (case, token, why) in &cases {
        let reply = t.me(token).await;
        assert_eq!(reply.status.as_u16(), 401, "{case}: {}", reply.body);
        assert_refused(&reply, why);
    }
    // Within the leeway (60 s by default) on either side, the token holds.
    assert_eq!(t.me(&good).await.status.as_u16(), 200);
    let late = hs256(&with(ok.clone(), json!({"exp": now - 59})));
    assert_eq!(t.me(&late).await.status.as_u16(), 200);
    let early = hs256(&with(ok.clone(), json!({"nbf": now + 60})));
    assert_eq!(t.me(&early).await.status.as_u16(), 200);
    // With no leeway, `exp` is the first second the token is refused.
    let strict = JwtAuth::new(t.lms.clone(), hs256_config().leeway(Duration::ZERO)).unwrap();
    let at = |exp: i64| hs256(&with(ok.clone(), json!({"exp": exp})));
    assert!(matches!(
        actor(&strict, &at(now + 1)).await,
        Ok(Actor::User(_))
    ));
    let refused = actor(&strict, &at(now)).await.unwrap_err();
    assert!(matches!(&refused.0, LmsError::CredentialsRefused(why) if why.contains("expired")));
}

pub async fn audience_is_checked_unless_any_audience_is_chosen(backend: Backend) {
    let t = JwtApi::new(backend, hs256_config().audience("api")).await;
    let ok = t.claims("idp|ada", "ada@example.test", "Ada");
    for aud in [json!(AUDIENCE), json!(["https://other.example", "api"])] {
        let token = hs256(&with(ok.clone(), json!({"aud": aud})));
        assert_eq!(t.me(&token).await.status.as_u16(), 200, "aud {aud}");
    }
    // The issuer's tokens for its other applications and APIs.
    for aud in [json!("other"), json!(["x", "y"]), json!([])] {
        let token = hs256(&with(ok.clone(), json!({"aud": aud})));
        assert_refused(&t.me(&token).await, "not meant for this server (`aud`)");
    }
    let no_aud = hs256(&with(ok.clone(), json!({"aud": null})));
    assert_refused(&t.me(&no_aud).await, "no `aud` claim");
    // Chosen explicitly, any audience or none passes (jsonwebtoken alone would refuse every
    // `aud`), from the issuer only.
    let open = JwtConfig::hs256(SECRET, ISSUER).any_audience();
    let open = JwtAuth::new(t.lms.clone(), open).unwrap();
    for aud in [json!("anything"), json!(["a", "b"]), json!(null)] {
        let token = hs256(&with(ok.clone(), json!({"aud": aud})));
        assert!(
            matches!(actor(&open, &token).await, Ok(Actor::User(_))),
            "aud {aud}"
        );
    }
    let elsewhere = hs256(&with(ok.clone(), json!({"iss": "https://evil.example"})));
    assert_actor_refused(actor(&open, &elsewhere).await, "another issuer");
    // Authorized parties: `azp` must be one of them, whatever the audience rule.
    let app = "https://app.example.test";
    let parties = JwtConfig::hs256(SECRET, ISSUER)
        .any_audience()
        .authorized_parties([app, "https://admin.example.test"]);
    let parties = JwtAuth::new(t.lms.clone(), parties).unwrap();
    for azp in [app, "https://admin.example.test"] {
        let token = hs256(&with(ok.clone(), json!({"azp": azp, "aud": null})));
        assert!(
            matches!(actor(&parties, &token).await, Ok(Actor::User(_))),
            "azp {azp}"
        );
    }
    for azp in [json!("https://evil.example"), json!([app]), json!("")] {
        let token = hs256(&with(ok.clone(), json!({"azp": azp})));
        let refused = actor(&parties, &token).await;
        assert_actor_refused(refused, "issued to another party (`azp`)");
    }
    assert_actor_refused(actor(&parties, &hs256(&ok)).await, "no `azp` claim");
    // Unset, `azp` is not looked at; with an audience too, both must hold.
    let stranger = hs256(&with(ok.clone(), json!({"azp": "https://evil.example"})));
    assert_eq!(t.me(&stranger).await.status.as_u16(), 200);
    let both = JwtAuth::new(t.lms.clone(), hs256_config().authorized_parties([app])).unwrap();
    let fine = hs256(&with(ok.clone(), json!({"azp": app})));
    assert!(matches!(actor(&both, &fine).await, Ok(Actor::User(_))));
    assert_actor_refused(actor(&both, &stranger).await, "another party (`azp`)");
    let other_api = hs256(&with(ok.clone(), json!({"azp": app, "aud": "other"})));
    assert_actor_refused(actor(&both, &other_api).await, "(`aud`)");
}

pub async fn a_token_without_a_verified_email_is_refused_naming_the_claim(backend: Backend) {
    let t = JwtApi::new(backend, hs256_config()).await;
    let ok = t.claims("idp|ada", "ada@example.test", "Ada");
    let no_email = hs256(&with(ok.clone(), json!({"email": null})));
    assert_refused(&t.me(&no_email).await, "the token has no `email` claim");
    let not_email = hs256(&with(ok.clone(), json!({"email": "ada"})));
    assert_refused(
        &t.me(&not_email).await,
        "`email` claim is not an email address",
    );
    // Unverified addresses are refused by default, and may be allowed.
    let unverified = hs256(&with(ok.clone(), json!({"email_verified": false})));
    assert_refused(
        &t.me(&unverified).await,
        "not verified (`email_verified` is false)",
    );
    let verified = hs256(&ok);
    let ada = t.user_id(&verified).await;
    // A token that says nothing of verification is refused too: its holder may never have
    // proved the address theirs, and members join organizations by their address.
    let cfo = hs256(&with(
        t.claims("idp|mallory", "cfo@acme.test", "CFO"),
        json!({"email_verified": null}),
    ));
    assert_refused(&t.me(&cfo).await, "the token has no `email_verified` claim");
    let silent = hs256(&with(ok.clone(), json!({"email_verified": null})));
    assert_refused(&t.me(&silent).await, "no `email_verified` claim");
    // Unless the host says its provider issues tokens for verified addresses only; a claim
    // that says `false` is refused all the same.
    let trusting = hs256_config().email_verified_when_absent(true);
    let trusting = JwtAuth::new(t.lms.clone(), trusting).unwrap();
    let user = actor(&trusting, &silent).await.unwrap();
    assert_eq!(json!(user.user_id().unwrap()), ada, "the same user");
    assert_actor_refused(actor(&trusting, &unverified).await, "not verified");
    // Not required at all, neither is.
    let lenient = JwtAuth::new(t.lms.clone(), hs256_config().require_verified_email(false));
    let lenient = lenient.unwrap();
    // Admitted, and stored as not verified: what the provider said is what the LMS knows.
    for token in [&unverified, &silent] {
        let Ok(Actor::User(id)) = actor(&lenient, token).await else {
            panic!("a lenient authenticator admits {token}");
        };
        assert!(!t.lms.user(id).await.unwrap().email_verified);
    }
}

pub async fn control_characters_in_claims_never_reach_the_store(backend: Backend) {
    // Supabase's `user_metadata` is the user's to write.
    let names = ClaimNames::default().name("/user_metadata/full_name");
    let t = JwtApi::new(backend, hs256_config().claims(names)).await;
    let ok = t.claims("idp|ada", "ada@example.test", "");
    let named = |name: &str| {
        hs256(&with(
            ok.clone(),
            json!({"user_metadata": {"full_name": name}}),
        ))
    };
    // A NUL, which Postgres cannot store, and a line break: the name keeps the rest.
    let reply = t.me(&named("Ada\u{0}\r\nLovelace\u{7}")).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
    assert_eq!(reply.body["user"]["name"], "Ada Lovelace");
    let ada = reply.body["user"]["id"].clone();
    // Nothing but control characters: the email's local part.
    let reply = t.me(&named("\u{0}\u{1b}\t")).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
    assert_eq!(
        (
            &reply.body["user"]["id"],
            reply.body["user"]["name"].as_str()
        ),
        (&ada, Some("ada"))
    );
    // A `sub` is an id: refused, neither cleaned nor trimmed into another user's.
    for (sub, why) in [
        ("idp|ada\u{0}", "`sub` claim has control characters"),
        ("idp|\u{0}ada", "`sub` claim has control characters"),
        ("idp|ada ", "`sub` claim starts or ends with white space"),
        ("\nidp|ada", "`sub` claim starts or ends with white space"),
    ] {
        let token = hs256(&with(ok.clone(), json!({"sub": sub})));
        assert_refused(&t.me(&token).await, why);
    }
    assert_eq!(t.user_id(&named("Ada")).await, ada);
}

pub async fn an_email_another_identity_holds_is_email_taken(backend: Backend) {
    let t = JwtApi::new(backend, hs256_config()).await;
    // The world's learner signed up before the provider came; a new identity claims the
    // address: that is the host's call to make, not the token's.
    let token = hs256(&t.claims("idp|someone", "learner@acme.test", "Not Lea"));
    assert_problem(&t.me(&token).await, 409, "email_taken");
    // Two identities of the provider: the second one with the first one's address, too.
    let ada = hs256(&t.claims("idp|ada", "ada@example.test", "Ada"));
    t.user_id(&ada).await;
    let twin = hs256(&t.claims("idp|twin", "ada@example.test", "Twin"));
    assert_problem(&t.me(&twin).await, 409, "email_taken");
}

pub async fn changed_claims_refresh_the_user(backend: Backend) {
    let t = JwtApi::new(backend, hs256_config()).await;
    let first = hs256(&t.claims("idp|ada", "ada@example.test", "Ada"));
    let ada = t.user_id(&first).await;
    let renamed = hs256(&t.claims("idp|ada", "ada.lovelace@example.test", "Ada Lovelace"));
    let reply = t.me(&renamed).await;
    assert_eq!(reply.body["user"]["id"], ada);
    assert_eq!(reply.body["user"]["name"], "Ada Lovelace");
    assert_eq!(reply.body["user"]["email"], "ada.lovelace@example.test");
    // An older token with the old claims puts them back: the provider's word is the latest
    // token's.
    assert_eq!(t.me(&first).await.body["user"]["name"], "Ada");
    // Without a name claim, the email's local part stands in.
    let nameless = hs256(&with(
        t.claims("idp|ada", "ada@example.test", ""),
        json!({"name": null}),
    ));
    let reply = t.me(&nameless).await;
    assert_eq!(
        (
            &reply.body["user"]["id"],
            reply.body["user"]["name"].as_str()
        ),
        (&ada, Some("ada"))
    );
}

pub async fn requests_without_a_jwt_are_left_to_other_authenticators(backend: Backend) {
    let mut t = JwtApi::new(backend, hs256_config()).await;
    let not_mine = [
        None,
        Some("Bearer 3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        Some("Bearer 0190c2a4-6f1e-7cc1-9a55-1d4f6c1b2e3f"),
        Some("Basic YWRhOnNlY3JldA=="),
        Some("Bearer"),
    ];
    for authorization in not_mine {
        let mut request = Request::builder().uri("/me");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        let (parts, ()) = request.body(()).unwrap().into_parts();
        let actor = t.auth.actor(&parts).await;
        assert!(
            matches!(actor, Ok(Actor::Anonymous)),
            "{authorization:?}: {actor:?}"
        );
    }
    // The built-in sign-in's cookie is not a JWT's place either.
    let (parts, ()) = Request::builder()
        .header(
            header::COOKIE,
            format!(
                "lms_session={}",
                hs256(&t.claims("idp|ada", "ada@example.test", "Ada"))
            ),
        )
        .body(())
        .unwrap()
        .into_parts();
    assert!(matches!(t.auth.actor(&parts).await, Ok(Actor::Anonymous)));
    // Alone in the router, an anonymous caller of `/me` is asked to sign in…
    let anonymous = t.me("3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await;
    assert_problem(&anonymous, 401, "unauthenticated");
    assert!(
        anonymous.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("sign in first")
    );
    // …while a JWT-shaped token that fails is refused, not passed on.
    let forged = hs256_with(
        b"forged-forged-forged-forged-forged-forged",
        None,
        &t.claims("x", "x@example.test", "X"),
    );
    assert!(actor(&t.auth, &forged).await.is_err());
    // Asked first in a chain, it lets the next authenticator take the tokens it does not
    // own, and a refused JWT goes no further.
    t.api.app = LmsRouter::new(t.lms.clone(), crate::common::public_url())
        .auth(t.auth.clone())
        .auth(UserIdTokens)
        .build();
    let lea = t.api.call("GET", "/me", Some(t.api.w.learner), None).await;
    assert_eq!(lea.body["user"]["name"], "Lea Learner", "{}", lea.body);
    let jwt = hs256(&t.claims("idp|ada", "ada@example.test", "Ada"));
    assert_eq!(t.me(&jwt).await.body["user"]["name"], "Ada");
    assert_refused(&t.me(&forged).await, "signature does not verify");
}

fn bearer_request(token: &str) -> Request<Body> {
    Request::builder()
        .uri("/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

/// The actor `auth` makes of a request bearing `token`.
pub async fn actor(auth: &JwtAuth, token: &str) -> Result<Actor, lms_axum::ApiError> {
    let (parts, ()) = Request::builder()
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(())
        .unwrap()
        .into_parts();
    auth.actor(&parts).await
}
