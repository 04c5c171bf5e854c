//! The test client: requests to the real router, replies read back as JSON, and the check
//! that a reply is the problem the contract names.

use crate::common::{Backend, UserIdTokens, lms_on};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use lms_axum::LmsRouter;
use lms_core::Actor;
use lms_core::testing::World;
use serde_json::Value;
use tower::ServiceExt;

/// The `User-Agent` of the test client's requests.
pub const USER_AGENT: &str = "lms-tests/1.0";

/// The router under test and the world (org, people) it was built on.
pub struct Api {
    pub app: Router,
    pub w: World,
}

/// A reply, its body read as JSON (null when empty).
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Api {
    /// The API with the test auth ([`UserIdTokens`]) on a fresh world of `backend`.
    pub async fn new(backend: Backend) -> Self {
        Self::on(lms_on(backend).await).await
    }

    /// The API with the test auth on a fresh world of `lms` (a store, and a clock).
    pub async fn on(lms: lms_core::Lms) -> Self {
        let w = World::new(lms.clone()).await;
        Self {
            app: LmsRouter::new(lms, crate::common::public_url())
                .auth(UserIdTokens)
                .build(),
            w,
        }
    }

    /// Sends `request` as it is.
    pub async fn send(&self, mut request: Request<Body>) -> Reply {
        crate::common::with_peer(&mut request);
        let response = self.app.clone().oneshot(request).await.expect("infallible");
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("body").to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("JSON reply")
        };
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// `method path` as `who`, with `body` as JSON.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        who: Option<Actor>,
        body: Option<Value>,
    ) -> Reply {
        // The test auth takes a user's id as their token.
        let token = match who {
            Some(Actor::User(id)) => Some(id.to_string()),
            _ => None,
        };
        self.call_as(method, path, token.as_deref(), body).await
    }

    /// `method path` with `token` as the Bearer token, when given, and `body` as JSON, from
    /// the `User-Agent` [`USER_AGENT`].
    pub async fn call_as(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::USER_AGENT, USER_AGENT);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        };
        self.send(request.expect("request")).await
    }

    /// `GET path` as `who`, answered with a body that is not JSON (exports): the status,
    /// headers and text.
    pub async fn text(&self, path: &str, who: Option<Actor>) -> (StatusCode, HeaderMap, String) {
        let mut request = Request::builder().uri(path);
        if let Some(Actor::User(id)) = who {
            request = request.header(header::AUTHORIZATION, format!("Bearer {id}"));
        }
        let mut request = request.body(Body::empty()).expect("request");
        crate::common::with_peer(&mut request);
        let response = self.app.clone().oneshot(request).await.expect("infallible");
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("body").to_bytes();
        let text = String::from_utf8(bytes.to_vec()).expect("UTF-8");
        (parts.status, parts.headers, text)
    }

    /// `method path` as `who`, with `body` sent as it is and the content type given.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        who: Actor,
        content_type: Option<&str>,
        body: &str,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Actor::User(id) = who {
            request = request.header(header::AUTHORIZATION, format!("Bearer {id}"));
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        self.send(request.body(Body::from(body.to_string())).expect("request"))
            .await
    }
}

/// `reply` is problem+json with `status` and the contract's `code`.
#[track_caller]
pub fn assert_problem(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.body);
    assert_eq!(
        reply.headers[header::CONTENT_TYPE],
        "application/problem+json"
    );
    assert_eq!(
        (reply.body["status"].as_u64(), reply.body["code"].as_str()),
        (Some(status as u64), Some(code))
    );
    assert!(
        reply.body["title"].is_string()
            && reply.body["detail"].is_string()
            && reply.body["type"].is_string()
    );
}
