//! Invitations to orgs, read together with the org's slug and name and the inviter's name.

use crate::row::{SqlRow, all, big_count, id, one, parsed};
use crate::{Dialect, Query, SqlTx, limit};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::store::{InvitationFilter, InvitationTx};
use lms_core::{
    Invitation, InvitationId, InvitationStatus, Inviter, OrgId, PageRequest, Role, StoreError,
};

/// What a dialect adds to the invitation statements.
#[async_trait]
pub trait InvitationDialect: crate::Connection {
    /// Called before an invitation is read by its token, whichever org it belongs to:
    /// holding the token entitles the caller to read it. A dialect that isolates tenants in
    /// the database admits that one row here; the default does nothing.
    async fn admit_invitation_token(&mut self, _token_hash: &str) -> Result<(), StoreError> {
        Ok(())
    }

    /// Whether a row read to be changed must be locked (`FOR UPDATE`): not for a database
    /// whose write transactions already exclude each other.
    fn locks_rows(&self) -> bool {
        false
    }
}

/// An invitation statement: the row, with its org's slug and name and the inviter's name.
macro_rules! invitation_sql {
    ($tail:literal) => {
        concat!(
            "SELECT i.*, o.slug AS org_slug, o.name AS org_name, u.name AS inviter_name
             FROM invitations i JOIN orgs o ON o.id = i.org_id
             JOIN users u ON u.id = i.invited_by ",
            $tail
        )
    };
}
pub(crate) use invitation_sql;

#[async_trait]
impl<C: Dialect> InvitationTx for SqlTx<C> {
    async fn insert_invitation(
        &mut self,
        i: &Invitation,
        token_hash: &str,
    ) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO invitations (id, org_id, email, role, status, invited_by, token_hash,
                                      created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(i.id.0)
        .bind(i.org_id.0)
        .bind(&i.email)
        .bind(i.role.as_str())
        .bind(i.status.as_str())
        .bind(i.invited_by.id.0)
        .bind(token_hash)
        .bind(i.created_at)
        .bind(i.expires_at);
        self.conn.execute(q).await.map(drop)
    }

    async fn invitation(
        &mut self,
        org: OrgId,
        id: InvitationId,
    ) -> Result<Option<Invitation>, StoreError> {
        let q = Query::new(invitation_sql!("WHERE i.org_id = $1 AND i.id = $2"))
            .bind(org.0)
            .bind(id.0);
        one(self.conn.fetch_optional(q).await?, invitation)
    }

    async fn invitation_to(
        &mut self,
        email: &str,
        id: InvitationId,
    ) -> Result<Option<Invitation>, StoreError> {
        let q = Query::new(invitation_sql!("WHERE i.email = $1 AND i.id = $2"))
            .bind(email)
            .bind(id.0);
        one(self.conn.fetch_optional(q).await?, invitation)
    }

    async fn lock_invitation_by_token(
        &mut self,
        token_hash: &str,
    ) -> Result<Option<Invitation>, StoreError> {
        self.conn.admit_invitation_token(token_hash).await?;
        let q = if self.conn.locks_rows() {
            Query::new(invitation_sql!("WHERE i.token_hash = $1 FOR UPDATE OF i"))
        } else {
            Query::new(invitation_sql!("WHERE i.token_hash = $1"))
        };
        let q = q.bind(token_hash);
        one(self.conn.fetch_optional(q).await?, invitation)
    }

    async fn pending_invitations_to(&mut self, email: &str) -> Result<Vec<Invitation>, StoreError> {
        let q = Query::new(invitation_sql!(
            "WHERE i.email = $1 AND i.status = 'pending' ORDER BY i.id DESC"
        ))
        .bind(email);
        all(&self.conn.fetch_all(q).await?, invitation)
    }

    async fn list_invitations(
        &mut self,
        org: OrgId,
        filter: &InvitationFilter,
        page: &PageRequest,
    ) -> Result<Vec<Invitation>, StoreError> {
        // Newest first: a page continues below the cursor's id.
        let q = Query::new(invitation_sql!(
            "WHERE i.org_id = $1 AND ($2 IS NULL OR i.id < $2) AND ($3 IS NULL OR i.status = $3)
                 AND ($4 IS NULL OR i.expires_at > $4) AND ($5 IS NULL OR i.expires_at <= $5)
             ORDER BY i.id DESC LIMIT $6"
        ))
        .bind(org.0)
        .bind(page.after)
        .bind(filter.status.map(InvitationStatus::as_str))
        .bind(filter.expires_after)
        .bind(filter.expired_by)
        .bind(limit(page));
        all(&self.conn.fetch_all(q).await?, invitation)
    }

    async fn answer_invitation(
        &mut self,
        id: InvitationId,
        status: InvitationStatus,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let q = Query::new(
            "UPDATE invitations SET status = $1, answered_at = $2
             WHERE id = $3 AND status = 'pending'",
        )
        .bind(status.as_str())
        .bind(at)
        .bind(id.0);
        Ok(self.conn.execute(q).await? == 1)
    }

    async fn revoke_invitations_to(&mut self, org: OrgId, email: &str) -> Result<(), StoreError> {
        let q = Query::new(
            "UPDATE invitations SET status = 'revoked'
             WHERE org_id = $1 AND email = $2 AND status = 'pending'",
        )
        .bind(org.0)
        .bind(email);
        self.conn.execute(q).await.map(drop)
    }

    async fn orgs_that_invited(&mut self, email: &str) -> Result<Vec<OrgId>, StoreError> {
        let q = Query::new("SELECT DISTINCT org_id FROM invitations WHERE email = $1").bind(email);
        all(&self.conn.fetch_all(q).await?, |row| id(row, "org_id"))
    }

    async fn readdress_invitations(
        &mut self,
        org: OrgId,
        from: &str,
        to: &str,
    ) -> Result<(), StoreError> {
        let q = Query::new("UPDATE invitations SET email = $1 WHERE org_id = $2 AND email = $3")
            .bind(to)
            .bind(org.0)
            .bind(from);
        self.conn.execute(q).await.map(drop)
    }

    async fn count_invitations_since(
        &mut self,
        org: OrgId,
        since: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let q = Query::new(
            "SELECT count(*) AS n FROM invitations WHERE org_id = $1 AND created_at > $2",
        )
        .bind(org.0)
        .bind(since);
        let n = one(self.conn.fetch_optional(q).await?, |r| big_count(r, "n"))?;
        Ok(u32::try_from(n.unwrap_or(0)).unwrap_or(u32::MAX))
    }
}

/// Reads an `invitations` row joined with its org and inviter.
pub(crate) fn invitation(row: &impl SqlRow) -> Result<Invitation, StoreError> {
    Ok(Invitation {
        id: id(row, "id")?,
        org_id: id(row, "org_id")?,
        org: row.text("org_slug")?,
        org_name: row.text("org_name")?,
        email: row.text("email")?,
        role: parsed(row, "role", Role::parse)?,
        status: parsed(row, "status", InvitationStatus::parse)?,
        invited_by: Inviter {
            id: id(row, "invited_by")?,
            name: row.text("inviter_name")?,
        },
        created_at: row.time("created_at")?,
        expires_at: row.time("expires_at")?,
    })
}
