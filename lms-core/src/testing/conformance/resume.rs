//! Where a learner left off: video positions, every lesson's state, and the enrollment's
//! last activity.

use super::helpers::{completed, percent};
use crate::testing::ManualClock;
use crate::testing::fixtures::{World, acme, assert_code, assert_invalid};
use crate::{Clock, LessonStatus, Lms, PageRequest, ProgressUpdate};
use chrono::Duration;
use serde_json::json;

fn at_second(seconds: u32) -> ProgressUpdate {
    ProgressUpdate {
        position_seconds: Some(seconds),
        ..Default::default()
    }
}

pub async fn a_video_resumes_at_the_last_position_written(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let (intro, watch) = (
        outline.modules[0].lessons[0].id,
        outline.modules[0].lessons[1].id,
    );
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let first = w
        .lms
        .record_progress(&w.learner, acme("c"), watch, at_second(300))
        .await
        .unwrap();
    assert_eq!(
        (
            first.lesson.status,
            first.lesson.percent,
            first.lesson.position_seconds
        ),
        (LessonStatus::InProgress, 0, Some(300)),
        "a position starts the lesson and nothing more"
    );
    let with_percent = ProgressUpdate {
        percent: Some(40),
        position_seconds: Some(420),
        status: None,
    };
    w.lms
        .record_progress(&w.learner, acme("c"), watch, with_percent)
        .await
        .unwrap();
    // The last position wins, even backwards; the percent stays where it was.
    let back = w
        .lms
        .record_progress(&w.learner, acme("c"), watch, at_second(120))
        .await
        .unwrap();
    assert_eq!(
        (back.lesson.percent, back.lesson.position_seconds),
        (40, Some(120))
    );
    let done = w
        .lms
        .record_progress(&w.learner, acme("c"), watch, completed())
        .await
        .unwrap();
    assert_eq!(done.lesson.position_seconds, Some(120));
    let end = w
        .lms
        .record_progress(&w.learner, acme("c"), watch, at_second(86_400))
        .await
        .unwrap();
    assert_eq!(
        (end.lesson.status, end.lesson.position_seconds),
        (LessonStatus::Completed, Some(86_400)),
        "a position never takes a completion back"
    );

    assert_invalid(
        w.lms
            .record_progress(&w.learner, acme("c"), watch, at_second(86_401))
            .await,
        &["position_seconds"],
    );
    assert_invalid(
        w.lms
            .record_progress(&w.learner, acme("c"), intro, at_second(10))
            .await,
        &["position_seconds"],
    );
    assert_invalid(
        w.lms
            .record_progress(&w.learner, acme("c"), watch, ProgressUpdate::default())
            .await,
        &["percent"],
    );

    let states = w.lms.lesson_states(&w.learner, acme("c")).await.unwrap();
    let ids: Vec<_> = states.iter().map(|s| s.lesson_id).collect();
    let expected: Vec<_> = outline.lessons().map(|l| l.id).collect();
    assert_eq!(ids, expected, "every lesson, in curriculum order");
    assert_eq!(
        (states[0].status, states[0].updated_at, states[0].locked),
        (LessonStatus::NotStarted, None, false)
    );
    assert_eq!(
        (states[1].status, states[1].position_seconds),
        (LessonStatus::Completed, Some(86_400))
    );
}

pub async fn lesson_states_are_the_learners_own(lms: Lms) {
    let w = World::new(lms).await;
    w.published("c", None).await;
    assert_code(
        w.lms
            .lesson_states(&crate::Actor::Anonymous, acme("c"))
            .await,
        "unauthenticated",
    );
    assert_code(
        w.lms.lesson_states(&w.learner, acme("c")).await,
        "not_enrolled",
    );
    assert_code(
        w.lms.lesson_states(&w.learner, acme("missing")).await,
        "not_found",
    );
}

pub async fn last_activity_follows_progress_and_attempts(lms: Lms) {
    let clock = ManualClock::new();
    let w = World::new(lms.with_clock(clock.clone())).await;
    let outline = w.published("c", None).await;
    let intro = outline.modules[0].lessons[0].id;
    let quiz = outline.modules[1].lessons[0].id;
    let enrolled = w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    assert_eq!(enrolled.last_activity_at, None);
    let last_activity = || async {
        let page = w.lms.my_courses(&w.learner, PageRequest::default()).await;
        page.unwrap().items[0].enrollment.last_activity_at
    };

    clock.advance(Duration::minutes(5));
    let wrote = clock.now();
    w.lms
        .record_progress(&w.learner, acme("c"), intro, percent(50))
        .await
        .unwrap();
    assert_eq!(last_activity().await, Some(wrote));

    // A report that changes nothing records nothing, activity included.
    clock.advance(Duration::minutes(5));
    w.lms
        .record_progress(&w.learner, acme("c"), intro, percent(20))
        .await
        .unwrap();
    assert_eq!(last_activity().await, Some(wrote));

    // A failed attempt is activity, though it completes nothing.
    clock.advance(Duration::minutes(5));
    let attempted = clock.now();
    let attempt = w
        .lms
        .submit_attempt(&w.learner, acme("c"), quiz, json!({"q1": "a"}))
        .await
        .unwrap();
    assert!(!attempt.passed);
    assert_eq!(last_activity().await, Some(attempted));

    clock.advance(Duration::minutes(5));
    let passed = clock.now();
    w.lms
        .submit_attempt(&w.learner, acme("c"), quiz, json!({"q1": "b", "q2": true}))
        .await
        .unwrap();
    assert_eq!(last_activity().await, Some(passed));
    let listed = w
        .lms
        .enrollments(&w.instructor, acme("c"), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items[0].last_activity_at, Some(passed));
}
