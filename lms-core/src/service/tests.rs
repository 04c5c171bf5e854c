//! Orchestration against mocked stores: the policy runs before any write, a denied call
//! never writes or commits, and store failures surface as typed errors.
use super::*;
use crate::course::{CoursePatch, CourseStatus};
use crate::error::{StoreError, UniqueKey};
use crate::ids::{CourseId, OrgId};
use crate::org::{NewOrg, Role};
use crate::store::{CourseContext, MockStore, MockStoreTx};
use mockall::predicate::eq;

const COURSE: CourseRef<'static> = CourseRef {
    org: "acme",
    course: "c",
};

fn org() -> Org {
    Org {
        id: OrgId::new(),
        slug: "acme".into(),
        name: "Acme".into(),
        settings: serde_json::json!({}),
        membership_plan: None,
        created_at: Utc::now(),
    }
}

fn course(org: &Org, owner: UserId) -> Course {
    Course {
        prerequisites: Vec::new(),
        id: CourseId::new(),
        org_id: org.id,
        slug: "c".into(),
        title: "C".into(),
        description: String::new(),
        status: CourseStatus::Published,
        price: None,
        owner_id: owner,
        metadata: serde_json::json!({}),
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

/// A transaction that answers the reads of `course_scope` for `user` with `role`.
fn scoped_tx(org: Org, course: Course, user: UserId, role: Role) -> MockStoreTx {
    let mut tx = MockStoreTx::new();
    let org_id = org.id;
    tx.expect_set_scope().returning(|_| Ok(()));
    tx.expect_org_by_slug()
        .with(eq("acme"))
        .return_once(move |_| Ok(Some(org)));
    tx.expect_course_context()
        .withf(move |org, _, standing| *org == org_id && *standing == Some(user))
        .return_once(move |_, _, _| {
            Ok(Some(CourseContext {
                course,
                role: Some(role),
                enrollment: None,
            }))
        });
    tx
}

/// A course PATCH locks the course and reads it again before it writes the row back.
fn locks_and_rereads(tx: &mut MockStoreTx, course: Course) {
    tx.expect_lock_course().times(1).returning(|_| Ok(()));
    tx.expect_course()
        .times(1)
        .return_once(move |_, _| Ok(Some(course)));
}

fn store_with(tx: MockStoreTx) -> MockStore {
    let mut store = MockStore::new();
    store
        .expect_begin()
        .times(1)
        .return_once(move |_| Ok(Box::new(tx)));
    store
}

#[tokio::test]
async fn an_anonymous_write_never_reaches_the_store() {
    let lms = Lms::new(MockStore::new()); // any call on it would panic
    let new = NewOrg {
        slug: "acme".into(),
        name: "Acme".into(),
    };
    assert_eq!(
        lms.create_org(&Actor::Anonymous, new)
            .await
            .unwrap_err()
            .code(),
        "unauthenticated"
    );
    let patch = CoursePatch {
        title: Some("x".into()),
        ..Default::default()
    };
    assert_eq!(
        lms.update_course(&Actor::Anonymous, COURSE, patch)
            .await
            .unwrap_err()
            .code(),
        "unauthenticated"
    );
}

#[tokio::test]
async fn a_denied_call_reads_but_never_writes_or_commits() {
    let (org, learner, owner) = (org(), UserId::new(), UserId::new());
    let course = course(&org, owner);
    // No expectation for update_course or commit: calling either fails the test.
    let tx = scoped_tx(org, course, learner, Role::Learner);
    let lms = Lms::new(store_with(tx));
    let patch = CoursePatch {
        title: Some("Mine now".into()),
        ..Default::default()
    };
    let err = lms
        .update_course(&Actor::User(learner), COURSE, patch)
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (403, "forbidden"));
}

#[tokio::test]
async fn invalid_input_is_refused_after_the_policy_and_before_any_write() {
    let (org, owner) = (org(), UserId::new());
    let course = course(&org, owner);
    let mut tx = scoped_tx(org, course.clone(), owner, Role::Instructor);
    locks_and_rereads(&mut tx, course);
    let lms = Lms::new(store_with(tx));
    let patch = CoursePatch {
        title: Some(String::new()),
        ..Default::default()
    };
    let err = lms
        .update_course(&Actor::User(owner), COURSE, patch)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "validation_failed");
}

