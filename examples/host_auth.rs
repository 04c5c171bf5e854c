//! A host app with its own users and sessions (tower-sessions), whose signed-in user reaches
//! the LMS through the request's extensions. The LMS is nested at `/lms` and has no sign-in
//! of its own: the host's session decides who calls.
//!
//! ```sh
//! cargo run -p lms-examples --example host_auth
//! curl -c jar -d user=alice localhost:8081/login     # the host's sign-in
//! curl -b jar localhost:8081/lms/me                   # the LMS knows Alice
//! ```
//!
//! `tests/host_auth.rs` drives this app.

use axum::Router;
use axum::extract::{Form, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lms::axum::http::request::Parts;
use lms::axum::{ApiError, Authenticate, LmsRouter, async_trait};
use lms::{Actor, ExternalUser, Lms, UserId};
use tower_sessions::{MemoryStore, Session, SessionManagerLayer};

/// The host's own users (its real app keeps them in its database, behind its own sign-in).
const HOST_USERS: &[(&str, &str, &str)] = &[
    ("alice", "alice@host.example", "Alice Host"),
    ("bob", "bob@host.example", "Bob Host"),
];

/// Where the host's session keeps the LMS user of the signed-in person.
const LMS_USER: &str = "lms_user";

/// What the host's middleware leaves in a request whose session is signed in.
#[derive(Clone, Copy)]
struct SignedIn(UserId);

/// The LMS asks this who calls: whoever the host's session says.
struct FromHostSession;

#[async_trait]
impl Authenticate for FromHostSession {
    async fn actor(&self, request: &Parts) -> Result<Actor, ApiError> {
        Ok(match request.extensions.get::<SignedIn>() {
            Some(user) => Actor::User(user.0),
            None => Actor::Anonymous,
        })
    }
}

/// The host app: its own pages and sign-in, and the LMS at `/lms`.
pub fn app(lms: Lms, public_url: lms_axum::PublicUrl) -> Router {
    // Plain http for the demo; behind https, keep tower-sessions' default (`Secure`). A
    // real sign-in form also checks `Origin` (or a CSRF token): SameSite does not stop a
    // cross-site form from signing a visitor in as someone else.
    let sessions = SessionManagerLayer::new(MemoryStore::default()).with_secure(false);
    Router::new()
        .route(
            "/",
            get(|| async { "The host's home page. POST /login user=alice" }),
        )
        .route("/login", post(login))
        .route("/logout", post(logout))
        .nest(
            "/lms",
            LmsRouter::new(lms.clone(), public_url)
                .auth(FromHostSession)
                .build(),
        )
        .layer(middleware::from_fn(signed_in_user))
        .layer(sessions)
        .with_state(lms)
}

#[derive(serde::Deserialize)]
struct Login {
    user: String,
}

/// The host's sign-in (a stand-in: a real one checks a password or a provider). The LMS
/// learns of the person here, by the host's id, once per sign-in.
async fn login(State(lms): State<Lms>, session: Session, Form(login): Form<Login>) -> Response {
    let Some((id, email, name)) = HOST_USERS.iter().find(|(id, ..)| *id == login.user) else {
        return (StatusCode::UNAUTHORIZED, "no such user").into_response();
    };
    let external = ExternalUser {
        external_id: (*id).to_string(),
        email: (*email).to_string(),
        name: (*name).to_string(),
        // This stand-in host never proves addresses; a real one says what its sign-up did.
        email_verified: false,
    };
    let user = match lms.ensure_user(external).await {
        Ok(user) => user,
        Err(error) => return (StatusCode::CONFLICT, error.to_string()).into_response(),
    };
    // A new session id on sign-in, so a session fixed before it is worthless.
    let stored = async {
        session.cycle_id().await?;
        session.insert(LMS_USER, user.id).await
    };
    match stored.await {
        Ok(()) => format!("signed in as {name}").into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

async fn logout(session: Session) -> StatusCode {
    match session.flush().await {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The host's middleware: a signed-in session puts its user in the request's extensions.
async fn signed_in_user(session: Session, mut request: Request, next: Next) -> Response {
    if let Ok(Some(user)) = session.get::<UserId>(LMS_USER).await {
        request.extensions_mut().insert(SignedIn(user));
    }
    next.run(request).await
}

#[allow(dead_code)] // the test includes this file for `app` only
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lms = Lms::new(lms::sqlite::SqliteStore::open("host-auth-demo.db").await?);
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:8081".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("the host app on http://{addr}, the LMS at http://{addr}/lms");
    let public_url = format!("http://{addr}/lms").parse()?;
    let app = app(lms, public_url).into_make_service_with_connect_info::<std::net::SocketAddr>();
    Ok(axum::serve(listener, app).await?)
}
