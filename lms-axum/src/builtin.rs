//! The built-in sign-in: argon2id password hashes, 256-bit session tokens stored only as a
//! SHA-256 hash, sliding expiry, and attempt limits per email and per client address.
//! A host with its own auth does not use this module (see [`crate::router_with_auth`]).

use crate::auth::{Authenticate, session_token};
use crate::error::ApiError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use async_trait::async_trait;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use lms_core::store::{Access, AccountTx, StoreTx};
use lms_core::{Actor, AuthSession, Lms, LmsError, NewUser, StoreError, User};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Shortest and longest accepted password, in characters.
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 10..=128;

/// Settings of the built-in sign-in.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuthConfig {
    /// How long a session lasts without use. Each use pushes the expiry to a full TTL from
    /// then; the store is written only once a tenth of the TTL (a day at most) has passed
    /// since the last push, so a session ends no sooner than nine tenths of the TTL (the TTL
    /// less a day, when longer) after its last use. The time is the [`Lms`]'s clock.
    pub session_ttl: Duration,
    /// Sign-in attempts allowed per email, and per client address, in any minute.
    pub signin_attempts_per_minute: u32,
    /// Mark the session cookie `Secure` (serve over https).
    pub secure_cookie: bool,
    /// Whether anyone may create an account with `POST /auth/sign-up` (default: yes). Off,
    /// that route answers 403 and accounts come from the host, which calls
    /// [`BuiltInAuth::sign_up`] itself.
    pub open_sign_up: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            signin_attempts_per_minute: 10,
            secure_cookie: false,
            open_sign_up: true,
        }
    }
}

/// The built-in [`Authenticate`]: looks sessions up by the hash of their token.
#[derive(Clone)]
pub struct BuiltInAuth {
    lms: Lms,
    config: AuthConfig,
    attempts: Arc<AttemptLimiter>,
}

/// A signed-in user and their new session token (sent once, never stored).
pub struct SignedIn {
    /// The user.
    pub user: User,
    /// The bearer token (also set as the `lms_session` cookie).
    pub token: String,
}

impl BuiltInAuth {
    /// How many keys the attempt limiter holds (for tests of its memory).
    #[doc(hidden)]
    pub fn limiter_keys(&self) -> usize {
        let seen = self.attempts.seen.lock();
        seen.map_or_else(|poisoned| poisoned.into_inner().len(), |seen| seen.len())
    }

    /// The built-in sign-in on `lms`'s store.
    pub fn new(lms: Lms, config: AuthConfig) -> Self {
        let attempts = Arc::new(AttemptLimiter::new(
            config.signin_attempts_per_minute,
            Duration::from_secs(60),
        ));
        Self {
            lms,
            config,
            attempts,
        }
    }

    /// The settings.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// Creates a user with a password and signs them in. The user and their credential
    /// are written in one transaction. `POST /auth/sign-up` checks
    /// [`AuthConfig::open_sign_up`] first; a host calling this itself makes the account
    /// whatever that says.
    pub async fn sign_up(&self, new: NewUser, password: &str) -> Result<SignedIn, ApiError> {
        self.sign_up_from(new, password, None).await
    }

