//! What the HTTP test files share: the test authenticator, the two stores, and a macro that
//! runs each case on both.
#![allow(dead_code, unused_macros)]

use async_trait::async_trait;
use axum::http::request::Parts;
use lms_axum::{ApiError, Authenticate, session_token};
use lms_core::{Actor, Lms, LmsError};
use lms_postgres::testing::{Mode, TestDatabase};
use lms_sqlite::SqliteStore;

/// Test auth: the bearer token is the user's id.
pub struct UserIdTokens;

#[async_trait]
impl Authenticate for UserIdTokens {
    async fn actor(&self, request: &Parts) -> Result<Actor, ApiError> {
        match session_token(&request.headers) {
            None => Ok(Actor::Anonymous),
            Some(token) => token
                .parse()
                .map(Actor::User)
                .map_err(|_| ApiError(LmsError::Unauthenticated)),
        }
    }
}

/// Gives `request` a peer address, as `into_make_service_with_connect_info` would, unless
/// the test set one: per-client limits refuse requests without one.
/// Where the routers under test say they are reachable: links start here.
pub const PUBLIC_URL: &str = "https://lms.test/api/v1";

/// [`PUBLIC_URL`], parsed.
pub fn public_url() -> lms_axum::PublicUrl {
    PUBLIC_URL.parse().expect("a public URL")
}

pub fn with_peer(request: &mut axum::http::Request<axum::body::Body>) {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    if request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_none()
    {
        let peer = ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000)));
        request.extensions_mut().insert(peer);
    }
}

/// Every contract test runs on both stores.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A service on a fresh, empty store of `backend`.
pub async fn lms_on(backend: Backend) -> Lms {
    match backend {
        Backend::Sqlite => Lms::new(SqliteStore::memory().await.expect("store")),
        Backend::Postgres => Lms::new(TestDatabase::create(Mode::Direct).await),
    }
}

/// One `#[tokio::test]` per case and store: `sqlite::<case>` and `postgres::<case>`, each
/// calling `<case>(Backend)` in the invoking file.
macro_rules! on_both_stores {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::Backend::Postgres).await
                }
            )*
        }
    };
}
