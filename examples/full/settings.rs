//! The example server's settings: read from the environment by the server
//! ([`Settings::from_env`], every variable listed in `examples/full/server.rs`), written out
//! by the tests ([`Settings::local`]).

use lms_axum::IpNet;
use lms_axum::jwt::JwtConfig;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything the example server is configured with.
#[derive(Debug)]
pub struct Settings {
    /// Where to listen (`LMS_ADDR`).
    pub addr: SocketAddr,
    /// The server's public base URL, without `/api/v1` (`LMS_PUBLIC_URL`).
    pub public_url: String,
    /// The front end's base URL, where mailed links and `verify_url` start (`LMS_APP_URL`,
    /// default: [`Settings::public_url`]).
    pub app_url: String,
    /// The database (`LMS_DATABASE_URL`).
    pub database_url: String,
    /// Whether to seed the demo org on first start (`LMS_SEED_DEMO`).
    pub seed: bool,
    /// The org whose catalog the browser app's landing page shows (`LMS_DEFAULT_ORG`).
    pub default_org: String,
    /// Sign-in attempts a minute, per email and per client (`LMS_SIGNIN_ATTEMPTS_PER_MINUTE`).
    pub signin_attempts_per_minute: u32,
    /// Browser origins allowed to call the API (`LMS_CORS_ORIGINS`).
    pub cors_origins: Vec<String>,
    /// Whether `POST /auth/sign-up` is open (`LMS_OPEN_SIGN_UP`).
    pub open_sign_up: bool,
    /// Whether only the host creates orgs (`LMS_ORG_CREATION=host`).
    pub orgs_by_host_only: bool,
    /// Proxies whose `X-Forwarded-For` names the client (`LMS_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<IpNet>,
    /// How long a past-due membership keeps its courses (`LMS_MEMBERSHIP_GRACE_DAYS`).
    pub membership_grace_days: Option<i64>,
    /// Selling through Stripe (`STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`…).
    pub stripe: Option<lms_stripe::StripeConfig>,
    /// Identity-provider JWTs accepted beside the built-in sessions (`LMS_JWT_*`).
    pub jwt: Option<JwtConfig>,
    /// SMTP server (`LMS_SMTP_URL`); without it mail is written into [`Settings::mail_dir`].
    pub smtp_url: Option<String>,
    /// The sender of mail (`LMS_MAIL_FROM`).
    pub mail_from: String,
    /// Where mail goes without SMTP (`LMS_MAIL_DIR`).
    pub mail_dir: PathBuf,
    /// Where uploads are kept (`LMS_MEDIA_DIR`).
    pub media_dir: PathBuf,
    /// The key that signs media URLs (`LMS_MEDIA_SECRET`; unset: random per start).
    pub media_secret: Option<Vec<u8>>,
    /// Largest upload (`LMS_MEDIA_MAX_BYTES`).
    pub media_max_bytes: Option<u64>,
    /// What each org may store (`LMS_MEDIA_QUOTA_BYTES`).
    pub media_quota_bytes: Option<u64>,
    /// The slowest an upload may arrive (`LMS_MEDIA_MIN_BYTES_PER_SECOND`, after 15 s).
    pub media_min_upload_rate: Option<lms_axum::MinUploadRate>,
    /// Requests handled at once (`LMS_MAX_CONCURRENT_REQUESTS`).
    pub max_concurrent_requests: Option<usize>,
}

type Error = Box<dyn std::error::Error>;

