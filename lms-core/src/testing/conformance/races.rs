//! Races that are raced: every task waits at a barrier, so the calls overlap, and the case
//! counts what must exist once (an enrollment, a payment record, an event, a post past the
//! limit) rather than looking only at the end state.

use super::helpers::{completed, page};
use crate::testing::ManualClock;
use crate::testing::fixtures::{ORG, World, acme};
use crate::{Applied, CourseId, EventKind, Lms, LmsError, NewPost, PaymentEffect, PaymentEvent};
use chrono::Utc;
use std::sync::Arc;
use tokio::sync::Barrier;

/// How many of the outbox events of the world's course `course` are of `kind`.
pub(super) async fn events_of(w: &World, course: CourseId, kind: EventKind) -> usize {
    let mut tx = w.lms.store().begin(crate::Access::Read).await.unwrap();
    let scope = crate::TenantScope {
        org: Some(w.org_id),
        user: None,
    };
    tx.set_scope(scope).await.unwrap();
    let events = tx.course_events(course, 0, 10_000).await.unwrap();
    events.iter().filter(|e| e.kind == kind).count()
}

fn checkout_completed(w: &World, id: &str, course: CourseId) -> PaymentEvent {
    PaymentEvent {
        id: id.into(),
        kind: "checkout.session.completed".into(),
        created: Utc::now(),
        effect: PaymentEffect::CoursePaid {
            org_id: w.org_id,
            user_id: w.learner.user_id().unwrap(),
            course_id: course,
            reference: "cs_race".into(),
            amount: 4900,
            currency: "usd".into(),
        },
    }
}

pub async fn first_payment_deliveries_race_to_one_enrollment(lms: Lms) {
    let w = World::new(lms).await;
    let course = w.published("paid", Some(4900)).await.course.id;
    // The learner has no enrollment: the first delivery to commit makes it. Ten deliveries
    // of one event and ten other events reporting the same checkout session, all at once.
    let ids: Vec<String> = (0..20)
        .map(|i| match i % 2 {
            0 => "evt_same".to_string(),
            _ => format!("evt_{i}"),
        })
        .collect();
    let barrier = Arc::new(Barrier::new(ids.len()));
    let mut tasks = tokio::task::JoinSet::new();
    for id in &ids {
        let (lms, barrier) = (w.lms.clone(), barrier.clone());
        let event = checkout_completed(&w, id, course);
        tasks.spawn(async move {
            barrier.wait().await;
            lms.apply_payment_event(event).await
        });
    }
    let outcomes: Vec<Applied> = tasks
        .join_all()
        .await
        .into_iter()
        .map(|r| r.expect("every delivery is answered without an error"))
        .collect();
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    let applied = outcomes.iter().filter(|a| **a == Applied::Applied).count();
    assert_eq!(applied, distinct.len(), "each event id once: {outcomes:?}");
    assert_eq!(
        outcomes.len() - applied,
        outcomes
            .iter()
            .filter(|a| **a == Applied::Duplicate)
            .count()
    );
    let enrollments = w.lms.enrollments(&w.admin, acme("paid"), page(10)).await;
    assert_eq!(enrollments.unwrap().items.len(), 1, "one enrollment");
    let payments = w.lms.payments(&w.admin, ORG, page(10)).await.unwrap();
    assert_eq!(payments.items.len(), 1, "one payment record");
    assert_eq!(
        events_of(&w, course, EventKind::EnrollmentCreated).await,
        1,
        "one enrollment.created"
    );
}

pub async fn racing_posts_stay_within_the_limit(lms: Lms) {
    use crate::discussion::POSTS_PER_MINUTE;
    // A standing clock: the minute cannot run out while the race runs.
    let w = World::new(lms.with_clock(ManualClock::new())).await;
    let outline = w.published("c", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let attempts = 2 * POSTS_PER_MINUTE as usize;
    let barrier = Arc::new(Barrier::new(attempts));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..attempts {
        let (lms, barrier, learner) = (w.lms.clone(), barrier.clone(), w.learner);
        let new = NewPost {
            body: format!("post {i}"),
            parent_id: None,
        };
        tasks.spawn(async move {
            barrier.wait().await;
            lms.create_post(&learner, acme("c"), lesson, new).await
        });
    }
    let results = tasks.join_all().await;
    let accepted = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(accepted, POSTS_PER_MINUTE as usize, "accepted posts");
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(refused, LmsError::RateLimited { .. }),
            "{refused:?}"
        );
    }
    let listed = w.lms.posts(&w.learner, acme("c"), lesson, page(50)).await;
    assert_eq!(listed.unwrap().items.len(), POSTS_PER_MINUTE as usize);
}

pub async fn racing_completions_record_one_completion(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let course = outline.course.id;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let (intro, watch) = (
        outline.modules[0].lessons[0].id,
        outline.modules[0].lessons[1].id,
    );
    let quiz = outline.modules[1].lessons[0].id;
    w.lms
        .record_progress(&w.learner, acme("c"), intro, completed())
        .await
        .unwrap();
    let answers = serde_json::json!({"q1": "b", "q2": true});
    w.lms
        .submit_attempt(&w.learner, acme("c"), quiz, answers)
        .await
        .unwrap();
    // Only Watch is missing: every one of these writes would complete the course alone.
    let writers = 12;
    let barrier = Arc::new(Barrier::new(writers));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..writers {
        let (lms, barrier, learner) = (w.lms.clone(), barrier.clone(), w.learner);
        tasks.spawn(async move {
            barrier.wait().await;
            lms.record_progress(&learner, acme("c"), watch, completed())
                .await
        });
    }
    let results: Vec<_> = tasks
        .join_all()
        .await
        .into_iter()
        .map(|r| r.expect("every write succeeds"))
        .collect();
    let completions: std::collections::HashSet<_> = results
        .iter()
        .map(|r| r.course.completed_at.expect("completed"))
        .collect();
    assert_eq!(completions.len(), 1, "one completed_at: {completions:?}");
    let certificate = w.lms.certificate(&w.learner, acme("c")).await.unwrap();
    assert_eq!(Some(&certificate.issued_at), completions.iter().next());
    assert_eq!(
        events_of(&w, course, EventKind::CourseCompleted).await,
        1,
        "one course.completed"
    );
}
