//! The world every HTTP property runs in: a tokio runtime held by the property (its cases
//! are plain closures, so requests are sent with `block_on`), the router on SQLite in
//! memory, the test world of `lms_core::testing` and the ids random paths are filled with.
//! And the check every answer must pass.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use lms_axum::{ApiConfig, ApiError, AuthConfig, Authenticate, LmsRouter, MediaConfig};
use lms_core::testing::provider::RecordingProvider;
use lms_core::testing::{CommitCheckingMailer, World, acme};
use lms_core::{Actor, LessonKind, Lms, NewMember, NewPost, Role};
use lms_media::LocalMediaStore;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};
use std::net::SocketAddr;
use tower::ServiceExt;

/// What media URLs are signed with.
pub const MEDIA_SECRET: &[u8] = b"properties: a media secret";
/// The built-in user's password (random bodies use it now and then).
pub const PASSWORD: &str = "correct horse battery";

/// Test auth: a bearer token that is a UUID is that user; any other token is left to the
/// built-in sign-in (whose session tokens are not UUIDs).
struct UserIdsOrSessions;

#[async_trait::async_trait]
impl Authenticate for UserIdsOrSessions {
    async fn actor(&self, request: &Parts) -> Result<Actor, ApiError> {
        let token = lms_axum::session_token(&request.headers);
        Ok(token
            .and_then(|t| t.parse().ok())
            .map_or(Actor::Anonymous, Actor::User))
    }
}

/// Who sends a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    Nobody,
    Admin,
    Instructor,
    Learner,
    Outsider,
    /// A user of the built-in sign-in, by session token.
    BuiltIn,
}

pub const CALLERS: [Caller; 6] = [
    Caller::Nobody,
    Caller::Admin,
    Caller::Instructor,
    Caller::Learner,
    Caller::Outsider,
    Caller::BuiltIn,
];

