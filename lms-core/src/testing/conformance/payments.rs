//! Payments: checkout, provider webhook events applied once, the ledger, refunds,
//! subscriptions and membership plans.

use super::helpers::{complete_course, page};
use crate::Clock;
use crate::testing::ManualClock;
use crate::testing::fixtures::{ORG, World, acme, assert_code, assert_invalid};
use crate::{
    Actor, EnrollmentSource, EnrollmentStatus, Lms, OrgId, OrgPatch, RevocationReason, Role,
};
use chrono::Utc;
use serde_json::json;

pub async fn checkout_without_a_provider_is_not_configured(lms: Lms) {
    let w = World::new(lms).await;
    w.published("paid", Some(900)).await;
    w.published("free", None).await;
    let checkout = |course: &'static str, who: Actor| {
        let lms = w.lms.clone();
        async move {
            lms.checkout(
                &who,
                acme(course),
                crate::CheckoutUrls::new("https://x.test/ok", "https://x.test/no"),
            )
            .await
        }
    };
    assert_code(checkout("paid", w.learner).await, "payments_not_configured");
    assert_code(checkout("free", w.learner).await, "conflict");
    assert_code(checkout("paid", Actor::Anonymous).await, "unauthenticated");
    w.lms
        .enroll_user(&w.admin, acme("paid"), w.learner.user_id().unwrap())
        .await
        .unwrap();
    assert_code(checkout("paid", w.learner).await, "already_enrolled");
}

pub(crate) fn paid_event(
    id: &str,
    w: &World,
    course: crate::CourseId,
    who: &Actor,
    session: &str,
) -> crate::PaymentEvent {
    let org_id = course_org(w);
    crate::PaymentEvent {
        id: id.into(),
        kind: "checkout.session.completed".into(),
        created: Utc::now(),
        effect: crate::PaymentEffect::CoursePaid {
            org_id,
            user_id: who.user_id().unwrap(),
            course_id: course,
            reference: session.into(),
            amount: 4900,
            currency: "usd".into(),
        },
    }
}

fn course_org(w: &World) -> OrgId {
    w.org_id
}

/// A subscription report `ago_secs` seconds old.
fn subscription_event(
    id: &str,
    w: &World,
    who: &Actor,
    status: crate::SubscriptionStatus,
    ago_secs: i64,
) -> crate::PaymentEvent {
    let created = Utc::now() - chrono::Duration::seconds(ago_secs);
    subscription_event_at(id, w, who, status, created)
}

/// A subscription report the provider made at `created` (whole seconds, as Stripe's).
pub(crate) fn subscription_event_at(
    id: &str,
    w: &World,
    who: &Actor,
    status: crate::SubscriptionStatus,
    created: chrono::DateTime<Utc>,
) -> crate::PaymentEvent {
    let created = created.timestamp();
    crate::PaymentEvent {
        id: id.into(),
        kind: "customer.subscription.updated".into(),
        created: chrono::DateTime::from_timestamp(created, 0).unwrap(),
        effect: crate::PaymentEffect::SubscriptionChanged(crate::SubscriptionUpdate {
            org_id: course_org(w),
            user_id: who.user_id().unwrap(),
            provider_id: "sub_1".into(),
            status,
            current_period_end: chrono::DateTime::from_timestamp(created + 30 * 86_400, 0),
            cancel_at_period_end: false,
            version: crate::SubscriptionVersion {
                event_created: created,
                object_updated: created,
                is_final: status.is_final(),
            },
        }),
    }
}

pub async fn a_paid_event_applies_once_however_often_it_arrives(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("paid", Some(4900)).await;
    let course = outline.course.id;
    let intro = outline.modules[0].lessons[1].id; // not a free preview
    assert_code(
        w.lms.lesson(&w.learner, acme("paid"), intro).await,
        "payment_required",
    );
    for delivery in 0..10 {
        let applied = w
            .lms
            .apply_payment_event(paid_event("evt_1", &w, course, &w.learner, "cs_1"))
            .await
            .unwrap();
        assert_eq!(
            applied,
            if delivery == 0 {
                crate::Applied::Applied
            } else {
                crate::Applied::Duplicate
            }
        );
    }
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let lms = w.lms.clone();
        let event = paid_event("evt_2", &w, course, &w.learner, "cs_1"); // the same session, reported again
        tasks.spawn(async move { lms.apply_payment_event(event).await });
    }
    let outcomes: Vec<_> = tasks
        .join_all()
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        outcomes
            .iter()
            .filter(|a| **a == crate::Applied::Applied)
            .count(),
        1,
        "{outcomes:?}"
    );
    let enrollments = w
        .lms
        .enrollments(&w.admin, acme("paid"), page(10))
        .await
        .unwrap()
        .items;
    assert_eq!(enrollments.len(), 1);
    assert_eq!(
        (enrollments[0].source, enrollments[0].status),
        (EnrollmentSource::Purchase, EnrollmentStatus::Active)
    );
    let payments = w.lms.payments(&w.admin, ORG, page(10)).await.unwrap().items;
    assert_eq!(
        payments.len(),
        1,
        "one payment record for one checkout session"
    );
    assert_eq!(
        (
            payments[0].kind,
            payments[0].amount,
            payments[0].reference.as_str()
        ),
        (crate::PaymentKind::Purchase, 4900, "cs_1")
    );
    assert!(w.lms.lesson(&w.learner, acme("paid"), intro).await.is_ok());
    assert_code(w.lms.payments(&w.learner, ORG, page(10)).await, "forbidden");
}

