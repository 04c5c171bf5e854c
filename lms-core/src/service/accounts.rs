//! Account mail: proving an address (after sign-up, or a change of address) and the
//! password reset link. Each writes a one-time token in a transaction and mails its link
//! only after that transaction has committed, so a link never names a token that is not
//! there, and a slow mail server never holds a transaction open.
//!
//! Passwords themselves are the sign-in front end's (lms-axum's built-in sign-in): it
//! checks them, then calls these.

use super::Lms;
use crate::Actor;
use crate::error::{ConflictKind, LmsError, StoreError};
use crate::ids::UserId;
use crate::mail::{MailDisabled, MailMessage, Mailer, letters};
use crate::name::EmailAddress;
use crate::org::User;
use crate::store::{AccountToken, AccountTx, StoreTx, TokenPurpose};
use crate::token::{self, RESET_PASSWORD_TTL, VERIFY_EMAIL_TTL};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use url::Url;

/// Links of one kind a user may be mailed in an hour: enough for a lost message or two,
/// too few to flood a mailbox.
const LINKS_PER_HOUR: usize = 5;

/// Where the core's mail goes and what its links start from.
pub(crate) struct Outbox {
    mailer: Arc<dyn Mailer>,
    app_url: Option<String>,
}

impl Default for Outbox {
    fn default() -> Self {
        Self {
            mailer: Arc::new(MailDisabled),
            app_url: None,
        }
    }
}

impl Lms {
    /// Mails account links (email verification, password reset, invitations) through
    /// `mailer`, each on the front end's base URL `app_url`: `{app_url}/verify-email?token=…`,
    /// `…/reset-password?token=…`, `…/invitations/accept?token=…`. Without it nothing is
    /// mailed and the flows that need a link cannot be finished.
    ///
    /// A message is handed to `mailer` after the transaction that made its token has
    /// committed, and a failure to hand it over does not fail the call: wrap a network
    /// mailer in `lms_mail::MailQueue`, which returns at once, retries and logs.
    ///
    /// ```
    /// use lms_core::mail::MemoryMailer;
    /// # fn demo(lms: lms_core::Lms) {
    /// let mail = MemoryMailer::default();
    /// let lms = lms.with_mail(mail.clone(), "https://learn.example.com/".parse().unwrap());
    /// # }
    /// ```
    pub fn with_mail(mut self, mailer: impl Mailer, app_url: Url) -> Self {
        self.outbox = Arc::new(Outbox {
            mailer: Arc::new(mailer),
            app_url: Some(app_url.as_str().trim_end_matches('/').to_string()),
        });
        self
    }

    /// `{app_url}/{page}?token={token}`, or `None` without [`Lms::with_mail`].
    pub(crate) fn mail_link(&self, page: &str, token: &str) -> Option<String> {
        let base = self.outbox.app_url.as_deref()?;
        Some(format!("{base}/{page}?token={token}"))
    }

    /// Hands `message` to the mailer. Call it only after the transaction that made its
    /// token has committed. A failure is the mailer's to report: the caller's change stands.
    pub(crate) async fn post(&self, message: Option<MailMessage>) {
        if let Some(message) = message {
            let _undelivered = self.outbox.mailer.send(&message).await;
        }
    }

    /// Mails `user` a link that proves their current address (after sign-up; again with
    /// [`Lms::resend_email_verification`]). `conflict` (409) when it is proven already or
    /// the host manages the user; `rate_limited` (429) past five links an hour.
    pub async fn request_email_verification(&self, user: UserId) -> Result<(), LmsError> {
        let mut tx = self.write().await?;
        tx.lock_user(user).await?;
        let user = tx.user(user).await?.ok_or(LmsError::NotFound("user"))?;
        if user.email_verified {
            let message = "the email address is verified already";
            return Err(LmsError::conflict(ConflictKind::Conflict, message));
        }
        refuse_host_managed(&user)?;
        let purpose = TokenPurpose::VerifyEmail;
        let now = self.now();
        let token = issue(accounts(&mut tx)?, &user, &user.email, purpose, now).await?;
        tx.commit().await?;
        let link = self.mail_link("verify-email", &token);
        self.post(link.map(|link| letters::verify_email(&user.email, &user.name, &link)))
            .await;
        Ok(())
    }

    /// [`Lms::request_email_verification`] for the signed-in caller (`POST /me/verify-email`).
    pub async fn resend_email_verification(&self, actor: &Actor) -> Result<(), LmsError> {
        self.request_email_verification(actor.require_user()?).await
    }

    /// Uses a mailed verification link: proves the address it was sent to, or, for a change
    /// of address, makes the new address the account's. An unknown, used or expired token
    /// is `invalid_token` (400); a new address taken meanwhile, `email_taken` (409).
    ///
    /// ```no_run
    /// # async fn demo(lms: lms_core::Lms, token_from_the_link: &str) -> Result<(), lms_core::LmsError> {
    /// let user = lms.verify_email(token_from_the_link).await?;
    /// assert!(user.email_verified);
    /// # Ok(()) }
    /// ```
    pub async fn verify_email(&self, token: &str) -> Result<User, LmsError> {
        let hash = token::token_hash(token);
        let now = self.now();
        let mut tx = self.write().await?;
        let store = accounts(&mut tx)?;
        let (used, change) = match store
            .use_account_token(&hash, TokenPurpose::VerifyEmail, now)
            .await?
        {
            Some(used) => (used, false),
            None => match store
                .use_account_token(&hash, TokenPurpose::ChangeEmail, now)
                .await?
            {
                Some(used) => (used, true),
                None => return Err(LmsError::InvalidToken),
            },
        };
        tx.lock_user(used.user_id).await?;
        let mut user = tx.user(used.user_id).await?.ok_or(LmsError::InvalidToken)?;
        let Some(address) = used.email else {
            return Err(LmsError::InvalidToken);
        };
        let old_address = user.email.clone();
        if change {
            if let Some(holder) = tx.user_by_email(&address).await?
                && holder.id != user.id
            {
                let message = "another account has this address now";
                return Err(LmsError::conflict(ConflictKind::EmailTaken, message));
            }
            user.email = address;
        } else if address != user.email {
            // Mailed to an address the account has since left: it proves nothing now.
            return Err(LmsError::InvalidToken);
        }
        user.email_verified = true;
        tx.update_user(&user).await?;
        let store = accounts(&mut tx)?;
        store
            .revoke_account_tokens(user.id, TokenPurpose::VerifyEmail)
            .await?;
        store
            .revoke_account_tokens(user.id, TokenPurpose::ChangeEmail)
            .await?;
        tx.commit().await?;
        if change {
            let notice = letters::address_changed(&old_address, &user.name, &user.email);
            self.post(Some(notice)).await;
        }
        Ok(user)
    }

