//! Memberships: who belongs to an org, and in which role.
use crate::error::StoreError;
use crate::ids::{OrgId, UserId};
use crate::org::{Member, Membership, MembershipSummary, Role};
use crate::page::PageRequest;
use async_trait::async_trait;

/// Memberships: who belongs to an org, and in which role.
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait MemberTx: Send {
    /// The user's membership in the org.
    async fn membership(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> Result<Option<Membership>, StoreError>;
    /// Every org the user belongs to, by org slug.
    async fn memberships_of(&mut self, user: UserId) -> Result<Vec<MembershipSummary>, StoreError>;
    /// Inserts a membership (`Duplicate(Membership)` when the user is already a member).
    async fn insert_membership(&mut self, membership: &Membership) -> Result<(), StoreError>;
    /// Changes a member's role.
    async fn update_membership_role(
        &mut self,
        org: OrgId,
        user: UserId,
        role: Role,
    ) -> Result<(), StoreError>;
    /// Removes a member.
    async fn delete_membership(&mut self, org: OrgId, user: UserId) -> Result<(), StoreError>;
    /// How many admins the org has.
    async fn count_admins(&mut self, org: OrgId) -> Result<u32, StoreError>;
    /// A page of members, ordered by user id.
    async fn list_members(
        &mut self,
        org: OrgId,
        page: &PageRequest,
    ) -> Result<Vec<Member>, StoreError>;
}