pub async fn a_refund_revokes_access_and_keeps_progress(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("paid", Some(4900)).await;
    w.lms
        .apply_payment_event(paid_event(
            "evt_paid",
            &w,
            outline.course.id,
            &w.learner,
            "cs_1",
        ))
        .await
        .unwrap();
    complete_course(&w, &w.learner, "paid").await;
    let refund = |id: &str, full: bool| crate::PaymentEvent {
        id: id.into(),
        kind: "charge.refunded".into(),
        created: Utc::now(),
        effect: crate::PaymentEffect::CourseRefunded {
            org_id: course_org(&w),
            user_id: w.learner.user_id().unwrap(),
            course_id: outline.course.id,
            reference: format!("ch_{id}"),
            amount: if full { 4900 } else { 1000 },
            currency: "usd".into(),
            full,
        },
    };
    w.lms
        .apply_payment_event(refund("partial", false))
        .await
        .unwrap();
    let lesson = outline.modules[0].lessons[1].id;
    assert!(
        w.lms.lesson(&w.learner, acme("paid"), lesson).await.is_ok(),
        "a partial refund keeps access"
    );
    assert_eq!(
        w.lms
            .apply_payment_event(refund("full", true))
            .await
            .unwrap(),
        crate::Applied::Applied
    );
    assert_code(
        w.lms.lesson(&w.learner, acme("paid"), lesson).await,
        "enrollment_revoked",
    );
    let kept = w
        .lms
        .course_progress(&w.learner, acme("paid"))
        .await
        .unwrap();
    assert!(
        kept.completed && kept.completed_lessons == 3,
        "progress is kept: {kept:?}"
    );
    let certificate = w.lms.certificate(&w.learner, acme("paid")).await.unwrap();
    assert_eq!(certificate.revoked_reason, Some(RevocationReason::Refunded));
    let kinds: Vec<_> = w
        .lms
        .payments(&w.admin, ORG, page(10))
        .await
        .unwrap()
        .items
        .iter()
        .map(|p| p.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            crate::PaymentKind::Purchase,
            crate::PaymentKind::Refund,
            crate::PaymentKind::Refund
        ]
    );
    assert_code(
        w.lms.enroll(&w.learner, acme("paid")).await,
        "payment_required",
    );
}

