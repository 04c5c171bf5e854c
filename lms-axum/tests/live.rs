//! Notifications and live events over HTTP, on both stores: the inbox routes, the two
//! server-sent event streams (delivery, `Last-Event-ID` replay, keep-alive, who receives
//! what, streams that end when their caller loses the right), and on Postgres a post
//! written through one instance reaching a stream held by another.

#[macro_use]
mod common;

use axum::Router;
use axum::body::{Body, BodyDataStream};
use axum::http::{Request, StatusCode, header};
use common::{Backend, UserIdTokens, lms_on};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use lms_axum::{ApiConfig, AuthConfig};
use lms_core::testing::World;
use lms_core::{Actor, Lms};
use lms_postgres::testing::{Mode, TestDatabase};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// Short keep-alives, so that the tests see them (and the rights checks they trigger).
fn config() -> ApiConfig {
    ApiConfig {
        event_keep_alive: Duration::from_millis(300),
        ..ApiConfig::default()
    }
}

on_both_stores!(
    course_streams_deliver_and_replay_exactly,
    streams_reach_only_those_allowed,
    notifications_are_listed_marked_and_streamed,
    signing_out_ends_the_stream,
);

struct Api {
    app: Router,
    w: World,
}

impl Api {
    async fn new(backend: Backend) -> Self {
        let lms = lms_on(backend).await;
        let w = World::new(lms.clone()).await;
        Self {
            app: lms_axum::router_with_auth_and_config(lms, UserIdTokens, config()),
            w,
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        who: Actor,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(path);
        if let Actor::User(id) = who {
            request = request.header(header::AUTHORIZATION, format!("Bearer {id}"));
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        };
        call(&self.app, request.unwrap()).await
    }

    async fn post(&self, who: Actor, lesson: lms_core::LessonId, body: &str) -> Value {
        let path = format!("/orgs/acme/courses/c/lessons/{lesson}/posts");
        let (status, post) = self
            .call("POST", &path, who, Some(json!({"body": body})))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{post}");
        post
    }

    async fn open(
        &self,
        path: &str,
        who: Actor,
        last_event_id: Option<&str>,
    ) -> Result<EventStream, (StatusCode, Value)> {
        open(
            &self.app,
            path,
            &format!("Bearer {}", who.user_id().unwrap()),
            last_event_id,
        )
        .await
    }
}

async fn call(app: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("JSON")
        },
    )
}

/// Opens an event stream: the stream on 200, the problem otherwise.
async fn open(
    app: &Router,
    path: &str,
    authorization: &str,
    last_event_id: Option<&str>,
) -> Result<EventStream, (StatusCode, Value)> {
    let mut request = Request::builder()
        .uri(path)
        .header(header::AUTHORIZATION, authorization);
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .expect("infallible");
    if response.status() != StatusCode::OK {
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        return Err((status, serde_json::from_slice(&bytes).expect("problem")));
    }
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    Ok(EventStream {
        body: response.into_body().into_data_stream(),
        buffer: String::new(),
        comments: 0,
    })
}

/// One message of a stream.
#[derive(Debug)]
struct Message {
    id: String,
    event: String,
    data: Value,
}

/// The client side of a `text/event-stream`.
struct EventStream {
    body: BodyDataStream,
    buffer: String,
    /// Comment lines seen so far (`: keep-alive`).
    comments: usize,
}

enum Next {
    Message(Message),
    Ended,
    TimedOut,
}

impl EventStream {
    /// The next message within `wait`, skipping (and counting) comments.
    async fn next(&mut self, wait: Duration) -> Next {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
                for line in block.lines().filter(|l| !l.is_empty()) {
                    match line.split_once(": ").or_else(|| line.split_once(':')) {
                        Some(("", comment)) => {
                            assert_eq!(comment, "keep-alive");
                            self.comments += 1;
                        }
                        Some(("id", v)) => id = v.to_string(),
                        Some(("event", v)) => event = v.to_string(),
                        Some(("data", v)) => data.push_str(v),
                        other => panic!("unexpected line {line:?} ({other:?})"),
                    }
                }
                if !event.is_empty() {
                    return Next::Message(Message {
                        id,
                        event,
                        data: serde_json::from_str(&data).expect("JSON data"),
                    });
                }
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Err(_) => return Next::TimedOut,
                Ok(None) => return Next::Ended,
                Ok(Some(chunk)) => self
                    .buffer
                    .push_str(std::str::from_utf8(&chunk.expect("chunk")).expect("UTF-8")),
            }
        }
    }

    async fn message(&mut self) -> Message {
        match self.next(Duration::from_secs(5)).await {
            Next::Message(message) => message,
            Next::Ended => panic!("the stream ended"),
            Next::TimedOut => panic!("no message within 5 s"),
        }
    }

    /// Asserts that nothing but keep-alives arrives for `wait`.
    async fn quiet_for(&mut self, wait: Duration) {
        match self.next(wait).await {
            Next::TimedOut => {}
            Next::Message(message) => panic!("unexpected message {message:?}"),
            Next::Ended => panic!("the stream ended"),
        }
    }

    /// Asserts that the stream ends within `wait` without another message.
    async fn ends_within(&mut self, wait: Duration) {
        match self.next(wait).await {
            Next::Ended => {}
            Next::Message(message) => panic!("unexpected message {message:?}"),
            Next::TimedOut => panic!("the stream did not end"),
        }
    }
}