    /// [`BuiltInAuth::sign_up`] for a request from `client`: each client address may make
    /// as many accounts a minute as it may try sign-ins, since each costs an argon2 hash.
    pub async fn sign_up_from(
        &self,
        new: NewUser,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<SignedIn, ApiError> {
        if let Some(client) = client {
            self.attempts
                .admit(&[format!("sign-up:{}", client_bucket(client))])?;
        }
        let now = self.lms.now();
        let user = match new.into_user(now) {
            Err(LmsError::Validation(mut errors)) => {
                check_password(password)
                    .err()
                    .into_iter()
                    .for_each(|m| errors.add("password", m));
                return Err(LmsError::Validation(errors).into());
            }
            other => other?,
        };
        check_password(password).map_err(|message| LmsError::invalid("password", message))?;
        let hash = hash_password(password.to_string()).await?;
        let token = new_token()?;
        let mut tx = self.lms.store().begin(Access::Write).await?;
        tx.insert_user(&user).await?;
        accounts(&mut tx)?.set_password_hash(user.id, &hash).await?;
        accounts(&mut tx)?
            .insert_session(&self.session_for(&user, &token, now))
            .await?;
        tx.commit().await?;
        Ok(SignedIn { user, token })
    }

    /// Checks an email and password and opens a session. Unknown emails and wrong
    /// passwords get the same answer, after the same work; too many attempts for the email
    /// or from `client` are refused with a retry delay. `client` is `None` for a sign-in
    /// the host makes itself, which counts against the email only.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<SignedIn, ApiError> {
        let client = client.map(client_bucket);
        self.attempts
            .admit(&client.iter().cloned().collect::<Vec<_>>())?;
        // No account has an address that does not parse: refuse it without the decoy work
        // (nothing to learn), and never key a bucket on unbounded text.
        let email = lms_core::EmailAddress::parse(email).map_err(|_| LmsError::Unauthenticated)?;
        self.attempts
            .admit(&[format!("email:{}", email.as_str())])?;
        let email = email.as_str();
        let mut tx = self.lms.store().begin(Access::Read).await?;
        let found = accounts(&mut tx)?.password_hash(email).await?;
        drop(tx);
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), hash),
            None => (None, DECOY_HASH.to_string()),
        };
        let matches = verify_password(password.to_string(), hash).await?;
        let user = user.filter(|_| matches).ok_or(LmsError::Unauthenticated)?;
        let now = self.lms.now();
        let token = new_token()?;
        let mut tx = self.lms.store().begin(Access::Write).await?;
        accounts(&mut tx)?
            .insert_session(&self.session_for(&user, &token, now))
            .await?;
        tx.commit().await?;
        Ok(SignedIn { user, token })
    }

    /// Ends the session of `token`.
    pub async fn sign_out(&self, token: &str) -> Result<(), ApiError> {
        let mut tx = self.lms.store().begin(Access::Write).await?;
        accounts(&mut tx)?
            .delete_session(&token_hash(token))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The `Set-Cookie` value that stores `token` in the browser.
    pub fn cookie(&self, token: &str) -> String {
        let secure = if self.config.secure_cookie {
            "; Secure"
        } else {
            ""
        };
        let max_age = self.config.session_ttl.as_secs();
        format!("lms_session={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}")
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub fn expired_cookie(&self) -> String {
        let secure = if self.config.secure_cookie {
            "; Secure"
        } else {
            ""
        };
        format!("lms_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{secure}")
    }

    fn ttl(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.config.session_ttl).unwrap_or(chrono::Duration::days(30))
    }

    fn session_for(&self, user: &User, token: &str, now: DateTime<Utc>) -> AuthSession {
        AuthSession {
            token_hash: token_hash(token),
            user_id: user.id,
            created_at: now,
            expires_at: now + self.ttl(),
        }
    }
}

#[async_trait]
impl Authenticate for BuiltInAuth {
    async fn actor(&self, request: &Parts) -> Result<Actor, ApiError> {
        self.session_actor(&request.headers, Use::Request).await
    }

    async fn recheck(&self, request: &Parts) -> Result<Actor, ApiError> {
        self.session_actor(&request.headers, Use::StreamRecheck)
            .await
    }
}

/// Whether looking a session up counts as using it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    /// A request: slides the session's expiry.
    Request,
    /// An open stream asking whether its session still holds: does not.
    StreamRecheck,
}

impl BuiltInAuth {
    async fn session_actor(&self, headers: &HeaderMap, purpose: Use) -> Result<Actor, ApiError> {
        let Some(token) = session_token(headers) else {
            return Ok(Actor::Anonymous);
        };
        let hash = token_hash(token);
        let now = self.lms.now();
        let mut tx = self.lms.store().begin(Access::Read).await?;
        let session = accounts(&mut tx)?
            .session(&hash)
            .await?
            .filter(|s| s.expires_at > now)
            .ok_or(LmsError::Unauthenticated)?;
        drop(tx);
        if purpose == Use::Request && session_needs_extending(session.expires_at, now, self.ttl()) {
            let mut tx = self.lms.store().begin(Access::Write).await?;
            accounts(&mut tx)?
                .extend_session(&hash, now + self.ttl())
                .await?;
            tx.commit().await?;
        }
        Ok(Actor::User(session.user_id))
    }
}

