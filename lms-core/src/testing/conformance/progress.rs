//! Lesson progress: it never goes backwards, its rollups, course completion, and races on
//! them.

use super::helpers::{completed, page, percent};
use crate::testing::fixtures::{World, acme, assert_code, assert_invalid};
use crate::{
    Actor, LessonKind, LessonPatch, LessonStatus, Lms, NewLesson, ProgressUpdate, UnmetRule,
};
use serde_json::json;
use std::collections::HashSet;

pub async fn progress_never_goes_backwards(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let intro = outline.modules[0].lessons[0].id;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let first = w
        .lms
        .record_progress(&w.learner, acme("c"), intro, percent(60))
        .await
        .unwrap();
    assert_eq!(
        (first.lesson.percent, first.lesson.status),
        (60, LessonStatus::InProgress)
    );
    let lower = w
        .lms
        .record_progress(&w.learner, acme("c"), intro, percent(30))
        .await
        .unwrap();
    assert_eq!(
        (lower.lesson.percent, lower.lesson.status),
        (60, LessonStatus::InProgress)
    );
    let done = w
        .lms
        .record_progress(&w.learner, acme("c"), intro, percent(100))
        .await
        .unwrap();
    assert_eq!(done.lesson.status, LessonStatus::Completed);
    let completed_at = done.lesson.completed_at.expect("completed_at");
    let back = ProgressUpdate {
        position_seconds: None,
        percent: Some(10),
        status: Some(LessonStatus::InProgress),
    };
    let after = w
        .lms
        .record_progress(&w.learner, acme("c"), intro, back)
        .await
        .unwrap();
    assert_eq!(
        (
            after.lesson.percent,
            after.lesson.status,
            after.lesson.completed_at
        ),
        (100, LessonStatus::Completed, Some(completed_at))
    );
    assert_eq!(
        (
            after.course.completed_lessons,
            after.course.total_lessons,
            after.course.percent
        ),
        (1, 3, 33)
    );
}

pub async fn bad_progress_input_is_rejected(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let other = w.published("other", None).await;
    let intro = outline.modules[0].lessons[0].id;
    let quiz = outline.modules[1].lessons[0].id;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    assert_invalid(
        w.lms
            .record_progress(&w.learner, acme("c"), intro, percent(101))
            .await,
        &["percent"],
    );
    assert_invalid(
        w.lms
            .record_progress(&w.learner, acme("c"), intro, ProgressUpdate::default())
            .await,
        &["percent"],
    );
    assert_code(
        w.lms
            .record_progress(&w.learner, acme("c"), quiz, completed())
            .await,
        "validation_failed",
    );
    assert_code(
        w.lms
            .record_progress(&w.learner, acme("c"), crate::LessonId::new(), completed())
            .await,
        "not_found",
    );
    let foreign = other.modules[0].lessons[0].id;
    assert_code(
        w.lms
            .record_progress(&w.learner, acme("c"), foreign, completed())
            .await,
        "not_found",
    );
    let progress = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert_eq!(
        progress.completed_lessons, 0,
        "rejected writes change nothing"
    );
}

pub async fn progress_needs_an_active_enrollment(lms: Lms) {
    let w = World::new(lms).await;
    let free = w.published("free", None).await;
    let paid = w.published("paid", Some(500)).await;
    let lesson = |o: &crate::CourseOutline| o.modules[0].lessons[0].id;
    assert_code(
        w.lms
            .record_progress(&Actor::Anonymous, acme("free"), lesson(&free), percent(5))
            .await,
        "unauthenticated",
    );
    assert_code(
        w.lms
            .record_progress(&w.learner, acme("free"), lesson(&free), percent(5))
            .await,
        "not_enrolled",
    );
    assert_code(
        w.lms
            .record_progress(&w.learner, acme("paid"), lesson(&paid), percent(5))
            .await,
        "payment_required",
    );
    assert_code(
        w.lms.course_progress(&w.learner, acme("free")).await,
        "not_enrolled",
    );
    assert_code(
        w.lms.course_progress(&Actor::Anonymous, acme("free")).await,
        "unauthenticated",
    );
}