/// A reply, its body as bytes.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A runtime, the router and its world.
pub struct Harness {
    pub rt: tokio::runtime::Runtime,
    pub app: Router,
    pub w: World,
    /// The built-in user's session token.
    pub session: String,
    /// `{name}` in a path or body → the ids it may stand for.
    pub ids: Vec<(&'static str, Vec<String>)>,
    /// The media store's directory, when media is on.
    _media: Option<tempfile::TempDir>,
}

impl Harness {
    /// An org `acme` (admin, instructor, learner, plus an outsider and a built-in user),
    /// a free course `c` (text, video, a quiz of 3 attempts, a quiz without a limit, an
    /// assignment; the learner enrolled, with a post and a submission) and a paid one `paid`, a membership plan, payments by
    /// the recording provider, mail to a test mailer; media in a temporary directory if
    /// `media`.
    pub fn new(media: bool) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let dir = media.then(|| tempfile::tempdir().expect("temporary directory"));
        let (app, w, ids) = rt.block_on(async {
            let store = lms_sqlite::SqliteStore::memory().await.expect("store");
            let lms = Lms::new(store).with_payments(RecordingProvider::default());
            let mail = CommitCheckingMailer::new(lms.store().clone());
            let lms = lms.with_mail(mail, "https://app.test/".parse().expect("URL"));
            let w = World::new(lms.clone()).await;
            w.published("c", None).await;
            let paid = w.published("paid", Some(4900)).await;
            let outline = lms.course(&w.instructor, acme("c")).await.expect("outline");
            let check = outline.modules[1].module.id;
            // The fixtures' quiz (q1: "b", q2: true), without a limit on attempts.
            let practice = json!({"pass_percent": 50, "questions": [
                {"id": "q1", "kind": "single_choice", "prompt": "Pick b",
                 "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}], "correct": ["b"]},
                {"id": "q2", "kind": "true_false", "prompt": "Rust has a borrow checker", "answer": true}
            ]});
            w.lesson("c", check, "Practice", LessonKind::Quiz, practice)
                .await;
            let task = json!({"instructions": "Write", "max_score": 10});
            let essay = w
                .lesson("c", check, "Essay", LessonKind::Assignment, task)
                .await;
            let outline = lms.course(&w.instructor, acme("c")).await.expect("outline");
            lms.enroll(&w.learner, acme("c")).await.expect("enroll");
            let draft = lms_core::NewSubmission {
                body: Some("A draft".into()),
                attachments: None,
            };
            let submission = lms
                .submit_assignment(&w.learner, acme("c"), essay.summary.id, draft)
                .await
                .expect("a submission");
            let plan = json!({"membership": {"amount": 900, "currency": "usd", "interval": "month"}});
            let plan: lms_core::OrgPatch = serde_json::from_value(plan).expect("a patch");
            lms.update_org(&w.admin, "acme", plan).await.expect("a plan");
            let lessons: Vec<String> = outline
                .modules
                .iter()
                .flat_map(|m| m.lessons.iter().map(|l| l.id.to_string()))
                .collect();
            let hello = NewPost {
                body: "Hello".into(),
                parent_id: None,
            };
            let lesson = outline.modules[0].lessons[0].id;
            let post = lms
                .create_post(&w.learner, acme("c"), lesson, hello)
                .await
                .expect("post");
            let invited = NewMember {
                email: "invited@example.test".into(),
                role: Role::Learner,
            };
            let invitation = lms.invite(&w.admin, "acme", invited).await.expect("invite");
            let user = |a: Actor| a.user_id().expect("a user").to_string();
            let ids = vec![
                ("{org}", vec!["acme".to_owned()]),
                // Mostly `c`, by slug or id: the other ids are its.
                (
                    "{course}",
                    vec![
                        "c".to_owned(),
                        outline.course.id.to_string(),
                        "c".to_owned(),
                        outline.course.id.to_string(),
                        "paid".to_owned(),
                        paid.course.id.to_string(),
                    ],
                ),
                (
                    "{module}",
                    outline.modules.iter().map(|m| m.module.id.to_string()).collect(),
                ),
                ("{lesson}", lessons),
                (
                    "{user_id}",
                    vec![user(w.learner), user(w.instructor), user(w.outsider)],
                ),
                ("{post}", vec![post.id.to_string()]),
                (
                    "{id}",
                    vec![invitation.id.to_string(), submission.id.to_string()],
                ),
            ];
            // LmsRouter::new takes the public URL (issue 17, item 9).
            let mut config = ApiConfig::default();
            if let Some(dir) = &dir {
                config.media = Some(MediaConfig::new(
                    LocalMediaStore::new(dir.path()),
                    MEDIA_SECRET,
                ));
            }
            let public_url = "https://lms.test/api".parse().expect("a public URL");
            let app = LmsRouter::new(lms, public_url)
                .auth(UserIdsOrSessions)
                .sign_in(AuthConfig::default())
                .config(config)
                .build();
            (app, w, ids)
        });
        let mut harness = Self {
            rt,
            app,
            w,
            session: String::new(),
            ids,
            _media: dir,
        };
        let up = json!({"email": "built.in@example.test", "password": PASSWORD, "name": "Bea"});
        let signed_up = harness.send(
            request("POST", "/auth/sign-up", Caller::Nobody, &harness)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(up.to_string()))
                .expect("request"),
        );
        assert_eq!(
            signed_up.status,
            StatusCode::CREATED,
            "{}",
            signed_up.json()
        );
        harness.session = signed_up.json()["token"]
            .as_str()
            .expect("a session token")
            .to_owned();
        harness
    }

    /// The user id or token `caller` sends, if any.
    pub fn token(&self, caller: Caller) -> Option<String> {
        let user = |a: Actor| a.user_id().map(|id| id.to_string());
        match caller {
            Caller::Nobody => None,
            Caller::Admin => user(self.w.admin),
            Caller::Instructor => user(self.w.instructor),
            Caller::Learner => user(self.w.learner),
            Caller::Outsider => user(self.w.outsider),
            Caller::BuiltIn => Some(self.session.clone()),
        }
    }

