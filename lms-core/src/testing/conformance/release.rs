//! Release rules: drip, dates and sequence hold lessons until they open, owners and admins
//! open them early for one learner, and prerequisites hold enrollment.

use super::helpers::{complete_course, completed};
use crate::release::{Release, Unlocked};
use crate::testing::ManualClock;
use crate::testing::fixtures::{World, acme, assert_code, assert_invalid};
use crate::{
    Clock, CourseOutline, CoursePatch, LessonId, LessonKind, LessonPatch, LmsError, ModuleInput,
    ModulePatch, NewCourse, NewLesson, UnlockRequest, UnmetRule,
};
use crate::{LessonView, Lms};
use chrono::Duration;
use serde_json::json;

/// The world's `published` course `c` with a third module, `Later`, released `days` after
/// enrollment, holding a text lesson `Deep dive`; the learner is enrolled.
async fn dripped(lms: Lms, days: u32) -> (World, ManualClock, CourseOutline, LessonId) {
    let clock = ManualClock::new();
    let w = World::new(lms.with_clock(clock.clone())).await;
    w.published("c", None).await;
    let input = ModuleInput {
        title: "Later".into(),
        release: Some(Release {
            after_days: Some(days),
            ..Release::default()
        }),
    };
    let later = w
        .lms
        .create_module(&w.instructor, acme("c"), input)
        .await
        .unwrap();
    let deep = w
        .lesson(
            "c",
            later.id,
            "Deep dive",
            LessonKind::Text,
            json!({"markdown": "…"}),
        )
        .await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let outline = w.lms.course(&w.learner, acme("c")).await.unwrap();
    (w, clock, outline, deep.summary.id)
}

/// Asserts a `locked` error that opens at `available_at`.
#[track_caller]
fn assert_locked<T: std::fmt::Debug>(
    result: Result<T, LmsError>,
    lesson: LessonId,
    available_at: Option<chrono::DateTime<chrono::Utc>>,
) {
    match result {
        Err(LmsError::Locked {
            available_at: at,
            unmet,
        }) => {
            assert_eq!(at, available_at);
            assert_eq!(unmet.len(), 1);
            assert_eq!(unmet[0].rule, UnmetRule::LessonLocked);
            assert_eq!(unmet[0].lesson_id, Some(lesson));
        }
        other => panic!("expected locked, got {other:?}"),
    }
}

pub async fn a_dripped_module_opens_when_the_clock_passes_it(lms: Lms) {
    let (w, clock, outline, deep) = dripped(lms, 3).await;
    let opens = clock.now() + Duration::days(3);
    assert_eq!(
        outline.modules[2]
            .module
            .release
            .as_ref()
            .and_then(|r| r.after_days),
        Some(3)
    );
    let locked = |result| assert_locked(result, deep, Some(opens));
    locked(w.lms.lesson(&w.learner, acme("c"), deep).await.map(drop));
    locked(
        w.lms
            .record_progress(&w.learner, acme("c"), deep, completed())
            .await
            .map(drop),
    );
    // The course progress says what holds it, and when it opens.
    let progress = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    let unmet = progress.unmet.iter().find(|u| u.lesson_id == Some(deep));
    let unmet = unmet.expect("the locked lesson is listed");
    assert_eq!(
        (unmet.rule, unmet.available_at),
        (UnmetRule::LessonLocked, Some(opens))
    );
    assert_eq!(progress.total_lessons, 4, "locked lessons still count");
    let states = w.lms.lesson_states(&w.learner, acme("c")).await.unwrap();
    let state = states.iter().find(|s| s.lesson_id == deep).unwrap();
    assert_eq!((state.locked, state.available_at), (true, Some(opens)));
    // Owners and admins are never held.
    for manager in [&w.instructor, &w.admin] {
        let lesson = w.lms.lesson(manager, acme("c"), deep).await.unwrap();
        assert!(matches!(lesson, LessonView::Author(_)));
    }

    clock.advance(Duration::days(3) - Duration::seconds(1));
    locked(w.lms.lesson(&w.learner, acme("c"), deep).await.map(drop));
    clock.advance(Duration::seconds(1));
    w.lms.lesson(&w.learner, acme("c"), deep).await.unwrap();
    w.lms
        .record_progress(&w.learner, acme("c"), deep, completed())
        .await
        .unwrap();
}