pub async fn completion_is_recorded_once(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let lessons: Vec<_> = outline.modules[0].lessons.iter().map(|l| l.id).collect();
    let quiz = outline.modules[1].lessons[0].id;
    for lesson in &lessons {
        let r = w
            .lms
            .record_progress(&w.learner, acme("c"), *lesson, completed())
            .await
            .unwrap();
        assert!(!r.course.completed);
    }
    w.lms
        .submit_attempt(&w.learner, acme("c"), quiz, json!({"q1": "b", "q2": true}))
        .await
        .unwrap();
    let done = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert!(done.completed && done.unmet.is_empty());
    assert_eq!((done.percent, done.next_lesson_id), (100, None));
    let recorded = done.completed_at.expect("completed_at");
    let again = w
        .lms
        .record_progress(&w.learner, acme("c"), lessons[0], completed())
        .await
        .unwrap();
    assert_eq!(again.course.completed_at, Some(recorded));
    w.lms
        .submit_attempt(&w.learner, acme("c"), quiz, json!({"q1": "b", "q2": true}))
        .await
        .unwrap();
    assert_eq!(
        w.lms
            .course_progress(&w.learner, acme("c"))
            .await
            .unwrap()
            .completed_at,
        Some(recorded)
    );
    let listed = w
        .lms
        .enrollments(&w.admin, acme("c"), page(10))
        .await
        .unwrap();
    assert_eq!(listed.items[0].completed_at, Some(recorded));
}

pub async fn completion_stays_when_lessons_are_added(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("c", None).await;
    let module = w.module("c", "M").await.id;
    let only = w
        .lesson(
            "c",
            module,
            "Only",
            LessonKind::Text,
            json!({"markdown": "x"}),
        )
        .await
        .summary
        .id;
    w.publish("c").await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let done = w
        .lms
        .record_progress(&w.learner, acme("c"), only, completed())
        .await
        .unwrap()
        .course;
    assert!(done.completed);
    let added = w
        .lesson(
            "c",
            module,
            "Bonus",
            LessonKind::Text,
            json!({"markdown": "y"}),
        )
        .await
        .summary
        .id;
    let now = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert_eq!(
        (now.completed, now.completed_at, now.percent),
        (true, done.completed_at, 50)
    );
    assert_eq!((now.total_lessons, now.next_lesson_id), (2, Some(added)));
}

pub async fn optional_lessons_do_not_count(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("c", None).await;
    let module = w.module("c", "M").await.id;
    let extra = NewLesson {
        release: None,
        title: "Extra".into(),
        kind: LessonKind::Text,
        content: json!({"markdown": "x"}),
        free_preview: None,
        duration_minutes: None,
        required: Some(false),
    };
    let optional = w
        .lms
        .create_lesson(&w.instructor, acme("c"), module, extra)
        .await
        .unwrap();
    assert!(!optional.summary.required);
    let core = w
        .lesson(
            "c",
            module,
            "Core",
            LessonKind::Text,
            json!({"markdown": "y"}),
        )
        .await
        .summary
        .id;
    w.publish("c").await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let p = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert_eq!(
        (p.total_lessons, p.next_lesson_id),
        (1, Some(optional.summary.id))
    );
    let done = w
        .lms
        .record_progress(&w.learner, acme("c"), core, completed())
        .await
        .unwrap()
        .course;
    assert_eq!(
        (done.percent, done.completed, done.next_lesson_id),
        (100, true, Some(optional.summary.id))
    );
}

pub async fn next_lesson_and_unmet_reasons(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let ids: Vec<_> = outline
        .modules
        .iter()
        .flat_map(|m| m.lessons.iter().map(|l| l.id))
        .collect();
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let start = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert_eq!(start.next_lesson_id, Some(ids[0]));
    let rules: Vec<_> = start.unmet.iter().map(|u| u.rule).collect();
    assert_eq!(
        rules,
        [
            UnmetRule::LessonIncomplete,
            UnmetRule::LessonIncomplete,
            UnmetRule::QuizNotPassed
        ]
    );
    assert_eq!(start.unmet[0].detail, "Lesson 'Intro' is not completed");
    assert_eq!(start.unmet[2].detail, "Quiz 'Quiz' is not passed");
    let after = w
        .lms
        .record_progress(&w.learner, acme("c"), ids[0], completed())
        .await
        .unwrap()
        .course;
    assert_eq!((after.next_lesson_id, after.unmet.len()), (Some(ids[1]), 2));
}

