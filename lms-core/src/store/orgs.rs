//! Org rows: created, found by slug, renamed, and locked while its members change.
use crate::error::StoreError;
use crate::ids::OrgId;
use crate::org::Org;
use crate::page::PageRequest;
use async_trait::async_trait;

/// Org rows: created, found by slug, renamed, and locked while its members change.
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait OrgTx: Send {
    /// Inserts an org (`Duplicate(OrgSlug)` when the slug is taken).
    async fn insert_org(&mut self, org: &Org) -> Result<(), StoreError>;
    /// The org with this slug.
    async fn org_by_slug(&mut self, slug: &str) -> Result<Option<Org>, StoreError>;
    /// Locks the org row (serializes membership changes).
    async fn lock_org(&mut self, org: OrgId) -> Result<(), StoreError>;
    /// Replaces the org's name and settings.
    async fn update_org(&mut self, org: &Org) -> Result<(), StoreError>;
    /// A page of every org, in id order (for jobs that visit each org in turn, such as
    /// [`crate::Lms::end_lapsed_memberships`] and [`crate::Lms::all_orgs`]).
    async fn orgs(&mut self, page: &PageRequest) -> Result<Vec<Org>, StoreError>;
}
