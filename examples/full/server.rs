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
//!   `127.0.0.1`, with a warning); `https://` marks the session cookie `Secure`
//! - `LMS_SIGNIN_ATTEMPTS_PER_MINUTE` — per email and per client address (default 10)
//! - `LMS_DATABASE_URL` — default `sqlite://lms-demo.db` (created if missing); a
//!   `postgres://` URL selects Postgres, migrated on start with row-level security on
//! - `LMS_LISTEN_URL` — with Postgres behind a transaction-mode pooler: a direct URL of the
//!   same database for the live-event listener (`LISTEN` needs a session; default: the
//!   database URL)
//! - `LMS_MEDIA_DIR` — where uploads are kept (default `lms-demo-media`); `LMS_MEDIA_SECRET` —
//!   the key that signs media URLs (give every instance the same one; default: a random key
//!   per start, so URLs handed out before a restart stop working); `LMS_MEDIA_MAX_BYTES`
//!   (default 512 MiB); `LMS_MEDIA_QUOTA_BYTES` — what each org may store (default 5 GiB)
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

use axum::Router;
use axum::extract::Path;
use axum::response::Redirect;
use axum::routing::get;
use lms::{Actor, LessonKind, Lms, LmsError, NewOrg, NewUser, Role};
use lms_axum::jwt::{JwtAuth, JwtConfig};
use lms_axum::{ApiConfig, AuthConfig, BuiltInAuth, LmsRouter, MediaConfig};
use lms_media::LocalMediaStore;
use std::net::SocketAddr;

#[path = "shared/demo.rs"]
mod demo;
#[path = "shared/mail.rs"]
mod mail;

use demo::{FREE, FREE_COURSE, ORG};
const ACCOUNTS: [(&str, &str, &str, Role); 3] = [
    (
        "admin@demo.test",
        "demo-admin-pass",
        "Ada Admin",
        Role::Admin,
    ),
    (
        "instructor@demo.test",
        "demo-instructor-pass",
        "Ivan Instructor",
        Role::Instructor,
    ),
    // A name in three scripts, so that the demo certificate shows off the embedded fonts.
    (
        "learner@demo.test",
        "demo-learner-pass",
        "Zoë Łukasz 山田",
        Role::Learner,
    ),
];

