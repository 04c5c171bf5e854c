//! A membership that lapsed is stored as lapsed: its enrollments are revoked
//! (`membership_ended`) by the sweep and by the writes that meet them, so checkout,
//! enrollment and the provider's events agree, and reads never write.

use super::helpers::page;
use super::payments::{paid_event, subscription_event_at};
use crate::service::DEFAULT_MEMBERSHIP_GRACE_DAYS;
use crate::testing::ManualClock;
use crate::testing::fixtures::{ORG, World, acme, assert_code};
use crate::testing::provider::RecordingProvider;
use crate::{
    Actor, Applied, CheckoutUrls, Clock, CourseOutline, Enrollment, EnrollmentSource,
    EnrollmentStatus, Lms, PaymentEffect, PaymentEvent, RevokedReason, Role, SubscriptionStatus,
};
use chrono::{Duration, Utc};

/// A learner enrolled through an active plan whose renewal failed, and the clock moved
/// past the grace period: the enrollment lapsed but nothing has stored that yet.
async fn lapsed(lms: Lms) -> (World, ManualClock, CourseOutline) {
    let clock = ManualClock::new();
    let w = World::new(lms.with_clock(clock.clone())).await;
    let outline = w.published("paid", Some(4900)).await;
    let start = clock.now();
    let active = subscription_event_at("evt_a", &w, &w.learner, SubscriptionStatus::Active, start);
    w.lms.apply_payment_event(active).await.unwrap();
    w.lms.enroll(&w.learner, acme("paid")).await.unwrap();
    clock.advance(Duration::days(1));
    let failed = clock.now();
    let past_due =
        subscription_event_at("evt_b", &w, &w.learner, SubscriptionStatus::PastDue, failed);
    w.lms.apply_payment_event(past_due).await.unwrap();
    clock.advance(Duration::days(DEFAULT_MEMBERSHIP_GRACE_DAYS + 1));
    (w, clock, outline)
}

async fn stored(w: &World, who: &Actor) -> Enrollment {
    let all = w.lms.enrollments(&w.admin, acme("paid"), page(50)).await;
    let mut mine = all.unwrap().items.into_iter();
    mine.find(|e| Some(e.user_id) == who.user_id())
        .expect("the learner's enrollment")
}

pub async fn a_learner_whose_membership_lapsed_can_buy_the_course(lms: Lms) {
    let provider = RecordingProvider::default();
    let (w, _clock, outline) = lapsed(lms.with_payments(provider)).await;
    let lesson = outline.modules[0].lessons[1].id;
    assert_code(
        w.lms.lesson(&w.learner, acme("paid"), lesson).await,
        "enrollment_revoked",
    );
    let read = stored(&w, &w.learner).await;
    assert!(read.is_active(), "a read writes nothing: {read:?}");
    let urls = CheckoutUrls::new("https://app.test/paid", "https://app.test/gave-up");
    let checkout = w.lms.checkout(&w.learner, acme("paid"), urls).await;
    assert!(checkout.is_ok(), "checkout is open: {checkout:?}");
    let course = outline.course.id;
    let paid = paid_event("evt_paid", &w, course, &w.learner, "cs_1");
    assert_eq!(
        w.lms.apply_payment_event(paid).await.unwrap(),
        Applied::Applied
    );
    let bought = stored(&w, &w.learner).await;
    assert_eq!(
        (bought.source, bought.status),
        (EnrollmentSource::Purchase, EnrollmentStatus::Active),
        "the payment opened the course"
    );
    assert!(w.lms.lesson(&w.learner, acme("paid"), lesson).await.is_ok());
    let refund = PaymentEvent {
        id: "evt_refund".into(),
        kind: "charge.refunded".into(),
        created: Utc::now(),
        effect: PaymentEffect::CourseRefunded {
            org_id: w.org_id,
            user_id: w.learner.user_id().unwrap(),
            course_id: course,
            reference: "ch_1".into(),
            amount: 4900,
            currency: "usd".into(),
            full: true,
        },
    };
    w.lms.apply_payment_event(refund).await.unwrap();
    let refunded = stored(&w, &w.learner).await;
    assert_eq!(refunded.revoked_reason, Some(RevokedReason::Refund));
}

pub async fn an_admin_enrolls_a_learner_whose_membership_lapsed(lms: Lms) {
    let (w, _clock, _) = lapsed(lms).await;
    let learner = w.learner.user_id().unwrap();
    let enrolled = w.lms.enroll_user(&w.admin, acme("paid"), learner).await;
    let enrolled = enrolled.expect("not already_enrolled: the plan's enrollment had ended");
    assert_eq!(
        (enrolled.source, enrolled.status),
        (EnrollmentSource::Admin, EnrollmentStatus::Active)
    );
}

pub async fn the_sweep_stores_every_lapsed_membership(lms: Lms) {
    let (w, clock, _) = lapsed(lms).await;
    // A second learner whose plan is still within its grace period keeps theirs.
    let other = w.new_user("grace@example.com").await;
    let id = other.user_id().unwrap();
    let role = w
        .lms
        .set_member_role(&w.admin, ORG, id, Role::Learner)
        .await;
    role.unwrap();
    let now = clock.now();
    let active = subscription_event_at("evt_c", &w, &other, SubscriptionStatus::Active, now);
    w.lms.apply_payment_event(active).await.unwrap();
    w.lms.enroll(&other, acme("paid")).await.unwrap();
    let later = now + Duration::seconds(1); // a newer report than the active one
    let failing = subscription_event_at("evt_d", &w, &other, SubscriptionStatus::PastDue, later);
    w.lms.apply_payment_event(failing).await.unwrap();
    assert_eq!(w.lms.end_lapsed_memberships().await.unwrap().revoked, 1);
    let ended = stored(&w, &w.learner).await;
    assert_eq!(ended.revoked_reason, Some(RevokedReason::MembershipEnded));
    assert!(stored(&w, &other).await.is_active(), "still in its grace");
    assert_eq!(
        w.lms.end_lapsed_memberships().await.unwrap().revoked,
        0,
        "once"
    );
    clock.advance(Duration::days(DEFAULT_MEMBERSHIP_GRACE_DAYS) + Duration::seconds(1));
    assert_eq!(w.lms.end_lapsed_memberships().await.unwrap().revoked, 1);
    assert!(!stored(&w, &other).await.is_active());
}
