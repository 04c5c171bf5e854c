//! Users on SQLite: bulk inserts as multi-row `VALUES`; no row locks (writes serialize).

use super::{SqliteConn, map_error};
use async_trait::async_trait;
use lms_core::{StoreError, User, UserId};
use lms_sql::UserDialect;
use sqlx::QueryBuilder;

#[async_trait]
impl UserDialect for SqliteConn {
    async fn insert_users(&mut self, users: &[User]) -> Result<(), StoreError> {
        // 6 parameters a row; SQLite takes up to 32,766 a statement.
        for chunk in users.chunks(1000) {
            let mut query = QueryBuilder::new(
                "INSERT INTO users (id, email, name, created_at, avatar_url, email_verified) ",
            );
            query.push_values(chunk, |mut row, u| {
                row.push_bind(u.id.0)
                    .push_bind(&u.email)
                    .push_bind(&u.name)
                    .push_bind(u.created_at)
                    .push_bind(u.avatar_url.as_deref())
                    .push_bind(u.email_verified);
            });
            let done = query.build().execute(&mut *self.tx).await;
            done.map_err(map_error)?;
        }
        Ok(())
    }

    async fn lock_user(&mut self, _id: UserId) -> Result<(), StoreError> {
        // Write transactions begin IMMEDIATE: they run one at a time already.
        Ok(())
    }
}