async fn course_streams_deliver_and_replay_exactly(backend: Backend) {
    let api = Api::new(backend).await;
    let outline = api.w.published("c", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    let (learner, instructor) = (api.w.learner, api.w.instructor);
    api.w.lms.enroll(&learner, "acme", "c").await.unwrap();

    let mut live = api
        .open("/orgs/acme/courses/c/events", instructor, None)
        .await
        .expect("open");
    let first = api.post(learner, lesson, "First question").await;
    let message = live.message().await;
    assert_eq!(
        (message.event.as_str(), &message.data["id"]),
        ("post.created", &first["id"])
    );
    assert_eq!(message.data["body"], "First question");
    assert_eq!(message.data["lesson_id"], json!(lesson));
    assert_eq!(message.data["author"]["name"], "Lea Learner");
    live.quiet_for(Duration::from_millis(700)).await;
    assert!(live.comments >= 1, "keep-alive comments while idle");
    let seen = message.id.clone();
    drop(live);

    // Missed while disconnected: two posts and an edit.
    let second = api.post(learner, lesson, "Second").await;
    let third = api.post(instructor, lesson, "Third").await;
    let edit = json!({"body": "Second, edited"});
    let (status, _) = api
        .call(
            "PATCH",
            &format!(
                "/orgs/acme/courses/c/posts/{}",
                second["id"].as_str().unwrap()
            ),
            learner,
            Some(edit),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let mut resumed = api
        .open("/orgs/acme/courses/c/events", learner, Some(&seen))
        .await
        .expect("reopen");
    let replayed = [
        resumed.message().await,
        resumed.message().await,
        resumed.message().await,
    ];
    let got: Vec<_> = replayed
        .iter()
        .map(|m| (m.event.as_str(), m.data["id"].clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("post.created", second["id"].clone()),
            ("post.created", third["id"].clone()),
            ("post.updated", second["id"].clone())
        ]
    );
    assert_eq!(replayed[2].data["body"], "Second, edited");
    let ids: Vec<i64> = replayed.iter().map(|m| m.id.parse().unwrap()).collect();
    assert!(ids[0] > seen.parse().unwrap() && ids.windows(2).all(|p| p[0] < p[1]));
    resumed.quiet_for(Duration::from_millis(500)).await;
    // Then live again, after the replay.
    let fourth = api.post(learner, lesson, "Fourth").await;
    assert_eq!(resumed.message().await.data["id"], fourth["id"]);

    // A position from the last message replays nothing; a malformed one is refused.
    let last = api.w.lms.latest_event().await.unwrap().to_string();
    let mut caught_up = api
        .open("/orgs/acme/courses/c/events", learner, Some(&last))
        .await
        .expect("open");
    caught_up.quiet_for(Duration::from_millis(400)).await;
    let bad = api
        .open("/orgs/acme/courses/c/events", learner, Some("yesterday"))
        .await
        .err()
        .expect("refused");
    assert_eq!(
        (bad.0, bad.1["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("malformed_request"))
    );
}

async fn streams_reach_only_those_allowed(backend: Backend) {
    let api = Api::new(backend).await;
    let outline = api.w.published("c", None).await;
    api.w.published("other", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    let learner = api.w.learner;
    api.w.lms.enroll(&learner, "acme", "c").await.unwrap();
    let classmate = api.w.new_user("classmate@acme.test").await;
    api.w.lms.enroll(&classmate, "acme", "c").await.unwrap();
    let elsewhere = api.w.new_user("elsewhere@acme.test").await;
    api.w.lms.enroll(&elsewhere, "acme", "other").await.unwrap();
    // Someone of another org, with a course of their own.
    let stranger = api.w.outsider;
    api.w
        .lms
        .create_org(
            &stranger,
            lms_core::NewOrg {
                slug: "beta".into(),
                name: "Beta".into(),
            },
        )
        .await
        .unwrap();

    let refused = api
        .open("/orgs/acme/courses/c/events", elsewhere, None)
        .await
        .err()
        .expect("refused");
    assert_eq!(
        (refused.0, refused.1["code"].clone()),
        (StatusCode::FORBIDDEN, json!("not_enrolled"))
    );
    let refused = api
        .open("/orgs/acme/courses/c/events", stranger, None)
        .await
        .err()
        .expect("refused");
    assert_eq!(refused.0, StatusCode::FORBIDDEN);
    let anonymous = Request::builder()
        .uri("/orgs/acme/courses/c/events")
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&api.app, anonymous).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        api.open("/orgs/acme/courses/nope/events", learner, None)
            .await
            .err()
            .unwrap()
            .0,
        StatusCode::NOT_FOUND
    );

    let mut other_course = api
        .open("/orgs/acme/courses/other/events", elsewhere, None)
        .await
        .expect("open");
    let mut strangers_inbox = api.open("/me/events", stranger, None).await.expect("open");
    let mut classmates = api
        .open("/orgs/acme/courses/c/events", classmate, None)
        .await
        .expect("open");
    let post = api.post(learner, lesson, "Only for course c").await;
    assert_eq!(classmates.message().await.data["id"], post["id"]);
    // A refused change says nothing: a paid enrollment without payment, an empty post.
    let (status, _) = api
        .call(
            "POST",
            "/orgs/acme/courses/c/lessons/x/posts",
            learner,
            Some(json!({"body": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let empty = format!("/orgs/acme/courses/c/lessons/{lesson}/posts");
    assert_eq!(
        api.call("POST", &empty, learner, Some(json!({"body": " "})))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    other_course.quiet_for(Duration::from_millis(800)).await;
    strangers_inbox.quiet_for(Duration::from_millis(100)).await;
    classmates.quiet_for(Duration::from_millis(100)).await;

    // Revoked: the classmate's stream stops, before the next post reaches it.
    api.w
        .lms
        .revoke_enrollment(&api.w.admin, "acme", "c", classmate.user_id().unwrap())
        .await
        .unwrap();
    api.post(learner, lesson, "After the revocation").await;
    classmates.ends_within(Duration::from_secs(3)).await;
}

async fn notifications_are_listed_marked_and_streamed(backend: Backend) {
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
    owners_inbox.quiet_for(Duration::from_millis(400)).await;

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

    // Replay of the inbox from an id.
    let mut replay = api
        .open("/me/events", instructor, Some(&enrolled.id))
        .await
        .expect("open");
    assert_eq!(replay.message().await.event, "post.created");
    replay.quiet_for(Duration::from_millis(400)).await;
}

async fn signing_out_ends_the_stream(backend: Backend) {
    let lms = lms_on(backend).await;
    let w = World::new(lms.clone()).await;
    let config = ApiConfig {
        auth: AuthConfig::default(),
        ..config()
    };
    let app = lms_axum::router_with_config(lms, config);
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
    inbox.quiet_for(Duration::from_millis(400)).await;
    let (status, _) = call(&app, request("POST", "/auth/sign-out", Some(&token), None)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    inbox.ends_within(Duration::from_secs(3)).await;
    drop(w);
}

/// Two instances of the server (two routers, two Lms, two pools) on one Postgres database:
/// a post written through A reaches a stream held by B, through LISTEN/NOTIFY (the
/// dispatchers' timers are set to a minute, so only the notification can deliver it in time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_through_one_instance_reaches_a_stream_on_another() {
    let database = TestDatabase::create(Mode::Direct).await;
    let second_pool = database.second_instance().await;
    let slow_poll = Duration::from_secs(60);
    let a = Lms::new(database).with_event_poll_interval(slow_poll);
    let b = Lms::new(second_pool).with_event_poll_interval(slow_poll);
    let w = World::new(a.clone()).await;
    let outline = w.published("c", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    w.lms.enroll(&w.learner, "acme", "c").await.unwrap();
    let instance_a = lms_axum::router_with_auth_and_config(a, UserIdTokens, config());
    let instance_b = lms_axum::router_with_auth_and_config(b, UserIdTokens, config());

    let bearer = |who: Actor| format!("Bearer {}", who.user_id().unwrap());
    let mut on_b = open(
        &instance_b,
        "/orgs/acme/courses/c/events",
        &bearer(w.instructor),
        None,
    )
    .await
    .expect("open");
    let mut inbox_on_b = open(&instance_b, "/me/events", &bearer(w.instructor), None)
        .await
        .expect("open");
    let mut latencies = Vec::new();
    for n in 0..5 {
        let body = json!({"body": format!("Question {n}, asked on A")});
        let post = Request::builder()
            .method("POST")
            .uri(format!("/orgs/acme/courses/c/lessons/{lesson}/posts"))
            .header(header::AUTHORIZATION, bearer(w.learner))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let sent = Instant::now();
        let (status, created) = call(&instance_a, post).await;
        let answered = sent.elapsed();
        assert_eq!(status, StatusCode::CREATED);
        let message = on_b.message().await;
        latencies.push((sent.elapsed(), answered));
        assert_eq!(
            (message.event.as_str(), &message.data["id"]),
            ("post.created", &created["id"])
        );
        assert_eq!(inbox_on_b.message().await.data["data"]["id"], created["id"]);
    }
    let slowest = latencies
        .iter()
        .map(|(delivered, _)| *delivered)
        .max()
        .unwrap();
    assert!(slowest < Duration::from_secs(5));
    latencies.sort();
    let after_answer: Vec<_> = latencies
        .iter()
        .map(|(delivered, answered)| *delivered - *answered)
        .collect();
    eprintln!(
        "cross-instance delivery, 5 posts: POST sent on A → SSE message on B min {:?}, median {:?}, max {:?}; \
         of which after A answered 201: {after_answer:?}",
        latencies[0].0, latencies[2].0, latencies[4].0
    );
}
