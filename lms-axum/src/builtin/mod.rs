//! The built-in sign-in: argon2id password hashes, 256-bit session tokens stored only as a
//! SHA-256 hash, sliding and absolute expiry, attempt limits per email and per client
//! address, and the account flows that need a password (reset, change, new address,
//! erasure). A host with its own auth does not use this module (see
//! [`crate::router_with_auth`]).

mod limiter;
mod password;
mod recovery;
mod sessions;

pub use password::PASSWORD_CHARS;
pub use sessions::SessionView;

use crate::error::ApiError;
use limiter::{AttemptLimiter, client_bucket};
use lms_core::store::{Access, AccountTx, StoreTx};
use lms_core::token::new_token;
use lms_core::{Lms, LmsError, NewUser, StoreError, User};
use password::{DECOY_HASH, Hashing, check_password};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Settings of the built-in sign-in.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuthConfig {
    /// How long a session lasts without use (default 30 days). Each use pushes the expiry
    /// to a full TTL from then; the store is written at most hourly (a tenth of the TTL,
    /// when that is shorter), so a session ends no sooner than the TTL less an hour after
    /// its last use. The time is the [`Lms`]'s clock.
    pub session_ttl: Duration,
    /// How long a session lasts at most, used or not, after sign-in (default 90 days).
    pub session_max_age: Duration,
    /// Sign-in attempts allowed per client address in any minute, and failed ones per email
    /// from one client address (never per email alone: strangers cannot lock an owner out).
    pub signin_attempts_per_minute: u32,
    /// Password reset requests allowed per email in any hour (four times as many per client
    /// address).
    pub reset_requests_per_hour: u32,
    /// Password hashes and checks (argon2id: 19 MiB and a blocking thread each) run at
    /// once, at most (default: the number of CPUs).
    pub concurrent_password_hashes: usize,
    /// How long a sign-up or sign-in waits for its turn to hash before it is answered 503
    /// `unavailable` with `Retry-After` (default 2 s).
    pub password_hash_wait: Duration,
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
            session_max_age: Duration::from_secs(90 * 24 * 3600),
            signin_attempts_per_minute: 10,
            reset_requests_per_hour: 5,
            concurrent_password_hashes: std::thread::available_parallelism()
                .map_or(2, std::num::NonZeroUsize::get),
            password_hash_wait: Duration::from_secs(2),
            secure_cookie: false,
            open_sign_up: true,
        }
    }
}

/// Where a sign-in comes from, shown to the user in their list of sessions.
///
/// ```
/// use lms_axum::Device;
/// let device = Device::new(Some("203.0.113.7".parse().unwrap()), Some("Firefox"));
/// assert_eq!(device.user_agent.as_deref(), Some("Firefox"));
/// let host_made: Device = None.into(); // a sign-in the host makes itself
/// assert!(host_made.ip.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Device {
    /// The client's address.
    pub ip: Option<IpAddr>,
    /// Its `User-Agent`, cut to 200 characters, without control characters.
    pub user_agent: Option<String>,
}

impl Device {
    /// A device from its address and `User-Agent` header.
    pub fn new(ip: Option<IpAddr>, user_agent: Option<&str>) -> Self {
        let user_agent = user_agent
            .map(|agent| {
                let agent = agent.chars().filter(|c| !c.is_control());
                agent.take(200).collect::<String>().trim().to_string()
            })
            .filter(|agent| !agent.is_empty());
        Self { ip, user_agent }
    }
}

impl From<Option<IpAddr>> for Device {
    fn from(ip: Option<IpAddr>) -> Self {
        Self::new(ip, None)
    }
}

impl From<IpAddr> for Device {
    fn from(ip: IpAddr) -> Self {
        Self::new(Some(ip), None)
    }
}

/// The built-in [`crate::Authenticate`]: looks sessions up by the hash of their token.
#[derive(Clone)]
pub struct BuiltInAuth {
    lms: Lms,
    config: AuthConfig,
    attempts: Arc<AttemptLimiter>,
    /// Reset requests per email.
    resets: Arc<AttemptLimiter>,
    /// Reset requests per client address: one client may ask for a few addresses (a
    /// family's computer), not for a directory.
    reset_clients: Arc<AttemptLimiter>,
    /// Password hashes and checks, a bounded number at once.
    hashing: Arc<Hashing>,
}

