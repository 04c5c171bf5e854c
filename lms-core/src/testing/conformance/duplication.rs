//! Duplicating a course: a draft with the same curriculum, owned by whoever copied it, and
//! none of the original's learners.

use super::helpers::completed;
use crate::release::Release;
use crate::testing::fixtures::{World, acme, assert_code, assert_invalid};
use crate::{CourseCopy, CourseOutline, CourseStatus, LessonPatch, Lms, NewPost, PageRequest};
use serde_json::json;

fn copy(slug: &str) -> CourseCopy {
    CourseCopy {
        slug: slug.into(),
        title: format!("Copy {slug}"),
    }
}

/// The outline with what a copy changes taken out: ids, course ids and times.
fn shape(outline: &CourseOutline) -> serde_json::Value {
    let modules: Vec<_> = outline
        .modules
        .iter()
        .map(|m| {
            let lessons: Vec<_> = m
                .lessons
                .iter()
                .map(|l| {
                    json!([
                        l.title,
                        l.kind,
                        l.position,
                        l.duration_minutes,
                        l.free_preview,
                        l.required,
                        l.release
                    ])
                })
                .collect();
            json!([m.module.title, m.module.position, m.module.release, lessons])
        })
        .collect();
    json!(modules)
}

pub async fn duplicating_a_course_copies_its_curriculum_and_none_of_its_learners(lms: Lms) {
    let w = World::new(lms).await;
    w.published("c", Some(4900)).await;
    // An uploaded video, a release rule, an optional free preview.
    let permit = w
        .lms
        .new_upload(&w.instructor, acme("c"), "video/mp4")
        .await
        .unwrap()
        .expect("mp4 is accepted");
    w.lms
        .record_upload(&w.instructor, acme("c"), &permit.key, 1024)
        .await
        .unwrap();
    let original = w.lms.course(&w.instructor, acme("c")).await.unwrap();
    let (intro, watch) = (
        original.modules[0].lessons[0].id,
        original.modules[0].lessons[1].id,
    );
    let video = LessonPatch {
        content: Some(json!({"media_key": permit.key.as_str()})),
        release: Some(Some(Release {
            requires_previous: true,
            ..Release::default()
        })),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, acme("c"), watch, video)
        .await
        .unwrap();
    let preview = LessonPatch {
        free_preview: Some(true),
        required: Some(false),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, acme("c"), intro, preview)
        .await
        .unwrap();
    // The original's learners and what they did.
    let learner = w.learner.user_id().unwrap();
    w.lms
        .enroll_user(&w.instructor, acme("c"), learner)
        .await
        .unwrap(); // a paid course
    w.lms
        .record_progress(&w.learner, acme("c"), intro, completed())
        .await
        .unwrap();
    let post = NewPost {
        body: "Hello".into(),
        parent_id: None,
    };
    w.lms
        .create_post(&w.learner, acme("c"), intro, post)
        .await
        .unwrap();
    let original = w.lms.course(&w.instructor, acme("c")).await.unwrap();

    let made = w
        .lms
        .duplicate_course(&w.instructor, acme("c"), copy("c-fall"))
        .await
        .unwrap();
    assert_eq!(made.status, CourseStatus::Draft);
    assert_eq!(
        (made.slug.as_str(), made.title.as_str()),
        ("c-fall", "Copy c-fall")
    );
    assert_eq!(made.owner_id, w.instructor.user_id().unwrap());
    assert_eq!(
        (&made.price, &made.description, &made.metadata),
        (
            &original.course.price,
            &original.course.description,
            &original.course.metadata
        )
    );
    assert_ne!(made.id, original.course.id);
    let copied = w.lms.course(&w.instructor, acme("c-fall")).await.unwrap();
    assert_eq!(shape(&copied), shape(&original));
    let lessons = |o: &CourseOutline| o.lessons().map(|l| l.id).collect::<Vec<_>>();
    assert!(
        lessons(&copied)
            .iter()
            .all(|id| !lessons(&original).contains(id)),
        "new ids"
    );
    assert!(copied.lessons().all(|l| l.course_id == made.id));
    for (copy, source) in lessons(&copied).into_iter().zip(lessons(&original)) {
        let copy = w
            .lms
            .lesson(&w.instructor, acme("c-fall"), copy)
            .await
            .unwrap();
        let source = w
            .lms
            .lesson(&w.instructor, acme("c"), source)
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(&copy).unwrap()["content"],
            serde_json::to_value(&source).unwrap()["content"],
            "the content, the quiz's answer key and the video's key included"
        );
    }

    // None of the learners: no enrollments, no posts, and the draft is hidden from them.
    let enrolled = w
        .lms
        .enrollments(&w.instructor, acme("c-fall"), PageRequest::default())
        .await
        .unwrap();
    assert!(enrolled.items.is_empty());
    let copied_intro = copied.modules[0].lessons[0].id;
    let posts = w
        .lms
        .posts(
            &w.instructor,
            acme("c-fall"),
            copied_intro,
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(posts.items.is_empty());
    assert_code(w.lms.course(&w.learner, acme("c-fall")).await, "not_found");
    let mine = w
        .lms
        .my_courses(&w.learner, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(mine.items.len(), 1, "only the original");
    let unchanged = w.lms.course(&w.instructor, acme("c")).await.unwrap();
    assert_eq!(unchanged, original);

    // The video's file is shared: the original cannot delete it while the copy plays it.
    let media = w
        .lms
        .course_media(&w.instructor, acme("c"), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        media.items[0].used_by,
        vec![watch],
        "the course's own lessons"
    );
    let elsewhere = LessonPatch {
        content: Some(json!({"url": "https://video.test/2"})),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, acme("c"), watch, elsewhere)
        .await
        .unwrap();
    let deleting = w
        .lms
        .delete_media(&w.instructor, acme("c"), permit.key.as_str())
        .await;
    let refused = deleting.unwrap_err();
    assert_eq!(refused.code(), "conflict");
    assert!(
        refused
            .to_string()
            .contains("0 lesson(s) of this course and 1 of copies"),
        "{refused}"
    );

    // Who may copy, and into what.
    let by_admin = w
        .lms
        .duplicate_course(&w.admin, acme("c"), copy("c-admin"))
        .await
        .unwrap();
    assert_eq!(by_admin.owner_id, w.admin.user_id().unwrap());
    for who in [w.learner, w.outsider] {
        let refused = w.lms.duplicate_course(&who, acme("c"), copy("c-x")).await;
        assert_code(refused, "forbidden");
    }
    let anonymous = w
        .lms
        .duplicate_course(&crate::Actor::Anonymous, acme("c"), copy("c-y"));
    assert_code(anonymous.await, "unauthenticated");
    let taken = w
        .lms
        .duplicate_course(&w.instructor, acme("c"), copy("c-fall"));
    assert_code(taken.await, "slug_taken");
    let bad = CourseCopy {
        slug: "Not a slug!".into(),
        title: " ".into(),
    };
    let bad = w.lms.duplicate_course(&w.instructor, acme("c"), bad).await;
    assert_invalid(bad, &["slug", "title"]);
    let missing = w
        .lms
        .duplicate_course(&w.instructor, acme("nope"), copy("c-z"));
    assert_code(missing.await, "not_found");
}
