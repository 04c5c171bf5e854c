//! Selling through a provider: what a checkout asks of it, webhooks read by it and applied,
//! a membership cancelled through it, and a failed renewal recorded.

use super::helpers::page;
use crate::testing::fixtures::{ORG, World, acme, assert_code};
use crate::testing::provider::{GOOD_SIGNATURE, RecordedCheckout, RecordingProvider};
use crate::{
    Applied, BillingInterval, CheckoutUrls, Lms, MembershipPlanInput, OrgPatch, PaymentEffect,
    PaymentEvent, PaymentKind, SubscriptionStatus, SubscriptionUpdate, SubscriptionVersion,
};
use chrono::Utc;

fn urls() -> CheckoutUrls {
    CheckoutUrls::new("https://app.test/paid", "https://app.test/gave-up")
}

fn subscription(w: &World, id: &str, status: SubscriptionStatus, at: i64) -> PaymentEvent {
    PaymentEvent {
        id: id.into(),
        kind: "customer.subscription.updated".into(),
        created: Utc::now(),
        effect: PaymentEffect::SubscriptionChanged(SubscriptionUpdate {
            org_id: w.org_id,
            user_id: w.learner.user_id().unwrap(),
            provider_id: "sub_42".into(),
            status,
            current_period_end: chrono::DateTime::from_timestamp(at + 30 * 86_400, 0),
            cancel_at_period_end: false,
            version: SubscriptionVersion {
                event_created: at,
                object_updated: at,
                is_final: status.is_final(),
            },
        }),
    }
}

pub async fn checkouts_ask_the_provider_for_what_is_bought(lms: Lms) {
    let provider = RecordingProvider::default();
    let w = World::new(lms.with_payments(provider.clone())).await;
    let paid = w.published("paid", Some(4900)).await.course;
    let learner = w.learner.user_id().unwrap();
    let session = w.lms.checkout(&w.learner, acme("paid"), urls()).await;
    assert_eq!(session.unwrap().session_id, "cs_1");
    // No plan offered yet: nothing to check out.
    let membership = w.lms.membership_checkout(&w.learner, ORG, urls()).await;
    assert_code(membership, "not_found");
    let plan = MembershipPlanInput {
        amount: 900,
        currency: "usd".into(),
        interval: BillingInterval::Month,
    };
    let offer = OrgPatch {
        name: None,
        settings: None,
        membership: Some(Some(plan)),
    };
    w.lms.update_org(&w.admin, ORG, offer).await.unwrap();
    let session = w.lms.membership_checkout(&w.learner, ORG, urls()).await;
    assert_eq!(session.unwrap().checkout_url, "https://pay.test/cs_2");
    let bought = |course, amount| RecordedCheckout {
        org: w.org_id,
        course,
        amount,
        buyer: learner,
        success_url: "https://app.test/paid".into(),
    };
    assert_eq!(
        provider.checkouts(),
        [bought(Some(paid.id), 4900), bought(None, 900)]
    );
    // What is refused never reaches the provider.
    w.published("free", None).await;
    assert_code(
        w.lms.checkout(&w.learner, acme("free"), urls()).await,
        "conflict",
    );
    assert_code(
        w.lms.checkout(&w.outsider, acme("nope"), urls()).await,
        "not_found",
    );
    assert_eq!(provider.checkouts().len(), 2);
}

pub async fn webhooks_are_read_by_the_provider_and_applied_once(lms: Lms) {
    let provider = RecordingProvider::default();
    let w = World::new(lms.with_payments(provider.clone())).await;
    let now = Utc::now().timestamp();
    let active = provider.webhook(Some(subscription(
        &w,
        "evt_1",
        SubscriptionStatus::Active,
        now,
    )));
    // A bad signature is refused and writes nothing.
    let forged = w.lms.handle_payment_webhook(&active, "t=1,v1=forged").await;
    assert_code(forged, "malformed_request");
    assert_eq!(w.lms.membership(&w.learner, ORG).await.unwrap(), None);
    // Verified: applied once, then a duplicate; a type the LMS ignores is no event at all.
    let applied = w.lms.handle_payment_webhook(&active, GOOD_SIGNATURE).await;
    assert_eq!(applied.unwrap(), Some(Applied::Applied));
    let again = w.lms.handle_payment_webhook(&active, GOOD_SIGNATURE).await;
    assert_eq!(again.unwrap(), Some(Applied::Duplicate));
    let ignored = provider.webhook(None);
    let ignored = w.lms.handle_payment_webhook(&ignored, GOOD_SIGNATURE).await;
    assert_eq!(ignored.unwrap(), None);
    let mine = w.lms.membership(&w.learner, ORG).await.unwrap().unwrap();
    assert_eq!(
        (mine.status, mine.provider_id.as_str()),
        (SubscriptionStatus::Active, "sub_42")
    );

    // A failed renewal is recorded as a payment record and changes no access by itself.
    let failed = PaymentEvent {
        id: "evt_2".into(),
        kind: "invoice.payment_failed".into(),
        created: Utc::now(),
        effect: PaymentEffect::InvoicePaymentFailed {
            org_id: w.org_id,
            user_id: w.learner.user_id().unwrap(),
            reference: "in_7".into(),
            amount: 900,
            currency: "usd".into(),
        },
    };
    let failed = provider.webhook(Some(failed));
    let applied = w.lms.handle_payment_webhook(&failed, GOOD_SIGNATURE).await;
    assert_eq!(applied.unwrap(), Some(Applied::Applied));
    let records = w.lms.payments(&w.admin, ORG, page(10)).await.unwrap().items;
    let record = records
        .iter()
        .map(|r| (r.kind, r.amount, r.reference.as_str()));
    assert_eq!(
        record.collect::<Vec<_>>(),
        [(PaymentKind::PaymentFailed, 900, "in_7")]
    );
    let mine = w.lms.membership(&w.learner, ORG).await.unwrap().unwrap();
    assert_eq!(mine.status, SubscriptionStatus::Active);
}

pub async fn memberships_are_cancelled_through_the_provider(lms: Lms) {
    let provider = RecordingProvider::default();
    let w = World::new(lms.with_payments(provider.clone())).await;
    assert_code(w.lms.cancel_membership(&w.learner, ORG).await, "not_found");
    let now = Utc::now().timestamp();
    let event = subscription(&w, "evt_1", SubscriptionStatus::Active, now);
    w.lms.apply_payment_event(event).await.unwrap();

    // The provider is down: the cancellation fails and nothing changes here.
    provider.refuse_cancellations();
    let down = w.lms.cancel_membership(&w.learner, ORG).await;
    assert_code(down, "unavailable");
    let mine = w.lms.membership(&w.learner, ORG).await.unwrap().unwrap();
    assert!(!mine.cancel_at_period_end);
    assert_eq!(provider.cancellations(), Vec::<String>::new());

    let provider = RecordingProvider::default();
    let lms = w.lms.clone().with_payments(provider.clone());
    let cancelled = lms.cancel_membership(&w.learner, ORG).await.unwrap();
    assert_eq!(provider.cancellations(), ["sub_42"]);
    assert!(cancelled.cancel_at_period_end);
    assert_eq!(
        cancelled.status,
        SubscriptionStatus::Active,
        "until the period ends"
    );
    let mine = lms.membership(&w.learner, ORG).await.unwrap().unwrap();
    assert_eq!(mine, cancelled);
    // Someone without a membership has nothing to cancel, and the provider is not asked.
    assert_code(lms.cancel_membership(&w.instructor, ORG).await, "not_found");
    assert_eq!(provider.cancellations().len(), 1);
}
