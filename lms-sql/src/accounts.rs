//! Credentials, sessions and one-time tokens of an authentication front end (lms-axum's
//! built-in sign-in): only hashes, never a password or a token.

use crate::row::{SqlRow, id, one, parsed};
use crate::{Dialect, Query, SqlTx};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::store::{AccountToken, AccountTx, AuthSession, TokenPurpose};
use lms_core::{SessionId, StoreError, User, UserId};

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

    async fn password_hash_of(&mut self, user: UserId) -> Result<Option<String>, StoreError> {
        let q = Query::new("SELECT password_hash FROM credentials WHERE user_id = $1").bind(user.0);
        one(self.conn.fetch_optional(q).await?, |row| {
            row.text("password_hash")
        })
    }

    async fn insert_session(&mut self, s: &AuthSession) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO sessions (id, token_hash, user_id, created_at, last_used_at,
                                   expires_at, user_agent, ip)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(s.id.0)
        .bind(&s.token_hash)
        .bind(s.user_id.0)
        .bind(s.created_at)
        .bind(s.last_used_at)
        .bind(s.expires_at)
        .bind(s.user_agent.as_deref())
        .bind(s.ip.as_deref());
        self.conn.execute(q).await.map(drop)
    }

    async fn session(&mut self, token_hash: &str) -> Result<Option<AuthSession>, StoreError> {
        let q = Query::new("SELECT * FROM sessions WHERE token_hash = $1").bind(token_hash);
        one(self.conn.fetch_optional(q).await?, session)
    }

    async fn sessions_of(&mut self, user: UserId) -> Result<Vec<AuthSession>, StoreError> {
        let q = Query::new(
            "SELECT * FROM sessions WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(user.0);
        self.conn.fetch_all(q).await?.iter().map(session).collect()
    }

    async fn touch_session(
        &mut self,
        token_hash: &str,
        last_used_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let q = Query::new(
            "UPDATE sessions SET last_used_at = $1, expires_at = $2 WHERE token_hash = $3",
        )
        .bind(last_used_at)
        .bind(expires_at)
        .bind(token_hash);
        self.conn.execute(q).await.map(drop)
    }

    async fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        let q = Query::new("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash);
        self.conn.execute(q).await.map(drop)
    }

    async fn delete_session_of(&mut self, user: UserId, id: SessionId) -> Result<bool, StoreError> {
        let q = Query::new("DELETE FROM sessions WHERE user_id = $1 AND id = $2")
            .bind(user.0)
            .bind(id.0);
        Ok(self.conn.execute(q).await? > 0)
    }

    async fn delete_sessions_of(
        &mut self,
        user: UserId,
        keep: Option<&str>,
    ) -> Result<(), StoreError> {
        let q = match keep {
            Some(keep) => {
                Query::new("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                    .bind(user.0)
                    .bind(keep)
            }
            None => Query::new("DELETE FROM sessions WHERE user_id = $1").bind(user.0),
        };
        self.conn.execute(q).await.map(drop)
    }

    async fn purge_expired_sessions(&mut self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let q = Query::new("DELETE FROM sessions WHERE expires_at <= $1").bind(now);
        self.conn.execute(q).await?;
        // Kept a day past expiry: recent ones count towards the links a user asked for.
        let q = Query::new("DELETE FROM account_tokens WHERE expires_at <= $1")
            .bind(now - chrono::Duration::days(1));
        self.conn.execute(q).await.map(drop)
    }

    async fn forget_credentials(&mut self, user: UserId) -> Result<(), StoreError> {
        let q = Query::new("DELETE FROM sessions WHERE user_id = $1").bind(user.0);
        self.conn.execute(q).await?;
        let q = Query::new("DELETE FROM account_tokens WHERE user_id = $1").bind(user.0);
        self.conn.execute(q).await?;
        let q = Query::new("DELETE FROM credentials WHERE user_id = $1").bind(user.0);
        self.conn.execute(q).await.map(drop)
    }

    async fn insert_account_token(&mut self, t: &AccountToken) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO account_tokens
                 (token_hash, purpose, user_id, email, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&t.token_hash)
        .bind(t.purpose.as_str())
        .bind(t.user_id.0)
        .bind(t.email.as_deref())
        .bind(t.created_at)
        .bind(t.expires_at);
        self.conn.execute(q).await.map(drop)
    }

    async fn use_account_token(
        &mut self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountToken>, StoreError> {
        // One statement: of two concurrent uses, only one finds the token unused.
        let q = Query::new(
            "UPDATE account_tokens SET used_at = $1
             WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
             RETURNING *",
        )
        .bind(now)
        .bind(token_hash)
        .bind(purpose.as_str());
        one(self.conn.fetch_optional(q).await?, account_token)
    }

    async fn account_tokens_since(
        &mut self,
        user: UserId,
        purpose: TokenPurpose,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let q = Query::new(
            "SELECT created_at FROM account_tokens
             WHERE user_id = $1 AND purpose = $2 AND created_at > $3 ORDER BY created_at",
        )
        .bind(user.0)
        .bind(purpose.as_str())
        .bind(since);
        let rows = self.conn.fetch_all(q).await?;
        rows.iter().map(|row| row.time("created_at")).collect()
    }

    async fn revoke_account_tokens(
        &mut self,
        user: UserId,
        purpose: TokenPurpose,
    ) -> Result<(), StoreError> {
        // Expired rather than deleted: they still count towards the links asked for.
        let q = Query::new(
            "UPDATE account_tokens SET expires_at = created_at
             WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
        )
        .bind(user.0)
        .bind(purpose.as_str());
        self.conn.execute(q).await.map(drop)
    }
}

/// Reads a `sessions` row.
pub fn session(row: &impl SqlRow) -> Result<AuthSession, StoreError> {
    Ok(AuthSession {
        id: id(row, "id")?,
        token_hash: row.text("token_hash")?,
        user_id: id(row, "user_id")?,
        created_at: row.time("created_at")?,
        last_used_at: row.time("last_used_at")?,
        expires_at: row.time("expires_at")?,
        user_agent: row.opt_text("user_agent")?,
        ip: row.opt_text("ip")?,
    })
}

/// Reads an `account_tokens` row.
fn account_token(row: &impl SqlRow) -> Result<AccountToken, StoreError> {
    Ok(AccountToken {
        token_hash: row.text("token_hash")?,
        purpose: parsed(row, "purpose", TokenPurpose::parse)?,
        user_id: id(row, "user_id")?,
        email: row.opt_text("email")?,
        created_at: row.time("created_at")?,
        expires_at: row.time("expires_at")?,
    })
}
