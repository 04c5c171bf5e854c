//! The client side: requests to the real router, and reading a `text/event-stream` message by
//! message, with the keep-alives counted.

use crate::common::{Backend, UserIdTokens, lms_on};
use axum::Router;
use axum::body::{Body, BodyDataStream};
use axum::http::{Request, StatusCode, header};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use lms_axum::ApiConfig;
use lms_axum::LmsRouter;
use lms_core::Actor;
use lms_core::testing::World;
use serde_json::{Value, json};
use std::time::Duration;
use tower::ServiceExt;

/// Short keep-alives, so that the tests see them (and the rights checks they trigger).
pub fn config() -> ApiConfig {
    let mut config = ApiConfig::default();
    config.event_keep_alive = Duration::from_millis(300);
    config
}

/// The router under test and the world (org, people) it was built on.
pub struct Api {
    pub app: Router,
    pub w: World,
}

impl Api {
    /// The API with the test auth and short keep-alives on a fresh world of `backend`.
    pub async fn new(backend: Backend) -> Self {
        let lms = lms_on(backend).await;
        let w = World::new(lms.clone()).await;
        Self {
            app: LmsRouter::new(lms, crate::common::public_url())
                .auth(UserIdTokens)
                .config(config())
                .build(),
            w,
        }
    }

    /// `method path` as `who`, with `body` as JSON: the status and the JSON reply.
    pub async fn call(
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

    /// `who` posts `body` on `lesson` of course `c` (201 asserted): the post.
    pub async fn post(&self, who: Actor, lesson: lms_core::LessonId, body: &str) -> Value {
        let path = format!("/orgs/acme/courses/c/lessons/{lesson}/posts");
        let (status, post) = self
            .call("POST", &path, who, Some(json!({"body": body})))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{post}");
        post
    }

    /// Opens the stream at `path` as `who`, resuming after `last_event_id`.
    pub async fn open(
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

/// Sends `request` to `app`: the status and the JSON reply.
pub async fn call(app: &Router, mut request: Request<Body>) -> (StatusCode, Value) {
    crate::common::with_peer(&mut request);
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
pub async fn open(
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
pub struct Message {
    pub id: String,
    pub event: String,
    pub data: Value,
}

/// The client side of a `text/event-stream`.
pub struct EventStream {
    body: BodyDataStream,
    buffer: String,
    /// Comment lines seen so far (`: keep-alive`).
    pub comments: usize,
}

enum Next {
    Message(Message),
    /// A `: keep-alive` comment (only when asked to stop at one).
    KeepAlive,
    Ended,
    TimedOut,
}

impl EventStream {
    /// The next message within `wait`, skipping (and counting) comments.
    async fn next(&mut self, wait: Duration) -> Next {
        self.next_or_keep_alive(wait, false).await
    }

    /// The next message (or, with `stop_at_keep_alive`, comment) within `wait`.
    async fn next_or_keep_alive(&mut self, wait: Duration, stop_at_keep_alive: bool) -> Next {
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
                            if stop_at_keep_alive {
                                return Next::KeepAlive;
                            }
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

    pub async fn message(&mut self) -> Message {
        match self.next(Duration::from_secs(5)).await {
            Next::Message(message) => message,
            Next::Ended => panic!("the stream ended"),
            Next::TimedOut => panic!("no message within 5 s"),
            Next::KeepAlive => unreachable!("not asked to stop at keep-alives"),
        }
    }

    /// Asserts that the next thing on an idle stream is a keep-alive comment, not a message
    /// (waiting at most `wait` for it).
    pub async fn keep_alive_within(&mut self, wait: Duration) {
        match self.next_or_keep_alive(wait, true).await {
            Next::KeepAlive => {}
            Next::Message(message) => panic!("unexpected message {message:?}"),
            Next::Ended => panic!("the stream ended"),
            Next::TimedOut => panic!("no keep-alive within {wait:?}"),
        }
    }

    /// Asserts that the stream ends within `wait` without another message.
    pub async fn ends_within(&mut self, wait: Duration) {
        match self.next(wait).await {
            Next::Ended => {}
            Next::Message(message) => panic!("unexpected message {message:?}"),
            Next::TimedOut => panic!("the stream did not end"),
            Next::KeepAlive => unreachable!("not asked to stop at keep-alives"),
        }
    }
}
