//! What a [`super::JwtAuth`] accepts: where its keys come from, the issuer, audience and
//! authorized party a token must name, how much clock skew it forgives, and which claims carry the user. This
//! module only describes; it checks nothing about tokens.

use std::fmt;
use std::time::Duration;

/// Default of [`JwtConfig::leeway`]: 60 s.
///
/// ```
/// use lms_axum::jwt::{DEFAULT_LEEWAY, JwtConfig};
/// assert_eq!(JwtConfig::hs256([7u8; 32], "https://auth.example.com").leeway, DEFAULT_LEEWAY);
/// ```
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// Default of [`JwtConfig::jwks_refresh_interval`]: 60 s.
///
/// ```
/// use lms_axum::jwt::{DEFAULT_JWKS_REFRESH_INTERVAL, JwtConfig};
/// let config = JwtConfig::jwks("https://auth.example.com/jwks.json", "https://auth.example.com");
/// assert_eq!(config.jwks_refresh_interval, DEFAULT_JWKS_REFRESH_INTERVAL);
/// ```
pub const DEFAULT_JWKS_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// Default of [`JwtConfig::jwks_max_age`]: one hour.
///
/// ```
/// use lms_axum::jwt::{DEFAULT_JWKS_MAX_AGE, JwtConfig};
/// let config = JwtConfig::jwks("https://auth.example.com/jwks.json", "https://auth.example.com");
/// assert_eq!(config.jwks_max_age, DEFAULT_JWKS_MAX_AGE);
/// ```
pub const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(3600);

/// Shortest HS256 secret accepted, in bytes: the size of the hash (RFC 7518, 3.2).
///
/// ```
/// use lms_axum::jwt::{JwtAuth, JwtConfig, JwtConfigError, MIN_SECRET_BYTES};
/// # async fn demo(lms: lms_core::Lms) {
/// let short = JwtConfig::hs256([7u8; MIN_SECRET_BYTES - 1], "https://auth.example.com")
///     .audience("https://api.example.com");
/// assert!(matches!(JwtAuth::new(lms, short), Err(JwtConfigError::WeakSecret { .. })));
/// # }
/// ```
pub const MIN_SECRET_BYTES: usize = 32;

/// Where the keys that sign the tokens come from. Each key fixes the one algorithm it
/// verifies; the token's `alg` header must name that algorithm, so a token can never choose
/// how it is checked.
///
/// ```
/// use lms_axum::jwt::JwtKeys;
/// let keys = JwtKeys::Jwks("https://example.supabase.co/auth/v1/.well-known/jwks.json".into());
/// assert!(format!("{keys:?}").contains("jwks.json"));
/// // A secret is never printed.
/// let secret = JwtKeys::Hs256(b"super-secret-jwt-token-with-at-least-32-characters".to_vec());
/// assert!(!format!("{secret:?}").contains("super-secret"));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum JwtKeys {
    /// A shared secret: tokens are HS256, signed with these bytes (Supabase's legacy JWT
    /// secret, a Better Auth or self-made issuer). At least [`MIN_SECRET_BYTES`] long.
    Hs256(Vec<u8>),
    /// The URL of a JSON Web Key Set (`/.well-known/jwks.json`) whose RSA (RS256 unless the
    /// key's `alg` says RS384/RS512/PS*), P-256 (ES256), P-384 (ES384) and Ed25519 (EdDSA)
    /// keys sign the tokens; symmetric (`oct`) and encryption (`use: enc`) keys in it are
    /// ignored. It is fetched on the first token, and again when a token names a key id
    /// (`kid`) not in it or the copy is older than [`JwtConfig::jwks_max_age`] — at most
    /// once per [`JwtConfig::jwks_refresh_interval`].
    ///
    /// The URL must be `https`. Plain `http` is allowed only for loopback hosts
    /// (`localhost`, `127.0.0.0/8`, `::1`), whose traffic never leaves the machine: that is
    /// how tests and a sidecar issuer serve keys without certificates.
    Jwks(String),
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hs256(secret) => write!(f, "Hs256(<{} bytes>)", secret.len()),
            Self::Jwks(url) => f.debug_tuple("Jwks").field(url).finish(),
        }
    }
}

