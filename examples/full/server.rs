//! The lms-rs example server: the headless JSON API at `/api/v1` on embedded SQLite, with
//! demo data and built-in sign-in.
//!
//! ```sh
//! cargo run --release --example server
//! ```
//!
//! Settings (environment):
//! - `LMS_ADDR` — where to listen (default `127.0.0.1:3000`)
//! - `LMS_PUBLIC_URL` — the public base URL, where links the API hands out start (certificate
//!   and media URLs); default `http://` and the listen address (`0.0.0.0` becomes
//!   `127.0.0.1`, with a warning); `https://` marks the session cookie `Secure`. Open the
//!   browser app at this address: a page from another origin (`localhost` for `127.0.0.1`)
//!   may not write with the session cookie
//! - `LMS_SIGNIN_ATTEMPTS_PER_MINUTE` — per email and per client address (default 10)
//! - `LMS_DATABASE_URL` — default `sqlite://lms-demo.db` (created if missing); a
//!   `postgres://` URL selects Postgres, migrated on start with row-level security on
//! - `LMS_LISTEN_URL` — with Postgres behind a transaction-mode pooler: a direct URL of the
//!   same database for the live-event listener (`LISTEN` needs a session; default: the
//!   database URL)
//! - `LMS_MEDIA_DIR` — where uploads are kept (default `lms-demo-media`); `LMS_MEDIA_SECRET` —
//!   the key that signs media URLs (give every instance the same one; default: a random key
//!   per start, so URLs handed out before a restart stop working); `LMS_MEDIA_MAX_BYTES`
//!   (default 512 MiB); `LMS_MEDIA_QUOTA_BYTES` — what each org may store (default 5 GiB);
//!   `LMS_MEDIA_MIN_BYTES_PER_SECOND` — the slowest an upload may arrive after its first
//!   15 s (default 8192; slower is 408)
//! - `LMS_JWT_SECRET` (HS256) or `LMS_JWT_JWKS_URL` (RS256, ES256, EdDSA keys), with
//!   `LMS_JWT_ISSUER` and optionally `LMS_JWT_AUDIENCE` (unset: any audience, with a
//!   warning) — also accept an identity provider's JWTs as Bearer tokens, beside the
//!   built-in sessions (docs/recipes/). Tokens must say `email_verified: true`, unless
//!   `LMS_JWT_EMAIL_VERIFIED_WHEN_ABSENT=1` (for providers that only issue tokens for
//!   verified addresses)
//! - `LMS_APP_URL` — the front end's base URL, where certificates' `verify_url` and mailed
//!   links start (default: this server, which redirects `/certificates/{code}` to the API's
//!   verification and answers `/verify-email`, `/reset-password` and `/invitations/accept`
//!   with the API call a front end would make)
//! - `LMS_SMTP_URL` — send mail through this server (`smtp://user:pass@host:587` with
//!   STARTTLS, `smtps://…:465`, `?tls=none` for a local test server); `LMS_MAIL_FROM` — the
//!   sender (default `Demo Academy <no-reply@demo.test>`); without SMTP, mail is written as
//!   `.eml` files into `LMS_MAIL_DIR` (default `lms-demo-mail`)
//! - `LMS_CORS_ORIGINS` — comma-separated browser origins allowed to call the API
//! - `LMS_MAX_CONCURRENT_REQUESTS` — requests handled at once before the server sheds load
//!   with 503 (default 512; open event streams are capped apart); a request's head must
//!   arrive within 10 s
//! - `LMS_OPEN_SIGN_UP` — `0` closes `POST /auth/sign-up` (default: open)
//! - `LMS_DEFAULT_ORG` — the org whose catalog the browser app at `/` shows (default `demo`)
//! - `LMS_ORG_CREATION` — `host` stops users from creating orgs (default: `anyone`)
//! - `LMS_TRUSTED_PROXIES` — comma-separated proxy addresses or networks (`10.0.0.0/8`) whose
//!   `X-Forwarded-For` names the client; default none: the TCP peer is the client
//! - `LMS_SEED_DEMO` — `0` to skip the demo data (default: seeded on first start)
//! - `STRIPE_SECRET_KEY` and `STRIPE_WEBHOOK_SECRET` (comma-separated while rotating) —
//!   sell paid courses and the demo org's membership through Stripe; without them checkout
//!   answers 503 `payments_not_configured` and paid courses stay 402
//! - `STRIPE_API_BASE` — another Stripe endpoint (a mock); `LMS_CHECKOUT_ORIGINS` —
//!   comma-separated origins checkout may redirect to (default: the public URL's origin)
//! - `LMS_MEMBERSHIP_GRACE_DAYS` — how long a `past_due` membership keeps its courses open
//!   (default 7)
//! - `RUST_LOG` — log filter (default `info`)

use lms::{Actor, LessonKind, Lms};
use lms_examples::assembly::{ACCOUNTS, assemble};
use lms_examples::demo::{self, FREE, FREE_COURSE, ORG, PROJECTS};
use lms_examples::mail;
use lms_examples::settings::Settings;
use lms_examples::transport::{self, Transport};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    demo::exit_with(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let settings = Settings::from_env()?;
    let lms = demo::connect(&settings.database_url).await?;
    let server = assemble(lms, &settings).await?;
    let lms = server.lms;
    tokio::spawn(end_lapsed_memberships(lms.clone()));
    tokio::spawn(sweep_unattached_uploads(lms.clone(), server.media_store));
    let listener = tokio::net::TcpListener::bind(settings.addr).await?;
    let public_url = &settings.public_url;
    print_welcome(&lms, public_url, &settings.database_url, settings.seed).await;
    println!("Mail: {}", server.mail_goes);
    if let Some(link) = server.invitation {
        println!(
            "An invitation to {} waits (sign up as that address, then accept):\n  {link}",
            mail::INVITEE
        );
    }
    if settings.stripe.is_some() {
        println!(
            "Stripe: selling paid courses; webhooks go to {public_url}/api/v1/webhooks/stripe"
        );
    } else {
        println!(
            "Stripe: not configured (set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to sell)"
        );
    }
    let mut limits = Transport::default();
    if let Some(max) = settings.max_concurrent_requests {
        limits.max_concurrent_requests = max;
    }
    // Event streams never finish on their own: give requests in flight a few seconds, then
    // stop with the streams still open (clients reconnect with Last-Event-ID).
    let drain = std::time::Duration::from_secs(5);
    transport::serve(listener, server.app, limits, shutdown_signal(), drain).await;
    Ok(())
}

