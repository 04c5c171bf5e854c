//! Quiz attempts: grading, the attempt limit, ill-typed answers, and races on the limit.

use super::helpers::page;
use crate::testing::fixtures::{World, acme, assert_code, assert_invalid};
use crate::{Actor, LessonKind, Lms};
use serde_json::json;
use std::collections::HashSet;

pub async fn quiz_attempts_are_graded_and_complete_the_lesson(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let quiz = outline.modules[1].lessons[0].id;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let failed = w
        .lms
        .submit_attempt(&w.learner, acme("c"), quiz, json!({"q1": "a", "q2": false}))
        .await
        .unwrap();
    assert_eq!(
        (failed.score_percent, failed.passed, failed.attempt_number),
        (0, false, 1)
    );
    let p = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert_eq!(p.completed_lessons, 0);
    let half = w
        .lms
        .submit_attempt(&w.learner, acme("c"), quiz, json!({"q1": "b"}))
        .await
        .unwrap();
    assert_eq!(
        (half.score_percent, half.passed, half.attempt_number),
        (50, true, 2)
    );
    let p = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert_eq!(p.completed_lessons, 1);
    let attempts = w
        .lms
        .attempts(&w.learner, acme("c"), quiz, page(10))
        .await
        .unwrap();
    assert_eq!(
        attempts
            .items
            .iter()
            .map(|a| a.attempt_number)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    assert_code(
        w.lms.attempts(&w.outsider, acme("c"), quiz, page(10)).await,
        "not_enrolled",
    );
}

pub async fn quiz_attempts_are_limited(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let quiz = outline.modules[1].lessons[0].id;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    for n in 1..=3 {
        let a = w
            .lms
            .submit_attempt(&w.learner, acme("c"), quiz, json!({}))
            .await
            .unwrap();
        assert_eq!(a.attempt_number, n);
    }
    assert_code(
        w.lms
            .submit_attempt(&w.learner, acme("c"), quiz, json!({"q1": "b", "q2": true}))
            .await,
        "attempts_exhausted",
    );
    assert_eq!(
        w.lms
            .attempts(&w.learner, acme("c"), quiz, page(10))
            .await
            .unwrap()
            .items
            .len(),
        3
    );
    assert_eq!(
        w.lms
            .course_progress(&w.learner, acme("c"))
            .await
            .unwrap()
            .completed_lessons,
        0
    );
}

pub async fn ill_typed_answers_score_zero(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("c", None).await;
    let module = w.module("c", "M").await.id;
    let content = json!({
        "pass_percent": 100,
        "questions": [
            {"id": "s", "kind": "single_choice", "prompt": "?", "points": 2,
             "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}], "correct": ["a"]},
            {"id": "m", "kind": "multiple_choice", "prompt": "?",
             "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}], "correct": ["a", "c"]},
            {"id": "t", "kind": "short_text", "prompt": "?", "accepted": ["Borrow  Checker"]},
            {"id": "n", "kind": "numeric", "prompt": "?", "value": 2.75, "tolerance": 0.01}
        ]
    });
    let quiz = w
        .lesson("c", module, "Q", LessonKind::Quiz, content)
        .await
        .summary
        .id;
    w.publish("c").await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let wrong_types = json!({"s": ["a"], "m": "a", "t": 42, "n": "2.75"});
    let zero = w
        .lms
        .submit_attempt(&w.learner, acme("c"), quiz, wrong_types)
        .await
        .unwrap();
    assert_eq!((zero.score_percent, zero.passed), (0, false));
    let right = json!({"s": "a", "m": ["c", "a"], "t": "  borrow checker ", "n": 2.76});
    let full = w
        .lms
        .submit_attempt(&w.learner, acme("c"), quiz, right)
        .await
        .unwrap();
    assert_eq!((full.score_percent, full.passed), (100, true));
    let partial = json!({"s": "a", "m": ["a"], "t": "borrow", "n": 2.8});
    let two_of_five = w
        .lms
        .submit_attempt(&w.learner, acme("c"), quiz, partial)
        .await
        .unwrap();
    assert_eq!(two_of_five.score_percent, 40);
}

pub async fn bad_attempts_are_rejected(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let quiz = outline.modules[1].lessons[0].id;
    let text = outline.modules[0].lessons[0].id;
    assert_code(
        w.lms
            .submit_attempt(&Actor::Anonymous, acme("c"), quiz, json!({}))
            .await,
        "unauthenticated",
    );
    assert_code(
        w.lms
            .submit_attempt(&w.learner, acme("c"), quiz, json!({}))
            .await,
        "not_enrolled",
    );
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    assert_invalid(
        w.lms
            .submit_attempt(&w.learner, acme("c"), quiz, json!(["b"]))
            .await,
        &["answers"],
    );
    assert_invalid(
        w.lms
            .submit_attempt(&w.learner, acme("c"), text, json!({}))
            .await,
        &["lesson"],
    );
    assert!(
        w.lms
            .attempts(&w.learner, acme("c"), quiz, page(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

pub async fn concurrent_attempts_respect_the_limit(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let quiz = outline.modules[1].lessons[0].id;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let lms = w.lms.clone();
        tasks.spawn(async move {
            lms.submit_attempt(&w.learner, acme("c"), quiz, json!({"q1": "a"}))
                .await
        });
    }
    let results = tasks.join_all().await;
    let accepted: Vec<u32> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|a| a.attempt_number))
        .collect();
    let exhausted = results
        .iter()
        .filter(|r| matches!(r, Err(e) if e.code() == "attempts_exhausted"))
        .count();
    assert_eq!((accepted.len(), exhausted), (3, 7), "{results:?}");
    assert_eq!(
        accepted.iter().copied().collect::<HashSet<_>>(),
        HashSet::from([1, 2, 3])
    );
}

/// Issue 17, item 6: a quiz without `max_attempts` stored up to 1 MiB of answers per
/// attempt, without limit.
pub async fn attempts_store_only_answers_of_a_real_size(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let quiz = outline.modules[1].lessons[0].id;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let junk = "x".repeat(500_000);
    // Answers to no question are dropped before they are stored.
    let padded = json!({"q1": "b", "q2": true, "padding": junk});
    let attempt = w
        .lms
        .submit_attempt(&w.learner, acme("c"), quiz, padded)
        .await
        .unwrap();
    assert!(attempt.passed);
    let stored = w
        .lms
        .attempts(&w.learner, acme("c"), quiz, page(10))
        .await
        .unwrap();
    assert_eq!(stored.items[0].answers, json!({"q1": "b", "q2": true}));
    // An answer longer than any real one is refused, and stores nothing.
    let long = json!({"q1": "b".repeat(crate::quiz::MAX_ANSWER_BYTES), "q2": true});
    assert_invalid(
        w.lms
            .submit_attempt(&w.learner, acme("c"), quiz, long)
            .await,
        &["answers.q1"],
    );
    let stored = w
        .lms
        .attempts(&w.learner, acme("c"), quiz, page(10))
        .await
        .unwrap();
    assert_eq!(stored.items.len(), 1);
}