/// Which claims carry the user's email, whether it is verified, and their name. Each is a
/// top-level claim name (`email`, `https://example.com/email`), or, when it starts with
/// `/`, a JSON Pointer (RFC 6901) into nested claims (`/user_metadata/full_name`).
///
/// ```
/// use lms_axum::jwt::ClaimNames;
/// // Auth0 access tokens: namespaced custom claims.
/// let auth0 = ClaimNames::default()
///     .email("https://lms.example.com/email")
///     .email_verified("https://lms.example.com/email_verified")
///     .name("https://lms.example.com/name");
/// assert_eq!(auth0.email, "https://lms.example.com/email");
/// // Supabase: the name is in the user's metadata.
/// let supabase = ClaimNames::default().name("/user_metadata/full_name");
/// assert_eq!((supabase.email.as_str(), supabase.name.as_str()), ("email", "/user_metadata/full_name"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClaimNames {
    /// The user's email address (default `email`); a token without it is refused.
    pub email: String,
    /// Whether the provider verified that address (default `email_verified`): `true`,
    /// `false`, or the strings `"true"` / `"false"`. While
    /// [`JwtConfig::require_verified_email`] is on (the default), a token whose claim is
    /// `false` is refused, and so is one without the claim, unless
    /// [`JwtConfig::email_verified_when_absent`] says the provider only issues tokens for
    /// verified addresses. Better Auth writes it `emailVerified`.
    pub email_verified: String,
    /// The user's display name (default `name`). Absent or blank, the name is the email's
    /// local part (`ada` for `ada@example.com`); longer than 200 characters, it is cut.
    pub name: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        Self {
            email: "email".into(),
            email_verified: "email_verified".into(),
            name: "name".into(),
        }
    }
}

impl ClaimNames {
    /// Reads the email from `claim`.
    ///
    /// ```
    /// let names = lms_axum::jwt::ClaimNames::default().email("primary_email");
    /// assert_eq!(names.email, "primary_email");
    /// ```
    pub fn email(mut self, claim: impl Into<String>) -> Self {
        self.email = claim.into();
        self
    }

    /// Reads whether the email is verified from `claim`. Point it only at a claim the
    /// provider sets itself, never at one the user can write (Supabase's `user_metadata`).
    ///
    /// ```
    /// // Better Auth's JWT plugin puts the user object in the token: `emailVerified`.
    /// let names = lms_axum::jwt::ClaimNames::default().email_verified("emailVerified");
    /// assert_eq!(names.email_verified, "emailVerified");
    /// ```
    pub fn email_verified(mut self, claim: impl Into<String>) -> Self {
        self.email_verified = claim.into();
        self
    }

    /// Reads the name from `claim`.
    ///
    /// ```
    /// let names = lms_axum::jwt::ClaimNames::default().name("full_name");
    /// assert_eq!(names.name, "full_name");
    /// ```
    pub fn name(mut self, claim: impl Into<String>) -> Self {
        self.name = claim.into();
        self
    }
}

