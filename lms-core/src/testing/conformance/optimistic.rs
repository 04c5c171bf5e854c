//! A learner's write in two statements: the facts read in one, the decision applied only
//! while they hold (`ProgressTx::learner_context`, `ProgressTx::apply_learner_write`), in
//! a transaction of the caller's or each in one of its own (`Store::learner_context`,
//! `Store::apply_learner_write`, which a backend may run without `BEGIN`): both ways read
//! the same facts and refuse the same stale writes.

use super::helpers::{completed, percent};
use crate::store::{Access, CourseKey, LearnerContext, LearnerWrite, TenantScope};
use crate::testing::fixtures::{ORG, World, acme};
use crate::{AttemptId, LessonId, LessonKind, LessonProgress, Lms, QuizAttempt, UserId};
use serde_json::json;

/// The learner's context in `course`, read both ways (they must agree).
async fn context(w: &World, user: UserId, slug: &str, course: &str) -> Option<LearnerContext> {
    context_at(w, user, slug, course, None).await
}

/// [`context`], counting the attempts at `quiz`.
async fn context_at(
    w: &World,
    user: UserId,
    slug: &str,
    course: &str,
    quiz: Option<LessonId>,
) -> Option<LearnerContext> {
    let mut tx = w.lms.store().begin(Access::Read).await.unwrap();
    let scope = TenantScope {
        org: Some(w.org_id),
        user: Some(user),
    };
    tx.set_scope(scope).await.unwrap();
    let in_tx = tx
        .learner_context(w.org_id, slug, CourseKey::parse(course), user, quiz)
        .await
        .unwrap();
    tx.commit().await.unwrap(); // a store may have one connection
    let key = CourseKey::parse(course);
    let alone = w
        .lms
        .store()
        .learner_context(w.org_id, slug, key, user, quiz);
    assert_eq!(alone.await.unwrap(), in_tx, "alone as in a transaction");
    in_tx
}

/// Applies `write` as a statement of its own; whether it applied.
async fn apply(w: &World, write: LearnerWrite) -> bool {
    w.lms.store().apply_learner_write(&write).await.unwrap()
}

/// Applies `write` in a write transaction of the caller's; whether it applied.
async fn apply_in_tx(w: &World, user: UserId, write: LearnerWrite) -> bool {
    let mut tx = w.lms.store().begin(Access::Write).await.unwrap();
    let scope = TenantScope {
        org: Some(w.org_id),
        user: Some(user),
    };
    tx.set_scope(scope).await.unwrap();
    let applied = tx.apply_learner_write(&write).await.unwrap();
    tx.commit().await.unwrap();
    applied
}

