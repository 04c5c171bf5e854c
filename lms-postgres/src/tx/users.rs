//! Users on Postgres: bulk inserts as one `UNNEST` of column arrays per chunk.

use super::PgConn;
use async_trait::async_trait;
use lms_core::{StoreError, User};
use lms_sql::UserDialect;

#[async_trait]
impl UserDialect for PgConn {
    async fn insert_users(&mut self, users: &[User]) -> Result<(), StoreError> {
        // Far fewer round trips and parameters than row-by-row inserts.
        for chunk in users.chunks(10_000) {
            let q = sqlx::query(
                "INSERT INTO users (id, email, name, created_at)
                 SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::timestamptz[])",
            )
            .bind(super::ids(chunk, |u| u.id.0))
            .bind(chunk.iter().map(|u| u.email.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|u| u.name.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|u| u.created_at).collect::<Vec<_>>());
            self.run(q).await?;
        }
        Ok(())
    }
}
