//! The payment seam and the billing domain.
//!
//! `lms-stripe` implements [`PaymentProvider`]: it starts checkouts and turns verified
//! webhook deliveries into provider-neutral [`PaymentEvent`]s, which
//! [`crate::Lms::apply_payment_event`] applies — each at most once, in one transaction with
//! the record of its id. Until a host configures a provider, [`PaymentsDisabled`] answers
//! every call with [`LmsError::PaymentsNotConfigured`].

use crate::course::{Course, Price};
use crate::error::{LmsError, ValidationErrors};
use crate::ids::{CourseId, OrgId, UserId};
use crate::org::{Org, User};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Where a buyer is sent to pay, and the provider's id for that checkout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutSession {
    /// The provider's hosted payment page.
    pub checkout_url: String,
    /// The provider's session id.
    pub session_id: String,
}

/// Where a checkout sends the buyer back (the body of the checkout routes).
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutUrls {
    /// After paying; must be on one of the provider's allowed origins.
    pub success_url: String,
    /// After giving up; same rule.
    pub cancel_url: String,
}

impl CheckoutUrls {
    /// Both URLs.
    pub fn new(success_url: impl Into<String>, cancel_url: impl Into<String>) -> Self {
        Self {
            success_url: success_url.into(),
            cancel_url: cancel_url.into(),
        }
    }
}

/// What is being bought.
#[derive(Clone, Copy, Debug)]
pub enum Purchase<'a> {
    /// One paid course, once.
    Course(&'a Course),
    /// The org's membership plan, a subscription.
    Membership(&'a MembershipPlan),
}

/// A checkout the provider should start.
#[derive(Clone, Debug)]
pub struct CheckoutRequest<'a> {
    /// The org selling.
    pub org: &'a Org,
    /// What is bought.
    pub purchase: Purchase<'a>,
    /// The buyer.
    pub buyer: &'a User,
    /// Where the provider sends the buyer after paying (the provider checks it against its
    /// allowed origins: no open redirects).
    pub success_url: &'a str,
    /// Where the provider sends the buyer who gives up.
    pub cancel_url: &'a str,
}

/// A payment provider: starts checkouts, cancels subscriptions, and reads its webhooks.
#[async_trait]
pub trait PaymentProvider: Send + Sync + 'static {
    /// Starts a checkout. A URL off the allowed origins is a validation error (422).
    async fn create_checkout(
        &self,
        request: CheckoutRequest<'_>,
    ) -> Result<CheckoutSession, LmsError>;

    /// Asks the provider to end a subscription at the end of its current period.
    async fn cancel_at_period_end(&self, subscription_id: &str) -> Result<(), LmsError>;

    /// Verifies a webhook delivery (`payload` is the raw body, `signature` the provider's
    /// signature header) and reads it: `Ok(None)` for a verified event of a type the LMS
    /// does not act on; a bad signature is [`LmsError::Malformed`] (400).
    fn read_webhook(
        &self,
        payload: &[u8],
        signature: &str,
    ) -> Result<Option<PaymentEvent>, LmsError>;
}

/// The provider of an LMS that sells nothing: paid courses stay closed (402) and checkout
/// answers "payments not configured" (503).
#[derive(Clone, Copy, Debug, Default)]
pub struct PaymentsDisabled;

#[async_trait]
impl PaymentProvider for PaymentsDisabled {
    async fn create_checkout(
        &self,
        _request: CheckoutRequest<'_>,
    ) -> Result<CheckoutSession, LmsError> {
        Err(LmsError::PaymentsNotConfigured)
    }

    async fn cancel_at_period_end(&self, _subscription_id: &str) -> Result<(), LmsError> {
        Err(LmsError::PaymentsNotConfigured)
    }

    fn read_webhook(
        &self,
        _payload: &[u8],
        _signature: &str,
    ) -> Result<Option<PaymentEvent>, LmsError> {
        Err(LmsError::PaymentsNotConfigured)
    }
}

