//! Invitations: how someone becomes a member of an org with their consent. An admin invites
//! an address with a role; the person behind it (with an account already, or once they
//! sign up) accepts with the mailed token, or in the app once their address is verified.

use crate::ids::{InvitationId, OrgId, UserId};
use crate::org::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where an invitation stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    /// Waiting for an answer.
    Pending,
    /// The invitee joined.
    Accepted,
    /// The invitee said no.
    Declined,
    /// An admin withdrew it, or a newer invitation to the address replaced it.
    Revoked,
    /// Pending past its expiry (never stored: read as such from `expires_at`).
    Expired,
}

impl InvitationStatus {
    /// The name as stored and sent.
    ///
    /// ```
    /// use lms_core::InvitationStatus;
    /// assert_eq!(InvitationStatus::parse("pending"), Some(InvitationStatus::Pending));
    /// assert_eq!(InvitationStatus::Declined.as_str(), "declined");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }

    /// Parses [`InvitationStatus::as_str`]'s output.
    pub fn parse(value: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Accepted,
            Self::Declined,
            Self::Revoked,
            Self::Expired,
        ]
        .into_iter()
        .find(|status| status.as_str() == value)
    }
}

/// Who sent an invitation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inviter {
    /// Their user id.
    pub id: UserId,
    /// Their display name.
    pub name: String,
}

/// An invitation to join an org, as the API shows it (never its token).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// Stable id.
    pub id: InvitationId,
    /// The org's id (not part of the API object: `org` names it).
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub org_id: OrgId,
    /// The org's slug.
    pub org: String,
    /// The org's display name.
    pub org_name: String,
    /// The address invited (normalized).
    pub email: String,
    /// The role the invitee gets on accepting.
    pub role: Role,
    /// Where it stands; `expired` once a pending one passes `expires_at`.
    pub status: InvitationStatus,
    /// Who sent it.
    pub invited_by: Inviter,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
    /// When it stops being valid (7 days after it was sent).
    pub expires_at: DateTime<Utc>,
}

impl Invitation {
    /// `self` as it stands at `now`: a pending invitation past its expiry reads `expired`.
    ///
    /// ```
    /// # fn demo(invitation: lms_core::Invitation) {
    /// use lms_core::InvitationStatus;
    /// let later = invitation.expires_at;
    /// assert_ne!(invitation.at(later).status, InvitationStatus::Pending);
    /// # }
    /// ```
    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        if self.status == InvitationStatus::Pending && now >= self.expires_at {
            self.status = InvitationStatus::Expired;
        }
        self
    }

    /// Whether it can still be answered at `now`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.status == InvitationStatus::Pending && now < self.expires_at
    }
}

/// What a member's answer to an invitation made of them: `{org, role}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joined {
    /// The org's slug.
    pub org: String,
    /// Their role in it.
    pub role: Role,
}
