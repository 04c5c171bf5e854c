//! Erasing an account: what goes, what is anonymised, what stays (contract v2, `DELETE
//! /me`). Sessions, password and tokens go; the name and address are replaced, so posts
//! read `Deleted user` (and so do the events and notifications that named them) and the
//! address can sign up again; memberships end; enrollments and
//! certificates are revoked (`account_deleted`), the certificates' learner name blanked;
//! invitations to the address are readdressed to the erased one; membership plans still
//! renewing are cancelled at the provider (at the end of the period paid for) before
//! anything is erased; payments, progress and the courses the user owned stay with their
//! orgs, tied to the anonymous account.

use super::Lms;
use super::orgs::keep_an_admin;
use super::revocation::enrollments_of;
use crate::certificate::RevocationReason;
use crate::enrollment::RevokedReason;
use crate::error::{ConflictKind, LmsError};
use crate::ids::{OrgId, UserId};
use crate::org::{Role, User};
use crate::store::{StoreTx, TenantScope};
use std::collections::BTreeSet;

/// The name an erased account shows (on its posts, say).
pub const DELETED_USER_NAME: &str = "Deleted user";

impl Lms {
    /// Erases the account of `user` in one transaction (see the module docs). The last
    /// admin of an org is `conflict` (409) and nothing changes: name another admin first.
    /// A plan the provider cannot cancel now (it is down) fails the call, and nothing is
    /// erased: an erased person must not go on paying. Hosts call it for the users they
    /// manage; `DELETE /me` calls it once the password is checked.
    ///
    /// ```no_run
    /// # async fn demo(lms: lms_core::Lms, user: lms_core::UserId) -> Result<(), lms_core::LmsError> {
    /// lms.delete_user(user).await?;
    /// assert_eq!(lms.user(user).await?.name, lms_core::DELETED_USER_NAME);
    /// # Ok(()) }
    /// ```
    pub async fn delete_user(&self, user: UserId) -> Result<(), LmsError> {
        let own = TenantScope {
            org: None,
            user: Some(user),
        };
        let cancelled = self.cancel_renewals(user, own).await?;
        let mut tx = self.write().await?;
        tx.set_scope(own).await?;
        tx.lock_user(user).await?;
        for mut plan in cancelled {
            // Shown at once; the provider's own report (a newer version) confirms it.
            tx.set_scope(TenantScope {
                org: Some(plan.org_id),
                user: Some(user),
            })
            .await?;
            plan.cancel_at_period_end = true;
            tx.upsert_subscription(&plan).await?;
        }
        tx.set_scope(own).await?;
        let found = tx.user(user).await?.ok_or(LmsError::NotFound("user"))?;
        let erased = erased(found.clone());
        let mut orgs = leave_every_org(tx.as_mut(), user).await?;
        tx.set_scope(own).await?;
        orgs.extend(self.revoke_everything(tx.as_mut(), user).await?);
        for &org in &orgs {
            tx.set_scope(TenantScope {
                org: Some(org),
                user: Some(user),
            })
            .await?;
            tx.rename_in_events(org, user, DELETED_USER_NAME).await?;
        }
        tx.set_scope(own).await?;
        for org in tx.orgs_that_invited(&found.email).await? {
            tx.set_scope(TenantScope {
                org: Some(org),
                user: Some(user),
            })
            .await?;
            tx.readdress_invitations(org, &found.email, &erased.email)
                .await?;
        }
        tx.set_scope(own).await?;
        if let Some(accounts) = tx.accounts() {
            accounts.forget_credentials(user).await?;
        }
        tx.update_user(&erased).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Asks the provider to end, at the end of the period paid for, every plan of `user`
    /// that would renew; the plans it cancelled. Outside any transaction: no store
    /// transaction stays open across the provider's round trips.
    async fn cancel_renewals(
        &self,
        user: UserId,
        own: TenantScope,
    ) -> Result<Vec<crate::payment::Subscription>, LmsError> {
        let plans = {
            let mut tx = self.read().await?;
            tx.set_scope(own).await?;
            tx.subscriptions_of(user).await?
        };
        let mut cancelled = Vec::new();
        for plan in plans {
            if plan.status.is_final() || plan.cancel_at_period_end {
                continue;
            }
            match self.payments.cancel_at_period_end(&plan.provider_id).await {
                Ok(()) => cancelled.push(plan),
                // No provider any more: nothing here can renew it, nor cancel it.
                Err(LmsError::PaymentsNotConfigured) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(cancelled)
    }

    /// Revokes every active enrollment of `user` and its certificate, blanking the name on
    /// every certificate, one org at a time (each row is written in its org's scope); the
    /// orgs it was enrolled in.
    async fn revoke_everything(
        &self,
        tx: &mut dyn StoreTx,
        user: UserId,
    ) -> Result<BTreeSet<OrgId>, LmsError> {
        let now = self.now();
        let mut orgs = BTreeSet::new();
        for row in enrollments_of(tx, user, None).await? {
            orgs.insert(row.course.org_id);
            let mut enrollment = row.enrollment;
            tx.set_scope(TenantScope {
                org: Some(row.course.org_id),
                user: Some(user),
            })
            .await?;
            if enrollment.is_active() {
                enrollment.revoke(RevokedReason::AccountDeleted);
                tx.update_enrollment(&enrollment).await?;
            }
            if let Some(mut certificate) = tx.certificate(user, enrollment.course_id).await? {
                if certificate.revoked_reason.is_none() {
                    certificate.revoked_reason = Some(RevocationReason::AccountDeleted);
                    certificate.revoked_at = Some(now);
                }
                certificate.learner_name = String::new();
                tx.update_certificate(&certificate).await?;
            }
        }
        Ok(orgs)
    }
}

/// Ends every membership of `user`, refusing (before anything is written) to leave an org
/// without an admin; the orgs they were a member of.
async fn leave_every_org(tx: &mut dyn StoreTx, user: UserId) -> Result<BTreeSet<OrgId>, LmsError> {
    let mut orgs = BTreeSet::new();
    for membership in tx.memberships_of(user).await? {
        let org = tx
            .org_by_slug(&membership.org)
            .await?
            .ok_or(LmsError::NotFound("org"))?;
        tx.set_scope(TenantScope {
            org: Some(org.id),
            user: Some(user),
        })
        .await?;
        tx.lock_org(org.id).await?;
        // Read again under the org's lock: a role changed meanwhile decides.
        let role = tx.membership(org.id, user).await?.map(|m| m.role);
        if role == Some(Role::Admin) {
            keep_an_admin(tx, org.id).await.map_err(|_| {
                let message = format!(
                    "you are the last admin of {}: make someone else its admin first",
                    org.slug
                );
                LmsError::conflict(ConflictKind::Conflict, message)
            })?;
        }
        tx.delete_membership(org.id, user).await?;
        orgs.insert(org.id);
    }
    Ok(orgs)
}

/// The account with nothing personal left: a placeholder name, an address nobody has.
fn erased(user: User) -> User {
    User {
        email: format!("deleted-{}@deleted.invalid", user.id),
        name: DELETED_USER_NAME.to_string(),
        avatar_url: None,
        email_verified: false,
        external_id: None,
        ..user
    }
}
