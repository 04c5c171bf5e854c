//! User rows (people; their credentials are in `accounts`).

use crate::row::{SqlRow, id, one};
use crate::{Connection, Dialect, Query, SqlTx};
use async_trait::async_trait;
use lms_core::store::UserTx;
use lms_core::{StoreError, User, UserId};

/// The user part of a dialect.
#[async_trait]
pub trait UserDialect: Connection {
    /// Inserts many users at once (bulk import), in as few statements as the database
    /// allows; a taken email is `Duplicate(UserEmail)` as for one.
    async fn insert_users(&mut self, users: &[User]) -> Result<(), StoreError>;
    /// See [`UserTx::lock_user`].
    async fn lock_user(&mut self, id: UserId) -> Result<(), StoreError>;
}

#[async_trait]
impl<C: Dialect> UserTx for SqlTx<C> {
    async fn insert_users(&mut self, users: &[User]) -> Result<(), StoreError> {
        self.conn.insert_users(users).await
    }

    async fn insert_user(&mut self, u: &User) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO users (id, email, name, created_at, external_id, avatar_url, email_verified)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        );
        self.conn.execute(bind_user(q, u)).await.map(drop)
    }

    async fn insert_user_if_new(&mut self, u: &User) -> Result<bool, StoreError> {
        // No conflict target: a clash on any unique key (id, email, external id) inserts
        // nothing, and the caller reads back what is there.
        let q = Query::new(
            "INSERT INTO users (id, email, name, created_at, external_id, avatar_url, email_verified)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        );
        Ok(self.conn.execute(bind_user(q, u)).await? == 1)
    }

    async fn update_user(&mut self, u: &User) -> Result<(), StoreError> {
        let q = Query::new(
            "UPDATE users SET email = $1, name = $2, external_id = $3, avatar_url = $4,
                 email_verified = $5
             WHERE id = $6",
        )
        .bind(&u.email)
        .bind(&u.name)
        .bind(u.external_id.as_deref())
        .bind(u.avatar_url.as_deref())
        .bind(u.email_verified)
        .bind(u.id.0);
        self.conn.execute(q).await.map(drop)
    }

    async fn user_by_external_id(&mut self, external_id: &str) -> Result<Option<User>, StoreError> {
        let q = Query::new("SELECT * FROM users WHERE external_id = $1").bind(external_id);
        one(self.conn.fetch_optional(q).await?, user)
    }

    async fn lock_user(&mut self, id: UserId) -> Result<(), StoreError> {
        self.conn.lock_user(id).await
    }

    async fn user(&mut self, user_id: UserId) -> Result<Option<User>, StoreError> {
        let q = Query::new("SELECT * FROM users WHERE id = $1").bind(user_id.0);
        one(self.conn.fetch_optional(q).await?, user)
    }

    async fn user_by_email(&mut self, email: &str) -> Result<Option<User>, StoreError> {
        let q = Query::new("SELECT * FROM users WHERE email = $1").bind(email);
        one(self.conn.fetch_optional(q).await?, user)
    }
}

/// Reads a `users` row.
pub fn user(row: &impl SqlRow) -> Result<User, StoreError> {
    Ok(User {
        id: id(row, "id")?,
        email: row.text("email")?,
        name: row.text("name")?,
        avatar_url: row.opt_text("avatar_url")?,
        email_verified: row.bool("email_verified")?,
        created_at: row.time("created_at")?,
        external_id: row.opt_text("external_id")?,
    })
}

fn bind_user<'a>(query: Query<'a>, u: &'a User) -> Query<'a> {
    query
        .bind(u.id.0)
        .bind(&u.email)
        .bind(&u.name)
        .bind(u.created_at)
        .bind(u.external_id.as_deref())
        .bind(u.avatar_url.as_deref())
        .bind(u.email_verified)
}
