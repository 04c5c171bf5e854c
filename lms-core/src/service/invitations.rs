//! Invitations: membership by consent. Admins invite an address with a role, see their
//! invitations and revoke them; the person behind the address accepts or declines, with
//! the mailed token (which proves the address) or in the app once their address is
//! verified. Members may also leave.

use super::orgs::keep_an_admin;
use super::{Lms, allow, org_scope};
use crate::Actor;
use crate::error::{ConflictKind, ForbiddenReason, LmsError, StoreError};
use crate::ids::{InvitationId, UserId};
use crate::input::Parsed;
use crate::invitation::{Invitation, InvitationStatus, Inviter, Joined};
use crate::mail::letters;
use crate::name::EmailAddress;
use crate::org::{Membership, NewMember, Role, User};
use crate::page::{Page, PageRequest};
use crate::policy::Action;
use crate::store::{InvitationFilter, StoreTx, TenantScope};
use crate::token::{self, INVITATION_TTL};

/// Default of [`Lms::with_invitations_per_hour`].
pub const DEFAULT_INVITATIONS_PER_HOUR: u32 = 50;

impl Lms {
    /// How many invitations one org may send in any hour (default 50): past it,
    /// [`Lms::invite`] is `rate_limited` (429).
    pub fn with_invitations_per_hour(mut self, limit: u32) -> Self {
        self.invitations_per_hour = limit.max(1);
        self
    }

    /// Invites `input.email` to the org as `input.role` (admins), and mails the link: the
    /// address need not have an account yet. A pending invitation to the same address is
    /// replaced. A member already is `already_member` (409); past the hourly limit, 429.
    ///
    /// ```no_run
    /// # async fn demo(lms: lms_core::Lms, admin: lms_core::Actor) -> Result<(), lms_core::LmsError> {
    /// use lms_core::{NewMember, Role};
    /// let teacher = NewMember { email: "grace@example.com".into(), role: Role::Instructor };
    /// let invitation = lms.invite(&admin, "acme", teacher).await?;
    /// assert_eq!(invitation.status, lms_core::InvitationStatus::Pending);
    /// # Ok(()) }
    /// ```
    pub async fn invite(
        &self,
        actor: &Actor,
        slug: &str,
        input: impl Into<Parsed<NewMember>>,
    ) -> Result<Invitation, LmsError> {
        let inviter = actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.write().await?;
        let scope = org_scope(tx.as_mut(), actor, slug).await?;
        allow(&scope.standing, Action::ManageOrg)?;
        let input = input.into().into_result()?;
        let email = EmailAddress::parse(&input.email)
            .map_err(|message| LmsError::invalid("email", message))?;
        let org = scope.org;
        if let Some(user) = tx.user_by_email(email.as_str()).await?
            && tx.membership(org.id, user.id).await?.is_some()
        {
            let message = "the address belongs to a member of the org already";
            return Err(LmsError::conflict(ConflictKind::AlreadyMember, message));
        }
        // Counted under the org's lock, so racing invitations cannot all pass the limit.
        tx.lock_org(org.id).await?;
        let now = self.now();
        let sent = tx
            .count_invitations_since(org.id, now - chrono::Duration::hours(1))
            .await?;
        if sent >= self.invitations_per_hour {
            return Err(LmsError::RateLimited {
                retry_after_secs: 3600,
            });
        }
        tx.revoke_invitations_to(org.id, email.as_str()).await?;
        let inviter = tx.user(inviter).await?.ok_or(LmsError::Unauthenticated)?;
        let token = token::new_token()
            .map_err(|e| StoreError::Backend(format!("no randomness: {e}").into()))?;
        let invitation = Invitation {
            id: InvitationId::new(),
            org_id: org.id,
            org: org.slug.clone(),
            org_name: org.name.clone(),
            email: email.as_str().to_string(),
            role: input.role,
            status: InvitationStatus::Pending,
            invited_by: Inviter {
                id: inviter.id,
                name: inviter.name.clone(),
            },
            created_at: now,
            expires_at: now + INVITATION_TTL,
        };
        tx.insert_invitation(&invitation, &token::token_hash(&token))
            .await?;
        tx.commit().await?;
        let letter = letters::Invitation {
            to: &invitation.email,
            org_name: &org.name,
            inviter: &inviter.name,
            role: invitation.role,
            expires_at: invitation.expires_at,
        };
        let link = self.mail_link("invitations/accept", &token);
        self.post(link.map(|link| letters::invitation(&letter, &link)))
            .await;
        Ok(invitation)
    }

