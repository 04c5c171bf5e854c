//! Drives `examples/host_auth.rs`: the host's own sign-in and sessions decide who calls the
//! LMS nested in it.

#[path = "../../host_auth.rs"]
mod host_auth;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use lms::Lms;
use serde_json::Value;
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    cookie: Option<String>,
    body: String,
}

async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    if form.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let request = request
        .body(Body::from(form.unwrap_or("").to_string()))
        .unwrap();
    let response = app.clone().oneshot(request).await.expect("infallible");
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(String::from);
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        cookie,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn json(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.body))
}

#[tokio::test]
async fn the_hosts_session_says_who_calls_the_lms() {
    let lms = Lms::new(lms::sqlite::SqliteStore::memory().await.unwrap());
    let public_url = "http://127.0.0.1:8081/lms".parse().unwrap();
    let app = host_auth::app(lms.clone(), public_url);

    assert_eq!(
        call(&app, "GET", "/", None, None).await.status,
        StatusCode::OK
    );
    let anonymous = call(&app, "GET", "/lms/me", None, None).await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.body
    );
    assert_eq!(json(&anonymous)["code"], "unauthenticated");

    let alice = call(&app, "POST", "/login", None, Some("user=alice")).await;
    assert_eq!(alice.status, StatusCode::OK, "{}", alice.body);
    let alice_cookie = alice.cookie.expect("the host's session cookie");
    let me = call(&app, "GET", "/lms/me", Some(&alice_cookie), None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let me = json(&me);
    assert_eq!(me["user"]["name"], "Alice Host");
    assert_eq!(me["user"]["email"], "alice@host.example");

    // Signing in again is the same LMS user; another host user is another.
    let again = call(&app, "POST", "/login", None, Some("user=alice")).await;
    let again = call(&app, "GET", "/lms/me", again.cookie.as_deref(), None).await;
    assert_eq!(json(&again)["user"]["id"], me["user"]["id"]);
    let bob = call(&app, "POST", "/login", None, Some("user=bob")).await;
    let bob = call(&app, "GET", "/lms/me", bob.cookie.as_deref(), None).await;
    assert_eq!(json(&bob)["user"]["name"], "Bob Host");
    assert_ne!(json(&bob)["user"]["id"], me["user"]["id"]);

    // The LMS acts for the signed-in person: Alice founds an org and is its admin.
    let org = r#"{"slug": "alices-school", "name": "Alice's school"}"#;
    let request = Request::builder()
        .method("POST")
        .uri("/lms/orgs")
        .header(header::COOKIE, &alice_cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(org))
        .unwrap();
    let created = app.clone().oneshot(request).await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let mine = call(&app, "GET", "/lms/me", Some(&alice_cookie), None).await;
    assert_eq!(json(&mine)["memberships"][0]["org"], "alices-school");
    assert_eq!(json(&mine)["memberships"][0]["role"], "admin");

    // Signing out of the host signs out of the LMS.
    let out = call(&app, "POST", "/logout", Some(&alice_cookie), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let gone = call(&app, "GET", "/lms/me", Some(&alice_cookie), None).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);

    // An unknown host user never reaches the LMS.
    let nobody = call(&app, "POST", "/login", None, Some("user=mallory")).await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
}