impl Settings {
    /// The defaults of a server on `database_url` at `public_url`, keeping its mail and
    /// uploads under `dir` — what the tests start from.
    pub fn local(database_url: &str, public_url: &str, dir: &std::path::Path) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: public_url.trim_end_matches('/').to_string(),
            app_url: public_url.trim_end_matches('/').to_string(),
            database_url: database_url.to_string(),
            seed: true,
            default_org: crate::demo::ORG.into(),
            signin_attempts_per_minute: 10,
            cors_origins: Vec::new(),
            open_sign_up: true,
            orgs_by_host_only: false,
            trusted_proxies: Vec::new(),
            membership_grace_days: None,
            stripe: None,
            jwt: None,
            smtp_url: None,
            mail_from: "Demo Academy <no-reply@demo.test>".into(),
            mail_dir: dir.join("mail"),
            media_dir: dir.join("media"),
            media_secret: None,
            media_max_bytes: None,
            media_quota_bytes: None,
            media_min_upload_rate: None,
            max_concurrent_requests: None,
        }
    }

    /// The settings the environment gives (see `examples/full/server.rs` for each variable).
    pub fn from_env() -> Result<Self, Error> {
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
        let database_url = env("LMS_DATABASE_URL").unwrap_or_else(|| "sqlite://lms-demo.db".into());
        let mut settings = Self::local(&database_url, &public_url, std::path::Path::new("."));
        settings.addr = addr;
        settings.app_url = env("LMS_APP_URL").unwrap_or_else(|| public_url.clone());
        settings.seed = !off("LMS_SEED_DEMO");
        if let Some(org) = env("LMS_DEFAULT_ORG") {
            settings.default_org = org;
        }
        if let Some(attempts) = number("LMS_SIGNIN_ATTEMPTS_PER_MINUTE")? {
            settings.signin_attempts_per_minute = attempts;
        }
        settings.cors_origins = list("LMS_CORS_ORIGINS");
        settings.open_sign_up = !off("LMS_OPEN_SIGN_UP");
        settings.orgs_by_host_only = match env("LMS_ORG_CREATION").as_deref() {
            None | Some("anyone") => false,
            Some("host") => true,
            Some(other) => {
                return Err(format!("LMS_ORG_CREATION={other}: use anyone or host").into());
            }
        };
        for proxy in list("LMS_TRUSTED_PROXIES") {
            let net = proxy
                .parse::<IpNet>()
                .or_else(|_| proxy.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("LMS_TRUSTED_PROXIES: {proxy} is not an address or network")
                })?;
            settings.trusted_proxies.push(net);
        }
        settings.membership_grace_days = number("LMS_MEMBERSHIP_GRACE_DAYS")?;
        if settings
            .membership_grace_days
            .is_some_and(|days| !(0..=3650).contains(&days))
        {
            return Err("LMS_MEMBERSHIP_GRACE_DAYS must be 0 to 3650".into());
        }
        settings.stripe = stripe_from_env(&public_url);
        settings.jwt = jwt_from_env()?;
        settings.smtp_url = env("LMS_SMTP_URL");
        if let Some(from) = env("LMS_MAIL_FROM") {
            settings.mail_from = from;
        }
        settings.mail_dir = env("LMS_MAIL_DIR")
            .unwrap_or_else(|| "lms-demo-mail".into())
            .into();
        settings.media_dir = env("LMS_MEDIA_DIR")
            .unwrap_or_else(|| "lms-demo-media".into())
            .into();
        settings.media_secret = env("LMS_MEDIA_SECRET").map(String::into_bytes);
        settings.media_max_bytes = number("LMS_MEDIA_MAX_BYTES")?;
        settings.media_quota_bytes = number("LMS_MEDIA_QUOTA_BYTES")?;
        if let Some(rate) = number("LMS_MEDIA_MIN_BYTES_PER_SECOND")? {
            let grace = lms_axum::MinUploadRate::default().grace;
            settings.media_min_upload_rate = Some(lms_axum::MinUploadRate::new(rate, grace));
        }
        settings.max_concurrent_requests = number("LMS_MAX_CONCURRENT_REQUESTS")?;
        Ok(settings)
    }
}

/// A variable, unless unset or blank.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Whether a variable says no.
fn off(name: &str) -> bool {
    matches!(env(name).as_deref(), Some("0" | "false" | "off" | "no"))
}

/// A comma-separated variable's items.
fn list(name: &str) -> Vec<String> {
    env(name)
        .iter()
        .flat_map(|v| v.split(','))
        .map(|item| item.trim().to_string())
        .filter(|item| !item.is_empty())
        .collect()
}

/// A numeric variable, if set.
fn number<T: std::str::FromStr>(name: &str) -> Result<Option<T>, Error> {
    match env(name) {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| format!("{name}={text} is not a number").into()),
    }
}

fn stripe_from_env(public_url: &str) -> Option<lms_stripe::StripeConfig> {
    let (secret_key, webhook_secrets) =
        env("STRIPE_SECRET_KEY").zip(env("STRIPE_WEBHOOK_SECRET"))?;
    let mut secrets = webhook_secrets.split(',').map(|s| s.trim().to_string());
    let mut config = lms_stripe::StripeConfig::new(secret_key, secrets.next().unwrap_or_default());
    for secret in secrets {
        config = config.with_webhook_secret(secret);
    }
    if let Some(base) = env("STRIPE_API_BASE") {
        config = config.with_api_base(base);
    }
    let mut origins = list("LMS_CHECKOUT_ORIGINS");
    if origins.is_empty() {
        origins.push(public_url.to_string());
    }
    Some(config.with_allowed_redirect_origins(origins))
}

fn jwt_from_env() -> Result<Option<JwtConfig>, Error> {
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
    Ok(Some(config))
}
