//! Invitations to orgs, each stored with the hash of its mailed token.

use crate::error::StoreError;
use crate::ids::{InvitationId, OrgId};
use crate::invitation::{Invitation, InvitationStatus};
use crate::page::PageRequest;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Which invitations a list holds, as stored: the core turns `?status=pending` or `expired`
/// into a stored status and a side of the expiry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvitationFilter {
    /// Only those stored with this status.
    pub status: Option<InvitationStatus>,
    /// Only those that expire after this time.
    pub expires_after: Option<DateTime<Utc>>,
    /// Only those that expired at or before this time.
    pub expired_by: Option<DateTime<Utc>>,
}

/// Invitations. Part of [`super::StoreTx`]: every method runs inside the store transaction.
/// Reads join the org (slug, name) and the inviter (name) into the [`Invitation`], whose
/// status is as stored (the core reads `expired` from the expiry).
#[async_trait]
pub trait InvitationTx: Send {
    /// Stores an invitation with the hash of its token.
    async fn insert_invitation(
        &mut self,
        invitation: &Invitation,
        token_hash: &str,
    ) -> Result<(), StoreError>;
    /// The invitation `id` of `org`.
    async fn invitation(
        &mut self,
        org: OrgId,
        id: InvitationId,
    ) -> Result<Option<Invitation>, StoreError>;
    /// The invitation `id` if it was sent to `email` (any org).
    async fn invitation_to(
        &mut self,
        email: &str,
        id: InvitationId,
    ) -> Result<Option<Invitation>, StoreError>;
    /// The invitation whose token has this hash (any org), locked until the transaction ends.
    async fn lock_invitation_by_token(
        &mut self,
        token_hash: &str,
    ) -> Result<Option<Invitation>, StoreError>;
    /// Invitations to `email` that are pending (expired ones included), newest first.
    async fn pending_invitations_to(&mut self, email: &str) -> Result<Vec<Invitation>, StoreError>;
    /// A page of the org's invitations that match `filter`, newest first.
    async fn list_invitations(
        &mut self,
        org: OrgId,
        filter: &InvitationFilter,
        page: &PageRequest,
    ) -> Result<Vec<Invitation>, StoreError>;
    /// Moves a pending invitation to `status`; whether it was pending.
    async fn answer_invitation(
        &mut self,
        id: InvitationId,
        status: InvitationStatus,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Revokes the org's pending invitations to `email` (a new one replaces them).
    async fn revoke_invitations_to(&mut self, org: OrgId, email: &str) -> Result<(), StoreError>;
    /// The orgs that have invited `email`, whatever became of the invitations.
    async fn orgs_that_invited(&mut self, email: &str) -> Result<Vec<OrgId>, StoreError>;
    /// Rewrites the org's invitations to `from` as invitations to `to` (an erased person's
    /// address is kept nowhere).
    async fn readdress_invitations(
        &mut self,
        org: OrgId,
        from: &str,
        to: &str,
    ) -> Result<(), StoreError>;
    /// How many invitations the org sent since `since`.
    async fn count_invitations_since(
        &mut self,
        org: OrgId,
        since: DateTime<Utc>,
    ) -> Result<u32, StoreError>;
}
