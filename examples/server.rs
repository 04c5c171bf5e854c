//! The lms-rs example server: the headless JSON API at `/api/v1` on embedded SQLite, with
//! demo data and built-in sign-in.
//!
//! ```sh
//! cargo run --release --example server
//! ```
//!
//! Settings (environment):
//! - `LMS_ADDR` — where to listen (default `127.0.0.1:3000`)
//! - `LMS_PUBLIC_URL` — the public base URL (default `http://` + `LMS_ADDR`); `https://`
//!   marks the session cookie `Secure`
//! - `LMS_SIGNIN_ATTEMPTS_PER_MINUTE` — per email and per client address (default 10)
//! - `LMS_DATABASE_URL` — default `sqlite://lms-demo.db` (created if missing); a
//!   `postgres://` URL selects Postgres (build with `--features postgres`), migrated on start
//!   with row-level security on
//! - `LMS_CORS_ORIGINS` — comma-separated browser origins allowed to call the API
//! - `LMS_SEED_DEMO` — `0` to skip the demo data (default: seeded on first start)
//! - `RUST_LOG` — log filter (default `info`)

use axum::Router;
use lms::sqlite::SqliteStore;
use lms::{
    Actor, CoursePatch, CourseStatus, LessonKind, Lms, LmsError, ModuleInput, NewCourse, NewLesson, NewOrg, NewUser,
    PriceInput, Role,
};
use lms_axum::{ApiConfig, AuthConfig, BuiltInAuth};
use serde_json::json;
use std::net::SocketAddr;

const ORG: &str = "demo";
const FREE: &str = "rust-101";
const PAID: &str = "async-rust";
const ACCOUNTS: [(&str, &str, &str, Role); 3] = [
    ("admin@demo.test", "demo-admin-pass", "Ada Admin", Role::Admin),
    ("instructor@demo.test", "demo-instructor-pass", "Ivan Instructor", Role::Instructor),
    ("learner@demo.test", "demo-learner-pass", "Lea Learner", Role::Learner),
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let addr: SocketAddr = env("LMS_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into()).parse()?;
    let public_url = env("LMS_PUBLIC_URL").unwrap_or_else(|| format!("http://{addr}"));
    let public_url = public_url.trim_end_matches('/').to_string();
    let attempts = match env("LMS_SIGNIN_ATTEMPTS_PER_MINUTE") {
        Some(text) => text.parse().map_err(|_| format!("LMS_SIGNIN_ATTEMPTS_PER_MINUTE={text} is not a number"))?,
        None => 10,
    };
    let database_url = env("LMS_DATABASE_URL").unwrap_or_else(|| "sqlite://lms-demo.db".into());
    let seed = !matches!(env("LMS_SEED_DEMO").as_deref(), Some("0" | "false" | "off" | "no"));
    let cors =
        env("LMS_CORS_ORIGINS").map(|v| v.split(',').map(|o| o.trim().to_string()).collect()).unwrap_or_default();

    let lms = connect(&database_url).await?;
    let auth = AuthConfig {
        signin_attempts_per_minute: attempts,
        secure_cookie: public_url.starts_with("https://"),
        ..AuthConfig::default()
    };
    if seed && matches!(lms.org(ORG).await, Err(LmsError::NotFound(_))) {
        seed_demo(&lms, &BuiltInAuth::new(lms.clone(), auth.clone())).await?;
        tracing::info!("seeded the demo org '{ORG}'");
    }
    let config = ApiConfig { auth, cors_allowed_origins: cors, ..ApiConfig::default() };
    let app = Router::new().nest("/api/v1", lms_axum::router_with_config(lms.clone(), config));

    let listener = tokio::net::TcpListener::bind(addr).await?;
    print_welcome(&lms, &public_url, &database_url, seed).await;
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// Ctrl-C, or SIGTERM from a process manager: stop accepting, finish what is in flight.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn connect(url: &str) -> Result<Lms, Box<dyn std::error::Error>> {
    if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        return Ok(Lms::new(SqliteStore::connect(url).await?));
    }
    #[cfg(feature = "postgres")]
    {
        let options = lms::postgres::PgOptions { row_level_security: true, ..Default::default() };
        let store = lms::postgres::PgStore::connect_with(url, options).await?;
        store.migrate().await?;
        Ok(Lms::new(store))
    }
    #[cfg(not(feature = "postgres"))]
    Err("LMS_DATABASE_URL names Postgres: run with --features postgres".into())
}

