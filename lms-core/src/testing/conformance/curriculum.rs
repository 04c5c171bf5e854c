//! The curriculum as authors edit it: modules and lessons in order, lesson content per
//! kind, reordering, who may edit, and what deleting removes.

use super::helpers::completed;
use crate::testing::fixtures::{ORG, World, acme, assert_code, assert_invalid, quiz_content};
use crate::{
    Actor, CurriculumLayout, LessonKind, LessonPatch, LessonView, Lms, ModuleLayout, NewLesson,
    NewMember, Role,
};
use serde_json::json;

pub async fn bad_curriculum_input_writes_nothing(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let module = outline.modules[0].module.id;
    let intro = outline.modules[0].lessons[0].id;
    let titled = |title: &str| crate::ModuleInput {
        release: None,
        title: title.into(),
    };
    assert_invalid(
        w.lms
            .create_module(&w.instructor, acme("c"), titled(" "))
            .await,
        &["title"],
    );
    assert_invalid(
        w.lms
            .update_module(
                &w.instructor,
                acme("c"),
                module,
                crate::ModulePatch {
                    title: Some("m".repeat(201)),
                    release: None,
                },
            )
            .await,
        &["title"],
    );
    let bad_patches = [
        (
            LessonPatch {
                kind: Some(LessonKind::Quiz),
                ..Default::default()
            },
            "content",
        ),
        (
            LessonPatch {
                content: Some(json!({"markdown": 5})),
                ..Default::default()
            },
            "content",
        ),
        (
            LessonPatch {
                duration_minutes: Some(Some(1_000_000)),
                ..Default::default()
            },
            "duration_minutes",
        ),
        (
            LessonPatch {
                title: Some("".into()),
                required: Some(false),
                ..Default::default()
            },
            "title",
        ),
    ];
    for (patch, field) in bad_patches {
        assert_invalid(
            w.lms
                .update_lesson(&w.instructor, acme("c"), intro, patch)
                .await,
            &[field],
        );
    }
    let new = NewLesson {
        release: None,
        title: "T".into(),
        kind: LessonKind::Text,
        content: json!({"markdown": "x"}),
        free_preview: None,
        duration_minutes: Some(1_000_000),
        required: None,
    };
    assert_invalid(
        w.lms
            .create_lesson(&w.instructor, acme("c"), module, new)
            .await,
        &["duration_minutes"],
    );
    assert_code(
        w.lms
            .add_member(
                &w.admin,
                ORG,
                NewMember {
                    email: "not an email".into(),
                    role: Role::Learner,
                },
            )
            .await,
        "validation_failed",
    );
    assert_code(
        w.lms
            .set_member_role(&w.admin, ORG, crate::UserId::new(), Role::Learner)
            .await,
        "not_found",
    );
    let after = w.lms.course(&w.instructor, acme("c")).await.unwrap();
    assert_eq!(after.modules, outline.modules, "nothing was written");
    let lesson = w.lms.lesson(&w.instructor, acme("c"), intro).await.unwrap();
    let LessonView::Author(lesson) = lesson else {
        panic!("the owner reads the author's view")
    };
    assert_eq!(
        lesson.content.to_inner_json(),
        json!({"markdown": "# Hello"})
    );
}

