//! The built-in sign-in: sign-up, sign-in and sign-out, attempt limits, expiry, and a host
//! with its own auth.

use crate::api::{Api, Reply, assert_problem};
use crate::common::{Backend, lms_on};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lms_axum::{AuthConfig, LmsRouter};
use lms_core::testing::{ManualClock, World};
use serde_json::json;

async fn api(backend: Backend, config: AuthConfig) -> Api {
    let lms = lms_on(backend).await;
    let w = World::new(lms.clone()).await;
    Api {
        app: LmsRouter::new(lms, crate::common::public_url())
            .sign_in(config)
            .build(),
        w,
    }
}

async fn bearer(api: &Api, method: &str, path: &str, token: &str) -> Reply {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    api.send(request).await
}

pub async fn sign_up_sign_in_and_sign_out(backend: Backend) {
    let api = api(backend, AuthConfig::default()).await;
    let new =
        json!({"email": "Zoe@Example.com", "password": "correct horse battery", "name": "Zoë"});
    let up = api
        .call("POST", "/auth/sign-up", None, Some(new.clone()))
        .await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.body);
    assert_eq!(up.body["user"]["email"], "zoe@example.com");
    assert!(
        up.body["user"].get("password").is_none() && up.body["user"].get("password_hash").is_none()
    );
    let cookie = up.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("lms_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http by default");
    let token = up.body["token"].as_str().unwrap().to_string();
    assert_eq!(
        bearer(&api, "GET", "/me", &token).await.body["user"]["name"],
        "Zoë"
    );
    let by_cookie = Request::builder()
        .uri("/me")
        .header(header::COOKIE, format!("theme=dark; lms_session={token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(api.send(by_cookie).await.status, StatusCode::OK);

    assert_problem(
        &api.call("POST", "/auth/sign-up", None, Some(new)).await,
        409,
        "email_taken",
    );
    let short = api
        .call(
            "POST",
            "/auth/sign-up",
            None,
            Some(json!({"email": "x@y.test", "password": "short", "name": "X"})),
        )
        .await;
    assert_problem(&short, 422, "validation_failed");
    assert_eq!(short.body["errors"][0]["field"], "password");
    let both = api
        .call(
            "POST",
            "/auth/sign-up",
            None,
            Some(json!({"email": "nope", "password": "short", "name": "X"})),
        )
        .await;
    let fields: Vec<_> = both.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(fields, [json!("email"), json!("password")]);

    let wrong = api
        .call(
            "POST",
            "/auth/sign-in",
            None,
            Some(json!({"email": "zoe@example.com", "password": "wrong password!"})),
        )
        .await;
    let unknown = api
        .call(
            "POST",
            "/auth/sign-in",
            None,
            Some(json!({"email": "nobody@example.com", "password": "wrong password!"})),
        )
        .await;
    assert_problem(&wrong, 401, "unauthenticated");
    assert_eq!(
        wrong.body, unknown.body,
        "the same answer for an unknown email and a wrong password"
    );
    let signed_in = api
        .call(
            "POST",
            "/auth/sign-in",
            None,
            Some(json!({"email": "ZOE@example.com", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK);
    let second = signed_in.body["token"].as_str().unwrap().to_string();
    assert_ne!(second, token, "every sign-in opens its own session");

    let out = bearer(&api, "POST", "/auth/sign-out", &token).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(
        out.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_problem(
        &bearer(&api, "GET", "/me", &token).await,
        401,
        "unauthenticated",
    );
    assert_eq!(
        bearer(&api, "GET", "/me", &second).await.status,
        StatusCode::OK,
        "other sessions live on"
    );
    assert_problem(
        &api.call("POST", "/auth/sign-out", None, None).await,
        401,
        "unauthenticated",
    );
}

pub async fn sign_in_attempts_are_limited(backend: Backend) {
    let api = api(backend, {
        let mut config = AuthConfig::default();
        config.signin_attempts_per_minute = 3;
        config
    })
    .await;
    let up = json!({"email": "lim@example.com", "password": "long enough pass", "name": "Lim"});
    assert_eq!(
        api.call("POST", "/auth/sign-up", None, Some(up))
            .await
            .status,
        StatusCode::CREATED
    );
    let attempt = json!({"email": "lim@example.com", "password": "not the password"});
    for _ in 0..3 {
        assert_problem(
            &api.call("POST", "/auth/sign-in", None, Some(attempt.clone()))
                .await,
            401,
            "unauthenticated",
        );
    }
    let limited = api.call("POST", "/auth/sign-in", None, Some(attempt)).await;
    assert_problem(&limited, 429, "rate_limited");
    let retry: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let right = json!({"email": "lim@example.com", "password": "long enough pass"});
    assert_problem(
        &api.call("POST", "/auth/sign-in", None, Some(right)).await,
        429,
        "rate_limited",
    );
    // Sign-ups (an argon2 hash each) are limited per client too: this client made one.
    for n in 0..2 {
        let up = json!({"email": format!("more{n}@example.com"), "password": "long enough pass", "name": "More"});
        let made = api.call("POST", "/auth/sign-up", None, Some(up)).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    }
    let up =
        json!({"email": "one-too-many@example.com", "password": "long enough pass", "name": "M"});
    let refused = api.call("POST", "/auth/sign-up", None, Some(up)).await;
    assert_problem(&refused, 429, "rate_limited");
}

/// A refused attempt leaves nothing in the limiter, and an address that cannot be an
/// account's is refused without a bucket of its own (a client cannot grow the limiter's
/// memory with made-up keys).
pub async fn refused_attempts_leave_nothing_behind(backend: Backend) {
    let api = api(backend, AuthConfig::default()).await;
    let auth = lms_axum::BuiltInAuth::new(api.w.lms.clone(), AuthConfig::default());
    let huge = "x".repeat(100_000);
    let reply = auth.sign_in(&huge, "whatever", None).await;
    assert_eq!(reply.err().map(|e| e.0.code()), Some("unauthenticated"));
    assert_eq!(
        auth.limiter_keys(),
        0,
        "no bucket for an address that does not parse"
    );
    let peer: std::net::IpAddr = "192.0.2.1".parse().unwrap();
    for _ in 0..10 {
        let _ = auth.sign_in("a@example.com", "wrong", Some(peer)).await;
    }
    let keys = auth.limiter_keys();
    for n in 0..50 {
        let refused = auth
            .sign_in(&format!("{n}@example.com"), "x", Some(peer))
            .await;
        assert_eq!(refused.err().map(|e| e.0.code()), Some("rate_limited"));
    }
    assert_eq!(auth.limiter_keys(), keys, "refused attempts added buckets");
}

/// The API with the built-in sign-in, a session TTL of `ttl` and the clock `clock`.
async fn api_at(backend: Backend, ttl: chrono::Duration, clock: &ManualClock) -> Api {
    let lms = lms_on(backend).await.with_clock(clock.clone());
    let w = World::new(lms.clone()).await;
    let mut config = AuthConfig::default();
    config.session_ttl = ttl.to_std().unwrap();
    Api {
        app: LmsRouter::new(lms, crate::common::public_url())
            .sign_in(config)
            .build(),
        w,
    }
}

async fn sign_up(api: &Api, email: &str) -> String {
    let up = json!({"email": email, "password": "long enough pass", "name": "Brief"});
    let reply = api.call("POST", "/auth/sign-up", None, Some(up)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["token"].as_str().unwrap().to_string()
}

async fn me(api: &Api, token: &str) -> u16 {
    bearer(api, "GET", "/me", token).await.status.as_u16()
}

pub async fn expired_sessions_are_refused(backend: Backend) {
    let clock = ManualClock::new();
    let ttl = chrono::Duration::hours(1);
    let api = api_at(backend, ttl, &clock).await;
    let unused = sign_up(&api, "unused@example.com").await;
    let used = sign_up(&api, "used@example.com").await;
    // A microsecond before the TTL runs out the session holds (and this use extends it)…
    clock.advance(ttl - chrono::Duration::microseconds(1));
    assert_eq!(me(&api, &used).await, 200);
    // …and at the TTL exactly, an unused one is over.
    clock.advance(chrono::Duration::microseconds(1));
    assert_problem(
        &bearer(&api, "GET", "/me", &unused).await,
        401,
        "unauthenticated",
    );
    assert_eq!(me(&api, &used).await, 200);
}

pub async fn sessions_in_use_slide_whatever_their_ttl(backend: Backend) {
    let clock = ManualClock::new();
    // A day or less used to never slide: the write waited for a day to pass.
    for ttl in [chrono::Duration::hours(1), chrono::Duration::days(1)] {
        let api = api_at(backend, ttl, &clock).await;
        let token = sign_up(&api, "slide@example.com").await;
        // Used at a fifth of the TTL: pushed to a full TTL from then.
        clock.advance(ttl / 5);
        assert_eq!(me(&api, &token).await, 200, "ttl {ttl}");
        // Past the first expiry, the session still holds…
        clock.advance(ttl - ttl / 10);
        assert_eq!(me(&api, &token).await, 200, "ttl {ttl}");
        // …and a full TTL without use after that ends it.
        clock.advance(ttl);
        assert_eq!(me(&api, &token).await, 401, "ttl {ttl}");
    }
}

pub async fn long_sessions_are_written_hourly_and_end_at_their_max_age(backend: Backend) {
    let clock = ManualClock::new();
    let ttl = chrono::Duration::days(30);
    let api = api_at(backend, ttl, &clock).await;
    let token = sign_up(&api, "hourly@example.com").await;
    // Uses within the first hour are not written: the expiry stays where sign-up put it.
    clock.advance(chrono::Duration::minutes(59));
    assert_eq!(me(&api, &token).await, 200);
    clock.advance(ttl - chrono::Duration::minutes(59));
    assert_eq!(me(&api, &token).await, 401);

    // A use an hour in is written, and moves the expiry to a full TTL from then.
    let token = sign_up(&api, "hourly2@example.com").await;
    clock.advance(chrono::Duration::hours(1));
    assert_eq!(me(&api, &token).await, 200);
    clock.advance(ttl - chrono::Duration::seconds(1));
    assert_eq!(me(&api, &token).await, 200);

    // However often it is used, a session ends 90 days after sign-in.
    let token = sign_up(&api, "daily@example.com").await;
    for _ in 0..4 {
        clock.advance(chrono::Duration::days(20));
        assert_eq!(me(&api, &token).await, 200);
    }
    clock.advance(chrono::Duration::days(10) - chrono::Duration::microseconds(1));
    assert_eq!(me(&api, &token).await, 200);
    clock.advance(chrono::Duration::microseconds(1));
    assert_eq!(me(&api, &token).await, 401, "90 days after sign-in");
}

pub async fn a_host_with_its_own_auth_has_no_sign_in_routes(backend: Backend) {
    let api = Api::new(backend).await;
    let reply = api
        .call(
            "POST",
            "/auth/sign-in",
            None,
            Some(json!({"email": "a@b.test", "password": "whatever123"})),
        )
        .await;
    assert_problem(&reply, 404, "not_found");
}

pub async fn clients_are_told_apart_by_peer_or_trusted_proxy(backend: Backend) {
    let lms = lms_on(backend).await;
    let w = World::new(lms.clone()).await;
    let mut auth = AuthConfig::default();
    auth.signin_attempts_per_minute = 2;
    let mut config = lms_axum::ApiConfig::default();
    config.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    let api = Api {
        app: LmsRouter::new(lms, crate::common::public_url())
            .sign_in(auth)
            .config(config)
            .build(),
        w,
    };
    let mut n = 0;
    let mut attempt = |peer: &str, forwarded_for: &str| {
        n += 1; // a new email each time: only the per-client bucket can fill up
        let body = json!({"email": format!("nobody{n}@example.com"), "password": "wrong password"});
        let peer: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
        let mut request = Request::builder()
            .method("POST")
            .uri("/auth/sign-in")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", forwarded_for)
            .body(Body::from(body.to_string()))
            .unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        request
    };
    let status = |reply: Reply| reply.status.as_u16();
    // A client that is not a trusted proxy is the client, whatever it forwards.
    for forged in ["1.1.1.1", "2.2.2.2"] {
        assert_eq!(status(api.send(attempt("9.9.9.9", forged)).await), 401);
    }
    assert_eq!(status(api.send(attempt("9.9.9.9", "3.3.3.3")).await), 429);
    // Behind the trusted proxy, each forwarded client has a bucket of its own.
    for _ in 0..2 {
        assert_eq!(status(api.send(attempt("10.0.0.1", "1.1.1.1")).await), 401);
    }
    assert_eq!(status(api.send(attempt("10.0.0.1", "1.1.1.1")).await), 429);
    assert_eq!(status(api.send(attempt("10.0.0.1", "2.2.2.2")).await), 401);
}

pub async fn sign_up_can_be_closed(backend: Backend) {
    let api = api(backend, {
        let mut config = AuthConfig::default();
        config.open_sign_up = false;
        config
    })
    .await;
    let up = json!({"email": "new@example.com", "password": "long enough pass", "name": "New"});
    let reply = api.call("POST", "/auth/sign-up", None, Some(up)).await;
    assert_problem(&reply, 403, "forbidden");
    let nobody = api.w.lms.user_by_email("new@example.com").await;
    assert_eq!(nobody.unwrap_err().code(), "not_found");
}

/// Issue 17, item 4: every sign-up ran a full argon2id hash, even for a taken email, and
/// nothing bounded how many ran at once.
pub async fn sign_up_is_not_an_unthrottled_cpu_sink(backend: Backend) {
    let lms = lms_on(backend).await;
    let auth = lms_axum::BuiltInAuth::new(lms.clone(), AuthConfig::default());
    let new = |email: &str| lms_core::NewUser {
        email: email.into(),
        name: "Taken".into(),
    };
    auth.sign_up(new("taken@example.com"), "long enough pass")
        .await
        .unwrap();
    let before = auth.password_hashes_done();
    for _ in 0..15 {
        let again = auth
            .sign_up(new("taken@example.com"), "long enough pass")
            .await;
        assert_eq!(again.err().map(|e| e.0.code()), Some("email_taken"));
    }
    assert_eq!(
        auth.password_hashes_done(),
        before,
        "no hash for a taken email"
    );

    // One hash at a time, and no waiting for a turn: racing sign-ups beyond it are 503
    // with Retry-After, never 500, and never more than one hash at once.
    let mut config = AuthConfig::default();
    config.concurrent_password_hashes = 1;
    config.password_hash_wait = std::time::Duration::ZERO;
    let w = World::new(lms.clone()).await;
    let api = Api {
        app: LmsRouter::new(lms, crate::common::public_url())
            .sign_in(config)
            .build(),
        w,
    };
    let replies = futures_util::future::join_all((0..8).map(|n| {
        let body = json!({"email": format!("racer{n}@example.com"), "password": "long enough pass", "name": "Racer"});
        let api = &api;
        async move { api.call("POST", "/auth/sign-up", None, Some(body)).await }
    }))
    .await;
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let shed: Vec<_> = replies
        .iter()
        .filter(|r| r.status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert_eq!(created + shed.len(), 8, "only 201 or 503");
    assert!(created >= 1 && !shed.is_empty(), "{created} created");
    for reply in shed {
        assert_problem(reply, 503, "unavailable");
        assert!(reply.headers.contains_key(header::RETRY_AFTER));
    }
}

/// Issue 17, item 8: ten bad sign-ins a minute against someone's email made their own
/// correct sign-in 429 from anywhere.
pub async fn the_limiter_does_not_lock_victims_out(backend: Backend) {
    let api = api(backend, {
        let mut config = AuthConfig::default();
        config.signin_attempts_per_minute = 3;
        config
    })
    .await;
    let up = json!({"email": "victim@example.com", "password": "long enough pass", "name": "V"});
    let reply = api.call("POST", "/auth/sign-up", None, Some(up)).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let attempt = |peer: &str, password: &str| {
        let body = json!({"email": "victim@example.com", "password": password});
        let peer: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
        let mut request = Request::builder()
            .method("POST")
            .uri("/auth/sign-in")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        request
    };
    // Strangers fail against the address from three places, until each is held.
    for stranger in ["9.9.9.1", "9.9.9.2", "9.9.9.3"] {
        for _ in 0..3 {
            let reply = api.send(attempt(stranger, "a wrong password")).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        }
        let held = api.send(attempt(stranger, "a wrong password")).await;
        assert_problem(&held, 429, "rate_limited");
    }
    // The owner, from their own place, is not held by any of it.
    let own = api.send(attempt("8.8.8.8", "long enough pass")).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    // A stranger who is held stays held, even with the right password.
    let held = api.send(attempt("9.9.9.1", "long enough pass")).await;
    assert_problem(&held, 429, "rate_limited");
}
