//! Selling: checkouts through the provider, membership plans, the payment ledger, and
//! applying the provider's events — each at most once, in one transaction with its record.

use super::EnrollmentRead;
use super::{Actor, Lms, allow, certificates, learning, org_scope};
use crate::certificate::RevocationReason;
use crate::course::CourseStatus;
use crate::enrollment::{Enrollment, EnrollmentSource, RevokedReason};
use crate::error::{ConflictKind, LmsError};
use crate::ids::CourseRef;
use crate::ids::{OrgId, PaymentId, UserId};
use crate::input::Parsed;
use crate::page::{Page, PageRequest};
use crate::payment::{
    Applied, CheckoutRequest, CheckoutSession, CheckoutUrls, PaymentEffect, PaymentEvent,
    PaymentKind, PaymentRecord, Purchase, Subscription, SubscriptionStatus, SubscriptionUpdate,
};
use crate::policy::Action;
use crate::store::{CourseKey, StoreTx, TenantScope};

impl Lms {
    /// Starts a checkout of a paid course through the payment provider. A free course, an
    /// active enrollment or unmet prerequisites (`prerequisites_unmet`) are 409; a URL off the provider's allowed origins 422; without a
    /// provider it is `payments_not_configured` (503).
    pub async fn checkout(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        urls: impl Into<Parsed<CheckoutUrls>>,
    ) -> Result<CheckoutSession, LmsError> {
        let user = actor.require_user()?;
        let mut tx = self.read().await?;
        let scope = self
            .course_scope(tx.as_mut(), actor, course, EnrollmentRead::Plain)
            .await?;
        allow(
            &scope.standing,
            Action::Buy(&scope.course, scope.enrollment()),
        )?;
        if scope.course.status != CourseStatus::Published {
            return Err(LmsError::conflict(
                ConflictKind::Conflict,
                "the course is not open for enrollment",
            ));
        }
        if scope.course.is_free() {
            return Err(LmsError::conflict(
                ConflictKind::Conflict,
                "the course is free: enroll without checkout",
            ));
        }
        if scope.enrollment.as_ref().is_some_and(Enrollment::is_active) {
            return Err(LmsError::conflict(
                ConflictKind::AlreadyEnrolled,
                "already enrolled in this course",
            ));
        }
        super::gates::ensure_prerequisites_met(tx.as_mut(), &scope.course, user).await?;
        let urls = urls.into().into_result()?;
        let buyer = tx.user(user).await?.ok_or(LmsError::Unauthenticated)?;
        drop(tx); // no transaction stays open across the provider's round trip
        let purchase = Purchase::Course(&scope.course);
        let (success_url, cancel_url) = (urls.success_url.as_str(), urls.cancel_url.as_str());
        let request = CheckoutRequest {
            org: &scope.org,
            purchase,
            buyer: &buyer,
            success_url,
            cancel_url,
        };
        self.payments.create_checkout(request).await
    }

    /// Starts a checkout of the org's membership plan: 404 when the org offers none, 409
    /// when the caller's membership is already active.
    pub async fn membership_checkout(
        &self,
        actor: &Actor,
        org: &str,
        urls: impl Into<Parsed<CheckoutUrls>>,
    ) -> Result<CheckoutSession, LmsError> {
        let user = actor.require_user()?;
        let mut tx = self.read().await?;
        let scope = org_scope(tx.as_mut(), actor, org).await?;
        allow(&scope.standing, Action::ViewSelf)?;
        let plan = scope
            .org
            .membership_plan
            .clone()
            .ok_or(LmsError::NotFound("membership plan"))?;
        let current = tx.subscription(scope.org.id, user).await?;
        if self.plan_grants_access(current.as_ref()) {
            return Err(LmsError::conflict(
                ConflictKind::Conflict,
                "your membership of this org is already active",
            ));
        }
        let urls = urls.into().into_result()?;
        let buyer = tx.user(user).await?.ok_or(LmsError::Unauthenticated)?;
        drop(tx);
        let request = CheckoutRequest {
            org: &scope.org,
            purchase: Purchase::Membership(&plan),
            buyer: &buyer,
            success_url: &urls.success_url,
            cancel_url: &urls.cancel_url,
        };
        self.payments.create_checkout(request).await
    }

    /// The caller's subscription to the org's plan, if they have one.
    pub async fn membership(
        &self,
        actor: &Actor,
        org: &str,
    ) -> Result<Option<Subscription>, LmsError> {
        let user = actor.require_user()?;
        let mut tx = self.read().await?;
        let scope = org_scope(tx.as_mut(), actor, org).await?;
        allow(&scope.standing, Action::ViewSelf)?;
        Ok(tx.subscription(scope.org.id, user).await?)
    }

