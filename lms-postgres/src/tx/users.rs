//! Users on Postgres: bulk inserts as one `UNNEST` of column arrays per chunk, and the row
//! lock of a per-user limit.

use super::PgConn;
use async_trait::async_trait;
use lms_core::{StoreError, User, UserId};
use lms_sql::UserDialect;

#[async_trait]
impl UserDialect for PgConn {
    async fn insert_users(&mut self, users: &[User]) -> Result<(), StoreError> {
        // Far fewer round trips and parameters than row-by-row inserts.
        for chunk in users.chunks(10_000) {
            let q = sqlx::query(
                "INSERT INTO users (id, email, name, created_at, avatar_url, email_verified)
                 SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::timestamptz[],
                                      $5::text[], $6::boolean[])",
            )
            .bind(super::ids(chunk, |u| u.id.0))
            .bind(chunk.iter().map(|u| u.email.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|u| u.name.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|u| u.created_at).collect::<Vec<_>>())
            .bind(
                chunk
                    .iter()
                    .map(|u| u.avatar_url.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind(chunk.iter().map(|u| u.email_verified).collect::<Vec<_>>());
            self.run(q).await?;
        }
        Ok(())
    }

    async fn lock_user(&mut self, id: UserId) -> Result<(), StoreError> {
        // NO KEY UPDATE: the user's own limited writes queue; inserts that merely
        // reference the user (their posts, progress) do not.
        let q = sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE").bind(id.0);
        self.run(q).await.map(drop)
    }
}
