//! A host's own sign-in: its middleware recognises the user and leaves them in the
//! request's extensions, where the host's `Authenticate` finds them.

use crate::api::{Api, assert_problem};
use crate::common::{Backend, lms_on};
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use lms_axum::LmsRouter;
use lms_axum::http::request::Parts;
use lms_axum::{ApiError, Authenticate, async_trait};
use lms_core::testing::World;
use lms_core::{Actor, UserId};

/// What the host's session layer puts in a request it recognised.
#[derive(Clone)]
struct HostUser(UserId);

/// The host's session layer, reduced to a header naming the user.
async fn host_sessions(mut request: Request, next: Next) -> Response {
    let user = request
        .headers()
        .get("x-host-user")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    if let Some(user) = user {
        request.extensions_mut().insert(HostUser(user));
    }
    next.run(request).await
}

struct FromExtensions;

#[async_trait]
impl Authenticate for FromExtensions {
    async fn actor(&self, request: &Parts) -> Result<Actor, ApiError> {
        Ok(request
            .extensions
            .get::<HostUser>()
            .map_or(Actor::Anonymous, |user| Actor::User(user.0)))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hosts_layers_say_who_is_calling() {
    let lms = lms_on(Backend::Sqlite).await;
    let w = World::new(lms.clone()).await;
    let app = LmsRouter::new(lms, crate::common::public_url())
        .auth(FromExtensions)
        .build()
        .layer(middleware::from_fn(host_sessions));
    let api = Api { app, w };
    let learner = api.w.learner.user_id().unwrap();
    let request = axum::http::Request::builder()
        .uri("/me")
        .header("x-host-user", learner.to_string())
        .body(axum::body::Body::empty())
        .unwrap();
    let me = api.send(request).await;
    assert_eq!(me.status.as_u16(), 200, "{}", me.body);
    assert_eq!(me.body["user"]["name"], "Lea Learner");
    // Without the host's session there is nobody.
    assert_problem(
        &api.call("GET", "/me", None, None).await,
        401,
        "unauthenticated",
    );
}
