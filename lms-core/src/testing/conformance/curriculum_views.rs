//! The curriculum as readers get it: outlines without content, lesson access by enrollment
//! and price, learner views without answer keys, and outlines cached by another instance.

use super::helpers::completed;
use crate::testing::fixtures::{World, acme, assert_code};
use crate::{Actor, LessonKind, LessonPatch, LessonView, Lms};
use serde_json::json;

pub async fn outlines_never_carry_content(lms: Lms) {
    let w = World::new(lms).await;
    w.published("c", None).await;
    for who in [Actor::Anonymous, w.instructor, w.admin] {
        let outline = w.lms.course(&who, acme("c")).await.unwrap();
        let text = serde_json::to_string(&outline).unwrap();
        for key in [
            "\"content\"",
            "\"markdown\"",
            "\"correct\"",
            "\"questions\"",
        ] {
            assert!(!text.contains(key), "outline carries {key}: {text}");
        }
    }
}

pub async fn lesson_access_follows_enrollment_and_price(lms: Lms) {
    let w = World::new(lms).await;
    let free = w.published("free", None).await;
    let paid = w.published("paid", Some(900)).await;
    let intro = |o: &crate::CourseOutline| o.modules[0].lessons[0].id;
    assert_code(
        w.lms
            .lesson(&Actor::Anonymous, acme("free"), intro(&free))
            .await,
        "unauthenticated",
    );
    assert_code(
        w.lms
            .lesson(&Actor::Anonymous, acme("paid"), intro(&paid))
            .await,
        "unauthenticated",
    );
    assert_code(
        w.lms.lesson(&w.learner, acme("free"), intro(&free)).await,
        "not_enrolled",
    );
    assert_code(
        w.lms.lesson(&w.learner, acme("paid"), intro(&paid)).await,
        "payment_required",
    );
    assert_code(
        w.lms
            .lesson(&w.learner, acme("free"), crate::LessonId::new())
            .await,
        "not_found",
    );
    assert_code(
        w.lms.lesson(&w.learner, acme("free"), intro(&paid)).await,
        "not_found",
    );
    let preview = LessonPatch {
        free_preview: Some(true),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, acme("paid"), intro(&paid), preview)
        .await
        .unwrap();
    assert!(matches!(
        w.lms
            .lesson(&Actor::Anonymous, acme("paid"), intro(&paid))
            .await,
        Ok(LessonView::Learner(_))
    ));
    w.lms.enroll(&w.learner, acme("free")).await.unwrap();
    assert!(matches!(
        w.lms.lesson(&w.learner, acme("free"), intro(&free)).await,
        Ok(LessonView::Learner(_))
    ));
    w.lms
        .revoke_enrollment(&w.admin, acme("free"), w.learner.user_id().unwrap())
        .await
        .unwrap();
    assert_code(
        w.lms.lesson(&w.learner, acme("free"), intro(&free)).await,
        "enrollment_revoked",
    );
    assert!(matches!(
        w.lms
            .lesson(&w.instructor, acme("paid"), intro(&paid))
            .await,
        Ok(LessonView::Author(_))
    ));
}

pub async fn learners_never_receive_answer_keys(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let quiz = outline.modules[1].lessons[0].id;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let learner_view = w.lms.lesson(&w.learner, acme("c"), quiz).await.unwrap();
    let text = serde_json::to_string(&learner_view).unwrap();
    assert!(matches!(learner_view, LessonView::Learner(_)));
    for key in [
        "\"correct\"",
        "\"answer\"",
        "\"accepted\"",
        "\"value\"",
        "\"tolerance\"",
    ] {
        assert!(!text.contains(key), "learner view carries {key}: {text}");
    }
    assert!(
        text.contains("\"questions\"") && text.contains("\"options\""),
        "{text}"
    );
    let author_view =
        serde_json::to_value(w.lms.lesson(&w.instructor, acme("c"), quiz).await.unwrap()).unwrap();
    assert_eq!(
        author_view["content"]["questions"][0]["correct"],
        json!(["b"])
    );
    assert_eq!(author_view["kind"], json!("quiz"));
}

pub async fn outline_caches_follow_changes_made_elsewhere(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    // A second app instance on the same database, with its own caches.
    let other = Lms::from_arc(w.lms.store().clone());
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let intro = outline.modules[0].lessons[0].id;
    w.lms
        .record_progress(&w.learner, acme("c"), intro, completed())
        .await
        .unwrap();
    assert_eq!(
        other
            .course_progress(&w.learner, acme("c"))
            .await
            .unwrap()
            .total_lessons,
        3
    );
    // Every kind of curriculum change made through this instance shows on the other one.
    let module = outline.modules[0].module.id;
    let added = w
        .lesson(
            "c",
            module,
            "Added",
            LessonKind::Text,
            json!({"markdown": "x"}),
        )
        .await
        .summary
        .id;
    assert_eq!(
        other
            .course_progress(&w.learner, acme("c"))
            .await
            .unwrap()
            .total_lessons,
        4
    );
    let optional = LessonPatch {
        required: Some(false),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, acme("c"), added, optional)
        .await
        .unwrap();
    assert_eq!(
        other
            .course_progress(&w.learner, acme("c"))
            .await
            .unwrap()
            .total_lessons,
        3
    );
    let rename = crate::ModulePatch {
        title: Some("Renamed".into()),
        release: None,
    };
    w.lms
        .update_module(&w.instructor, acme("c"), module, rename)
        .await
        .unwrap();
    assert_eq!(
        other.course(&w.learner, acme("c")).await.unwrap().modules[0]
            .module
            .title,
        "Renamed"
    );
    w.lms
        .delete_lesson(&w.instructor, acme("c"), added)
        .await
        .unwrap();
    let seen = other.course(&w.learner, acme("c")).await.unwrap();
    assert!(seen.modules[0].lessons.iter().all(|l| l.id != added));
    w.lms
        .delete_module(&w.instructor, acme("c"), outline.modules[1].module.id)
        .await
        .unwrap();
    let progress = other.course_progress(&w.learner, acme("c")).await.unwrap();
    assert_eq!((progress.total_lessons, progress.completed_lessons), (2, 1));
}