/// How often a membership plan bills.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BillingInterval {
    /// Every month.
    Month,
    /// Every year.
    Year,
}

impl BillingInterval {
    /// The interval as stored and sent to providers.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Year => "year",
        }
    }
}

/// An org-wide subscription plan an admin offers: while it is active, its holder may enroll
/// in every published course of the org without paying.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembershipPlan {
    /// Minor units per interval.
    pub amount: i64,
    /// ISO 4217, lowercase.
    pub currency: String,
    /// How often it bills.
    pub interval: BillingInterval,
}

/// Input for [`MembershipPlan`] (`PATCH /orgs/{org}` `{membership: {...} | null}`).
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembershipPlanInput {
    /// Minor units per interval, at least 1.
    pub amount: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// `month` or `year`.
    pub interval: BillingInterval,
}

impl MembershipPlanInput {
    /// Checks the input; a plan is never free.
    pub fn into_plan(self, errors: &mut ValidationErrors) -> Option<MembershipPlan> {
        let price = Price::from_input(self.amount, &self.currency, errors);
        if self.amount == 0 {
            errors.add(
                "membership.amount",
                "a membership plan costs at least 1 minor unit",
            );
        }
        price.map(|price| MembershipPlan {
            amount: price.amount,
            currency: price.currency,
            interval: self.interval,
        })
    }
}

/// A subscription's state as the provider reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// Paid up.
    Active,
    /// In a free trial.
    Trialing,
    /// A renewal failed; the provider retries. Access continues for a grace period.
    PastDue,
    /// Ended.
    Canceled,
    /// Retries exhausted without payment; ended.
    Unpaid,
    /// The first payment never completed.
    Incomplete,
    /// The first payment never completed and the subscription expired.
    IncompleteExpired,
    /// Paused by the merchant.
    Paused,
}

impl SubscriptionStatus {
    /// The status as stored and sent (Stripe's spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Trialing => "trialing",
            Self::PastDue => "past_due",
            Self::Canceled => "canceled",
            Self::Unpaid => "unpaid",
            Self::Incomplete => "incomplete",
            Self::IncompleteExpired => "incomplete_expired",
            Self::Paused => "paused",
        }
    }

    /// Parses [`SubscriptionStatus::as_str`]'s output.
    pub fn parse(value: &str) -> Option<Self> {
        [
            Self::Active,
            Self::Trialing,
            Self::PastDue,
            Self::Canceled,
            Self::Unpaid,
            Self::Incomplete,
            Self::IncompleteExpired,
            Self::Paused,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }

    /// Whether the subscription is over for good: a later event cannot revive it.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Canceled | Self::IncompleteExpired)
    }
}

/// A user's subscription to an org's membership plan, as last reported by the provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subscription {
    /// The org whose plan it is.
    pub org_id: OrgId,
    /// The subscriber.
    pub user_id: UserId,
    /// The provider's subscription id.
    pub provider_id: String,
    /// Its status.
    pub status: SubscriptionStatus,
    /// When the current paid period ends.
    pub current_period_end: Option<DateTime<Utc>>,
    /// Whether it ends at the period end instead of renewing.
    pub cancel_at_period_end: bool,
    /// Since when it has been `past_due` (the grace period counts from here).
    pub past_due_since: Option<DateTime<Utc>>,
    /// Ordering of the provider's reports (see [`SubscriptionUpdate::supersedes`]).
    #[serde(skip)]
    pub version: SubscriptionVersion,
}

/// Where a subscription report stands in time: the event's creation time, then the
/// object's own latest timestamp, then whether it is final. Reports are applied only when
/// they are newer than what is stored, so out-of-order deliveries never move state back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SubscriptionVersion {
    /// The event's `created`, Unix seconds.
    pub event_created: i64,
    /// The latest of the object's own timestamps (created, canceled, ended, period start).
    pub object_updated: i64,
    /// Final states win ties: nothing follows `canceled`.
    pub is_final: bool,
}

