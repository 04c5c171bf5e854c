//! The findings of the security review (issue 17), each replayed over HTTP as an attacker
//! would, against the example server's own router (`lms_examples::assembly::assemble`, the
//! demo org seeded), on embedded SQLite and on Postgres. Each test is named after the
//! attack and checks that it now fails the way the contract says.
//!
//! The slowloris and slow-upload cases bind a real TCP listener (`transport.rs`). The demo
//! org's own flows are checked here too, on the same harness (`demo.rs`).

mod demo;
mod floods;
mod links;
mod media;
mod membership;
mod payments;
mod posts;
mod transport;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use lms::Lms;
use lms::sqlite::SqliteStore;
use lms_examples::assembly::{ACCOUNTS, assemble};
use lms_examples::settings::Settings;
use lms_postgres::testing::{Mode, TestDatabase};
use serde_json::Value;
use std::net::SocketAddr;
use tempfile::TempDir;
use tower::ServiceExt;

/// Where the server under test says it is.
pub const PUBLIC_URL: &str = "https://lms.example.test";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The example server's app on a fresh store, seeded with the demo org.
pub struct Server {
    pub app: Router,
    pub lms: Lms,
    pub settings: Settings,
    _dir: TempDir,
}

/// A reply: status, headers and the body as JSON (null when empty or not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }
}

impl Server {
    /// The server as `configure` leaves the test's default settings.
    pub async fn start(backend: Backend, configure: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let lms = match backend {
            Backend::Sqlite => Lms::new(SqliteStore::memory().await.expect("store")),
            Backend::Postgres => Lms::new(TestDatabase::create(Mode::Direct).await),
        };
        let mut settings = Settings::local("(given)", PUBLIC_URL, dir.path());
        settings.media_secret = Some(b"attack tests' shared media secret".to_vec());
        configure(&mut settings);
        let assembled = assemble(lms, &settings).await.expect("assemble the server");
        Self {
            app: assembled.app,
            lms: assembled.lms,
            settings,
            _dir: dir,
        }
    }

    /// Sends `request` from the client at `peer`.
    pub async fn send_from(&self, peer: [u8; 4], mut request: Request<Body>) -> Reply {
        let peer = SocketAddr::from((peer, 40_000));
        request.extensions_mut().insert(ConnectInfo(peer));
        let response = self.app.clone().oneshot(request).await.expect("infallible");
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("body").to_bytes().to_vec();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            bytes,
        }
    }

    /// `method /api/v1{path}` with `token` and a JSON `body`, from one client.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.send_from([10, 0, 0, 1], request(method, path, token, body))
            .await
    }

    /// Signs in a demo account (`admin`, `instructor` or `learner`): its bearer token.
    pub async fn demo(&self, who: &str) -> String {
        let (email, password, _, _) = ACCOUNTS
            .iter()
            .find(|(email, ..)| email.starts_with(who))
            .expect("a demo account");
        let body = serde_json::json!({"email": email, "password": password});
        let reply = self.call("POST", "/auth/sign-in", None, Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body["token"].as_str().unwrap().to_string()
    }

    /// Signs up a new account: its token and user id.
    pub async fn sign_up(&self, email: &str) -> (String, String) {
        let body =
            serde_json::json!({"email": email, "password": "a long password", "name": "Eve"});
        let reply = self.call("POST", "/auth/sign-up", None, Some(body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let token = reply.body["token"].as_str().unwrap().to_string();
        (
            token,
            reply.body["user"]["id"].as_str().unwrap().to_string(),
        )
    }

    /// `GET /me` as `token`: `{user, memberships}`.
    pub async fn me(&self, token: &str) -> Value {
        self.call("GET", "/me", Some(token), None).await.body
    }

    /// The id of the signed-in user of `token`.
    pub async fn user_id(&self, token: &str) -> String {
        let me = self.me(token).await;
        me["user"]["id"].as_str().expect("a user").to_string()
    }
}

/// A request to `/api/v1{path}`.
pub fn request(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("/api/v1{path}"));
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
}

/// Each case as `sqlite::<case>` and `postgres::<case>`.
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

use demo::the_demos_graded_course_opens_as_it_says;
use floods::{
    a_strangers_bad_passwords_do_not_lock_the_victim_out, sign_up_floods_are_limited,
    streams_past_the_per_user_cap_are_refused,
};
use links::links_ignore_a_forged_host;
use media::{
    a_range_past_u64_is_cut_to_the_last_byte, another_courses_media_is_refused,
    quiz_answers_of_any_size_are_refused, storage_stops_at_the_org_quota,
};
use membership::{
    a_removed_member_loses_access, a_revoked_learner_cannot_enroll_again,
    adding_a_stranger_by_id_is_404_without_their_email,
};
use payments::a_lapsed_member_who_pays_gets_in;
use posts::hidden_and_edited_posts_do_not_come_back_in_a_replay;
use transport::{a_trickled_upload_is_cut_off_with_408, slowloris_is_cut_off};

on_both_stores!(
    the_demos_graded_course_opens_as_it_says,
    adding_a_stranger_by_id_is_404_without_their_email,
    a_removed_member_loses_access,
    a_revoked_learner_cannot_enroll_again,
    hidden_and_edited_posts_do_not_come_back_in_a_replay,
    sign_up_floods_are_limited,
    a_strangers_bad_passwords_do_not_lock_the_victim_out,
    streams_past_the_per_user_cap_are_refused,
    a_lapsed_member_who_pays_gets_in,
    storage_stops_at_the_org_quota,
    quiz_answers_of_any_size_are_refused,
    a_range_past_u64_is_cut_to_the_last_byte,
    another_courses_media_is_refused,
    links_ignore_a_forged_host,
    slowloris_is_cut_off,
    a_trickled_upload_is_cut_off_with_408,
);