#[tokio::main]
async fn main() -> std::process::ExitCode {
    demo::exit_with(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let addr: SocketAddr = env("LMS_ADDR")
        .unwrap_or_else(|| "127.0.0.1:3000".into())
        .parse()?;
    // Links the API hands out start from configuration, never from a request's Host.
    let public_url = match env("LMS_PUBLIC_URL") {
        Some(url) => url.trim_end_matches('/').to_string(),
        None if addr.ip().is_unspecified() => {
            let local = SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port());
            tracing::warn!(
                "listening on {addr} without LMS_PUBLIC_URL: links will name http://{local}; \
                 set LMS_PUBLIC_URL to the address clients use"
            );
            format!("http://{local}")
        }
        None => format!("http://{addr}"),
    };
    let attempts = match env("LMS_SIGNIN_ATTEMPTS_PER_MINUTE") {
        Some(text) => text
            .parse()
            .map_err(|_| format!("LMS_SIGNIN_ATTEMPTS_PER_MINUTE={text} is not a number"))?,
        None => 10,
    };
    let database_url = env("LMS_DATABASE_URL").unwrap_or_else(|| "sqlite://lms-demo.db".into());
    let seed = !matches!(
        env("LMS_SEED_DEMO").as_deref(),
        Some("0" | "false" | "off" | "no")
    );
    let cors = env("LMS_CORS_ORIGINS")
        .map(|v| v.split(',').map(|o| o.trim().to_string()).collect())
        .unwrap_or_default();

    let mut lms = demo::connect(&database_url).await?;
    let stripe = env("STRIPE_SECRET_KEY").zip(env("STRIPE_WEBHOOK_SECRET"));
    if let Some((secret_key, webhook_secrets)) = &stripe {
        let mut secrets = webhook_secrets.split(',').map(|s| s.trim().to_string());
        let mut config =
            lms_stripe::StripeConfig::new(secret_key.clone(), secrets.next().unwrap_or_default());
        for secret in secrets {
            config = config.with_webhook_secret(secret);
        }
        if let Some(base) = env("STRIPE_API_BASE") {
            config = config.with_api_base(base);
        }
        let origins = env("LMS_CHECKOUT_ORIGINS").unwrap_or_else(|| public_url.clone());
        config =
            config.with_allowed_redirect_origins(origins.split(',').map(|o| o.trim().to_string()));
        lms = lms.with_payments(lms_stripe::Stripe::new(config));
    }
    if let Some(days) = env("LMS_MEMBERSHIP_GRACE_DAYS") {
        let days: i64 = days
            .parse()
            .map_err(|_| format!("LMS_MEMBERSHIP_GRACE_DAYS={days} is not a number"))?;
        lms = lms.with_membership_grace(chrono::Duration::days(days));
    }
    let off = |name| matches!(env(name).as_deref(), Some("0" | "false" | "off" | "no"));
    let mut auth = AuthConfig::default();
    auth.signin_attempts_per_minute = attempts;
    auth.secure_cookie = public_url.starts_with("https://");
    auth.open_sign_up = !off("LMS_OPEN_SIGN_UP");
    lms = match env("LMS_ORG_CREATION").as_deref() {
        None | Some("anyone") => lms,
        Some("host") => lms.with_org_creation(lms::OrgCreation::HostOnly),
        Some(other) => return Err(format!("LMS_ORG_CREATION={other}: use anyone or host").into()),
    };
    let mut trusted_proxies = Vec::new();
    for proxy in env("LMS_TRUSTED_PROXIES").iter().flat_map(|v| v.split(',')) {
        let proxy = proxy.trim();
        let net = proxy
            .parse::<lms_axum::IpNet>()
            .or_else(|_| proxy.parse::<std::net::IpAddr>().map(lms_axum::IpNet::from))
            .map_err(|_| format!("LMS_TRUSTED_PROXIES: {proxy} is not an address or network"))?;
        trusted_proxies.push(net);
    }
    if seed && matches!(lms.org(ORG).await, Err(LmsError::NotFound(_))) {
        // Before the mailer is on: the demo accounts are verified, not mailed.
        seed_demo(&lms, &BuiltInAuth::new(lms.clone(), auth.clone())).await?;
        tracing::info!("seeded the demo org '{ORG}'");
    }
    let app_url = env("LMS_APP_URL").unwrap_or_else(|| public_url.clone());
    let links: url::Url = app_url
        .parse()
        .map_err(|e| format!("LMS_APP_URL={app_url} is not a URL: {e}"))?;
    let (mailer, mail_goes) = mail::mailer_from_env()?;
    lms = lms.with_mail(mailer.clone(), links.clone());
    let invitation = match seed {
        true => mail::demo_invitation(&lms, &mailer, links, ORG).await?,
        false => None,
    };
    let media_dir = env("LMS_MEDIA_DIR").unwrap_or_else(|| "lms-demo-media".into());
    let media_secret = match env("LMS_MEDIA_SECRET") {
        Some(secret) => secret.into_bytes(),
        None => {
            tracing::warn!(
                "LMS_MEDIA_SECRET is not set: media URLs are signed with a random key until restart"
            );
            let mut secret = vec![0u8; 32];
            getrandom::fill(&mut secret)
                .map_err(|e| format!("no randomness for the media key: {e}"))?;
            secret
        }
    };
    let mut media = MediaConfig::new(LocalMediaStore::new(&media_dir), &media_secret);
    if let Some(max) = env("LMS_MEDIA_MAX_BYTES") {
        media.max_bytes = max
            .parse()
            .map_err(|_| format!("LMS_MEDIA_MAX_BYTES={max} is not a number"))?;
    }
    if let Some(quota) = env("LMS_MEDIA_QUOTA_BYTES") {
        let quota = quota
            .parse()
            .map_err(|_| format!("LMS_MEDIA_QUOTA_BYTES={quota} is not a number"))?;
        lms = lms.with_media_quota(quota);
    }
    let mut config = ApiConfig::default();
    config.trusted_proxies = trusted_proxies;
    config.cors_allowed_origins = cors;
    config.app_url = Some(app_url);
    config.media = Some(media);
    let api_url = format!("{public_url}/api/v1")
        .parse()
        .map_err(|e| format!("LMS_PUBLIC_URL: {e}"))?;
    let mut api = LmsRouter::new(lms.clone(), api_url)
        .sign_in(auth)
        .config(config);
    if let Some(jwt) = jwt_from_env(&lms)? {
        api = api.auth(jwt);
    }
    let app = Router::new()
        .nest("/api/v1", api.build())
        // What a front end would serve at `verify_url`; this server shows the API's JSON.
        .route("/certificates/{code}", get(certificate_page))
        .merge(mail::link_pages(format!("{public_url}/api/v1")));

    tokio::spawn(end_lapsed_memberships(lms.clone()));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    print_welcome(&lms, &public_url, &database_url, seed).await;
    println!("Mail: {mail_goes}");
    if let Some(link) = invitation {
        println!(
            "An invitation to {} waits (sign up as that address, then accept):\n  {link}",
            mail::INVITEE
        );
    }
    if stripe.is_some() {
        println!(
            "Stripe: selling paid courses; webhooks go to {public_url}/api/v1/webhooks/stripe"
        );
    } else {
        println!(
            "Stripe: not configured (set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to sell)"
        );
    }
    let mut transport = lms_examples::transport::Transport::default();
    if let Some(max) = env("LMS_MAX_CONCURRENT_REQUESTS") {
        transport.max_concurrent_requests = max
            .parse()
            .map_err(|_| format!("LMS_MAX_CONCURRENT_REQUESTS={max} is not a number"))?;
    }
    // Event streams never finish on their own: give requests in flight a few seconds, then
    // stop with the streams still open (clients reconnect with Last-Event-ID).
    let drain = std::time::Duration::from_secs(5);
    lms_examples::transport::serve(listener, app, transport, shutdown_signal(), drain).await;
    Ok(())
}

