//! Memberships: who belongs to an org, in which role.

use crate::row::{SqlRow, all, big_count, id, one, parsed};
use crate::{Dialect, Query, SqlTx, after, limit};
use async_trait::async_trait;
use lms_core::store::MemberTx;
use lms_core::{
    Member, Membership, MembershipSummary, OrgId, PageRequest, Role, StoreError, UserId,
};

#[async_trait]
impl<C: Dialect> MemberTx for SqlTx<C> {
    async fn membership(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> Result<Option<Membership>, StoreError> {
        let q = Query::new("SELECT * FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(org.0)
            .bind(user.0);
        one(self.conn.fetch_optional(q).await?, membership)
    }

    async fn memberships_of(&mut self, user: UserId) -> Result<Vec<MembershipSummary>, StoreError> {
        let q = Query::new(
            "SELECT o.slug AS org, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
             WHERE m.user_id = $1 ORDER BY o.slug",
        )
        .bind(user.0);
        all(&self.conn.fetch_all(q).await?, |row| {
            Ok(MembershipSummary {
                org: row.text("org")?,
                role: parsed(row, "role", Role::parse)?,
            })
        })
    }

    async fn insert_membership(&mut self, m: &Membership) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO memberships (org_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(m.org_id.0)
        .bind(m.user_id.0)
        .bind(m.role.as_str())
        .bind(m.joined_at);
        self.conn.execute(q).await.map(drop)
    }

    async fn update_membership_role(
        &mut self,
        org: OrgId,
        user: UserId,
        role: Role,
    ) -> Result<(), StoreError> {
        let q = Query::new("UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3")
            .bind(role.as_str())
            .bind(org.0)
            .bind(user.0);
        self.conn.execute(q).await.map(drop)
    }

    async fn delete_membership(&mut self, org: OrgId, user: UserId) -> Result<(), StoreError> {
        let q = Query::new("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(org.0)
            .bind(user.0);
        self.conn.execute(q).await.map(drop)
    }

    async fn count_admins(&mut self, org: OrgId) -> Result<u32, StoreError> {
        let q = Query::new(
            "SELECT count(*) AS n FROM memberships WHERE org_id = $1 AND role = 'admin'",
        )
        .bind(org.0);
        let n = one(self.conn.fetch_optional(q).await?, |r| big_count(r, "n"))?;
        Ok(u32::try_from(n.unwrap_or(0)).unwrap_or(u32::MAX))
    }

    async fn list_members(
        &mut self,
        org: OrgId,
        page: &PageRequest,
    ) -> Result<Vec<Member>, StoreError> {
        let q = Query::new(
            "SELECT m.user_id, u.name, u.email, m.role, m.joined_at
             FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = $1 AND m.user_id > $2 ORDER BY m.user_id LIMIT $3",
        )
        .bind(org.0)
        .bind(after(page))
        .bind(limit(page));
        all(&self.conn.fetch_all(q).await?, member)
    }
}

/// Reads a `memberships` row.
pub fn membership(row: &impl SqlRow) -> Result<Membership, StoreError> {
    Ok(Membership {
        org_id: id(row, "org_id")?,
        user_id: id(row, "user_id")?,
        role: parsed(row, "role", Role::parse)?,
        joined_at: row.time("joined_at")?,
    })
}

/// Reads a membership joined with its user (`user_id, name, email, role, joined_at`).
pub fn member(row: &impl SqlRow) -> Result<Member, StoreError> {
    Ok(Member {
        user_id: id(row, "user_id")?,
        name: row.text("name")?,
        email: row.text("email")?,
        role: parsed(row, "role", Role::parse)?,
        joined_at: row.time("joined_at")?,
    })
}
