//! Invitations on Postgres: the token's holder is admitted to read that one invitation
//! (row-level security), and an invitation answered by token is locked while it is.

use super::PgConn;
use async_trait::async_trait;
use lms_core::StoreError;
use lms_sql::InvitationDialect;

#[async_trait]
impl InvitationDialect for PgConn {
    async fn admit_invitation_token(&mut self, token_hash: &str) -> Result<(), StoreError> {
        if !self.settings.row_level_security {
            return Ok(());
        }
        let q = sqlx::query("SELECT set_config('lms.invitation_token', $1, true)").bind(token_hash);
        self.run(q).await.map(drop)
    }

    fn locks_rows(&self) -> bool {
        true
    }
}
