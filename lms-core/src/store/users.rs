//! User rows (people, not credentials: see [`super::AccountTx`]).
use crate::error::StoreError;
use crate::ids::UserId;
use crate::org::User;
use async_trait::async_trait;

/// User rows (people, not credentials: see [`super::AccountTx`]).
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait UserTx: Send {
    /// Inserts many users at once (bulk import; `Duplicate(UserEmail)` as for one).
    async fn insert_users(&mut self, users: &[User]) -> Result<(), StoreError>;
    /// Inserts a user (`Duplicate(UserEmail)` when the email is taken).
    async fn insert_user(&mut self, user: &User) -> Result<(), StoreError>;
    /// The user with this id.
    async fn user(&mut self, id: UserId) -> Result<Option<User>, StoreError>;
    /// The user with this (normalized) email.
    async fn user_by_email(&mut self, email: &str) -> Result<Option<User>, StoreError>;
    /// The user the host knows by this id.
    async fn user_by_external_id(&mut self, external_id: &str) -> Result<Option<User>, StoreError>;
    /// Inserts a user unless one with its id, email or external id exists already; `false`
    /// when nothing was inserted. Two transactions inserting the same user at once both
    /// succeed, one of them with `false` (the one that waited for the other).
    async fn insert_user_if_new(&mut self, user: &User) -> Result<bool, StoreError>;
    /// Writes a user's email and name (`Duplicate(UserEmail)` when the email is taken).
    async fn update_user(&mut self, user: &User) -> Result<(), StoreError>;
    /// Holds the user's row until the transaction ends, so a per-user limit (posts a
    /// minute) counts and inserts without another of the user's writes in between. Writers
    /// that only reference the user are not blocked.
    async fn lock_user(&mut self, id: UserId) -> Result<(), StoreError>;
}