pub async fn making_the_last_missing_lesson_optional_completes(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    for lesson in &outline.modules[0].lessons {
        w.lms
            .record_progress(&w.learner, acme("c"), lesson.id, completed())
            .await
            .unwrap();
    }
    let quiz = outline.modules[1].lessons[0].id;
    let optional = LessonPatch {
        required: Some(false),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, acme("c"), quiz, optional)
        .await
        .unwrap();
    let p = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert_eq!((p.percent, p.completed, p.total_lessons), (100, true, 2));
    assert!(p.completed_at.is_some());
    assert!(w.lms.check_rollups(acme("c")).await.unwrap().is_exact());
    let certificate = w
        .lms
        .certificate(&w.learner, acme("c"))
        .await
        .expect("issued by the curriculum change");
    assert_eq!(Some(certificate.issued_at), p.completed_at);
}

pub async fn concurrent_progress_writes_keep_the_maximum(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let intro = outline.modules[0].lessons[0].id;
    let mut tasks = tokio::task::JoinSet::new();
    for p in [17u8, 83, 5, 99, 42, 64, 12, 77, 31, 90, 3, 55] {
        let lms = w.lms.clone();
        tasks.spawn(async move {
            lms.record_progress(&w.learner, acme("c"), intro, percent(p))
                .await
        });
    }
    for r in tasks.join_all().await {
        r.unwrap();
    }
    let lesson = outline.modules[0].lessons[1].id;
    let mut tasks = tokio::task::JoinSet::new();
    for l in [intro, lesson, intro, lesson, intro, lesson] {
        let lms = w.lms.clone();
        tasks.spawn(async move {
            lms.record_progress(&w.learner, acme("c"), l, completed())
                .await
        });
    }
    for r in tasks.join_all().await {
        r.unwrap();
    }
    w.lms
        .submit_attempt(
            &w.learner,
            acme("c"),
            outline.modules[1].lessons[0].id,
            json!({"q1": "b", "q2": true}),
        )
        .await
        .unwrap();
    let progress = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert!(progress.completed && progress.completed_lessons == 3);
    let check = w.lms.check_rollups(acme("c")).await.unwrap();
    assert_eq!(
        (check.checked, check.mismatches, check.summary_matches),
        (1, vec![], true)
    );
    // A fresh lesson raced by many writers with 60 and one with 100: the maximum wins.
    let module = outline.modules[0].module.id;
    let extra = w
        .lesson(
            "c",
            module,
            "Extra",
            LessonKind::Text,
            json!({"markdown": "z"}),
        )
        .await
        .summary
        .id;
    let mut tasks = tokio::task::JoinSet::new();
    for p in [60u8, 60, 100, 60, 60, 60] {
        let lms = w.lms.clone();
        tasks.spawn(async move {
            lms.record_progress(&w.learner, acme("c"), extra, percent(p))
                .await
        });
    }
    let results: Vec<_> = tasks
        .join_all()
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let completed_ats: HashSet<_> = results
        .iter()
        .filter_map(|r| r.lesson.completed_at)
        .collect();
    assert_eq!(completed_ats.len(), 1, "the lesson is completed once");
    let p = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert_eq!((p.percent, p.completed_at), (100, progress.completed_at));
}

pub async fn rollups_match_a_recomputation(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let ids: Vec<_> = outline
        .modules
        .iter()
        .flat_map(|m| m.lessons.iter().map(|l| l.id))
        .collect();
    let mut learners = Vec::new();
    for i in 0..6 {
        let who = w.new_user(&format!("r{i}@x.test")).await;
        w.lms.enroll(&who, acme("c")).await.unwrap();
        for lesson in ids.iter().take(i % 3) {
            w.lms
                .record_progress(&who, acme("c"), *lesson, completed())
                .await
                .unwrap();
        }
        learners.push(who);
    }
    let optional = LessonPatch {
        required: Some(false),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, acme("c"), ids[0], optional)
        .await
        .unwrap();
    assert!(w.lms.check_rollups(acme("c")).await.unwrap().is_exact());
    let required = LessonPatch {
        required: Some(true),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, acme("c"), ids[0], required)
        .await
        .unwrap();
    w.lms
        .delete_lesson(&w.instructor, acme("c"), ids[1])
        .await
        .unwrap();
    let check = w.lms.check_rollups(acme("c")).await.unwrap();
    assert_eq!(
        (check.checked, check.mismatches, check.summary_matches),
        (6, vec![], true)
    );
}
