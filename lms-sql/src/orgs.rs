//! Org rows.

use crate::row::{SqlRow, id};
use crate::{Connection, Dialect, Query, SqlTx};
use async_trait::async_trait;
use lms_core::store::OrgTx;
use lms_core::{Org, OrgId, PageRequest, StoreError};

/// The org part of a dialect.
#[async_trait]
pub trait OrgDialect: Connection {
    /// Locks the org row until the transaction ends (serializes membership changes).
    async fn lock_org(&mut self, org: OrgId) -> Result<(), StoreError>;
}

#[async_trait]
impl<C: Dialect> OrgTx for SqlTx<C> {
    async fn insert_org(&mut self, org: &Org) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO orgs (id, slug, name, settings, membership_plan, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(org.id.0)
        .bind(&org.slug)
        .bind(&org.name)
        .bind(&org.settings)
        .bind(plan_json(org))
        .bind(org.created_at);
        self.conn.execute(q).await.map(drop)
    }

    async fn org_by_slug(&mut self, slug: &str) -> Result<Option<Org>, StoreError> {
        let q = Query::new("SELECT * FROM orgs WHERE slug = $1").bind(slug);
        crate::row::one(self.conn.fetch_optional(q).await?, org)
    }

    async fn lock_org(&mut self, org: OrgId) -> Result<(), StoreError> {
        self.conn.lock_org(org).await
    }

    async fn update_org(&mut self, org: &Org) -> Result<(), StoreError> {
        let q = Query::new(
            "UPDATE orgs SET name = $1, settings = $2, membership_plan = $3 WHERE id = $4",
        )
        .bind(&org.name)
        .bind(&org.settings)
        .bind(plan_json(org))
        .bind(org.id.0);
        self.conn.execute(q).await.map(drop)
    }

    async fn orgs(&mut self, page: &PageRequest) -> Result<Vec<Org>, StoreError> {
        let q = Query::new("SELECT * FROM orgs WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(crate::after(page))
            .bind(crate::limit(page));
        crate::row::all(&self.conn.fetch_all(q).await?, org)
    }
}

/// The org's membership plan as a JSON value, or NULL.
fn plan_json(org: &Org) -> Option<serde_json::Value> {
    org.membership_plan
        .as_ref()
        .map(|plan| serde_json::json!(plan))
}

/// Reads an `orgs` row.
pub fn org(row: &impl SqlRow) -> Result<Org, StoreError> {
    org_at(row, "")
}

/// Reads an org whose columns carry `prefix` (`o_id`, `o_slug`, …: an org joined to
/// another table's row).
pub fn org_at(row: &impl SqlRow, prefix: &str) -> Result<Org, StoreError> {
    let column = |name: &str| format!("{prefix}{name}");
    let membership_plan = row
        .opt_json(&column("membership_plan"))?
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("column membership_plan: {e}")))?;
    Ok(Org {
        id: id(row, &column("id"))?,
        slug: row.text(&column("slug"))?,
        name: row.text(&column("name"))?,
        settings: row.json(&column("settings"))?,
        membership_plan,
        created_at: row.time(&column("created_at"))?,
    })
}
