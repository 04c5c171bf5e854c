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
        let q =
            Query::new("INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, $4)")
                .bind(u.id.0)
                .bind(&u.email)
                .bind(&u.name)
                .bind(u.created_at);
        self.conn.execute(q).await.map(drop)
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
        created_at: row.time("created_at")?,
    })
}