/// Settings of a [`super::JwtAuth`]: made with [`JwtConfig::hs256`] or [`JwtConfig::jwks`],
/// then adjusted with the setters.
///
/// ```
/// use lms_axum::jwt::{ClaimNames, JwtConfig};
/// use std::time::Duration;
///
/// let config = JwtConfig::jwks("https://example.supabase.co/auth/v1/.well-known/jwks.json",
///                              "https://example.supabase.co/auth/v1")
///     .audience("authenticated")
///     .leeway(Duration::from_secs(30))
///     .claims(ClaimNames::default().name("/user_metadata/full_name"));
/// assert_eq!(config.audiences, ["authenticated"]);
/// assert!(config.require_verified_email);
/// // Safe by default: the audience is checked, and an email not said to be verified is
/// // refused.
/// assert!(!config.any_audience && !config.email_verified_when_absent);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct JwtConfig {
    /// Where the signing keys come from.
    pub keys: JwtKeys,
    /// The `iss` every token must carry, exactly (required: a token from another tenant of
    /// the same provider is refused).
    pub issuer: String,
    /// The `aud` values accepted: a token must name at least one of them. Required: a
    /// configuration with none is refused ([`JwtConfigError::NoAudience`]) unless
    /// [`JwtConfig::any_audience`] is set, since without the check the issuer's tokens for
    /// every other application and API it serves would sign in here too.
    pub audiences: Vec<String>,
    /// Accept tokens whatever their `aud` says, or without one (default: no). Only for
    /// providers whose tokens name no audience (Clerk's session tokens), and whose issuer
    /// serves this application alone; [`JwtConfig::authorized_parties`] then narrows which
    /// front ends a token may come from. Set with [`JwtConfig::any_audience()`]; it cannot
    /// be combined with [`JwtConfig::audiences`].
    pub any_audience: bool,
    /// The `azp` (authorized party: the client or origin the token was issued to) values
    /// accepted. Empty (the default), `azp` is not checked; otherwise a token must carry one
    /// of them, exactly.
    pub authorized_parties: Vec<String>,
    /// Clock skew forgiven on `exp` and `nbf` (default [`DEFAULT_LEEWAY`]). Times are read
    /// from the [`lms_core::Lms`]'s clock.
    pub leeway: Duration,
    /// Where the user's email, its verification and their name are read.
    pub claims: ClaimNames,
    /// Refuse a token whose [`ClaimNames::email_verified`] claim is `false` or absent
    /// (default: yes): otherwise anyone who types someone else's address at the provider
    /// could take that address's place here — and members are added to organizations by
    /// their address.
    pub require_verified_email: bool,
    /// Count a token without the [`ClaimNames::email_verified`] claim as verified (default:
    /// no). Use only when your provider issues tokens only for verified addresses (Supabase
    /// with "Confirm email" on, Clerk with email verification required at sign-up, Auth0
    /// access tokens with a custom claim you fill from a verified address…): anyone who
    /// can get a token for an address they do not own would otherwise be taken for its
    /// owner. A claim that says `false` is refused all the same.
    pub email_verified_when_absent: bool,
    /// The least time between two fetches of the JWKS (default
    /// [`DEFAULT_JWKS_REFRESH_INTERVAL`]), so tokens with made-up key ids cannot make the
    /// server hammer the provider.
    pub jwks_refresh_interval: Duration,
    /// How long a fetched JWKS is trusted before it is fetched again (default
    /// [`DEFAULT_JWKS_MAX_AGE`]), so a key the provider withdrew stops verifying. When
    /// that fetch fails, the old keys stay in use.
    pub jwks_max_age: Duration,
}

impl JwtConfig {
    /// Tokens signed with HS256 and `secret`, issued by `issuer`.
    ///
    /// ```
    /// let config = lms_axum::jwt::JwtConfig::hs256(
    ///     "a-shared-secret-of-at-least-32-bytes",
    ///     "https://auth.example.com",
    /// );
    /// assert!(config.audiences.is_empty());
    /// ```
    pub fn hs256(secret: impl AsRef<[u8]>, issuer: impl Into<String>) -> Self {
        Self::new(JwtKeys::Hs256(secret.as_ref().to_vec()), issuer.into())
    }

    /// Tokens signed by the keys published at `url` (a JWKS), issued by `issuer`.
    ///
    /// ```
    /// let config = lms_axum::jwt::JwtConfig::jwks(
    ///     "https://example.clerk.accounts.dev/.well-known/jwks.json",
    ///     "https://example.clerk.accounts.dev",
    /// );
    /// assert_eq!(config.issuer, "https://example.clerk.accounts.dev");
    /// ```
    pub fn jwks(url: impl Into<String>, issuer: impl Into<String>) -> Self {
        Self::new(JwtKeys::Jwks(url.into()), issuer.into())
    }

    fn new(keys: JwtKeys, issuer: String) -> Self {
        Self {
            keys,
            issuer,
            audiences: Vec::new(),
            any_audience: false,
            authorized_parties: Vec::new(),
            leeway: DEFAULT_LEEWAY,
            claims: ClaimNames::default(),
            require_verified_email: true,
            email_verified_when_absent: false,
            jwks_refresh_interval: DEFAULT_JWKS_REFRESH_INTERVAL,
            jwks_max_age: DEFAULT_JWKS_MAX_AGE,
        }
    }