async fn print_welcome(lms: &Lms, base: &str, database_url: &str, seed: bool) {
    let api = format!("{base}/api/v1");
    println!("\nlms-rs example server on {database_url}");
    println!("  API:    {api}   (try {api}/health)");
    if !seed {
        return;
    }
    println!("\nDemo accounts (org '{ORG}'):");
    for (email, password, _, role) in ACCOUNTS {
        println!("  {email:<22} password {password:<22} {}", role.as_str());
    }
    let Ok(outline) = lms.course(&Actor::Anonymous, ORG, FREE).await else { return };
    let lessons: Vec<_> = outline.modules.iter().flat_map(|m| &m.lessons).collect();
    let (Some(first), Some(quiz)) = (lessons.first(), lessons.iter().find(|l| l.kind == LessonKind::Quiz)) else {
        return;
    };
    let course = format!("{api}/orgs/{ORG}/courses/{FREE}");
    println!("\nA learner's walkthrough:");
    println!(
        "  TOKEN=$(curl -s -X POST {api}/auth/sign-in -H 'content-type: application/json' \\\n    -d '{{\"email\":\"learner@demo.test\",\"password\":\"demo-learner-pass\"}}' | sed -E 's/.*\"token\":\"([^\"]+)\".*/\\1/')"
    );
    println!("  curl -s -w '\\n' {course}");
    println!("  curl -s -w '\\n' -X POST -H \"authorization: Bearer $TOKEN\" {course}/enrollments");
    println!(
        "  curl -s -w '\\n' -X PUT -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/json' -d '{{\"percent\":100}}' {course}/lessons/{}/progress",
        first.id
    );
    println!(
        "  curl -s -w '\\n' -X POST -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/json' \\\n    -d '{{\"answers\":{{\"q1\":\"move\",\"q2\":true,\"q3\":[\"ownership\",\"borrowing\"]}}}}' {course}/lessons/{}/attempts",
        quiz.id
    );
    println!("  curl -s -w '\\n' -H \"authorization: Bearer $TOKEN\" {course}/progress");
    println!("\nPress Ctrl-C to stop.");
}

async fn seed_demo(lms: &Lms, auth: &BuiltInAuth) -> Result<(), Box<dyn std::error::Error>> {
    let mut actors = Vec::new();
    for (email, password, name, _) in ACCOUNTS {
        let new = NewUser { email: email.into(), name: name.into() };
        let signed_up = auth.sign_up(new, password).await.map_err(|e| format!("seeding {email}: {e:?}"))?;
        actors.push(Actor::User(signed_up.user.id));
    }
    let (admin, instructor, learner) = (actors[0], actors[1], actors[2]);
    lms.create_org(&admin, NewOrg { slug: ORG.into(), name: "Demo Academy".into() }).await?;
    for (who, (_, _, _, role)) in [(instructor, ACCOUNTS[1]), (learner, ACCOUNTS[2])] {
        lms.set_member_role(&admin, ORG, who.user_id().ok_or("a user")?, role).await?;
    }
    let course = NewCourse {
        slug: FREE.into(),
        title: "Rust 101".into(),
        description: Some("Ownership, borrowing and the compiler as a friend.".into()),
        ..Default::default()
    };
    lms.create_course(&instructor, ORG, course).await?;
    let lesson = |title: &str, kind, content, free_preview| NewLesson {
        title: title.into(),
        kind,
        content,
        free_preview: Some(free_preview),
        duration_minutes: Some(10),
        required: None,
    };
    let basics = lms.create_module(&instructor, ORG, FREE, ModuleInput { title: "Basics".into() }).await?;
    let text = json!({"markdown": "# Ownership\nEvery value has exactly one owner."});
    lms.create_lesson(&instructor, ORG, FREE, basics.id, lesson("Ownership", LessonKind::Text, text, true)).await?;
    let video = json!({"url": "https://example.com/borrowing.mp4", "transcript": "Borrowing lets you use a value without owning it."});
    lms.create_lesson(&instructor, ORG, FREE, basics.id, lesson("Borrowing", LessonKind::Video, video, false)).await?;
    let check = lms.create_module(&instructor, ORG, FREE, ModuleInput { title: "Check".into() }).await?;
    let quiz = json!({
        "pass_percent": 70,
        "max_attempts": 3,
        "questions": [
            {"id": "q1", "kind": "single_choice", "prompt": "`let b = a;` for a String does…",
             "options": [{"id": "copy", "text": "a copy"}, {"id": "move", "text": "a move"}], "correct": ["move"]},
            {"id": "q2", "kind": "true_false", "prompt": "A value has exactly one owner.", "answer": true},
            {"id": "q3", "kind": "multiple_choice", "prompt": "Which are Rust concepts?",
             "options": [{"id": "ownership", "text": "Ownership"}, {"id": "borrowing", "text": "Borrowing"},
                         {"id": "gc", "text": "A tracing GC"}], "correct": ["ownership", "borrowing"]}
        ]
    });
    lms.create_lesson(&instructor, ORG, FREE, check.id, lesson("Checkpoint", LessonKind::Quiz, quiz, false)).await?;
    let publish = || CoursePatch { status: Some(CourseStatus::Published), ..Default::default() };
    lms.update_course(&instructor, ORG, FREE, publish()).await?;

    let paid = NewCourse {
        slug: PAID.into(),
        title: "Async Rust in Practice".into(),
        price: Some(PriceInput { amount: 4900, currency: "usd".into() }),
        ..Default::default()
    };
    lms.create_course(&instructor, ORG, paid).await?;
    let futures = lms.create_module(&instructor, ORG, PAID, ModuleInput { title: "Futures".into() }).await?;
    let intro = json!({"markdown": "A future is a value that is not ready yet."});
    let first = lesson("What a future is", LessonKind::Text, intro, true);
    lms.create_lesson(&instructor, ORG, PAID, futures.id, first).await?;
    lms.update_course(&instructor, ORG, PAID, publish()).await?;
    Ok(())
}