    /// Mails `new_email` a link that makes it the address of `user` once opened; until then
    /// the old address stays. Call it after checking the user's password (`POST /me/email`).
    /// A taken address is `email_taken` (409); a user the host manages, `conflict` (the
    /// host changes their address with [`Lms::update_user`]); past five a hour, 429.
    pub async fn request_email_change(
        &self,
        user: UserId,
        new_email: &str,
    ) -> Result<(), LmsError> {
        let email = EmailAddress::parse(new_email).map_err(|e| LmsError::invalid("email", e))?;
        let mut tx = self.write().await?;
        tx.lock_user(user).await?;
        let user = tx.user(user).await?.ok_or(LmsError::NotFound("user"))?;
        refuse_host_managed(&user)?;
        if email.as_str() == user.email {
            return Err(LmsError::invalid("email", "is your address already"));
        }
        if tx.user_by_email(email.as_str()).await?.is_some() {
            let message = "another account has this address";
            return Err(LmsError::conflict(ConflictKind::EmailTaken, message));
        }
        let purpose = TokenPurpose::ChangeEmail;
        let now = self.now();
        let token = issue(accounts(&mut tx)?, &user, email.as_str(), purpose, now).await?;
        tx.commit().await?;
        let link = self.mail_link("verify-email", &token);
        self.post(link.map(|link| letters::change_email(email.as_str(), &user.name, &link)))
            .await;
        Ok(())
    }

    /// Mails a password reset link to `email` if it is the address of an account with a
    /// built-in password; otherwise does nothing, and says nothing either way (the
    /// caller answers alike). Past five links an hour for one account it sends no more,
    /// silently. Malformed addresses are 422.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), LmsError> {
        let email = EmailAddress::parse(email).map_err(|e| LmsError::invalid("email", e))?;
        let now = self.now();
        let mut tx = self.write().await?;
        let Some((user, _)) = accounts(&mut tx)?.password_hash(email.as_str()).await? else {
            return Ok(());
        };
        let purpose = TokenPurpose::ResetPassword;
        let token = match issue(accounts(&mut tx)?, &user, &user.email, purpose, now).await {
            Err(LmsError::RateLimited { .. }) => return Ok(()),
            other => other?,
        };
        tx.commit().await?;
        let link = self.mail_link("reset-password", &token);
        self.post(link.map(|link| letters::reset_password(&user.email, &user.name, &link)))
            .await;
        Ok(())
    }
}

/// Writes a new token of `purpose` for `user`, mailed to `email`, replacing the unused
/// ones before it; `rate_limited` past [`LINKS_PER_HOUR`].
async fn issue(
    accounts: &mut dyn AccountTx,
    user: &User,
    email: &str,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> Result<String, LmsError> {
    let hour = chrono::Duration::hours(1);
    let recent = accounts
        .account_tokens_since(user.id, purpose, now - hour)
        .await?;
    if recent.len() >= LINKS_PER_HOUR {
        let oldest = recent[recent.len() - LINKS_PER_HOUR];
        let wait = (oldest + hour - now).num_seconds().max(1);
        return Err(LmsError::RateLimited {
            retry_after_secs: wait.unsigned_abs(),
        });
    }
    accounts.revoke_account_tokens(user.id, purpose).await?;
    let token = token::new_token()
        .map_err(|e| StoreError::Backend(format!("no randomness: {e}").into()))?;
    let ttl = match purpose {
        TokenPurpose::ResetPassword => RESET_PASSWORD_TTL,
        _ => VERIFY_EMAIL_TTL,
    };
    accounts
        .insert_account_token(&AccountToken {
            token_hash: token::token_hash(&token),
            purpose,
            user_id: user.id,
            email: Some(email.to_string()),
            created_at: now,
            expires_at: now + ttl,
        })
        .await?;
    Ok(token)
}

/// Users the host manages change their address and password at the host, not here.
fn refuse_host_managed(user: &User) -> Result<(), LmsError> {
    if user.external_id.is_some() {
        let message = "this account is managed by the host's sign-in: change it there";
        return Err(LmsError::conflict(ConflictKind::Conflict, message));
    }
    Ok(())
}

/// The store's account records, in the same transaction.
pub(crate) fn accounts(tx: &mut Box<dyn StoreTx>) -> Result<&mut dyn AccountTx, LmsError> {
    tx.accounts().ok_or_else(|| {
        LmsError::Store(StoreError::Backend(
            "accounts need a store that keeps them (StoreTx::accounts is None): use \
             lms-sqlite or lms-postgres"
                .into(),
        ))
    })
}
