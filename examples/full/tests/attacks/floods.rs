//! Findings 4, 8 and 11 (streams): sign-up as a CPU sink, the sign-in limiter turned
//! against a victim, and event streams without a per-user cap.

use super::{Backend, Server, request};
use axum::http::StatusCode;
use serde_json::json;
use tower::ServiceExt;

pub async fn sign_up_floods_are_limited(backend: Backend) {
    let server = Server::start(backend, |_| {}).await;
    let mut statuses = Vec::new();
    for n in 0..15 {
        // A taken email: found before any password is hashed.
        let body = json!({"email": "learner@demo.test", "password": format!("guess number {n}"), "name": "Eve"});
        let reply = server.call("POST", "/auth/sign-up", None, Some(body)).await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(reply.headers.contains_key("retry-after"));
        }
        statuses.push(reply.status.as_u16());
    }
    assert_eq!(statuses[0], 409, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| [409, 429].contains(s)),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&429),
        "15 sign-ups in a row from one client: {statuses:?}"
    );
}

pub async fn a_strangers_bad_passwords_do_not_lock_the_victim_out(backend: Backend) {
    let server = Server::start(backend, |_| {}).await;
    let sign_in = |password: &str| {
        let body = json!({"email": "learner@demo.test", "password": password});
        request("POST", "/auth/sign-in", None, Some(body))
    };
    let stranger = [203, 0, 113, 66];
    let mut limited = false;
    for _ in 0..15 {
        let reply = server
            .send_from(stranger, sign_in("not the password"))
            .await;
        limited |= reply.status == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(limited, "the stranger's guesses are limited");
    let victim = server
        .send_from([198, 51, 100, 7], sign_in("demo-learner-pass"))
        .await;
    assert_eq!(
        victim.status,
        StatusCode::OK,
        "the victim signs in from their own client"
    );
}

pub async fn streams_past_the_per_user_cap_are_refused(backend: Backend) {
    let server = Server::start(backend, |_| {}).await;
    let learner = server.demo("learner").await;
    let mut open = Vec::new();
    for _ in 0..5 {
        let stream = server
            .app
            .clone()
            .oneshot(request("GET", "/me/events", Some(&learner), None));
        let response = stream.await.expect("infallible");
        assert_eq!(response.status(), StatusCode::OK);
        open.push(response); // held open
    }
    let sixth = server.call("GET", "/me/events", Some(&learner), None);
    let sixth = tokio::time::timeout(std::time::Duration::from_secs(5), sixth);
    let sixth = sixth.await.expect("refused, not opened");
    assert_eq!(
        (sixth.status, sixth.code()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    assert!(sixth.headers.contains_key("retry-after"));
    let admin = server.demo("admin").await;
    let other = server
        .app
        .clone()
        .oneshot(request("GET", "/me/events", Some(&admin), None));
    assert_eq!(
        other.await.expect("infallible").status(),
        StatusCode::OK,
        "another user's stream"
    );
    drop(open);
}