pub async fn an_unlock_opens_lessons_for_one_learner_only(lms: Lms) {
    let (w, _clock, _outline, deep) = dripped(lms, 7).await;
    let other = w.enrolled_learner("other@acme.test", "c").await;
    let learner = w.learner.user_id().unwrap();
    let unlock = UnlockRequest {
        lesson_ids: Some(vec![deep]),
        all: None,
    };
    // Only the course's owner and admins may, and only for someone enrolled.
    assert_code(
        w.lms
            .unlock_lessons(&other, acme("c"), learner, unlock.clone())
            .await,
        "forbidden",
    );
    let stranger = w.outsider.user_id().unwrap();
    assert_code(
        w.lms
            .unlock_lessons(&w.instructor, acme("c"), stranger, unlock.clone())
            .await,
        "not_found",
    );
    let enrollment = w
        .lms
        .unlock_lessons(&w.instructor, acme("c"), learner, unlock)
        .await
        .unwrap();
    assert_eq!(enrollment.unlocked, Unlocked::Lessons(vec![deep]));
    w.lms.lesson(&w.learner, acme("c"), deep).await.unwrap();
    assert_code(
        w.lms.lesson(&other, acme("c"), deep).await.map(drop),
        "locked",
    );

    let bad = [
        UnlockRequest::default(),
        UnlockRequest {
            lesson_ids: Some(vec![]),
            all: None,
        },
        UnlockRequest {
            lesson_ids: Some(vec![LessonId::new()]),
            all: None,
        },
        UnlockRequest {
            lesson_ids: None,
            all: Some(false),
        },
    ];
    for request in bad {
        assert_invalid(
            w.lms
                .unlock_lessons(&w.admin, acme("c"), learner, request)
                .await,
            &["lesson_ids"],
        );
    }
    let all = UnlockRequest {
        lesson_ids: None,
        all: Some(true),
    };
    let other_id = other.user_id().unwrap();
    let enrollment = w
        .lms
        .unlock_lessons(&w.admin, acme("c"), other_id, all)
        .await
        .unwrap();
    assert_eq!(enrollment.unlocked, Unlocked::All);
    w.lms.lesson(&other, acme("c"), deep).await.unwrap();
}

pub async fn a_lesson_that_requires_the_previous_opens_once_it_is_completed(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let (intro, watch) = (
        outline.modules[0].lessons[0].id,
        outline.modules[0].lessons[1].id,
    );
    let quiz = outline.modules[1].lessons[0].id;
    let sequential = LessonPatch {
        release: Some(Some(Release {
            requires_previous: true,
            ..Release::default()
        })),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, acme("c"), watch, sequential)
        .await
        .unwrap();
    let module_rule = ModulePatch {
        title: None,
        release: Some(Some(Release {
            requires_previous: true,
            ..Release::default()
        })),
    };
    let check = outline.modules[1].module.id;
    w.lms
        .update_module(&w.instructor, acme("c"), check, module_rule)
        .await
        .unwrap();
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();

    assert_locked(
        w.lms.lesson(&w.learner, acme("c"), watch).await.map(drop),
        watch,
        None,
    );
    let answers = json!({"q1": "b", "q2": true});
    assert_locked(
        w.lms
            .submit_attempt(&w.learner, acme("c"), quiz, answers.clone())
            .await
            .map(drop),
        quiz,
        None,
    );
    let progress = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert_eq!(progress.next_lesson_id, Some(intro));
    let wait = progress
        .unmet
        .iter()
        .find(|u| u.lesson_id == Some(watch))
        .unwrap();
    assert_eq!(
        wait.detail,
        "Lesson 'Watch' opens once 'Intro' is completed"
    );

    // Completing Intro opens Watch, and the answer says so at once.
    let step = w
        .lms
        .record_progress(&w.learner, acme("c"), intro, completed())
        .await
        .unwrap();
    assert!(
        step.course
            .unmet
            .iter()
            .all(|u| u.lesson_id != Some(watch) || u.rule == UnmetRule::LessonIncomplete)
    );
    assert_eq!(step.course.next_lesson_id, Some(watch));
    w.lms
        .record_progress(&w.learner, acme("c"), watch, completed())
        .await
        .unwrap();
    // The module waited for every required lesson before it.
    let attempt = w
        .lms
        .submit_attempt(&w.learner, acme("c"), quiz, answers)
        .await
        .unwrap();
    assert!(attempt.passed);
    let progress = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert!(progress.completed);

    // Removing the rule opens the lesson for everyone (null clears it).
    let clear = LessonPatch {
        release: Some(None),
        ..Default::default()
    };
    let cleared = w
        .lms
        .update_lesson(&w.instructor, acme("c"), watch, clear)
        .await
        .unwrap();
    assert_eq!(cleared.summary.release, None);
}

pub async fn free_previews_ignore_release_rules(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("c", None).await;
    let module = w.module("c", "Only").await;
    let preview = NewLesson {
        title: "Trailer".into(),
        kind: LessonKind::Text,
        content: json!({"markdown": "…"}),
        free_preview: Some(true),
        duration_minutes: None,
        required: None,
        release: Some(Release {
            available_from: Some(chrono::Utc::now() + Duration::days(30)),
            ..Release::default()
        }),
    };
    let lesson = w
        .lms
        .create_lesson(&w.instructor, acme("c"), module.id, preview)
        .await
        .unwrap();
    w.publish("c").await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    w.lms
        .lesson(&w.learner, acme("c"), lesson.summary.id)
        .await
        .unwrap();
}

