//! When a membership plan stops paying for the enrollments it opened: one rule
//! ([`Subscription::grants_access`]), stored as the enrollment's status so that checkout,
//! enrollment and the provider's events all see the same state.
//!
//! Reads apply the rule in memory only (course progress and dashboards stay read-only).
//! Writes that lock such an enrollment store its revocation with whatever they commit —
//! enrolling, an admin's enrollment, a paid checkout's effect (a write the rule then
//! refuses, such as progress, rolls it back with everything else) — and
//! [`Lms::end_lapsed_memberships`] stores the rest.

use super::Lms;
use crate::enrollment::{Enrollment, EnrollmentSource, RevokedReason};
use crate::error::LmsError;
use crate::ids::OrgId;
use crate::payment::Subscription;
use crate::store::{Access, StoreTx, TenantScope};

/// Whether a rule that ends an enrollment may write it down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Settle {
    /// A read: the enrollment counts as revoked in memory, nothing is written.
    InMemory,
    /// A write transaction that holds the enrollment's lock: the revocation is stored.
    Store,
}

impl Lms {
    /// Whether the user's plan (if any) still pays for what it opened.
    pub(super) fn plan_grants_access(&self, plan: Option<&Subscription>) -> bool {
        plan.is_some_and(|plan| plan.grants_access(self.now(), self.membership_grace))
    }

    /// An active enrollment that a membership plan opened ends with the plan: past its
    /// grace period it is revoked (`membership_ended`), in memory or, for a write that
    /// holds its lock, in the store too.
    pub(super) async fn apply_membership_rule(
        &self,
        tx: &mut dyn StoreTx,
        org: OrgId,
        enrollment: &mut Enrollment,
        settle: Settle,
    ) -> Result<(), LmsError> {
        if !enrollment.is_active() || enrollment.source != EnrollmentSource::Subscription {
            return Ok(());
        }
        let plan = tx.subscription(org, enrollment.user_id).await?;
        if self.plan_grants_access(plan.as_ref()) {
            return Ok(());
        }
        enrollment.revoke(RevokedReason::MembershipEnded);
        if settle == Settle::Store {
            tx.update_enrollment(enrollment).await?;
        }
        Ok(())
    }

    /// Stores the end of every membership past its grace period: the enrollments those
    /// plans opened are revoked (`membership_ended`), so checkout, enrollment and the
    /// provider's events find them revoked. Run it from a periodic job (the example server
    /// does, hourly); each org is swept in a transaction of its own, and an org that fails
    /// is reported and skipped, so one org's trouble never holds the others' revocations
    /// back. `Err` only when the list of orgs cannot be read.
    ///
    /// ```
    /// # async fn sweep(lms: lms_core::Lms) -> Result<(), lms_core::LmsError> {
    /// let swept = lms.end_lapsed_memberships().await?;
    /// for (org, error) in &swept.failed {
    ///     eprintln!("org {org}: {error} (tried again next time)");
    /// }
    /// # let _ = swept.revoked; Ok(()) }
    /// ```
    pub async fn end_lapsed_memberships(&self) -> Result<LapsedMemberships, LmsError> {
        let each = self.each_org(|org| self.end_lapsed_memberships_of(org));
        let (revoked, failed) = each.await?;
        let revoked = revoked.iter().sum();
        Ok(LapsedMemberships { revoked, failed })
    }

    async fn end_lapsed_memberships_of(&self, org: OrgId) -> Result<u64, LmsError> {
        let mut tx = self.store.begin(Access::Write).await?;
        tx.set_scope(TenantScope {
            org: Some(org),
            user: None,
        })
        .await?;
        // The provider's reports take the same lock: a renewal that lands between the read
        // below and the revocation would otherwise be revoked anyway.
        tx.lock_org(org).await?;
        // The store narrows the search by date; the rule itself decides.
        let since_before = self.now() - self.membership_grace;
        let mut revoked = 0;
        for plan in tx.past_due_subscriptions(org, since_before).await? {
            if !self.plan_grants_access(Some(&plan)) {
                revoked += tx
                    .revoke_subscription_enrollments(org, plan.user_id)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(revoked)
    }
}

/// What [`Lms::end_lapsed_memberships`] did: the enrollments it revoked, and the orgs it
/// could not sweep (tried again next time).
#[derive(Debug, Default)]
pub struct LapsedMemberships {
    /// Enrollments revoked (`membership_ended`), in every org swept.
    pub revoked: u64,
    /// The orgs whose sweep failed, with why.
    pub failed: Vec<(OrgId, LmsError)>,
}
