//! Credentials and sessions of an authentication front end such as lms-axum's built-in sign-in.
use crate::error::StoreError;
use crate::ids::UserId;
use crate::org::User;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A session of an authentication front end such as lms-axum's built-in sign-in. Only a
/// hash of the session token is stored, so a leaked table does not sign anyone in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthSession {
    /// A hash of the session token (the front end chooses the hash).
    pub token_hash: String,
    /// Whose session it is.
    pub user_id: UserId,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops being accepted (sliding: front ends push it forward on use).
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
    /// Inserts a session.
    async fn insert_session(&mut self, session: &AuthSession) -> Result<(), StoreError>;
    /// The session with this token hash, expired or not.
    async fn session(&mut self, token_hash: &str) -> Result<Option<AuthSession>, StoreError>;
    /// Moves a session's expiry.
    async fn extend_session(
        &mut self,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Deletes a session (sign-out); deleting a missing one is not an error.
    async fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError>;
    /// Deletes the user's password hash and every session: the account is signed in
    /// elsewhere from now on (the host's identity provider).
    async fn forget_credentials(&mut self, user: UserId) -> Result<(), StoreError>;
}