    /// Cancels the caller's membership at the end of its period, through the provider (404
    /// without one that is still running). The provider's webhook confirms it later.
    pub async fn cancel_membership(
        &self,
        actor: &Actor,
        org: &str,
    ) -> Result<Subscription, LmsError> {
        let user = actor.require_user()?;
        let mut tx = self.read().await?;
        let scope = org_scope(tx.as_mut(), actor, org).await?;
        allow(&scope.standing, Action::ViewSelf)?;
        let current = tx.subscription(scope.org.id, user).await?;
        let current = current
            .filter(|s| !s.status.is_final())
            .ok_or(LmsError::NotFound("membership"))?;
        drop(tx);
        self.payments
            .cancel_at_period_end(&current.provider_id)
            .await?;
        // Show the cancellation at once; the provider's event (a newer version) confirms it.
        let mut tx = self.write().await?;
        tx.set_scope(TenantScope {
            org: Some(scope.org.id),
            user: Some(user),
        })
        .await?;
        tx.lock_org(scope.org.id).await?;
        let mut latest = tx
            .subscription(scope.org.id, user)
            .await?
            .unwrap_or(current);
        latest.cancel_at_period_end = true;
        tx.upsert_subscription(&latest).await?;
        tx.commit().await?;
        Ok(latest)
    }

    /// A page of the org's payment records (admins).
    pub async fn payments(
        &self,
        actor: &Actor,
        org: &str,
        page: PageRequest,
    ) -> Result<Page<PaymentRecord>, LmsError> {
        actor.require_user()?;
        let mut tx = self.read().await?;
        let scope = org_scope(tx.as_mut(), actor, org).await?;
        allow(&scope.standing, Action::ManageOrg)?;
        let rows = tx.list_payments(scope.org.id, &page).await?;
        Ok(Page::from_rows(rows, &page, |r| r.id.0))
    }

    /// Verifies and applies a provider webhook delivery (`payload`: the raw body;
    /// `signature`: the provider's signature header). A bad signature is 400 and writes
    /// nothing; a verified event of a type the LMS ignores is `Ok(None)`.
    pub async fn handle_payment_webhook(
        &self,
        payload: &[u8],
        signature: &str,
    ) -> Result<Option<Applied>, LmsError> {
        match self.read_payment_webhook(payload, signature)? {
            Some(event) => self.apply_payment_event(event).await.map(Some),
            None => Ok(None),
        }
    }

    /// The verifying half of [`Lms::handle_payment_webhook`]: the provider checks the
    /// signature and reads the event, nothing is written.
    pub fn read_payment_webhook(
        &self,
        payload: &[u8],
        signature: &str,
    ) -> Result<Option<PaymentEvent>, LmsError> {
        self.payments.read_webhook(payload, signature)
    }