impl Subscription {
    /// Whether the subscription lets its holder in at `now`: `active` and `trialing` do;
    /// `past_due` does for `grace` after it began; everything else does not.
    pub fn grants_access(&self, now: DateTime<Utc>, grace: Duration) -> bool {
        match self.status {
            SubscriptionStatus::Active | SubscriptionStatus::Trialing => true,
            SubscriptionStatus::PastDue => {
                self.past_due_since.is_none_or(|since| now < since + grace)
            }
            _ => false,
        }
    }
}

/// What a subscription event says about a subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionUpdate {
    /// The org, from the subscription's metadata.
    pub org_id: OrgId,
    /// The subscriber, from the subscription's metadata.
    pub user_id: UserId,
    /// The provider's subscription id.
    pub provider_id: String,
    /// The reported status.
    pub status: SubscriptionStatus,
    /// The end of the current period.
    pub current_period_end: Option<DateTime<Utc>>,
    /// Whether it ends at the period end.
    pub cancel_at_period_end: bool,
    /// Where the report stands in time.
    pub version: SubscriptionVersion,
}

impl SubscriptionUpdate {
    /// Whether this report is newer than the stored state (`None`: nothing stored yet).
    pub fn supersedes(&self, stored: Option<&Subscription>) -> bool {
        stored.is_none_or(|s| self.version > s.version)
    }
}

/// A provider event the LMS acts on, read from a verified webhook. Linked to users, courses
/// and orgs only through the ids the LMS put in the checkout's metadata — never by email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentEvent {
    /// The provider's event id: the key that makes applying it idempotent.
    pub id: String,
    /// The provider's event type, for the record.
    pub kind: String,
    /// When the provider created the event.
    pub created: DateTime<Utc>,
    /// What it means.
    pub effect: PaymentEffect,
}

/// What a [`PaymentEvent`] changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentEffect {
    /// A course was paid for: enroll the buyer (source `purchase`) and record the payment.
    CoursePaid {
        /// The org.
        org_id: OrgId,
        /// The buyer.
        user_id: UserId,
        /// The course.
        course_id: CourseId,
        /// The provider's reference of the payment (the checkout session).
        reference: String,
        /// Minor units paid.
        amount: i64,
        /// ISO 4217.
        currency: String,
    },
    /// A course payment was refunded: revoke the enrollment (progress kept) when it is
    /// refunded in full, and record the refund.
    CourseRefunded {
        /// The org.
        org_id: OrgId,
        /// The buyer.
        user_id: UserId,
        /// The course.
        course_id: CourseId,
        /// The provider's reference of the refunded charge.
        reference: String,
        /// Minor units refunded so far.
        amount: i64,
        /// ISO 4217.
        currency: String,
        /// Whether the whole payment is refunded.
        full: bool,
    },
    /// A membership subscription was created or changed.
    SubscriptionChanged(SubscriptionUpdate),
    /// A subscription renewal failed: record it (the status change arrives separately).
    InvoicePaymentFailed {
        /// The org.
        org_id: OrgId,
        /// The subscriber.
        user_id: UserId,
        /// The provider's invoice id.
        reference: String,
        /// Minor units due.
        amount: i64,
        /// ISO 4217.
        currency: String,
    },
}

/// What a payment record is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// A course bought.
    Purchase,
    /// A course payment refunded.
    Refund,
    /// A subscription renewal that failed.
    PaymentFailed,
}

impl PaymentKind {
    /// The kind as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Purchase => "purchase",
            Self::Refund => "refund",
            Self::PaymentFailed => "payment_failed",
        }
    }

    /// Parses [`PaymentKind::as_str`]'s output.
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Purchase, Self::Refund, Self::PaymentFailed]
            .into_iter()
            .find(|k| k.as_str() == value)
    }
}