    /// Also accepts tokens for `audience` (and from then on refuses tokens for none of the
    /// accepted ones).
    ///
    /// ```
    /// let config = lms_axum::jwt::JwtConfig::hs256([7u8; 32], "https://auth.example.com")
    ///     .audience("lms")
    ///     .audience("https://api.example.com");
    /// assert_eq!(config.audiences.len(), 2);
    /// ```
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Accepts tokens for any audience, or none: `aud` is not checked. Without this or an
    /// [`JwtConfig::audience`], [`super::JwtAuth::new`] refuses the configuration. Only for
    /// providers whose tokens name no audience (Clerk's session tokens) and whose issuer
    /// serves this application alone: every token of the issuer signs in.
    ///
    /// ```
    /// use lms_axum::jwt::{JwtAuth, JwtConfig, JwtConfigError};
    /// # async fn demo(lms: lms_core::Lms) {
    /// let clerk = "https://clean-mole-42.clerk.accounts.dev";
    /// let config = JwtConfig::jwks(format!("{clerk}/.well-known/jwks.json"), clerk)
    ///     .any_audience()
    ///     .authorized_parties(["https://app.example.com"]);
    /// assert!(config.any_audience && config.audiences.is_empty());
    /// assert!(JwtAuth::new(lms.clone(), config.clone()).is_ok());
    /// // Both an audience and any audience: which one was meant?
    /// let both = config.audience("lms");
    /// assert!(matches!(JwtAuth::new(lms, both), Err(JwtConfigError::AudienceAndAnyAudience)));
    /// # }
    /// ```
    pub fn any_audience(mut self) -> Self {
        self.any_audience = true;
        self
    }

    /// Also accepts tokens issued to these authorized parties (`azp`: an OAuth client id,
    /// or the origin of the page that asked Clerk for a session token); once any is set, a
    /// token must carry one of them.
    ///
    /// ```
    /// let config = lms_axum::jwt::JwtConfig::hs256([7u8; 32], "https://auth.example.com")
    ///     .any_audience()
    ///     .authorized_parties(["https://app.example.com", "https://admin.example.com"]);
    /// assert_eq!(config.authorized_parties.len(), 2);
    /// ```
    pub fn authorized_parties<I>(mut self, parties: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.authorized_parties
            .extend(parties.into_iter().map(Into::into));
        self
    }

    /// Forgives `leeway` of clock skew on `exp` and `nbf`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let config = lms_axum::jwt::JwtConfig::hs256([7u8; 32], "https://auth.example.com")
    ///     .leeway(Duration::ZERO);
    /// assert_eq!(config.leeway, Duration::ZERO);
    /// ```
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Reads the user from the claims `names`.
    ///
    /// ```
    /// use lms_axum::jwt::{ClaimNames, JwtConfig};
    /// let config = JwtConfig::hs256([7u8; 32], "https://auth.example.com")
    ///     .claims(ClaimNames::default().name("full_name"));
    /// assert_eq!(config.claims.name, "full_name");
    /// ```
    pub fn claims(mut self, names: ClaimNames) -> Self {
        self.claims = names;
        self
    }

    /// Whether a token whose email is not said to be verified is refused (default: yes).
    /// Turned off, a token for an address its holder never proved to own signs in as that
    /// address — and is added to the organizations that invite it.
    ///
    /// ```
    /// let config = lms_axum::jwt::JwtConfig::hs256([7u8; 32], "https://auth.example.com")
    ///     .require_verified_email(false);
    /// assert!(!config.require_verified_email);
    /// ```
    pub fn require_verified_email(mut self, required: bool) -> Self {
        self.require_verified_email = required;
        self
    }