pub async fn release_rules_are_checked(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("c", None).await;
    let too_late = Release {
        after_days: Some(3651),
        ..Release::default()
    };
    let input = ModuleInput {
        title: "M".into(),
        release: Some(too_late.clone()),
    };
    assert_invalid(
        w.lms.create_module(&w.instructor, acme("c"), input).await,
        &["release.after_days"],
    );
    let module = w.module("c", "M").await;
    let new = NewLesson {
        title: "L".into(),
        kind: LessonKind::Text,
        content: json!({"markdown": "…"}),
        free_preview: None,
        duration_minutes: None,
        required: None,
        release: Some(too_late),
    };
    assert_invalid(
        w.lms
            .create_lesson(&w.instructor, acme("c"), module.id, new)
            .await,
        &["release.after_days"],
    );
    // An empty rule holds nothing back and is stored as none.
    let patch = ModulePatch {
        title: None,
        release: Some(Some(Release::default())),
    };
    let module = w
        .lms
        .update_module(&w.instructor, acme("c"), module.id, patch)
        .await
        .unwrap();
    assert_eq!((module.title.as_str(), module.release), ("M", None));
}

pub async fn prerequisites_hold_enrollment_until_completed(lms: Lms) {
    let w = World::new(lms).await;
    let basics = w.published("basics", None).await;
    w.published("advanced", None).await;
    let requires = |ids: Vec<crate::CourseId>| CoursePatch {
        prerequisites: Some(ids),
        ..Default::default()
    };
    let advanced = w
        .lms
        .update_course(
            &w.instructor,
            acme("advanced"),
            requires(vec![basics.course.id]),
        )
        .await
        .unwrap();
    assert_eq!(advanced.prerequisites, vec![basics.course.id]);

    match w.lms.enroll(&w.learner, acme("advanced")).await {
        Err(LmsError::PrerequisitesUnmet { unmet }) => {
            assert_eq!(unmet.len(), 1);
            assert_eq!(unmet[0].rule, UnmetRule::PrerequisiteIncomplete);
            assert_eq!(unmet[0].course_id, Some(basics.course.id));
            assert_eq!(unmet[0].detail, "Course 'Course basics' is not completed");
        }
        other => panic!("expected prerequisites_unmet, got {other:?}"),
    }
    w.lms.enroll(&w.learner, acme("basics")).await.unwrap();
    assert_code(
        w.lms.enroll(&w.learner, acme("advanced")).await,
        "prerequisites_unmet",
    );
    complete_course(&w, &w.learner, "basics").await;
    w.lms.enroll(&w.learner, acme("advanced")).await.unwrap();

    // An owner's or admin's enrollment is not held back.
    let newcomer = w.new_user("new@acme.test").await;
    let id = newcomer.user_id().unwrap();
    w.lms
        .set_member_role(&w.admin, "acme", id, crate::Role::Learner)
        .await
        .unwrap();
    w.lms
        .enroll_user(&w.instructor, acme("advanced"), id)
        .await
        .unwrap();

    // Same org, never itself, never a cycle.
    let foreign = w.other_org("elsewhere").await;
    for bad in [
        vec![advanced.id],
        vec![foreign.course.id],
        vec![crate::CourseId::new()],
    ] {
        assert_invalid(
            w.lms
                .update_course(&w.instructor, acme("advanced"), requires(bad))
                .await,
            &["prerequisites"],
        );
    }
    assert_invalid(
        w.lms
            .update_course(&w.instructor, acme("basics"), requires(vec![advanced.id]))
            .await,
        &["prerequisites"],
    );
    let new = NewCourse {
        slug: "capstone".into(),
        title: "Capstone".into(),
        prerequisites: Some(vec![advanced.id, basics.course.id, advanced.id]),
        ..Default::default()
    };
    let capstone = w
        .lms
        .create_course(&w.instructor, "acme", new)
        .await
        .unwrap();
    assert_eq!(capstone.prerequisites, vec![advanced.id, basics.course.id]);

    // A draft is named to learners by its id only.
    let draft = w.draft("secret", None).await;
    w.lms
        .update_course(&w.instructor, acme("basics"), requires(vec![draft.id]))
        .await
        .unwrap();
    let stranger = w.new_user("stranger@acme.test").await;
    match w.lms.enroll(&stranger, acme("basics")).await {
        Err(LmsError::PrerequisitesUnmet { unmet }) => {
            assert_eq!(unmet[0].course_id, Some(draft.id));
            assert!(!unmet[0].detail.contains("secret"), "{}", unmet[0].detail);
        }
        other => panic!("expected prerequisites_unmet, got {other:?}"),
    }
}

pub async fn racing_prerequisite_changes_never_close_a_cycle(lms: Lms) {
    let w = World::new(lms).await;
    let (a, b) = (w.draft("a", None).await, w.draft("b", None).await);
    let requires = |id| CoursePatch {
        prerequisites: Some(vec![id]),
        ..Default::default()
    };
    for _ in 0..5 {
        let (one, other) = tokio::join!(
            w.lms
                .update_course(&w.instructor, acme("a"), requires(b.id)),
            w.lms.update_course(&w.admin, acme("b"), requires(a.id)),
        );
        assert!(
            one.is_err() || other.is_err(),
            "both sides of a cycle were stored"
        );
        for slug in ["a", "b"] {
            let clear = CoursePatch {
                prerequisites: Some(vec![]),
                ..Default::default()
            };
            w.lms
                .update_course(&w.admin, acme(slug), clear)
                .await
                .unwrap();
        }
    }
}