/// One line of an org's payment ledger. Append-only: nothing updates or deletes one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentRecord {
    /// Stable id (orders the ledger by time).
    pub id: crate::ids::PaymentId,
    /// The org.
    pub org_id: OrgId,
    /// The payer.
    pub user_id: UserId,
    /// The course, for purchases and refunds.
    pub course_id: Option<CourseId>,
    /// What it records.
    pub kind: PaymentKind,
    /// The provider's reference (checkout session, charge or invoice id).
    pub reference: String,
    /// Minor units.
    pub amount: i64,
    /// ISO 4217.
    pub currency: String,
    /// The provider event that reported it.
    pub event_id: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// What [`crate::Lms::apply_payment_event`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The event's effect was applied now.
    Applied,
    /// The event was applied before (a redelivery): nothing changed.
    Duplicate,
    /// A subscription report older than the stored state: recorded, not applied.
    Stale,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription(
        status: SubscriptionStatus,
        past_due_since: Option<DateTime<Utc>>,
    ) -> Subscription {
        Subscription {
            org_id: OrgId::new(),
            user_id: UserId::new(),
            provider_id: "sub_1".into(),
            status,
            current_period_end: None,
            cancel_at_period_end: false,
            past_due_since,
            version: SubscriptionVersion::default(),
        }
    }

    #[test]
    fn access_follows_the_status_and_the_grace_period() {
        let now = Utc::now();
        let grace = Duration::days(7);
        assert!(subscription(SubscriptionStatus::Active, None).grants_access(now, grace));
        assert!(subscription(SubscriptionStatus::Trialing, None).grants_access(now, grace));
        let recent = subscription(SubscriptionStatus::PastDue, Some(now - Duration::days(2)));
        assert!(recent.grants_access(now, grace));
        let old = subscription(SubscriptionStatus::PastDue, Some(now - Duration::days(8)));
        assert!(!old.grants_access(now, grace));
        for ended in [
            SubscriptionStatus::Canceled,
            SubscriptionStatus::Unpaid,
            SubscriptionStatus::Incomplete,
        ] {
            assert!(!subscription(ended, None).grants_access(now, grace));
        }
    }

    #[test]
    fn only_newer_reports_supersede_and_final_states_win_ties() {
        let version = |event_created, object_updated, is_final| SubscriptionVersion {
            event_created,
            object_updated,
            is_final,
        };
        let mut stored = subscription(SubscriptionStatus::Active, None);
        stored.version = version(100, 50, false);
        let update = |v: SubscriptionVersion| SubscriptionUpdate {
            org_id: stored.org_id,
            user_id: stored.user_id,
            provider_id: "sub_1".into(),
            status: SubscriptionStatus::Canceled,
            current_period_end: None,
            cancel_at_period_end: false,
            version: v,
        };
        assert!(update(version(101, 0, false)).supersedes(Some(&stored)));
        assert!(
            !update(version(99, 90, true)).supersedes(Some(&stored)),
            "an older event never wins"
        );
        assert!(
            update(version(100, 60, false)).supersedes(Some(&stored)),
            "same second: the newer object wins"
        );
        assert!(
            update(version(100, 50, true)).supersedes(Some(&stored)),
            "a full tie: the final state wins"
        );
        assert!(
            !update(version(100, 50, false)).supersedes(Some(&stored)),
            "the same report again changes nothing"
        );
        assert!(update(version(1, 1, false)).supersedes(None));
    }

    #[test]
    fn plans_are_never_free() {
        let mut errors = ValidationErrors::default();
        let input = MembershipPlanInput {
            amount: 0,
            currency: "usd".into(),
            interval: BillingInterval::Month,
        };
        input.into_plan(&mut errors);
        assert!(!errors.0.is_empty());
        let mut errors = ValidationErrors::default();
        let input = MembershipPlanInput {
            amount: 1500,
            currency: "EUR".into(),
            interval: BillingInterval::Year,
        };
        let plan = input.into_plan(&mut errors).unwrap();
        assert_eq!(
            (plan.amount, plan.currency.as_str(), errors.0.len()),
            (1500, "eur", 0)
        );
    }
}