pub async fn modules_and_lessons_append_in_order(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let titles: Vec<Vec<&str>> = outline
        .modules
        .iter()
        .map(|m| m.lessons.iter().map(|l| l.title.as_str()).collect())
        .collect();
    assert_eq!(titles, [vec!["Intro", "Watch"], vec!["Quiz"]]);
    assert_eq!(
        outline
            .modules
            .iter()
            .map(|m| m.module.position)
            .collect::<Vec<_>>(),
        [0, 1]
    );
    assert_eq!(
        outline.modules[0]
            .lessons
            .iter()
            .map(|l| l.position)
            .collect::<Vec<_>>(),
        [0, 1]
    );
    let renamed = w
        .lms
        .update_module(
            &w.instructor,
            acme("c"),
            outline.modules[0].module.id,
            crate::ModulePatch {
                title: Some("Start".into()),
                release: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.title, "Start");
    let unknown = crate::ModuleId::new();
    assert_code(
        w.lms
            .update_module(
                &w.instructor,
                acme("c"),
                unknown,
                crate::ModulePatch {
                    title: Some("x".into()),
                    release: None,
                },
            )
            .await,
        "not_found",
    );
}

pub async fn lesson_content_is_checked_per_kind(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("c", None).await;
    let module = w.module("c", "M").await.id;
    let attempt = |kind, content| {
        let new = NewLesson {
            release: None,
            title: "L".into(),
            kind,
            content,
            free_preview: None,
            duration_minutes: None,
            required: None,
        };
        w.lms.create_lesson(&w.instructor, acme("c"), module, new)
    };
    assert_invalid(
        attempt(LessonKind::Text, json!({"body": "x"})).await,
        &["content"],
    );
    assert_invalid(
        attempt(
            LessonKind::Video,
            json!({"url": "https://v.test", "media_key": "k"}),
        )
        .await,
        &["content"],
    );
    assert_invalid(
        attempt(LessonKind::Video, json!({"url": "ftp://v.test"})).await,
        &["content.url"],
    );
    let mut two_correct = quiz_content(None);
    two_correct["questions"][0]["correct"] = json!(["a", "b"]);
    assert_invalid(
        attempt(LessonKind::Quiz, two_correct).await,
        &["content.questions[0].correct"],
    );
    let mut unknown_option = quiz_content(None);
    unknown_option["questions"][0]["correct"] = json!(["z"]);
    assert_invalid(
        attempt(LessonKind::Quiz, unknown_option).await,
        &["content.questions[0].correct"],
    );
    let mut duplicate_ids = quiz_content(None);
    duplicate_ids["questions"][1]["id"] = json!("q1");
    assert_invalid(
        attempt(LessonKind::Quiz, duplicate_ids).await,
        &["content.questions[1].id"],
    );
    assert_invalid(
        attempt(
            LessonKind::Quiz,
            json!({"questions": [], "pass_percent": 101}),
        )
        .await,
        &["content.questions", "content.pass_percent"],
    );
    let outline = w.lms.course(&w.instructor, acme("c")).await.unwrap();
    assert!(
        outline.modules[0].lessons.is_empty(),
        "rejected lessons are not written"
    );
    attempt(
        LessonKind::Assignment,
        json!({"instructions": "Write a parser"}),
    )
    .await
    .unwrap();
}

pub async fn reorder_moves_lessons_between_modules(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let (basics, check) = (&outline.modules[0], &outline.modules[1]);
    let (intro, watch, quiz) = (
        basics.lessons[0].id,
        basics.lessons[1].id,
        check.lessons[0].id,
    );
    let layout = CurriculumLayout {
        modules: vec![
            ModuleLayout {
                id: check.module.id,
                lessons: vec![quiz, intro],
            },
            ModuleLayout {
                id: basics.module.id,
                lessons: vec![watch],
            },
        ],
    };
    let reordered = w
        .lms
        .reorder_curriculum(&w.instructor, acme("c"), layout)
        .await
        .unwrap();
    let stored = w.lms.course(&w.admin, acme("c")).await.unwrap();
    assert_eq!(reordered.modules, stored.modules);
    let shape: Vec<(crate::ModuleId, Vec<crate::LessonId>)> = stored
        .modules
        .iter()
        .map(|m| (m.module.id, m.lessons.iter().map(|l| l.id).collect()))
        .collect();
    assert_eq!(
        shape,
        [
            (check.module.id, vec![quiz, intro]),
            (basics.module.id, vec![watch])
        ]
    );
    assert!(
        stored.modules[0]
            .lessons
            .iter()
            .all(|l| l.module_id == check.module.id)
    );
}

pub async fn reorder_rejects_a_partial_layout_and_changes_nothing(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let (basics, check) = (&outline.modules[0], &outline.modules[1]);
    let (intro, watch, quiz) = (
        basics.lessons[0].id,
        basics.lessons[1].id,
        check.lessons[0].id,
    );
    let layouts = [
        vec![ModuleLayout {
            id: basics.module.id,
            lessons: vec![intro, watch, quiz],
        }],
        vec![
            ModuleLayout {
                id: check.module.id,
                lessons: vec![quiz, intro],
            },
            ModuleLayout {
                id: basics.module.id,
                lessons: vec![intro, watch],
            },
        ],
        vec![
            ModuleLayout {
                id: check.module.id,
                lessons: vec![quiz],
            },
            ModuleLayout {
                id: basics.module.id,
                lessons: vec![intro, crate::LessonId::new()],
            },
        ],
    ];
    for modules in layouts {
        let result = w
            .lms
            .reorder_curriculum(&w.instructor, acme("c"), CurriculumLayout { modules })
            .await;
        assert_code(result, "validation_failed");
    }
    assert_eq!(
        w.lms
            .course(&w.instructor, acme("c"))
            .await
            .unwrap()
            .modules,
        outline.modules
    );
}

pub async fn only_owner_and_admins_edit_the_curriculum(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let other_instructor = w.new_user("other@acme.test").await;
    w.lms
        .set_member_role(
            &w.admin,
            ORG,
            other_instructor.user_id().unwrap(),
            Role::Instructor,
        )
        .await
        .unwrap();
    let module = outline.modules[0].module.id;
    let lesson = outline.modules[0].lessons[0].id;
    for (who, code) in [
        (other_instructor, "forbidden"),
        (w.learner, "forbidden"),
        (w.outsider, "forbidden"),
        (Actor::Anonymous, "unauthenticated"),
    ] {
        assert_code(
            w.lms
                .create_module(
                    &who,
                    acme("c"),
                    crate::ModuleInput {
                        title: "M".into(),
                        release: None,
                    },
                )
                .await,
            code,
        );
        assert_code(w.lms.delete_lesson(&who, acme("c"), lesson).await, code);
        assert_code(w.lms.delete_module(&who, acme("c"), module).await, code);
        let patch = LessonPatch {
            title: Some("T".into()),
            ..Default::default()
        };
        assert_code(
            w.lms.update_lesson(&who, acme("c"), lesson, patch).await,
            code,
        );
    }
    let patch = LessonPatch {
        title: Some("Hello".into()),
        free_preview: Some(true),
        ..Default::default()
    };
    let lesson = w
        .lms
        .update_lesson(&w.admin, acme("c"), lesson, patch)
        .await
        .unwrap();
    assert_eq!(
        (lesson.summary.title.as_str(), lesson.summary.free_preview),
        ("Hello", true)
    );
    assert_eq!(
        w.lms.course(&w.admin, acme("c")).await.unwrap().modules[0].lessons[0].title,
        "Hello"
    );
}

pub async fn deleting_curriculum_removes_progress_and_recounts(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let intro = outline.modules[0].lessons[0].id;
    let watch = outline.modules[0].lessons[1].id;
    w.lms
        .record_progress(&w.learner, acme("c"), intro, completed())
        .await
        .unwrap();
    w.lms
        .record_progress(&w.learner, acme("c"), watch, completed())
        .await
        .unwrap();
    w.lms
        .delete_lesson(&w.instructor, acme("c"), intro)
        .await
        .unwrap();
    let progress = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert_eq!(
        (
            progress.completed_lessons,
            progress.total_lessons,
            progress.percent
        ),
        (1, 2, 50)
    );
    assert!(w.lms.check_rollups(acme("c")).await.unwrap().is_exact());
    w.lms
        .delete_module(&w.instructor, acme("c"), outline.modules[0].module.id)
        .await
        .unwrap();
    let progress = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert_eq!((progress.completed_lessons, progress.total_lessons), (0, 1));
    assert_code(
        w.lms.lesson(&w.learner, acme("c"), watch).await,
        "not_found",
    );
    assert!(w.lms.check_rollups(acme("c")).await.unwrap().is_exact());
}
