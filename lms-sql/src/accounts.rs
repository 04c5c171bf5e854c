//! Credentials and sessions of an authentication front end (lms-axum's built-in sign-in):
//! only hashes, never a password or a token.

use crate::row::{SqlRow, id, one};
use crate::{Dialect, Query, SqlTx};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::store::{AccountTx, AuthSession};
use lms_core::{StoreError, User, UserId};

#[async_trait]
impl<C: Dialect> AccountTx for SqlTx<C> {
    async fn set_password_hash(&mut self, user: UserId, hash: &str) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO credentials (user_id, password_hash, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET
                 password_hash = excluded.password_hash, updated_at = excluded.updated_at",
        )
        .bind(user.0)
        .bind(hash)
        .bind(Utc::now());
        self.conn.execute(q).await.map(drop)
    }

    async fn password_hash(&mut self, email: &str) -> Result<Option<(User, String)>, StoreError> {
        let q = Query::new(
            "SELECT u.*, c.password_hash FROM users u JOIN credentials c ON c.user_id = u.id
             WHERE u.email = $1",
        )
        .bind(email);
        one(self.conn.fetch_optional(q).await?, |row| {
            Ok((crate::users::user(row)?, row.text("password_hash")?))
        })
    }

    async fn insert_session(&mut self, s: &AuthSession) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&s.token_hash)
        .bind(s.user_id.0)
        .bind(s.created_at)
        .bind(s.expires_at);
        self.conn.execute(q).await.map(drop)
    }

    async fn session(&mut self, token_hash: &str) -> Result<Option<AuthSession>, StoreError> {
        let q = Query::new("SELECT * FROM sessions WHERE token_hash = $1").bind(token_hash);
        one(self.conn.fetch_optional(q).await?, session)
    }

    async fn extend_session(
        &mut self,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let q = Query::new("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2")
            .bind(expires_at)
            .bind(token_hash);
        self.conn.execute(q).await.map(drop)
    }

    async fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        let q = Query::new("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash);
        self.conn.execute(q).await.map(drop)
    }

    async fn forget_credentials(&mut self, user: UserId) -> Result<(), StoreError> {
        let q = Query::new("DELETE FROM sessions WHERE user_id = $1").bind(user.0);
        self.conn.execute(q).await?;
        let q = Query::new("DELETE FROM credentials WHERE user_id = $1").bind(user.0);
        self.conn.execute(q).await.map(drop)
    }
}

/// Reads a `sessions` row.
pub fn session(row: &impl SqlRow) -> Result<AuthSession, StoreError> {
    Ok(AuthSession {
        token_hash: row.text("token_hash")?,
        user_id: id(row, "user_id")?,
        created_at: row.time("created_at")?,
        expires_at: row.time("expires_at")?,
    })
}