/// Sliding expiry: every use pushes the expiry to `now + ttl`, but the write happens only
/// once the last one is [`slide_interval`] old, not on every request.
fn session_needs_extending(
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> bool {
    let last_extended = expires_at - ttl;
    now - last_extended >= slide_interval(ttl)
}

/// How often a session in use is written: a tenth of its lifetime, at most once a day. (A
/// fixed day would never slide a session that lives a day or less.)
fn slide_interval(ttl: chrono::Duration) -> chrono::Duration {
    (ttl / 10).min(chrono::Duration::days(1))
}

/// The store's account records, in the same transaction.
fn accounts(tx: &mut Box<dyn StoreTx>) -> Result<&mut dyn AccountTx, LmsError> {
    tx.accounts().ok_or_else(|| {
        internal(
            "the built-in sign-in needs a store that keeps accounts (StoreTx::accounts is \
             None): use lms-sqlite or lms-postgres, or bring your own Authenticate",
        )
    })
}

/// Token hashes are what the store keeps: SHA-256, URL-safe base64.
fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// 256 random bits from the operating system, URL-safe base64.
fn new_token() -> Result<String, LmsError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(internal)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A failure inside the server (no randomness, a hashing task that died).
fn internal(error: impl std::fmt::Display) -> LmsError {
    LmsError::Store(StoreError::Backend(error.to_string().into()))
}

fn check_password(password: &str) -> Result<(), String> {
    if PASSWORD_CHARS.contains(&password.chars().count()) {
        Ok(())
    } else {
        Err(format!(
            "must be {} to {} characters",
            PASSWORD_CHARS.start(),
            PASSWORD_CHARS.end()
        ))
    }
}

/// The limiter's bucket for a client: its address, with IPv4 written as IPv4 even when it
/// arrives mapped into IPv6, and IPv6 cut to its /64 (one subscriber's network, which one
/// attacker holds whole).
fn client_bucket(client: IpAddr) -> String {
    match client.to_canonical() {
        IpAddr::V4(v4) => format!("client:{v4}"),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            format!("client:{}/64", std::net::Ipv6Addr::from(network))
        }
    }
}

/// An argon2id hash of a password nobody has, verified against when the email is unknown
/// so that both failures cost the same.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$bG1zLXJzLWRlY295LXNhbHQ$2KgLy0yE1Pw7Rm1mJkJ9mL9y9QK0pTqvN0wZr3bS1lQ";

async fn hash_password(password: String) -> Result<String, LmsError> {
    // Argon2 is deliberately slow: keep it off the async workers.
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(internal)?
    .map_err(internal)
}

async fn verify_password(password: String, hash: String) -> Result<bool, LmsError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .map_err(internal)
}

/// Counts attempts per key in a sliding window.
struct AttemptLimiter {
    limit: usize,
    window: Duration,
    seen: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl AttemptLimiter {
    fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: limit.max(1) as usize,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Records an attempt under every key, or refuses it (recording nothing) when any key
    /// is at its limit, saying how long until that key admits one again.
    fn admit(&self, keys: &[String]) -> Result<(), LmsError> {
        let now = Instant::now();
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.len() > 10_000 {
            seen.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let mut wait = Duration::ZERO;
        for key in keys {
            // Only an admitted attempt adds a key: a refused one leaves nothing behind.
            let Some(times) = seen.get_mut(key) else {
                continue;
            };
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                times.pop_front();
            }
            if times.len() >= self.limit {
                let oldest = *times.front().unwrap_or(&now);
                wait = wait.max(self.window.saturating_sub(now.duration_since(oldest)));
            }
        }
        if wait > Duration::ZERO {
            return Err(LmsError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        for key in keys {
            seen.entry(key.clone()).or_default().push_back(now);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_refuses_past_the_limit_per_key() {
        let limiter = AttemptLimiter::new(3, Duration::from_secs(60));
        let keys = |email: &str| [format!("email:{email}"), "client:1.2.3.4".to_string()];
        for _ in 0..3 {
            limiter.admit(&keys("a")).unwrap();
        }
        let refused = limiter.admit(&keys("a")).unwrap_err();
        assert!(
            matches!(refused, LmsError::RateLimited { retry_after_secs } if (1..=60).contains(&retry_after_secs))
        );
        assert!(
            limiter.admit(&keys("b")).is_err(),
            "the client address is at its limit too"
        );
        let other_client = [format!("email:{}", "b"), "client:5.6.7.8".to_string()];
        limiter.admit(&other_client).unwrap();
    }

    #[test]
    fn the_decoy_hash_is_a_valid_argon2id_hash() {
        let parsed = argon2::password_hash::phc::PasswordHash::new(DECOY_HASH).expect("PHC string");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
    }

    #[test]
    fn tokens_are_256_bits_and_stored_hashed() {
        let token = new_token().unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), 32);
        assert_ne!(token_hash(&token), token);
        assert_eq!(token_hash(&token), token_hash(&token));
    }
}
