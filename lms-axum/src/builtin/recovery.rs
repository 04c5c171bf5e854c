//! The account flows that hinge on the password: a reset by mailed link for who forgot it,
//! a change for who knows it, and a new address confirmed by it. A reset or a change ends
//! every other session: whoever else held the account is out.

use super::limiter::client_bucket;
use super::password::check_password;
use super::{BuiltInAuth, Device, SignedIn, accounts, internal};
use crate::error::ApiError;
use lms_core::store::{Access, TokenPurpose};
use lms_core::token::{new_token, token_hash};
use lms_core::{ConflictKind, LmsError, User, UserId};
use std::net::IpAddr;

impl BuiltInAuth {
    /// Mails a reset link if `email` is the address of an account with a password, and
    /// answers the same either way (`POST /auth/password-reset`). Past
    /// [`super::AuthConfig::reset_requests_per_hour`] for the email, or four times that
    /// from the client, it is refused with a retry delay, for known and unknown emails
    /// alike.
    pub async fn request_password_reset(
        &self,
        email: &str,
        client: Option<IpAddr>,
    ) -> Result<(), ApiError> {
        let address = lms_core::EmailAddress::parse(email)
            .map_err(|message| LmsError::invalid("email", message))?;
        self.resets
            .admit(&[format!("email:{}", address.as_str())])?;
        if let Some(client) = client {
            self.reset_clients.admit(&[client_bucket(client)])?;
        }
        self.lms.request_password_reset(address.as_str()).await?;
        Ok(())
    }

    /// Sets a new password with a mailed reset token (`POST /auth/password-reset/confirm`):
    /// ends every session of the user, opens a new one for `client`, and counts the
    /// address as proven (the link reached it). An unknown, used or expired token is
    /// `invalid_token` (400); a password of the wrong length, 422 before anything else.
    pub async fn reset_password(
        &self,
        token: &str,
        password: &str,
        client: impl Into<Device>,
    ) -> Result<SignedIn, ApiError> {
        check_password(password).map_err(|message| LmsError::invalid("password", message))?;
        let device = client.into();
        // An argon2 hash is made before the token is known good: limit it per client, as
        // sign-in is.
        if let Some(client) = device.ip {
            self.attempts.admit(&[client_bucket(client)])?;
        }
        let hash = self.hashing.hash(password.to_string()).await?;
        let session_token = new_token().map_err(internal)?;
        let now = self.lms.now();
        let mut tx = self.lms.store().begin(Access::Write).await?;
        let used = accounts(&mut tx)?
            .use_account_token(&token_hash(token), TokenPurpose::ResetPassword, now)
            .await?
            .ok_or(LmsError::InvalidToken)?;
        tx.lock_user(used.user_id).await?;
        let mut user = tx.user(used.user_id).await?.ok_or(LmsError::InvalidToken)?;
        if used.email.as_deref() != Some(user.email.as_str()) {
            // Mailed to an address the account has since left.
            return Err(LmsError::InvalidToken.into());
        }
        if !user.email_verified {
            user.email_verified = true;
            tx.update_user(&user).await?;
        }
        let accounts = accounts(&mut tx)?;
        accounts.set_password_hash(user.id, &hash).await?;
        accounts.delete_sessions_of(user.id, None).await?;
        end_pending_links(accounts, user.id).await?;
        let session = self.new_session(&user, &session_token, now, &device);
        accounts.insert_session(&session).await?;
        tx.commit().await?;
        Ok(SignedIn {
            user,
            token: session_token,
        })
    }

    /// Changes the password of `user`, who proves they know the current one (`PUT
    /// /me/password`), and ends every session but `current_token`'s. A wrong current
    /// password is 422 on `current_password` and counts towards the sign-in limit; a user
    /// without a built-in password (the host's), `conflict` (409).
    pub async fn change_password(
        &self,
        user: UserId,
        current_token: Option<&str>,
        current_password: &str,
        new_password: &str,
        client: Option<IpAddr>,
    ) -> Result<(), ApiError> {
        check_password(new_password)
            .map_err(|message| LmsError::invalid("new_password", message))?;
        let user = self
            .check_own_password(user, current_password, "current_password", client)
            .await?;
        let hash = self.hashing.hash(new_password.to_string()).await?;
        let keep = current_token.map(token_hash);
        let mut tx = self.lms.store().begin(Access::Write).await?;
        let accounts = accounts(&mut tx)?;
        accounts.set_password_hash(user.id, &hash).await?;
        accounts
            .delete_sessions_of(user.id, keep.as_deref())
            .await?;
        end_pending_links(accounts, user.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Mails a link to `new_email` that makes it the address of `user`, who confirms with
    /// their password (`POST /me/email`); see [`lms_core::Lms::request_email_change`].
    pub async fn change_email(
        &self,
        user: UserId,
        password: &str,
        new_email: &str,
        client: Option<IpAddr>,
    ) -> Result<(), ApiError> {
        let user = self
            .check_own_password(user, password, "password", client)
            .await?;
        self.lms.request_email_change(user.id, new_email).await?;
        Ok(())
    }

    /// Erases the account of `user`, who confirms with their password (`DELETE /me`); see
    /// [`lms_core::Lms::delete_user`]. A wrong password is 422 on `password`.
    pub async fn delete_account(
        &self,
        user: UserId,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<(), ApiError> {
        let user = self
            .check_own_password(user, password, "password", client)
            .await?;
        self.lms.delete_user(user.id).await?;
        Ok(())
    }

    /// `user`, once `password` is theirs: a wrong one is 422 on `field` and counts as a
    /// failed sign-in for their email from the client; a user without a built-in password is
    /// `conflict` (409).
    pub(super) async fn check_own_password(
        &self,
        user: UserId,
        password: &str,
        field: &str,
        client: Option<IpAddr>,
    ) -> Result<User, ApiError> {
        let mut tx = self.lms.store().begin(Access::Read).await?;
        let found = tx.user(user).await?.ok_or(LmsError::Unauthenticated)?;
        let hash = accounts(&mut tx)?.password_hash_of(user).await?;
        drop(tx);
        let Some(hash) = hash.filter(|_| found.external_id.is_none()) else {
            let message = "this account signs in through the host, which manages its \
                           password, address and erasure";
            return Err(LmsError::Conflict {
                kind: ConflictKind::Conflict,
                message: message.into(),
            }
            .into());
        };
        let client = client.map(client_bucket);
        self.attempts
            .admit(&client.iter().cloned().collect::<Vec<_>>())?;
        let failures = super::failures_key(&found.email, client.as_deref());
        self.attempts.check(&failures)?;
        if !self.hashing.verify(password.to_string(), hash).await? {
            self.attempts.record(&failures);
            return Err(LmsError::invalid(field, "is not your password").into());
        }
        Ok(found)
    }
}

/// Ends the links asked for with the old password: a reset link that could undo the new
/// one, and a change of address that whoever knew the old password may have started (its
/// link would hand them the account).
async fn end_pending_links(
    accounts: &mut dyn lms_core::store::AccountTx,
    user: UserId,
) -> Result<(), LmsError> {
    for purpose in [TokenPurpose::ResetPassword, TokenPurpose::ChangeEmail] {
        accounts.revoke_account_tokens(user, purpose).await?;
    }
    Ok(())
}