    /// A page of the org's invitations, newest first (admins); `status` keeps one kind
    /// (`pending` ones are those not yet expired).
    pub async fn invitations(
        &self,
        actor: &Actor,
        slug: &str,
        status: Option<InvitationStatus>,
        page: PageRequest,
    ) -> Result<Page<Invitation>, LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.read().await?;
        let scope = org_scope(tx.as_mut(), actor, slug).await?;
        allow(&scope.standing, Action::ManageOrg)?;
        let now = self.now();
        let filter = match status {
            Some(InvitationStatus::Pending) => InvitationFilter {
                status,
                expires_after: Some(now),
                ..InvitationFilter::default()
            },
            Some(InvitationStatus::Expired) => InvitationFilter {
                status: Some(InvitationStatus::Pending),
                expired_by: Some(now),
                ..InvitationFilter::default()
            },
            status => InvitationFilter {
                status,
                ..InvitationFilter::default()
            },
        };
        let rows = tx.list_invitations(scope.org.id, &filter, &page).await?;
        Ok(Page::from_rows(rows, &page, |i| i.id.0).map(|i| i.at(now)))
    }

    /// Withdraws a pending invitation (admins): its link stops working. Not pending any
    /// more (answered, revoked, expired): `conflict` (409).
    pub async fn revoke_invitation(
        &self,
        actor: &Actor,
        slug: &str,
        id: InvitationId,
    ) -> Result<(), LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.write().await?;
        let scope = org_scope(tx.as_mut(), actor, slug).await?;
        allow(&scope.standing, Action::ManageOrg)?;
        let invitation = tx
            .invitation(scope.org.id, id)
            .await?
            .ok_or(LmsError::NotFound("invitation"))?;
        self.answer(tx, &invitation, InvitationStatus::Revoked)
            .await
    }

    /// The pending invitations to the caller's address (`GET /me/invitations`), which must
    /// be verified (403 `email_unverified`): an unproven address could be anyone's.
    pub async fn my_invitations(&self, actor: &Actor) -> Result<Vec<Invitation>, LmsError> {
        let (mut tx, user) = self.invitee(actor).await?;
        let now = self.now();
        let found = tx.pending_invitations_to(&user.email).await?;
        Ok(found.into_iter().filter(|i| i.is_open(now)).collect())
    }

    /// Accepts an invitation to the caller's verified address: they become a member with
    /// its role. Another address's invitation is 404; one no longer pending, `conflict`.
    pub async fn accept_invitation(
        &self,
        actor: &Actor,
        id: InvitationId,
    ) -> Result<Joined, LmsError> {
        let (mut tx, user) = self.invitee(actor).await?;
        let invitation = tx
            .invitation_to(&user.email, id)
            .await?
            .ok_or(LmsError::NotFound("invitation"))?;
        if !invitation.is_open(self.now()) {
            return Err(no_longer_pending());
        }
        self.join(tx, &invitation, user.id, lapsed).await
    }

    /// Declines an invitation to the caller's verified address (as
    /// [`Lms::accept_invitation`], without joining).
    pub async fn decline_invitation(
        &self,
        actor: &Actor,
        id: InvitationId,
    ) -> Result<(), LmsError> {
        let (mut tx, user) = self.invitee(actor).await?;
        let invitation = tx
            .invitation_to(&user.email, id)
            .await?
            .ok_or(LmsError::NotFound("invitation"))?;
        self.answer(tx, &invitation, InvitationStatus::Declined)
            .await
    }

    /// Accepts the invitation whose mailed token the caller presents (`POST
    /// /invitations/accept`). The token proves the address, which is then verified; it must
    /// be the caller's (403 `forbidden` otherwise). Unknown, answered, revoked or expired:
    /// `invalid_token` (400).
    pub async fn accept_invitation_token(
        &self,
        actor: &Actor,
        token: &str,
    ) -> Result<Joined, LmsError> {
        let user_id = actor.require_user()?;
        let mut tx = self.write().await?;
        tx.set_scope(TenantScope {
            org: None,
            user: Some(user_id),
        })
        .await?;
        let invitation = tx
            .lock_invitation_by_token(&token::token_hash(token))
            .await?
            .filter(|i| i.is_open(self.now()))
            .ok_or(LmsError::InvalidToken)?;
        tx.lock_user(user_id).await?;
        let mut user = tx.user(user_id).await?.ok_or(LmsError::Unauthenticated)?;
        if user.email != invitation.email {
            let message = "the invitation was sent to another address: sign in as its owner";
            return Err(LmsError::forbidden(ForbiddenReason::Role, message));
        }
        if !user.email_verified {
            user.email_verified = true;
            tx.update_user(&user).await?;
        }
        // A lapsed invitation's link is as good as a revoked one's.
        self.join(tx, &invitation, user.id, || LmsError::InvalidToken)
            .await
    }

    /// Whether `token` is an open invitation to `email`: it lets that address make an
    /// account where sign-up is closed, and proves the address.
    pub async fn invitation_admits(&self, token: &str, email: &str) -> Result<bool, LmsError> {
        let Ok(email) = EmailAddress::parse(email) else {
            return Ok(false);
        };
        // A write transaction only because the lookup locks the row; nothing is written.
        let mut tx = self.write().await?;
        let found = tx
            .lock_invitation_by_token(&token::token_hash(token))
            .await?;
        Ok(found.is_some_and(|i| i.is_open(self.now()) && i.email == email.as_str()))
    }

    /// The caller leaves the org (`DELETE /me/memberships/{org}`): their enrollments in its
    /// courses are revoked (progress kept). Not a member: 404; its last admin: `conflict`
    /// (409).
    pub async fn leave_org(&self, actor: &Actor, slug: &str) -> Result<(), LmsError> {
        let user = actor.require_user()?;
        let mut tx = self.write().await?;
        let scope = org_scope(tx.as_mut(), actor, slug).await?;
        scope
            .standing
            .role
            .ok_or(LmsError::NotFound("membership"))?;
        tx.lock_org(scope.org.id).await?;
        // Read again under the org's lock: a role changed meanwhile decides.
        let membership = tx.membership(scope.org.id, user).await?;
        let role = membership.ok_or(LmsError::NotFound("membership"))?.role;
        if role == Role::Admin {
            keep_an_admin(tx.as_mut(), scope.org.id).await?;
        }
        tx.delete_membership(scope.org.id, user).await?;
        super::revocation::revoke_org_enrollments(tx.as_mut(), scope.org.id, user).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A write transaction scoped to the caller, and the caller, whose address must be
    /// verified for them to see or answer invitations to it.
    async fn invitee(&self, actor: &Actor) -> Result<(Box<dyn StoreTx>, User), LmsError> {
        let user_id = actor.require_user()?;
        let mut tx = self.write().await?;
        tx.set_scope(TenantScope {
            org: None,
            user: Some(user_id),
        })
        .await?;
        let user = tx.user(user_id).await?.ok_or(LmsError::Unauthenticated)?;
        if !user.email_verified {
            let message = "verify your email address to see the invitations sent to it";
            return Err(LmsError::forbidden(
                ForbiddenReason::EmailUnverified,
                message,
            ));
        }
        Ok((tx, user))
    }

    /// Makes `user` a member by `invitation`, marks it accepted, and commits. An
    /// invitation whose sender is no longer an admin of the org is refused with `lapsed`.
    async fn join(
        &self,
        mut tx: Box<dyn StoreTx>,
        invitation: &Invitation,
        user: UserId,
        lapsed: fn() -> LmsError,
    ) -> Result<Joined, LmsError> {
        tx.set_scope(TenantScope {
            org: Some(invitation.org_id),
            user: Some(user),
        })
        .await?;
        if tx.membership(invitation.org_id, user).await?.is_some() {
            let message = "you are a member of the org already";
            return Err(LmsError::conflict(ConflictKind::AlreadyMember, message));
        }
        // An invitation carries its sender's authority: it lapses with it.
        let inviter = tx
            .membership(invitation.org_id, invitation.invited_by.id)
            .await?;
        if !inviter.is_some_and(|m| m.role == Role::Admin) {
            return Err(lapsed());
        }
        let now = self.now();
        tx.insert_membership(&Membership {
            org_id: invitation.org_id,
            user_id: user,
            role: invitation.role,
            joined_at: now,
        })
        .await?;
        if !tx
            .answer_invitation(invitation.id, InvitationStatus::Accepted, now)
            .await?
        {
            return Err(no_longer_pending());
        }
        tx.commit().await?;
        Ok(Joined {
            org: invitation.org.clone(),
            role: invitation.role,
        })
    }

    /// Moves an open invitation to `status` and commits; `conflict` when it is not open.
    async fn answer(
        &self,
        mut tx: Box<dyn StoreTx>,
        invitation: &Invitation,
        status: InvitationStatus,
    ) -> Result<(), LmsError> {
        // Written in its org's scope: row-level security checks every write against it.
        tx.set_scope(TenantScope {
            org: Some(invitation.org_id),
            user: None,
        })
        .await?;
        let now = self.now();
        if !invitation.is_open(now) || !tx.answer_invitation(invitation.id, status, now).await? {
            return Err(no_longer_pending());
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The invitation's sender is no longer an admin of its org.
fn lapsed() -> LmsError {
    LmsError::conflict(
        ConflictKind::Conflict,
        "the invitation lapsed: whoever sent it is no longer an admin of the org; ask for a new one",
    )
}

fn no_longer_pending() -> LmsError {
    LmsError::conflict(
        ConflictKind::Conflict,
        "the invitation is no longer pending (answered, revoked or expired)",
    )
}