/// A signed-in user and their new session token (sent once, never stored).
pub struct SignedIn {
    /// The user.
    pub user: User,
    /// The bearer token (also set as the `lms_session` cookie).
    pub token: String,
}

impl BuiltInAuth {
    /// How many password hashes and checks have run (for tests of what costs one).
    #[doc(hidden)]
    pub fn password_hashes_done(&self) -> u64 {
        self.hashing.done()
    }

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
        let hour = Duration::from_secs(3600);
        let per_email = config.reset_requests_per_hour;
        Self {
            lms,
            attempts,
            resets: Arc::new(AttemptLimiter::new(per_email, hour)),
            reset_clients: Arc::new(AttemptLimiter::new(per_email.saturating_mul(4), hour)),
            hashing: Arc::new(Hashing::new(
                config.concurrent_password_hashes,
                config.password_hash_wait,
            )),
            config,
        }
    }

    /// The settings.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// Creates a user with a password and signs them in. The user and their credential
    /// are written in one transaction; then a verification link is mailed to the address.
    /// `POST /auth/sign-up` checks [`AuthConfig::open_sign_up`] first; a host calling this
    /// itself makes the account whatever that says.
    pub async fn sign_up(&self, new: NewUser, password: &str) -> Result<SignedIn, ApiError> {
        self.sign_up_from(new, password, None).await
    }

    /// [`BuiltInAuth::sign_up`] for a request from `client`: each client address may make
    /// as many accounts a minute as it may try sign-ins, since each costs an argon2 hash.
    pub async fn sign_up_from(
        &self,
        new: NewUser,
        password: &str,
        client: impl Into<Device>,
    ) -> Result<SignedIn, ApiError> {
        let device = client.into();
        self.admit_sign_up(&device)?;
        self.create_account(new, password, device, false).await
    }

    /// [`BuiltInAuth::sign_up_from`] with the token of an invitation mailed to the new
    /// address. When it is an open invitation to that address, the account is made even
    /// where [`AuthConfig::open_sign_up`] is off, and its address counts as proven (the
    /// invitation is accepted separately: joining needs the person's yes). Otherwise the
    /// token is ignored, and a closed sign-up is 403.
    pub async fn sign_up_invited(
        &self,
        new: NewUser,
        password: &str,
        invitation_token: &str,
        client: impl Into<Device>,
    ) -> Result<SignedIn, ApiError> {
        let device = client.into();
        self.admit_sign_up(&device)?;
        let invited = self
            .lms
            .invitation_admits(invitation_token, &new.email)
            .await?;
        if !invited && !self.config.open_sign_up {
            return Err(sign_up_closed().into());
        }
        self.create_account(new, password, device, invited).await
    }

    /// Counts a sign-up against its client's limit: each costs an argon2 hash.
    fn admit_sign_up(&self, device: &Device) -> Result<(), LmsError> {
        match device.ip {
            Some(client) => self
                .attempts
                .admit(&[format!("sign-up:{}", client_bucket(client))]),
            None => Ok(()),
        }
    }

    /// Makes the user, their password and a session in one transaction; then, unless the
    /// address is `proven` already, mails a link that proves it.
    async fn create_account(
        &self,
        new: NewUser,
        password: &str,
        device: Device,
        proven: bool,
    ) -> Result<SignedIn, ApiError> {
        let now = self.lms.now();
        let mut user = match new.into_user(now) {
            Err(LmsError::Validation(mut errors)) => {
                check_password(password)
                    .err()
                    .into_iter()
                    .for_each(|m| errors.add("password", m));
                return Err(LmsError::Validation(errors).into());
            }
            other => other?,
        };
        user.email_verified = proven;
        check_password(password).map_err(|message| LmsError::invalid("password", message))?;
        // A taken address is refused before the costly hash (the insert below still
        // catches one taken meanwhile).
        let mut tx = self.lms.store().begin(Access::Read).await?;
        let taken = tx.user_by_email(&user.email).await?.is_some();
        drop(tx);
        if taken {
            return Err(LmsError::Conflict {
                kind: lms_core::ConflictKind::EmailTaken,
                message: "another account has this email address".into(),
            }
            .into());
        }
        let hash = self.hashing.hash(password.to_string()).await?;
        let token = new_token().map_err(internal)?;
        let mut tx = self.lms.store().begin(Access::Write).await?;
        tx.insert_user(&user).await?;
        accounts(&mut tx)?.set_password_hash(user.id, &hash).await?;
        let session = self.new_session(&user, &token, now, &device);
        accounts(&mut tx)?.insert_session(&session).await?;
        tx.commit().await?;
        if !proven {
            // The account stands without the mail: its owner asks again (`POST /me/verify-email`).
            if let Err(error) = self.lms.request_email_verification(user.id).await {
                tracing::warn!(%error, "the verification mail of a new account was not sent");
            }
        }
        Ok(SignedIn { user, token })
    }

    /// Checks an email and password and opens a session. Unknown emails and wrong
    /// passwords get the same answer, after the same work. Every attempt from a client
    /// counts towards the client's limit; failed ones also count for that email from that
    /// client. Past either, the attempt is refused with a retry delay. No count is kept per
    /// email alone: strangers failing against someone's address from elsewhere never lock
    /// its owner out. A sign-in the host makes itself passes `None` and counts against the
    /// email.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: impl Into<Device>,
    ) -> Result<SignedIn, ApiError> {
        let device = client.into();
        let client = device.ip.map(client_bucket);
        self.attempts
            .admit(&client.iter().cloned().collect::<Vec<_>>())?;
        // No account has an address that does not parse: refuse it without the decoy work
        // (nothing to learn), and never key a bucket on unbounded text.
        let email = lms_core::EmailAddress::parse(email).map_err(|_| LmsError::Unauthenticated)?;
        let failures = failures_key(email.as_str(), client.as_deref());
        self.attempts.check(&failures)?;
        let email = email.as_str();
        let mut tx = self.lms.store().begin(Access::Read).await?;
        let found = accounts(&mut tx)?.password_hash(email).await?;
        drop(tx);
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), hash),
            None => (None, DECOY_HASH.to_string()),
        };
        let matches = self
            .hashing
            .verify(password.to_string(), hash.clone())
            .await?;
        let Some(user) = user.filter(|_| matches) else {
            self.attempts.record(&failures);
            return Err(LmsError::Unauthenticated.into());
        };
        let now = self.lms.now();
        let token = new_token().map_err(internal)?;
        let mut tx = self.lms.store().begin(Access::Write).await?;
        // A reset, change or erasure that committed while the password was being checked
        // wins: the session is made only if the password checked is still the one stored.
        tx.lock_user(user.id).await?;
        let accounts = accounts(&mut tx)?;
        if accounts.password_hash_of(user.id).await?.as_deref() != Some(hash.as_str()) {
            return Err(LmsError::Unauthenticated.into());
        }
        // Sign-ins are when sessions are made, so also when the expired ones are swept.
        accounts.purge_expired_sessions(now).await?;
        accounts
            .insert_session(&self.new_session(&user, &token, now, &device))
            .await?;
        tx.commit().await?;
        Ok(SignedIn { user, token })
    }

    /// Ends the session of `token`.
    pub async fn sign_out(&self, token: &str) -> Result<(), ApiError> {
        let mut tx = self.lms.store().begin(Access::Write).await?;
        accounts(&mut tx)?
            .delete_session(&lms_core::token::token_hash(token))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The `Set-Cookie` value that stores `token` in the browser.
    pub fn cookie(&self, token: &str) -> String {
        let max_age = self.config.session_ttl.as_secs();
        format!(
            "lms_session={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{}",
            self.secure()
        )
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub fn expired_cookie(&self) -> String {
        format!(
            "lms_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{}",
            self.secure()
        )
    }

    fn secure(&self) -> &'static str {
        if self.config.secure_cookie {
            "; Secure"
        } else {
            ""
        }
    }
}

/// The key under which failed password checks for `email` from `client` are counted.
fn failures_key(email: &str, client: Option<&str>) -> [String; 1] {
    match client {
        Some(client) => [format!("failures:{email}|{client}")],
        None => [format!("failures:{email}")],
    }
}

/// `POST /auth/sign-up` where the host closed it.
pub(crate) fn sign_up_closed() -> LmsError {
    LmsError::Forbidden {
        reason: lms_core::ForbiddenReason::Role,
        message: "sign-up is closed here: ask the site for an account, or for an invitation".into(),
    }
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

/// A failure inside the server (no randomness, a hashing task that died).
fn internal(error: impl std::fmt::Display) -> LmsError {
    LmsError::Store(StoreError::Backend(error.to_string().into()))
}
