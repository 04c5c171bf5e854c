//! Credentials, sessions and one-time tokens of an authentication front end such as
//! lms-axum's built-in sign-in.
use crate::error::StoreError;
use crate::ids::{SessionId, UserId};
use crate::org::User;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A session of an authentication front end such as lms-axum's built-in sign-in. Only a
/// hash of the session token is stored, so a leaked table does not sign anyone in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthSession {
    /// Names the session to its owner (`GET /me/sessions`), unlike the token.
    pub id: SessionId,
    /// A hash of the session token (the front end chooses the hash).
    pub token_hash: String,
    /// Whose session it is.
    pub user_id: UserId,
    /// When it was created (sign-in).
    pub created_at: DateTime<Utc>,
    /// When it was last used, as of the front end's last write (it writes at most hourly).
    pub last_used_at: DateTime<Utc>,
    /// When it stops being accepted (sliding: front ends push it forward on use).
    pub expires_at: DateTime<Utc>,
    /// The `User-Agent` it signed in with, cut to 200 characters.
    pub user_agent: Option<String>,
    /// The client address it signed in from.
    pub ip: Option<String>,
}

/// What a one-time token lets its holder do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenPurpose {
    /// Prove an email address (after sign-up, or a change of address).
    VerifyEmail,
    /// Set a new password without the old one.
    ResetPassword,
    /// Prove a new address, which then replaces the account's current one.
    ChangeEmail,
}

impl TokenPurpose {
    /// The name stored in the database.
    ///
    /// ```
    /// use lms_core::store::TokenPurpose;
    /// use TokenPurpose::{ChangeEmail, ResetPassword, VerifyEmail};
    /// for purpose in [VerifyEmail, ResetPassword, ChangeEmail] {
    ///     assert_eq!(TokenPurpose::parse(purpose.as_str()), Some(purpose));
    /// }
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::ChangeEmail => "change_email",
        }
    }

    /// The purpose stored as `name`, if it is one.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "verify_email" => Some(Self::VerifyEmail),
            "reset_password" => Some(Self::ResetPassword),
            "change_email" => Some(Self::ChangeEmail),
            _ => None,
        }
    }
}

/// A one-time token an authentication front end mails (a verification or reset link).
/// Only a hash of the token is stored, and it can be used once, before it expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountToken {
    /// A hash of the token (the front end chooses the hash).
    pub token_hash: String,
    /// What it lets its holder do.
    pub purpose: TokenPurpose,
    /// Whose account it acts on.
    pub user_id: UserId,
    /// The address it was mailed to: the one it proves (for [`TokenPurpose::ChangeEmail`],
    /// the new one). A token for an address the account no longer has does nothing.
    pub email: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Credentials and sessions of an authentication front end such as lms-axum's built-in sign-in.
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait AccountTx: Send {
    /// Stores (or replaces) the user's password hash.
    async fn set_password_hash(&mut self, user: UserId, hash: &str) -> Result<(), StoreError>;
    /// The user with this (normalized) email and their password hash, if they have one.
    async fn password_hash(&mut self, email: &str) -> Result<Option<(User, String)>, StoreError>;
    /// The password hash of `user`, if they have one.
    async fn password_hash_of(&mut self, user: UserId) -> Result<Option<String>, StoreError>;
    /// Inserts a session.
    async fn insert_session(&mut self, session: &AuthSession) -> Result<(), StoreError>;
    /// The session with this token hash, expired or not.
    async fn session(&mut self, token_hash: &str) -> Result<Option<AuthSession>, StoreError>;
    /// The user's sessions, expired or not, newest first.
    async fn sessions_of(&mut self, user: UserId) -> Result<Vec<AuthSession>, StoreError>;
    /// Records a use of a session: its new last use and expiry.
    async fn touch_session(
        &mut self,
        token_hash: &str,
        last_used_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Deletes a session (sign-out); deleting a missing one is not an error.
    async fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError>;
    /// Deletes the session `id` if it is `user`'s; whether there was one.
    async fn delete_session_of(&mut self, user: UserId, id: SessionId) -> Result<bool, StoreError>;
    /// Deletes every session of `user` but the one with hash `keep` (all, for `None`).
    async fn delete_sessions_of(
        &mut self,
        user: UserId,
        keep: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Deletes every session, of every user, that expired before `now`, and the one-time
    /// tokens that expired a day or more before it.
    async fn purge_expired_sessions(&mut self, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Deletes the user's password hash and every session: the account is signed in
    /// elsewhere from now on (the host's identity provider).
    async fn forget_credentials(&mut self, user: UserId) -> Result<(), StoreError>;
    /// Stores a one-time token.
    async fn insert_account_token(&mut self, token: &AccountToken) -> Result<(), StoreError>;
    /// Uses the token with this hash and purpose: returns it and marks it used, if it is
    /// unused and unexpired at `now`; `None` for an unknown, used or expired one alike.
    async fn use_account_token(
        &mut self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountToken>, StoreError>;
    /// When the tokens of `purpose` made for `user` since `since` were made, oldest first
    /// (for limits on how many links one may ask for).
    async fn account_tokens_since(
        &mut self,
        user: UserId,
        purpose: TokenPurpose,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError>;
    /// Ends the user's unused tokens of `purpose` (a new link replaces the older ones). They
    /// still count in [`AccountTx::account_tokens_since`] until purged.
    async fn revoke_account_tokens(
        &mut self,
        user: UserId,
        purpose: TokenPurpose,
    ) -> Result<(), StoreError>;
}