/// Hourly, stores the end of memberships past their grace period (their enrollments are
/// revoked, `membership_ended`), so that checkout and enrollment see it.
async fn end_lapsed_memberships(lms: Lms) {
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        match lms.end_lapsed_memberships().await {
            Ok(0) => {}
            Ok(revoked) => tracing::info!("ended {revoked} enrollments of lapsed memberships"),
            Err(e) => tracing::error!("sweeping lapsed memberships: {e}"),
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
    println!("\nPress Ctrl-C to stop.");
}

async fn seed_demo(lms: &Lms, auth: &BuiltInAuth) -> Result<(), Box<dyn std::error::Error>> {
    let mut actors = Vec::new();
    for (email, password, name, _) in ACCOUNTS {
        let new = NewUser {
            email: email.into(),
            name: name.into(),
        };
        let signed_up = auth
            .sign_up(new, password)
            .await
            .map_err(|e| format!("seeding {email}: {e:?}"))?;
        // As the host, which vouches for its demo addresses.
        let proven = lms::UserPatch {
            email_verified: Some(true),
            ..Default::default()
        };
        lms.update_user(signed_up.user.id, proven).await?;
        actors.push(Actor::User(signed_up.user.id));
    }
    let (admin, instructor, learner) = (actors[0], actors[1], actors[2]);
    // As the host: works whoever may create orgs through the API (LMS_ORG_CREATION).
    let new = NewOrg {
        slug: ORG.into(),
        name: "Demo Academy".into(),
    };
    lms.create_org_for(admin.user_id().ok_or("a user")?, new)
        .await?;
    for (who, (_, _, _, role)) in [(instructor, ACCOUNTS[1]), (learner, ACCOUNTS[2])] {
        lms.set_member_role(&admin, ORG, who.user_id().ok_or("a user")?, role)
            .await?;
    }
    demo::seed_courses(lms, &instructor).await?;
    // A discussion thread under the first lesson of the free course (by staff, so that the
    // demo learner starts unenrolled, as the walkthrough expects).
    let first = lms.course(&instructor, FREE_COURSE).await?.modules[0].lessons[0].id;
    let question = lms::NewPost {
        body: "Does `let b = a;` copy a String or move it?".into(),
        parent_id: None,
    };
    let question = lms
        .create_post(&admin, FREE_COURSE, first, question)
        .await?;
    let answer = lms::NewPost {
        body: "It moves it: `a` is no longer usable afterwards. Use `a.clone()` for a copy.".into(),
        parent_id: Some(question.id),
    };
    lms.create_post(&instructor, FREE_COURSE, first, answer)
        .await?;
    // An org-wide plan, bought through POST /orgs/demo/membership/checkout.
    let plan =
        serde_json::json!({"membership": {"amount": 1500, "currency": "usd", "interval": "month"}});
    lms.update_org(&admin, ORG, serde_json::from_value::<lms::OrgPatch>(plan)?)
        .await?;
    Ok(())
}

/// `GET /certificates/{code}`, where certificates' `verify_url` points: the API's public
/// verification (a front end would show a page here).
async fn certificate_page(Path(code): Path<String>) -> Redirect {
    let code: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    Redirect::temporary(&format!("/api/v1/certificates/{code}"))
}

/// An identity provider's JWTs, when `LMS_JWT_SECRET` or `LMS_JWT_JWKS_URL` is set.
fn jwt_from_env(lms: &Lms) -> Result<Option<JwtAuth>, Box<dyn std::error::Error>> {
    let env = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let keys = (env("LMS_JWT_SECRET"), env("LMS_JWT_JWKS_URL"));
    if keys == (None, None) {
        return Ok(None);
    }
    let issuer = env("LMS_JWT_ISSUER").ok_or("LMS_JWT_ISSUER is required with JWTs")?;
    let mut config = match keys {
        (Some(secret), None) => JwtConfig::hs256(secret, issuer),
        (None, Some(url)) => JwtConfig::jwks(url, issuer),
        _ => return Err("set LMS_JWT_SECRET or LMS_JWT_JWKS_URL, not both".into()),
    };
    if let Some(audience) = env("LMS_JWT_AUDIENCE") {
        config = config.audience(audience);
    } else {
        tracing::warn!(
            "LMS_JWT_AUDIENCE is unset: accepting every token of {} whatever its `aud`",
            config.issuer
        );
        config = config.any_audience();
    }
    if matches!(
        env("LMS_JWT_EMAIL_VERIFIED_WHEN_ABSENT").as_deref(),
        Some("1" | "true" | "yes" | "on")
    ) {
        config = config.email_verified_when_absent(true);
    }
    tracing::info!("accepting JWTs of {} as Bearer tokens", config.issuer);
    Ok(Some(JwtAuth::new(lms.clone(), config)?))
}
