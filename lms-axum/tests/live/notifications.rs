//! The caller's notifications: the inbox routes and their stream, and a stream that ends
//! when its caller signs out.

use crate::client::{Api, call, config, open};
use crate::common::{Backend, lms_on};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lms_axum::{AuthConfig, LmsRouter};
use lms_core::Actor;
use lms_core::testing::{ManualClock, World};
use serde_json::{Value, json};
use std::time::Duration;

pub async fn notifications_are_listed_marked_and_streamed(backend: Backend) {
    let api = Api::new(backend).await;
    let outline = api.w.published("c", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    let (learner, instructor) = (api.w.learner, api.w.instructor);
    let mut owners_inbox = api
        .open("/me/events", instructor, None)
        .await
        .expect("open");
    let mut learners_inbox = api.open("/me/events", learner, None).await.expect("open");
    let (status, _) = api
        .call("POST", "/orgs/acme/courses/c/enrollments", learner, None)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let enrolled = owners_inbox.message().await;
    assert_eq!(enrolled.event, "enrollment.created");
    assert_eq!(
        (
            enrolled.data["kind"].clone(),
            enrolled.data["course_id"].clone()
        ),
        (json!("enrollment.created"), json!(outline.course.id))
    );
    assert_eq!(enrolled.data["data"]["user"]["name"], "Lea Learner");
    assert!(enrolled.data["id"].is_string() && enrolled.data["read_at"].is_null());

    let question = api.post(learner, lesson, "A question").await;
    assert_eq!(owners_inbox.message().await.event, "post.created");
    let path = format!("/orgs/acme/courses/c/lessons/{lesson}/posts");
    let (status, _) = api
        .call(
            "POST",
            &path,
            instructor,
            Some(json!({"body": "An answer", "parent_id": question["id"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let replied = learners_inbox.message().await;
    assert_eq!(
        (
            replied.event.as_str(),
            replied.data["data"]["parent_id"].clone()
        ),
        ("post.replied", question["id"].clone())
    );

    // The inbox: newest first; marking read.
    let (status, inbox) = api
        .call("GET", "/me/notifications?limit=1", instructor, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(inbox["items"][0]["kind"], "post.created");
    let cursor = inbox["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_string();
    let (_, older) = api
        .call(
            "GET",
            &format!("/me/notifications?limit=1&cursor={cursor}"),
            instructor,
            None,
        )
        .await;
    assert_eq!(
        (
            older["items"][0]["kind"].clone(),
            older["next_cursor"].clone()
        ),
        (json!("enrollment.created"), Value::Null)
    );
    let newest = inbox["items"][0]["id"].clone();
    let (status, _) = api
        .call(
            "POST",
            "/me/notifications/read",
            instructor,
            Some(json!({"ids": [newest]})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, after) = api.call("GET", "/me/notifications", instructor, None).await;
    assert!(after["items"][0]["read_at"].is_string() && after["items"][1]["read_at"].is_null());
    assert_eq!(
        api.call(
            "POST",
            "/me/notifications/read",
            instructor,
            Some(json!({"all": true}))
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, after) = api.call("GET", "/me/notifications", instructor, None).await;
    assert!(
        after["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["read_at"].is_string())
    );
    for bad in [
        json!({}),
        json!({"all": false}),
        json!({"ids": ["nope"]}),
        json!({"ids": [], "all": true}),
    ] {
        let (status, problem) = api
            .call("POST", "/me/notifications/read", instructor, Some(bad))
            .await;
        assert_eq!(
            (status, problem["code"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("validation_failed"))
        );
    }
    assert_eq!(
        api.call("GET", "/me/notifications", Actor::Anonymous, None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let anonymous = Request::builder()
        .uri("/me/events")
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&api.app, anonymous).await.0, StatusCode::UNAUTHORIZED);

    // The owner's own reply notified only the learner: the owner's next notification, on
    // the stream open since the start, is the learner's next post.
    let follow_up = api.post(learner, lesson, "A follow-up").await;
    let next = owners_inbox.message().await;
    assert_eq!(
        (next.event.as_str(), &next.data["data"]["id"]),
        ("post.created", &follow_up["id"])
    );

    // Replay of the inbox from an id.
    let mut replay = api
        .open("/me/events", instructor, Some(&enrolled.id))
        .await
        .expect("open");
    let replayed: Vec<_> = [replay.message().await, replay.message().await]
        .iter()
        .map(|m| (m.event.clone(), m.data["data"]["id"].clone()))
        .collect();
    let post_created = || "post.created".to_string();
    assert_eq!(
        replayed,
        [
            (post_created(), question["id"].clone()),
            (post_created(), follow_up["id"].clone())
        ]
    );
    // Then live: the next is a new post, nothing in between.
    let latest = api.post(learner, lesson, "Latest").await;
    let next = replay.message().await;
    assert_eq!(next.data["data"]["id"], latest["id"]);
}

pub async fn signing_out_ends_the_stream(backend: Backend) {
    let lms = lms_on(backend).await;
    let w = World::new(lms.clone()).await;
    let app = LmsRouter::new(lms, crate::common::public_url())
        .sign_in(AuthConfig::default())
        .config(config())
        .build();
    let sign_up = json!({"email": "owner@acme.test", "password": "correct horse battery", "name": "Olga Owner"});
    let request = |method: &str, path: &str, token: Option<&str>, body: Option<Value>| {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .unwrap()
    };
    let (status, up) = call(&app, request("POST", "/auth/sign-up", None, Some(sign_up))).await;
    assert_eq!(status, StatusCode::CREATED, "{up}");
    let token = up["token"].as_str().unwrap().to_string();
    let mut inbox = open(&app, "/me/events", &format!("Bearer {token}"), None)
        .await
        .expect("open");
    inbox.keep_alive_within(Duration::from_secs(5)).await;
    let (status, _) = call(&app, request("POST", "/auth/sign-out", Some(&token), None)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    inbox.ends_within(Duration::from_secs(3)).await;
    drop(w);
}

pub async fn an_open_stream_does_not_keep_its_session_alive(backend: Backend) {
    let clock = ManualClock::new();
    let lms = lms_on(backend).await.with_clock(clock.clone());
    let w = World::new(lms.clone()).await;
    let ttl = chrono::Duration::hours(1);
    let mut auth = AuthConfig::default();
    auth.session_ttl = ttl.to_std().unwrap();
    let mut config = config();
    config.event_keep_alive = Duration::from_millis(20);
    let app = LmsRouter::new(lms, crate::common::public_url())
        .sign_in(auth)
        .config(config)
        .build();
    let up = json!({"email": "idle@acme.test", "password": "correct horse battery", "name": "Ida"});
    let request = Request::builder()
        .method("POST")
        .uri("/auth/sign-up")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(up.to_string()))
        .unwrap();
    let (status, up) = call(&app, request).await;
    assert_eq!(status, StatusCode::CREATED, "{up}");
    let bearer = format!("Bearer {}", up["token"].as_str().unwrap());
    let mut inbox = open(&app, "/me/events", &bearer, None).await.expect("open");
    // Half the TTL later (a request now would slide the session), the stream rechecks the
    // session on every keep-alive: that must not count as a use.
    clock.advance(ttl / 2);
    for _ in 0..3 {
        inbox.keep_alive_within(Duration::from_secs(5)).await;
    }
    // At the TTL from sign-up the session is over, and so is the stream.
    clock.advance(ttl / 2);
    inbox.ends_within(Duration::from_secs(5)).await;
    let me = Request::builder()
        .uri("/me")
        .header(header::AUTHORIZATION, &bearer)
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&app, me).await.0, StatusCode::UNAUTHORIZED);
    drop(w);
}

/// Streams stay open for hours: a user may hold a few, the server a bounded number, and a
/// stream's place is freed when its client goes away (issue 17, item 11).
pub async fn open_streams_are_capped_per_user_and_in_total(backend: Backend) {
    let lms = lms_on(backend).await;
    let w = World::new(lms.clone()).await;
    let mut capped = config();
    capped.event_streams_per_user = 2;
    capped.event_streams_total = 3;
    let app = LmsRouter::new(lms, crate::common::public_url())
        .auth(crate::common::UserIdTokens)
        .config(capped)
        .build();
    let bearer = |who: Actor| format!("Bearer {}", who.user_id().unwrap());
    let first = open(&app, "/me/events", &bearer(w.learner), None).await;
    let _second = open(&app, "/me/events", &bearer(w.learner), None)
        .await
        .expect("2nd");
    let third = open(&app, "/me/events", &bearer(w.learner), None).await;
    let (status, problem) = third.err().expect("a third stream of one user is refused");
    assert_eq!(
        (status, &problem["code"]),
        (StatusCode::TOO_MANY_REQUESTS, &json!("rate_limited"))
    );
    let _other = open(&app, "/me/events", &bearer(w.instructor), None)
        .await
        .expect("another user");
    let full = open(&app, "/me/events", &bearer(w.admin), None).await;
    let (status, problem) = full.err().expect("past the server's cap");
    assert_eq!(
        (status, &problem["code"]),
        (StatusCode::SERVICE_UNAVAILABLE, &json!("unavailable"))
    );
    drop(first.expect("1st"));
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        match open(&app, "/me/events", &bearer(w.learner), None).await {
            Ok(_) => break,
            Err(refused) if std::time::Instant::now() < deadline => {
                let waiting = [
                    StatusCode::TOO_MANY_REQUESTS,
                    StatusCode::SERVICE_UNAVAILABLE,
                ];
                assert!(waiting.contains(&refused.0), "{refused:?}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(refused) => panic!("the closed stream's place was never freed: {refused:?}"),
        }
    }
}
