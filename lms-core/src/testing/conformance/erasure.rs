//! Erasing an account: the person goes, the orgs' records stay without them.

use super::helpers::complete_course;
use crate::store::Access;
use crate::testing::fixtures::{ORG, World, acme, assert_code};
use crate::{
    Actor, DELETED_USER_NAME, EnrollmentStatus, Lms, NewPost, NewUser, PageRequest,
    RevocationReason, Role,
};

pub async fn erasing_an_account_keeps_the_records_without_the_person(lms: Lms) {
    let w = World::new(lms.clone()).await;
    let outline = w.published("c", None).await;
    lms.enroll(&w.learner, acme("c")).await.unwrap();
    complete_course(&w, &w.learner, "c").await;
    let lesson = outline.modules[0].lessons[0].id;
    let hello = NewPost {
        body: "Hello".into(),
        parent_id: None,
    };
    lms.create_post(&w.learner, acme("c"), lesson, hello)
        .await
        .unwrap();
    let code = lms.certificate(&w.learner, acme("c")).await.unwrap().code;
    let learner = w.learner.user_id().unwrap();
    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    let accounts = tx.accounts().expect("the store keeps accounts");
    accounts
        .set_password_hash(learner, "$argon2id$x")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    lms.delete_user(learner).await.unwrap();

    let erased = lms.user(learner).await.unwrap();
    assert_eq!(erased.name, DELETED_USER_NAME);
    assert_ne!(erased.email, "learner@acme.test");
    assert!(!erased.email_verified && erased.avatar_url.is_none());
    let posts = lms
        .posts(&w.instructor, acme("c"), lesson, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(posts.items[0].author.name, DELETED_USER_NAME);
    // The course's events (enrollment, completion, the post) and the owner's notifications
    // of them name nobody any more.
    let mut tx = lms.store().begin(Access::Read).await.unwrap();
    let scope = crate::TenantScope {
        org: Some(w.org_id),
        user: None,
    };
    tx.set_scope(scope).await.unwrap();
    let events = tx.course_events(outline.course.id, 0, 1000).await.unwrap();
    drop(tx);
    assert!(events.len() >= 3, "{events:?}");
    let renamed = events
        .iter()
        .filter(|e| e.data.to_string().contains(DELETED_USER_NAME));
    assert!(
        renamed.count() >= 3,
        "the enrollment, the completion and the post: {events:?}"
    );
    for event in &events {
        let text = event.data.to_string();
        assert!(!text.contains("Lea Learner"), "{text}");
    }
    let inbox = lms
        .notifications(&w.instructor, PageRequest::default())
        .await
        .unwrap();
    assert!(!inbox.items.is_empty());
    for notification in &inbox.items {
        let text = notification.data.to_string();
        assert!(!text.contains("Lea Learner"), "{text}");
    }
    let certificate = lms.verify_certificate(code.as_str()).await.unwrap();
    assert!(!certificate.is_valid());
    assert_eq!(
        certificate.revoked_reason,
        Some(RevocationReason::AccountDeleted)
    );
    assert_eq!(certificate.learner_name, "", "verification shows no name");
    let enrollments = lms
        .enrollments(&w.admin, acme("c"), PageRequest::default())
        .await
        .unwrap();
    let theirs = enrollments
        .items
        .iter()
        .find(|e| e.user_id == learner)
        .unwrap();
    assert_eq!(theirs.status, EnrollmentStatus::Revoked);
    assert_eq!(
        theirs.revoked_reason,
        Some(crate::RevokedReason::AccountDeleted)
    );
    assert!(theirs.completed_at.is_some(), "progress is kept");
    let members = lms
        .members(&w.admin, ORG, PageRequest::default())
        .await
        .unwrap();
    assert!(
        members.items.iter().all(|m| m.user_id != learner),
        "no longer a member"
    );
    let mut tx = lms.store().begin(Access::Read).await.unwrap();
    let accounts = tx.accounts().expect("the store keeps accounts");
    assert_eq!(accounts.password_hash_of(learner).await.unwrap(), None);
    drop(tx);

    // An address the org invited is kept nowhere once its owner is erased.
    let eve = lms
        .create_user(NewUser {
            email: "eve@example.com".into(),
            name: "Eve".into(),
        })
        .await
        .unwrap();
    let new = crate::NewMember {
        email: "eve@example.com".into(),
        role: Role::Learner,
    };
    lms.invite(&w.admin, ORG, new).await.unwrap();
    lms.delete_user(eve.id).await.unwrap();
    let invitations = lms
        .invitations(&w.admin, ORG, None, PageRequest::default())
        .await
        .unwrap();
    assert!(
        invitations
            .items
            .iter()
            .all(|i| i.email != "eve@example.com")
    );

    // The address is free again.
    let again = NewUser {
        email: "learner@acme.test".into(),
        name: "Lea again".into(),
    };
    assert_ne!(lms.create_user(again).await.unwrap().id, learner);
    assert_code(lms.delete_user(crate::UserId::new()).await, "not_found");
}

pub async fn the_last_admin_of_an_org_cannot_erase_their_account(lms: Lms) {
    let w = World::new(lms.clone()).await;
    let admin = w.admin.user_id().unwrap();
    assert_code(lms.delete_user(admin).await, "conflict");
    assert_eq!(
        lms.user(admin).await.unwrap().name,
        "Ada Admin",
        "nothing changed"
    );
    let me = lms.me(&w.admin).await.unwrap();
    assert_eq!(me.memberships.len(), 1);
    // With another admin, they can.
    let instructor = w.instructor.user_id().unwrap();
    lms.set_member_role(&w.admin, ORG, instructor, Role::Admin)
        .await
        .unwrap();
    lms.delete_user(admin).await.unwrap();
    assert!(
        lms.me(&Actor::User(admin))
            .await
            .unwrap()
            .memberships
            .is_empty()
    );
}

/// An erased person must not go on paying: a plan that would renew is cancelled at the
/// provider first; while the provider cannot be reached, nothing is erased.
pub async fn erasing_an_account_cancels_its_renewing_plans(lms: Lms) {
    use super::payments::subscription_event_at;
    use crate::testing::provider::RecordingProvider;
    let provider = RecordingProvider::default();
    let w = World::new(lms.with_payments(provider.clone())).await;
    let now = chrono::Utc::now() - chrono::Duration::minutes(1);
    let active = crate::SubscriptionStatus::Active;
    let plan = subscription_event_at("evt_plan", &w, &w.learner, active, now);
    w.lms.apply_payment_event(plan).await.unwrap();
    let learner = w.learner.user_id().unwrap();
    w.lms.delete_user(learner).await.unwrap();
    assert_eq!(provider.cancellations(), ["sub_1"]);
    let mut tx = w.lms.store().begin(Access::Read).await.unwrap();
    let scope = crate::store::TenantScope {
        org: Some(w.org_id),
        user: Some(learner),
    };
    tx.set_scope(scope).await.unwrap();
    let kept = tx.subscription(w.org_id, learner).await.unwrap();
    drop(tx);
    let kept = kept.expect("the plan's record stays");
    assert!(
        kept.cancel_at_period_end,
        "shown cancelled at once: {kept:?}"
    );
    // The provider is down: the next erasure waits for it, and changes nothing.
    let other = w.instructor;
    let plan = subscription_event_at("evt_other", &w, &other, active, now);
    w.lms.apply_payment_event(plan).await.unwrap();
    provider.refuse_cancellations();
    let instructor = other.user_id().unwrap();
    assert!(w.lms.delete_user(instructor).await.is_err());
    let unchanged = w.lms.user(instructor).await.unwrap();
    assert_eq!(unchanged.name, "Ivan Instructor", "nothing erased");
}