#[tokio::test]
async fn an_allowed_call_writes_once_and_commits() {
    let (org, owner) = (org(), UserId::new());
    let course = course(&org, owner);
    let mut tx = scoped_tx(org, course.clone(), owner, Role::Instructor);
    locks_and_rereads(&mut tx, course);
    tx.expect_update_course()
        .times(1)
        .withf(|c| c.title == "Renamed")
        .returning(|_| Ok(()));
    tx.expect_commit().times(1).returning(|| Ok(()));
    let lms = Lms::new(store_with(tx));
    let patch = CoursePatch {
        title: Some("Renamed".into()),
        ..Default::default()
    };
    let updated = lms
        .update_course(&Actor::User(owner), COURSE, patch)
        .await
        .unwrap();
    assert_eq!(updated.title, "Renamed");
}

#[tokio::test]
async fn a_duplicate_enrollment_from_the_store_is_already_enrolled() {
    let (org, learner) = (org(), UserId::new());
    let course = course(&org, UserId::new());
    let mut tx = MockStoreTx::new();
    tx.expect_set_scope().returning(|_| Ok(()));
    tx.expect_org_by_slug().return_once(move |_| Ok(Some(org)));
    tx.expect_course_context().return_once(move |_, _, _| {
        Ok(Some(CourseContext {
            course,
            role: None,
            enrollment: None,
        }))
    });
    tx.expect_lock_enrollment().returning(|_, _| Ok(None));
    tx.expect_subscription().returning(|_, _| Ok(None));
    tx.expect_user().returning(move |id| {
        let name = "Learner".to_owned();
        Ok(Some(crate::org::User {
            id,
            email: "learner@example.com".into(),
            name,
            avatar_url: None,
            email_verified: true,
            created_at: Utc::now(),
            external_id: None,
        }))
    });
    tx.expect_insert_enrollment()
        .times(1)
        .returning(|_| Err(StoreError::Duplicate(UniqueKey::Enrollment)));
    let lms = Lms::new(store_with(tx));
    let err = lms.enroll(&Actor::User(learner), COURSE).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (409, "already_enrolled"));
}

#[tokio::test]
async fn an_unreachable_store_is_unavailable() {
    let mut store = MockStore::new();
    store
        .expect_begin()
        .returning(|_| Err(StoreError::Unavailable("connection refused".into())));
    store
        .expect_ping()
        .returning(|| Err(StoreError::Unavailable("connection refused".into())));
    let lms = Lms::new(store);
    let err = lms.org("acme").await.unwrap_err();
    assert_eq!((err.status(), err.code()), (503, "unavailable"));
    assert_eq!(lms.health().await.unwrap_err().status(), 503);
}

#[tokio::test]
async fn a_failing_org_does_not_hold_back_the_others_lapsed_memberships() {
    let (broken, fine) = (OrgId::new(), OrgId::new());
    let mut listing = MockStoreTx::new();
    listing.expect_orgs().return_once(move |_| {
        Ok(vec![
            Org {
                id: broken,
                ..org()
            },
            Org { id: fine, ..org() },
        ])
    });
    let mut failing = MockStoreTx::new();
    failing.expect_set_scope().returning(|_| Ok(()));
    failing
        .expect_lock_org()
        .return_once(|_| Err(StoreError::Unavailable("the connection dropped".into())));
    let mut sweeping = MockStoreTx::new();
    sweeping.expect_set_scope().returning(|_| Ok(()));
    sweeping
        .expect_lock_org()
        .with(eq(fine))
        .returning(|_| Ok(()));
    sweeping
        .expect_past_due_subscriptions()
        .return_once(|_, _| Ok(Vec::new()));
    sweeping.expect_commit().times(1).returning(|| Ok(()));
    let mut queue = std::collections::VecDeque::from([listing, failing, sweeping]);
    let mut store = MockStore::new();
    store
        .expect_begin()
        .times(3)
        .returning(move |_| Ok(Box::new(queue.pop_front().expect("three transactions"))));
    let swept = Lms::new(store).end_lapsed_memberships().await.unwrap();
    assert_eq!(swept.revoked, 0);
    assert_eq!(swept.failed.len(), 1);
    assert_eq!(swept.failed[0].0, broken);
    assert_eq!(swept.failed[0].1.code(), "unavailable");
}