    /// Whether a token without the [`ClaimNames::email_verified`] claim counts as verified
    /// (default: no, it is refused). Use only when your provider issues tokens only for
    /// verified addresses (Supabase with "Confirm email" on, Clerk with email verification
    /// required at sign-up, Auth0 access tokens with a custom claim you fill from a
    /// verified address…). A claim that says `false` is refused all the same.
    ///
    /// ```
    /// // Supabase access tokens say nothing of verification; with "Confirm email" on, no
    /// // session exists for an unconfirmed address.
    /// let config = lms_axum::jwt::JwtConfig::hs256([7u8; 32], "https://example.supabase.co/auth/v1")
    ///     .audience("authenticated")
    ///     .email_verified_when_absent(true);
    /// assert!(config.email_verified_when_absent);
    /// ```
    pub fn email_verified_when_absent(mut self, verified: bool) -> Self {
        self.email_verified_when_absent = verified;
        self
    }

    /// Fetches the JWKS at most once per `interval`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let config = lms_axum::jwt::JwtConfig::jwks("https://auth.example.com/jwks.json", "https://auth.example.com")
    ///     .jwks_refresh_interval(Duration::from_secs(300));
    /// assert_eq!(config.jwks_refresh_interval, Duration::from_secs(300));
    /// ```
    pub fn jwks_refresh_interval(mut self, interval: Duration) -> Self {
        self.jwks_refresh_interval = interval;
        self
    }

    /// Fetches the JWKS again once the copy is `max_age` old.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let config = lms_axum::jwt::JwtConfig::jwks("https://auth.example.com/jwks.json", "https://auth.example.com")
    ///     .jwks_max_age(Duration::from_secs(600));
    /// assert_eq!(config.jwks_max_age, Duration::from_secs(600));
    /// ```
    pub fn jwks_max_age(mut self, max_age: Duration) -> Self {
        self.jwks_max_age = max_age;
        self
    }
}

/// Why a [`JwtConfig`] cannot make a [`super::JwtAuth`].
///
/// ```
/// use lms_axum::jwt::{JwtAuth, JwtConfig, JwtConfigError};
/// # async fn demo(lms: lms_core::Lms) {
/// let config = JwtConfig::jwks("http://auth.example.com/jwks.json", "https://auth.example.com")
///     .audience("https://api.example.com");
/// assert!(matches!(JwtAuth::new(lms, config), Err(JwtConfigError::InsecureJwksUrl { .. })));
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwtConfigError {
    /// [`JwtConfig::issuer`] is empty.
    #[error("the issuer is empty: set the `iss` your provider puts in its tokens")]
    EmptyIssuer,
    /// Neither an audience ([`JwtConfig::audience`]) nor [`JwtConfig::any_audience`] is
    /// set: tokens the issuer made for other applications and APIs would sign in.
    #[error(
        "no audience is set: set the audience your provider puts in tokens for this API \
         (.audience(…)), or call .any_audience() to accept every token of the issuer"
    )]
    NoAudience,
    /// Both audiences and [`JwtConfig::any_audience`] are set.
    #[error(
        "both audiences and .any_audience() are set: keep the audiences to check `aud`, or \
         .any_audience() alone not to"
    )]
    AudienceAndAnyAudience,
    /// The HS256 secret is shorter than [`MIN_SECRET_BYTES`].
    #[error("the HS256 secret has {bytes} bytes; it needs at least {MIN_SECRET_BYTES}")]
    WeakSecret {
        /// The secret's length.
        bytes: usize,
    },
    /// The JWKS URL is not a URL.
    #[error("the JWKS URL {url:?} is not a URL: {source}")]
    InvalidJwksUrl {
        /// The URL as configured.
        url: String,
        /// Why it does not parse.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The JWKS URL is neither `https` nor `http` on a loopback host.
    #[error("the JWKS URL {url:?} must be https (plain http only on localhost, 127.0.0.1 or ::1)")]
    InsecureJwksUrl {
        /// The URL as configured.
        url: String,
    },
    /// The HTTP client for the JWKS could not be made (no usable root certificates).
    #[error("cannot make the HTTP client that fetches the JWKS: {0}")]
    HttpClient(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// `jsonwebtoken` has no crypto backend to use: another crate enabled its `aws_lc_rs`
    /// feature next to our `rust_crypto`, and nothing installed a default.
    #[error(
        "jsonwebtoken has two crypto backends and no default: call \
         jsonwebtoken::crypto::CryptoProvider::install_default at start-up"
    )]
    NoCryptoProvider,
}