pub async fn subscription_reports_never_move_backwards(lms: Lms) {
    use crate::SubscriptionStatus::{Active, Canceled, PastDue};
    let w = World::new(lms).await;
    let outline = w.published("paid", Some(4900)).await;
    let lesson = outline.modules[0].lessons[1].id;
    // Delivered newest first: only the first one applies.
    let events = [
        ("evt_a", Active, 300),
        ("evt_b", PastDue, 200),
        ("evt_c", Canceled, 100),
    ];
    let mut outcomes = Vec::new();
    for (id, status, ago_secs) in events.iter().rev() {
        outcomes.push(
            w.lms
                .apply_payment_event(subscription_event(id, &w, &w.learner, *status, *ago_secs))
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        outcomes,
        [
            crate::Applied::Applied,
            crate::Applied::Stale,
            crate::Applied::Stale
        ]
    );
    let state = w
        .lms
        .membership(&w.learner, ORG)
        .await
        .unwrap()
        .expect("a subscription");
    assert_eq!(state.status, Canceled);
    assert_code(
        w.lms.enroll(&w.learner, acme("paid")).await,
        "payment_required",
    );
    // Another member, in order: active opens every paid course; canceled closes them again.
    let other = w.new_user("member@acme.test").await;
    w.lms
        .set_member_role(&w.admin, ORG, other.user_id().unwrap(), Role::Learner)
        .await
        .unwrap();
    w.lms
        .apply_payment_event(subscription_event("evt_d", &w, &other, Active, 300))
        .await
        .unwrap();
    let enrolled = w.lms.enroll(&other, acme("paid")).await.unwrap();
    assert_eq!(enrolled.source, EnrollmentSource::Subscription);
    assert!(w.lms.lesson(&other, acme("paid"), lesson).await.is_ok());
    // past_due keeps access for the grace period, and not past it.
    w.lms
        .apply_payment_event(subscription_event("evt_e", &w, &other, PastDue, 200))
        .await
        .unwrap();
    assert!(
        w.lms.lesson(&other, acme("paid"), lesson).await.is_ok(),
        "within the grace period"
    );
    let strict = w
        .lms
        .clone()
        .with_membership_grace(chrono::Duration::zero());
    assert_code(
        strict.lesson(&other, acme("paid"), lesson).await,
        "enrollment_revoked",
    );
    w.lms
        .apply_payment_event(subscription_event("evt_f", &w, &other, Canceled, 100))
        .await
        .unwrap();
    assert_code(
        w.lms.lesson(&other, acme("paid"), lesson).await,
        "enrollment_revoked",
    );
    let listed = w
        .lms
        .enrollments(&w.admin, acme("paid"), page(10))
        .await
        .unwrap()
        .items;
    assert_eq!(
        listed[0].status,
        EnrollmentStatus::Revoked,
        "the ended membership's enrollments are revoked"
    );
}

pub async fn a_failed_effect_leaves_nothing_behind(lms: Lms) {
    let w = World::new(lms).await;
    w.published("paid", Some(4900)).await;
    let ghost = crate::CourseId::new();
    let event = paid_event("evt_ghost", &w, ghost, &w.learner, "cs_ghost");
    assert_code(w.lms.apply_payment_event(event.clone()).await, "not_found");
    // Not recorded as applied: a redelivery runs the effect again (and fails again, rather
    // than being answered as a duplicate).
    assert_code(w.lms.apply_payment_event(event).await, "not_found");
    assert_eq!(
        w.lms.payments(&w.admin, ORG, page(10)).await.unwrap().items,
        vec![]
    );
}

pub async fn admins_offer_a_membership_plan(lms: Lms) {
    let w = World::new(lms).await;
    let offer = |membership: serde_json::Value| -> OrgPatch {
        serde_json::from_value(json!({"membership": membership})).unwrap()
    };
    let plan = json!({"amount": 1500, "currency": "EUR", "interval": "month"});
    assert_code(
        w.lms.update_org(&w.learner, ORG, offer(plan.clone())).await,
        "forbidden",
    );
    assert_code(
        w.lms
            .membership_checkout(
                &w.learner,
                ORG,
                crate::CheckoutUrls::new("https://x.test/ok", "https://x.test/no"),
            )
            .await,
        "not_found",
    );
    let org = w.lms.update_org(&w.admin, ORG, offer(plan)).await.unwrap();
    let expected = crate::MembershipPlan {
        amount: 1500,
        currency: "eur".into(),
        interval: crate::BillingInterval::Month,
    };
    assert_eq!(org.membership_plan, Some(expected.clone()));
    assert_eq!(
        w.lms.org(ORG).await.unwrap().membership_plan,
        Some(expected)
    );
    assert_invalid(
        w.lms
            .update_org(
                &w.admin,
                ORG,
                offer(json!({"amount": 0, "currency": "eur", "interval": "month"})),
            )
            .await,
        &["membership.amount"],
    );
    let renamed = w
        .lms
        .update_org(
            &w.admin,
            ORG,
            OrgPatch {
                name: Some("Acme 2".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        renamed.membership_plan.is_some(),
        "an absent membership leaves the plan"
    );
    assert_code(
        w.lms
            .membership_checkout(
                &w.learner,
                ORG,
                crate::CheckoutUrls::new("https://x.test/ok", "https://x.test/no"),
            )
            .await,
        "payments_not_configured",
    );
    assert_eq!(w.lms.membership(&w.learner, ORG).await.unwrap(), None);
    assert_code(w.lms.cancel_membership(&w.learner, ORG).await, "not_found");
    let withdrawn = w
        .lms
        .update_org(&w.admin, ORG, offer(serde_json::Value::Null))
        .await
        .unwrap();
    assert_eq!(withdrawn.membership_plan, None);
}

pub async fn the_membership_grace_ends_on_the_dot(lms: Lms) {
    use crate::SubscriptionStatus::{Active, PastDue};
    use crate::service::DEFAULT_MEMBERSHIP_GRACE_DAYS;
    let clock = ManualClock::new();
    let w = World::new(lms.with_clock(clock.clone())).await;
    let outline = w.published("paid", Some(4900)).await;
    let lesson = outline.modules[0].lessons[1].id;
    let start = clock.now();
    let active = subscription_event_at("evt_a", &w, &w.learner, Active, start);
    w.lms.apply_payment_event(active).await.unwrap();
    w.lms.enroll(&w.learner, acme("paid")).await.unwrap();
    // The renewal fails: past due from the provider's report on.
    clock.advance(chrono::Duration::days(3));
    let failed = clock.now();
    let past_due = subscription_event_at("evt_b", &w, &w.learner, PastDue, failed);
    w.lms.apply_payment_event(past_due).await.unwrap();
    let read = || w.lms.lesson(&w.learner, acme("paid"), lesson);
    let grace = chrono::Duration::days(DEFAULT_MEMBERSHIP_GRACE_DAYS);
    clock.advance(grace - chrono::Duration::microseconds(1));
    assert!(read().await.is_ok(), "a microsecond before the grace ends");
    // A later past-due report does not restart the grace period.
    let again = subscription_event_at("evt_c", &w, &w.learner, PastDue, clock.now());
    w.lms.apply_payment_event(again).await.unwrap();
    clock.advance(chrono::Duration::microseconds(1));
    assert_code(read().await, "enrollment_revoked");
    assert_code(
        w.lms.enroll(&w.learner, acme("paid")).await,
        "payment_required",
    );
}