pub async fn learner_writes_apply_only_on_the_facts_they_read(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let (intro, watch) = (
        outline.modules[0].lessons[0].id,
        outline.modules[0].lessons[1].id,
    );
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let learner = w.learner.user_id().unwrap();
    w.lms
        .record_progress(&w.learner, acme("c"), intro, completed())
        .await
        .unwrap();
    w.lms
        .record_progress(&w.learner, acme("c"), watch, percent(40))
        .await
        .unwrap();

    // The read: everything the decision needs, the rows exactly as the store keeps them.
    let before = context(&w, learner, ORG, "c").await.expect("enrolled");
    assert_eq!((before.org.id, before.org.slug.as_str()), (w.org_id, ORG));
    assert_eq!(before.course.id, outline.course.id);
    assert_eq!(before.enrollment.user_id, learner);
    assert_eq!(before.enrollment.completed_required, 1);
    let by_id = context(&w, learner, ORG, &outline.course.id.to_string()).await;
    assert_eq!(by_id.as_ref(), Some(&before), "by id as by slug");
    let mut stored = {
        let mut tx = w.lms.store().begin(Access::Read).await.unwrap();
        tx.set_scope(TenantScope {
            org: Some(w.org_id),
            user: Some(learner),
        })
        .await
        .unwrap();
        tx.course_progress_rows(learner, outline.course.id)
            .await
            .unwrap()
    };
    let mut rows = before.rows.clone();
    rows.sort_by_key(|r| r.lesson_id.0);
    stored.sort_by_key(|r| r.lesson_id.0);
    assert_eq!(rows, stored);
    assert!(
        rows.iter()
            .any(|r| r.percent == 40 && r.completed_at.is_none())
    );

    // No context where the general path has something to say.
    let outsider = w.outsider.user_id().unwrap();
    assert_eq!(context(&w, outsider, ORG, "c").await, None, "not enrolled");
    assert_eq!(
        context(&w, learner, "nope", "c").await,
        None,
        "another slug"
    );
    assert_eq!(context(&w, learner, ORG, "missing").await, None);

    // A decision on facts that moved since changes nothing.
    let mut enrollment = before.enrollment.clone();
    enrollment.completed_required = 2;
    let now = w.lms.now();
    let mut row = LessonProgress::not_started(learner, outline.course.id, watch, now);
    row.apply(completed(), now);
    fn write(
        facts: &LearnerContext,
        enrollment: &crate::Enrollment,
        row: &LessonProgress,
    ) -> LearnerWrite {
        LearnerWrite {
            org: facts.org.id,
            course: facts.course.id,
            course_version: facts.course.updated_at,
            revision: facts.revision,
            enrollment: enrollment.clone(),
            progress: Some(row.clone()),
            attempt: None,
            graded: None,
        }
    }
    let quiz = outline.modules[1].lessons[0].id;
    w.lms
        .record_progress(&w.learner, acme("c"), intro, percent(10)) // no change: no write
        .await
        .unwrap();
    w.lms
        .submit_attempt(&w.learner, acme("c"), quiz, json!({"q1": "a", "q2": false}))
        .await
        .unwrap(); // a failed attempt is activity: the enrollment moved
    assert!(
        !apply(&w, write(&before, &enrollment, &row)).await,
        "a stale revision"
    );
    assert!(
        !apply_in_tx(&w, learner, write(&before, &enrollment, &row)).await,
        "a stale revision, in a transaction"
    );
    let fresh = context(&w, learner, ORG, "c").await.unwrap();
    assert_ne!(fresh.revision, before.revision);
    assert_eq!(fresh.rows.len(), 2, "nothing of the refused write");
    assert!(
        fresh
            .rows
            .iter()
            .all(|r| r.lesson_id != watch || r.percent == 40)
    );

    // A curriculum change moves the course's version: the outline decided on is gone.
    let basics = outline.modules[0].module.id;
    w.lesson(
        "c",
        basics,
        "Extra",
        LessonKind::Text,
        json!({"markdown": "…"}),
    )
    .await;
    assert!(
        !apply(&w, write(&fresh, &enrollment, &row)).await,
        "an old outline"
    );

    // On the current facts it applies, both rows at once.
    let current = context(&w, learner, ORG, "c").await.unwrap();
    assert!(apply_in_tx(&w, learner, write(&current, &enrollment, &row)).await);
    let after = context(&w, learner, ORG, "c").await.unwrap();
    assert_ne!(after.revision, current.revision);
    assert_eq!(after.enrollment.completed_required, 2);
    assert!(
        after
            .rows
            .iter()
            .any(|r| r.lesson_id == watch && r.completed_at.is_some())
    );

    // An attempt travels with the write: counted in the read, inserted only if it applies.
    let c = outline.course.id.to_string();
    let counted = context_at(&w, learner, ORG, &c, Some(quiz)).await.unwrap();
    assert_eq!((after.attempts, counted.attempts), (0, 1), "the failed one");
    let attempt = |facts: &LearnerContext| QuizAttempt {
        id: AttemptId::new(),
        user_id: learner,
        lesson_id: quiz,
        course_id: outline.course.id,
        attempt_number: facts.attempts + 1,
        score_percent: 100,
        passed: true,
        answers: json!({"q1": "b", "q2": true}),
        submitted_at: now,
    };
    let graded = LearnerWrite {
        attempt: Some(attempt(&counted)),
        progress: None,
        ..write(&counted, &after.enrollment, &row)
    };
    assert!(apply(&w, graded.clone()).await);
    let stale = LearnerWrite {
        attempt: Some(attempt(&counted)),
        ..graded
    };
    assert!(!apply(&w, stale).await, "a stale revision");
    let listed = w
        .lms
        .attempts(&w.learner, acme("c"), quiz, crate::PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(
        listed
            .items
            .iter()
            .map(|a| a.score_percent)
            .collect::<Vec<_>>(),
        [0, 100],
        "the applied attempt once, none of the stale one"
    );
    let last = context_at(&w, learner, ORG, "c", Some(quiz)).await.unwrap();
    assert_eq!(last.attempts, 2);

    // The dashboard's page, both ways.
    let page = crate::PageRequest::first(10);
    let alone = w.lms.store().dashboard_page(learner, &page).await.unwrap();
    let mut tx = w.lms.store().begin(Access::Read).await.unwrap();
    let scope = TenantScope {
        org: None,
        user: Some(learner),
    };
    tx.set_scope(scope).await.unwrap();
    let in_tx = tx.dashboard_page(learner, &page).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(alone, in_tx, "alone as in a transaction");
    assert_eq!(alone.len(), 1);
    assert_eq!(alone[0].1.len(), after.rows.len());
}