    /// Applies a provider event at most once: the event id is recorded in the same
    /// transaction as its effect, so a redelivery finds it and changes nothing, and a failed
    /// effect leaves neither. Linked to users, courses and orgs only by the ids in it.
    pub async fn apply_payment_event(&self, event: PaymentEvent) -> Result<Applied, LmsError> {
        let (org, user) = event.effect.subject();
        let mut tx = self.write().await?;
        tx.set_scope(TenantScope {
            org: Some(org),
            user: Some(user),
        })
        .await?;
        if !tx
            .insert_payment_event(&event.id, &event.kind, self.now())
            .await?
        {
            return Ok(Applied::Duplicate);
        }
        // One payment event of an org at a time, so two reports of one checkout (different
        // event ids, delivered at once) cannot both find no enrollment and both insert one;
        // the later one sees the earlier one's enrollment and payment record. (The org row's
        // lock does not block learners: their inserts only share it.)
        tx.lock_org(org).await?;
        let learner = tx.user(user).await?.ok_or(LmsError::NotFound("user"))?;
        let applied = match &event.effect {
            PaymentEffect::CoursePaid {
                course_id,
                reference,
                amount,
                currency,
                ..
            } => {
                let course = tx
                    .course(org, CourseKey::Id(*course_id))
                    .await?
                    .ok_or(LmsError::NotFound("course"))?;
                let mut enrollment = tx.lock_enrollment(user, course.id).await?;
                if let Some(enrollment) = enrollment.as_mut() {
                    let settle = super::memberships::Settle::Store;
                    self.apply_membership_rule(tx.as_mut(), org, enrollment, settle)
                        .await?;
                }
                // Paid is paid: enroll even if the course was archived since the checkout.
                if !enrollment.as_ref().is_some_and(Enrollment::is_active) {
                    let source = EnrollmentSource::Purchase;
                    learning::activate(
                        tx.as_mut(),
                        enrollment,
                        &learner,
                        &course,
                        source,
                        self.now(),
                    )
                    .await?;
                }
                let record = self.record(
                    &event,
                    Some(*course_id),
                    PaymentKind::Purchase,
                    reference,
                    *amount,
                    currency,
                );
                tx.insert_payment(&record).await?;
                Applied::Applied
            }
            PaymentEffect::CourseRefunded {
                course_id,
                reference,
                amount,
                currency,
                full,
                ..
            } => {
                let course = tx
                    .course(org, CourseKey::Id(*course_id))
                    .await?
                    .ok_or(LmsError::NotFound("course"))?;
                let enrollment = tx.lock_enrollment(user, course.id).await?;
                if let Some(mut enrollment) = enrollment.filter(|e| *full && e.is_active())
                    && enrollment.source == EnrollmentSource::Purchase
                {
                    enrollment.revoke(RevokedReason::Refund);
                    tx.update_enrollment(&enrollment).await?;
                    let revocation = Some((RevocationReason::Refunded, self.now()));
                    certificates::set_revocation(tx.as_mut(), &enrollment, revocation).await?;
                }
                let record = self.record(
                    &event,
                    Some(*course_id),
                    PaymentKind::Refund,
                    reference,
                    *amount,
                    currency,
                );
                tx.insert_payment(&record).await?;
                Applied::Applied
            }
            PaymentEffect::SubscriptionChanged(update) => {
                self.apply_subscription(tx.as_mut(), &event, update).await?
            }
            PaymentEffect::InvoicePaymentFailed {
                reference,
                amount,
                currency,
                ..
            } => {
                let record = self.record(
                    &event,
                    None,
                    PaymentKind::PaymentFailed,
                    reference,
                    *amount,
                    currency,
                );
                tx.insert_payment(&record).await?;
                Applied::Applied
            }
        };
        tx.commit().await?;
        Ok(applied)
    }

    /// Stores a subscription report unless a newer one is stored; when the membership
    /// ended, the enrollments it opened are revoked (their certificates stay valid: the
    /// learner studied while the plan was paid).
    async fn apply_subscription(
        &self,
        tx: &mut dyn StoreTx,
        event: &PaymentEvent,
        update: &SubscriptionUpdate,
    ) -> Result<Applied, LmsError> {
        let stored = tx.subscription(update.org_id, update.user_id).await?;
        if !update.supersedes(stored.as_ref()) {
            return Ok(Applied::Stale);
        }
        let past_due_since = match (update.status, &stored) {
            (SubscriptionStatus::PastDue, Some(s)) if s.status == SubscriptionStatus::PastDue => {
                s.past_due_since
            }
            (SubscriptionStatus::PastDue, _) => Some(event.created),
            _ => None,
        };
        let subscription = Subscription {
            org_id: update.org_id,
            user_id: update.user_id,
            provider_id: update.provider_id.clone(),
            status: update.status,
            current_period_end: update.current_period_end,
            cancel_at_period_end: update.cancel_at_period_end,
            past_due_since,
            version: update.version,
        };
        tx.upsert_subscription(&subscription).await?;
        if !self.plan_grants_access(Some(&subscription)) {
            tx.revoke_subscription_enrollments(update.org_id, update.user_id)
                .await?;
        }
        Ok(Applied::Applied)
    }

    fn record(
        &self,
        event: &PaymentEvent,
        course_id: Option<crate::ids::CourseId>,
        kind: PaymentKind,
        reference: &str,
        amount: i64,
        currency: &str,
    ) -> PaymentRecord {
        let (org_id, user_id) = event.effect.subject();
        PaymentRecord {
            id: PaymentId::new(),
            org_id,
            user_id,
            course_id,
            kind,
            reference: reference.to_owned(),
            amount,
            currency: currency.to_owned(),
            event_id: event.id.clone(),
            created_at: self.now(),
        }
    }
}

impl PaymentEffect {
    /// The org and user an effect is about.
    fn subject(&self) -> (OrgId, UserId) {
        match self {
            Self::CoursePaid {
                org_id, user_id, ..
            }
            | Self::CourseRefunded {
                org_id, user_id, ..
            }
            | Self::InvoicePaymentFailed {
                org_id, user_id, ..
            } => (*org_id, *user_id),
            Self::SubscriptionChanged(update) => (update.org_id, update.user_id),
        }
    }
}