/// Hourly, stores the end of memberships past their grace period (their enrollments are
/// revoked, `membership_ended`), so that checkout and enrollment see it.
async fn end_lapsed_memberships(lms: Lms) {
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        match lms.end_lapsed_memberships().await {
            Ok(swept) => {
                if swept.revoked > 0 {
                    let revoked = swept.revoked;
                    tracing::info!("ended {revoked} enrollments of lapsed memberships");
                }
                for (org, e) in &swept.failed {
                    tracing::error!("sweeping the lapsed memberships of org {org}: {e}");
                }
            }
            Err(e) => tracing::error!("sweeping lapsed memberships: {e}"),
        }
    }
}

/// Hourly, deletes the files learners uploaded for an assignment and never attached to a
/// submission, a day after their upload.
async fn sweep_unattached_uploads(lms: Lms, store: std::sync::Arc<dyn lms_media::MediaStore>) {
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        match lms.sweep_unattached_uploads().await {
            Ok(swept) => {
                for key in &swept.keys {
                    if let Err(e) = store.delete(key).await {
                        tracing::error!("deleting the unattached upload {key}: {e}");
                    }
                }
                for (org, e) in &swept.failed {
                    tracing::error!("sweeping the unattached uploads of org {org}: {e}");
                }
            }
            Err(e) => tracing::error!("sweeping unattached uploads: {e}"),
        }
    }
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

async fn print_welcome(lms: &Lms, base: &str, database_url: &str, seed: bool) {
    let api = format!("{base}/api/v1");
    println!("\nlms-rs example server on {database_url}");
    println!("  App:    {base}/   (open it in a browser; sign in with a demo account below)");
    println!("  Docs:   {base}/docs");
    println!("  API:    {api}   (try {api}/health)");
    if !seed {
        return;
    }
    println!("\nDemo accounts (org '{ORG}'):");
    for (email, password, _, role) in ACCOUNTS {
        println!("  {email:<22} password {password:<22} {}", role.as_str());
    }
    let Ok(outline) = lms.course(&Actor::Anonymous, FREE_COURSE).await else {
        return;
    };
    let lessons: Vec<_> = outline.modules.iter().flat_map(|m| &m.lessons).collect();
    let Some(quiz) = lessons.iter().find(|l| l.kind == LessonKind::Quiz) else {
        return;
    };
    let course = format!("{api}/orgs/{ORG}/courses/{FREE}");
    println!("\nA learner's walkthrough:");
    println!(
        "  TOKEN=$(curl -s -X POST {api}/auth/sign-in -H 'content-type: application/json' \\\n    -d '{{\"email\":\"learner@demo.test\",\"password\":\"demo-learner-pass\"}}' | sed -E 's/.*\"token\":\"([^\"]+)\".*/\\1/')"
    );
    println!("  curl -s -w '\\n' {course}");
    println!("  curl -s -w '\\n' -X POST -H \"authorization: Bearer $TOKEN\" {course}/enrollments");
    for lesson in lessons.iter().filter(|l| l.kind != LessonKind::Quiz) {
        println!(
            "  curl -s -w '\\n' -X PUT -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/json' -d '{{\"percent\":100}}' {course}/lessons/{}/progress",
            lesson.id
        );
    }
    println!(
        "  curl -s -w '\\n' -X POST -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/json' \\\n    -d '{{\"answers\":{{\"q1\":\"move\",\"q2\":true,\"q3\":[\"ownership\",\"borrowing\"]}}}}' {course}/lessons/{}/attempts",
        quiz.id
    );
    println!("  curl -s -w '\\n' -H \"authorization: Bearer $TOKEN\" {course}/progress");
    println!(
        "  CODE=$(curl -s -H \"authorization: Bearer $TOKEN\" {course}/certificate | sed -E 's/.*\"code\":\"([^\"]+)\".*/\\1/')"
    );
    println!("  curl -s -w '\\n' {api}/certificates/$CODE");
    println!(
        "  curl -s -o certificate.pdf {api}/certificates/$CODE/pdf   # then open certificate.pdf"
    );
    println!(
        "Live: the course's discussion as it happens (post in another terminal; README has the rest):"
    );
    println!(
        "  curl -N -H \"authorization: Bearer $TOKEN\" {api}/orgs/{ORG}/courses/{FREE}/events"
    );
    let projects = format!("{api}/orgs/{ORG}/courses/{PROJECTS}");
    println!(
        "Graded work, a lesson that waits for it, a module that opens in 3 days: '{PROJECTS}'"
    );
    println!(
        "  curl -s -w '\\n' -X POST -H \"authorization: Bearer $TOKEN\" {projects}/enrollments"
    );
    println!("  curl -s -w '\\n' -H \"authorization: Bearer $TOKEN\" {projects}/progress/lessons");
    println!(
        "  (submit: POST {projects}/lessons/<assignment id>/submissions {{\"body\": \"…\"}}; the instructor grades at {projects}/submissions)"
    );
    println!("\nPress Ctrl-C to stop.");
}