    /// `text` with each `{name}` replaced by the id `picks` choose among those it may be.
    pub fn fill(&self, text: &str, picks: &[prop::sample::Index]) -> String {
        let mut text = text.to_owned();
        for (i, (name, ids)) in self.ids.iter().enumerate() {
            if text.contains(name) {
                let pick = picks.get(i).map_or(0, |p| p.index(ids.len()));
                text = text.replace(name, &ids[pick]);
            }
        }
        text
    }

    /// Sends `request` from a client address (the sign-in's limits need one).
    pub fn send(&self, mut request: Request<Body>) -> Reply {
        let peer = ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000)));
        request.extensions_mut().insert(peer);
        self.rt.block_on(async {
            let response = self.app.clone().oneshot(request).await.expect("infallible");
            let (parts, body) = response.into_parts();
            let bytes = body.collect().await.expect("body").to_bytes().to_vec();
            Reply {
                status: parts.status,
                headers: parts.headers,
                bytes,
            }
        })
    }
}

/// A request builder for `method path` as `caller`.
pub fn request(
    method: &str,
    path: &str,
    caller: Caller,
    harness: &Harness,
) -> axum::http::request::Builder {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = harness.token(caller) {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request
}

/// What every answer must be: not a 5xx; a 4xx is problem+json with a `code`, its `status`
/// and the other members of a problem.
pub fn check_answer(reply: &Reply, what: &str) -> Result<(), TestCaseError> {
    let status = reply.status.as_u16();
    let text = String::from_utf8_lossy(&reply.bytes);
    prop_assert!(status < 500, "{} answered {}: {}", what, status, text);
    if status >= 400 {
        prop_assert_eq!(
            reply.header(header::CONTENT_TYPE),
            Some("application/problem+json"),
            "{} answered {}: {}",
            what,
            status,
            text
        );
        let problem = reply.json();
        let code = problem["code"].as_str().unwrap_or("");
        prop_assert!(
            !code.is_empty(),
            "{} answered a problem without a code: {}",
            what,
            text
        );
        prop_assert_eq!(
            problem["status"].as_u64(),
            Some(u64::from(status)),
            "{}",
            what
        );
        for member in ["type", "title", "detail"] {
            prop_assert!(
                problem[member].is_string(),
                "{}: no {} in {}",
                what,
                member,
                text
            );
        }
    }
    Ok(())
}

/// [`check_answer`], and a success with a body is JSON.
pub fn check_api_answer(reply: &Reply, what: &str) -> Result<(), TestCaseError> {
    check_answer(reply, what)?;
    if reply.status.is_success() && !reply.bytes.is_empty() {
        let json = reply
            .header(header::CONTENT_TYPE)
            .is_some_and(|t| t.starts_with("application/json"));
        prop_assert!(json, "{}: {:?}", what, reply.headers);
        prop_assert!(
            serde_json::from_slice::<Value>(&reply.bytes).is_ok(),
            "{}: not JSON",
            what
        );
    }
    Ok(())
}

/// The OpenAPI document the router serves.
pub fn document(harness: &Harness) -> Value {
    let request = request("GET", "/openapi.json", Caller::Nobody, harness);
    let reply = harness.send(request.body(Body::empty()).expect("request"));
    assert_eq!(reply.status, StatusCode::OK);
    reply.json()
}

/// The harness of a property, rebuilt every `every` cases.
pub struct Shared {
    media: bool,
    every: u32,
    state: std::cell::RefCell<(std::rc::Rc<Harness>, u32)>,
}

impl Shared {
    pub fn new(media: bool, every: u32) -> Self {
        let harness = std::rc::Rc::new(Harness::new(media));
        Self {
            media,
            every,
            state: std::cell::RefCell::new((harness, 0)),
        }
    }

    /// The harness for the next case.
    pub fn next(&self) -> std::rc::Rc<Harness> {
        let mut state = self.state.borrow_mut();
        state.1 += 1;
        if state.1 > self.every {
            *state = (std::rc::Rc::new(Harness::new(self.media)), 1);
        }
        state.0.clone()
    }

    /// The current harness.
    pub fn current(&self) -> std::rc::Rc<Harness> {
        self.state.borrow().0.clone()
    }
}
