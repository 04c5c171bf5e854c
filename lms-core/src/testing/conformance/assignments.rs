//! Assignments: learners' files and submissions, grading, the queue, and a passing grade
//! that completes the lesson like a passing quiz.

use super::helpers::completed;
use crate::release::Release;
use crate::testing::ManualClock;
use crate::testing::fixtures::{World, acme, assert_code, assert_invalid};
use crate::{
    Actor, GradeInput, LessonId, LessonKind, LessonPatch, LessonStatus, Lms, MediaKey,
    NewSubmission, PageRequest, Submission, SubmissionStatus,
};
use chrono::Duration;
use serde_json::json;

/// A published course `a` by the instructor: a module with an assignment `Essay` (max
/// score 10, pass at 60%) and a text lesson `Reflect` that requires the previous one;
/// the learner is enrolled. Returns (essay, reflect).
pub(crate) async fn assignment_course(
    w: &World,
    max_submissions: Option<u32>,
) -> (LessonId, LessonId) {
    w.draft("a", None).await;
    let module = w.module("a", "Work").await;
    let mut content =
        json!({"instructions": "Write 300 words", "max_score": 10, "pass_percent": 60});
    if let Some(max) = max_submissions {
        content["max_submissions"] = json!(max);
    }
    let essay = w
        .lesson("a", module.id, "Essay", LessonKind::Assignment, content)
        .await;
    let reflect = w
        .lesson(
            "a",
            module.id,
            "Reflect",
            LessonKind::Text,
            json!({"markdown": "…"}),
        )
        .await;
    let sequential = LessonPatch {
        release: Some(Some(Release {
            requires_previous: true,
            ..Release::default()
        })),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, acme("a"), reflect.summary.id, sequential)
        .await
        .unwrap();
    w.publish("a").await;
    w.lms.enroll(&w.learner, acme("a")).await.unwrap();
    (essay.summary.id, reflect.summary.id)
}

fn body(text: &str) -> NewSubmission {
    NewSubmission {
        body: Some(text.into()),
        attachments: None,
    }
}

pub(crate) fn score(points: i64) -> GradeInput {
    GradeInput {
        score: points,
        feedback: Some("See my notes".into()),
    }
}

pub(crate) async fn submit(w: &World, essay: LessonId, text: &str) -> Submission {
    w.lms
        .submit_assignment(&w.learner, acme("a"), essay, body(text))
        .await
        .unwrap()
}

pub(crate) async fn grade(w: &World, submission: &Submission, points: i64) -> Submission {
    w.lms
        .grade_submission(&w.instructor, acme("a"), submission.id, score(points))
        .await
        .unwrap()
}

pub async fn an_assignment_goes_from_submission_to_a_passing_grade(lms: Lms) {
    let w = World::new(lms).await;
    let (essay, reflect) = assignment_course(&w, None).await;
    assert_invalid(
        w.lms
            .record_progress(&w.learner, acme("a"), essay, completed())
            .await,
        &["status"],
    );
    let first = submit(&w, essay, "My first draft").await;
    assert_eq!(
        (
            first.status,
            first.attempt_number,
            first.max_score,
            first.score
        ),
        (SubmissionStatus::Submitted, 1, 10, None)
    );
    assert_code(
        w.lms
            .submit_assignment(&w.learner, acme("a"), essay, body("Again"))
            .await,
        "conflict",
    );
    let queue = w
        .lms
        .grading_queue(&w.instructor, acme("a"), None, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(queue.items, vec![first.clone()]);

    let graded = grade(&w, &first, 5).await;
    assert_eq!(
        (graded.status, graded.score, graded.passed),
        (SubmissionStatus::Graded, Some(5), Some(false))
    );
    assert_eq!(graded.feedback.as_deref(), Some("See my notes"));
    let states = w.lms.lesson_states(&w.learner, acme("a")).await.unwrap();
    assert_eq!(states[0].status, LessonStatus::NotStarted);
    assert!(states[1].locked, "Reflect waits for the essay");

    let second = submit(&w, essay, "Better").await;
    assert_eq!(second.attempt_number, 2);
    assert_code(
        w.lms
            .grade_submission(&w.instructor, acme("a"), first.id, score(9))
            .await,
        "conflict",
    );
    let passed = grade(&w, &second, 6).await;
    assert_eq!(passed.passed, Some(true), "6 of 10 is 60%");
    let progress = w.lms.course_progress(&w.learner, acme("a")).await.unwrap();
    assert_eq!(progress.completed_lessons, 1);
    // The essay's completion opened Reflect; completing it completes the course.
    let done = w
        .lms
        .record_progress(&w.learner, acme("a"), reflect, completed())
        .await
        .unwrap();
    assert!(done.course.completed);
    w.lms
        .certificate(&w.learner, acme("a"))
        .await
        .expect("a certificate");

    // A later, failing grade changes the score, never the completion.
    let regraded = grade(&w, &second, 2).await;
    assert_eq!(regraded.passed, Some(false));
    let progress = w.lms.course_progress(&w.learner, acme("a")).await.unwrap();
    assert!(progress.completed && progress.completed_lessons == 2);
    let graded_queue = w
        .lms
        .grading_queue(
            &w.admin,
            acme("a"),
            Some(SubmissionStatus::Graded),
            PageRequest::default(),
        )
        .await
        .unwrap();
    let ids: Vec<_> = graded_queue.items.iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![first.id, second.id], "oldest first");

    // The owner heard of each submission, the learner of each grade.
    let kinds = |who: Actor| {
        let lms = w.lms.clone();
        async move {
            let page = lms
                .notifications(&who, PageRequest::default())
                .await
                .unwrap();
            page.items
                .iter()
                .map(|n| n.kind.as_str())
                .filter(|k| k.starts_with("submission."))
                .count()
        }
    };
    assert_eq!(kinds(w.instructor).await, 2);
    assert_eq!(kinds(w.learner).await, 3);
}

pub async fn submissions_are_checked_and_shown_to_whom_they_concern(lms: Lms) {
    let w = World::new(lms).await;
    let (essay, reflect) = assignment_course(&w, Some(1)).await;
    for bad in [
        NewSubmission::default(),
        body("   "),
        body(&"x".repeat(20_001)),
        body("a\0b"),
    ] {
        assert_invalid(
            w.lms
                .submit_assignment(&w.learner, acme("a"), essay, bad)
                .await,
            &["body"],
        );
    }
    let other_lesson = w
        .lms
        .submit_assignment(&w.admin, acme("a"), reflect, body("x"))
        .await;
    assert_code(other_lesson, "not_enrolled");
    let first = submit(&w, essay, "Only chance").await;
    grade(&w, &first, 1).await;
    assert_code(
        w.lms
            .submit_assignment(&w.learner, acme("a"), essay, body("Again"))
            .await,
        "attempts_exhausted",
    );
    for bad in [-1, 11] {
        assert_invalid(
            w.lms
                .grade_submission(&w.instructor, acme("a"), first.id, score(bad))
                .await,
            &["score"],
        );
    }
    let nul = GradeInput {
        score: 1,
        feedback: Some("a\0b".into()),
    };
    assert_invalid(
        w.lms
            .grade_submission(&w.instructor, acme("a"), first.id, nul)
            .await,
        &["feedback"],
    );
    assert_code(
        w.lms
            .grade_submission(&w.learner, acme("a"), first.id, score(10))
            .await,
        "forbidden",
    );
    assert_code(
        w.lms
            .grading_queue(&w.learner, acme("a"), None, PageRequest::default())
            .await,
        "forbidden",
    );
    let unknown = crate::SubmissionId::new();
    assert_code(
        w.lms
            .grade_submission(&w.instructor, acme("a"), unknown, score(1))
            .await,
        "not_found",
    );
    // A learner lists their own; the owner everyone's.
    let other = w.enrolled_learner("other@acme.test", "a").await;
    w.lms
        .submit_assignment(&other, acme("a"), essay, body("Mine"))
        .await
        .unwrap();
    let list = |who: Actor| {
        let lms = w.lms.clone();
        async move {
            let page = lms
                .lesson_submissions(&who, acme("a"), essay, None, PageRequest::default())
                .await
                .unwrap();
            page.items.len()
        }
    };
    assert_eq!((list(w.learner).await, list(other).await), (1, 1));
    assert_eq!(list(w.instructor).await, 2);
    let waiting = w
        .lms
        .lesson_submissions(
            &w.instructor,
            acme("a"),
            essay,
            Some(SubmissionStatus::Submitted),
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(waiting.items.len(), 1);
    assert_code(
        w.lms
            .lesson_submissions(&w.outsider, acme("a"), essay, None, PageRequest::default())
            .await,
        "not_enrolled",
    );
}

pub async fn learner_files_belong_to_their_uploader_and_lesson(lms: Lms) {
    let clock = ManualClock::new();
    let w = World::new(lms.with_clock(clock.clone())).await;
    let (essay, reflect) = assignment_course(&w, None).await;
    let upload = |who: Actor, lesson: LessonId, content_type: &'static str| {
        let lms = w.lms.clone();
        async move {
            let permit = lms
                .new_submission_upload(&who, acme("a"), lesson, content_type)
                .await?;
            let Some(permit) = permit else {
                return Ok(None);
            };
            lms.record_submission_upload(&who, acme("a"), lesson, &permit.key, 1200)
                .await
                .map(|m| Some(m.key))
        }
    };
    assert_code(
        upload(w.learner, reflect, "application/pdf").await,
        "locked",
    );
    assert_eq!(upload(w.learner, essay, "text/html").await.unwrap(), None);
    assert_code(
        upload(w.outsider, essay, "application/pdf").await,
        "not_enrolled",
    );
    let mine: MediaKey = upload(w.learner, essay, "application/pdf")
        .await
        .unwrap()
        .unwrap();
    let other = w.enrolled_learner("other@acme.test", "a").await;
    let theirs = upload(other, essay, "image/png").await.unwrap().unwrap();
    let with = |keys: Vec<&MediaKey>| NewSubmission {
        body: None,
        attachments: Some(keys.iter().map(|k| k.as_str().to_owned()).collect()),
    };
    assert_invalid(
        w.lms
            .submit_assignment(&w.learner, acme("a"), essay, with(vec![&theirs]))
            .await,
        &["attachments"],
    );
    let not_a_key = NewSubmission {
        body: None,
        attachments: Some(vec!["x\0".into()]),
    };
    assert_invalid(
        w.lms
            .submit_assignment(&w.learner, acme("a"), essay, not_a_key)
            .await,
        &["attachments"],
    );
    // A learner's video is theirs: no lesson of the course may play it.
    let video = upload(w.learner, essay, "video/mp4")
        .await
        .unwrap()
        .unwrap();
    let module = w
        .lms
        .course(&w.instructor, acme("a"))
        .await
        .unwrap()
        .modules[0]
        .module
        .id;
    let lesson = crate::NewLesson {
        title: "Borrowed".into(),
        kind: LessonKind::Video,
        content: json!({"media_key": video.as_str()}),
        free_preview: Some(true),
        duration_minutes: None,
        required: None,
        release: None,
    };
    assert_invalid(
        w.lms
            .create_lesson(&w.instructor, acme("a"), module, lesson)
            .await,
        &["content.media_key"],
    );
    let submitted = w
        .lms
        .submit_assignment(&w.learner, acme("a"), essay, with(vec![&mine, &mine]))
        .await
        .unwrap();
    assert_eq!(submitted.attachments.len(), 1);
    assert_eq!(
        (
            submitted.attachments[0].content_type.as_str(),
            submitted.attachments[0].size
        ),
        ("application/pdf", 1200)
    );
    // An attached file stays with its submission: the course's managers cannot delete it.
    assert_code(
        w.lms
            .delete_media(&w.instructor, acme("a"), mine.as_str())
            .await,
        "conflict",
    );
    // Files count towards the learner's limit per lesson.
    for _ in 1..crate::assignment::MAX_FILES_PER_LEARNER {
        upload(other, essay, "text/plain").await.unwrap();
    }
    assert_code(upload(other, essay, "text/plain").await, "conflict");

    // A day later, files no submission took are swept; attached ones stay.
    clock.advance(Duration::hours(23));
    let nothing = w.lms.sweep_unattached_uploads().await.unwrap();
    assert!(nothing.keys.is_empty() && nothing.failed.is_empty());
    clock.advance(Duration::hours(2));
    let swept = w.lms.sweep_unattached_uploads().await.unwrap().keys;
    // The other learner's ten files, and the learner's video no lesson could take.
    assert_eq!(
        swept.len(),
        crate::assignment::MAX_FILES_PER_LEARNER as usize + 1
    );
    assert!(swept.contains(&theirs) && swept.contains(&video) && !swept.contains(&mine));
    let media = w
        .lms
        .course_media(&w.instructor, acme("a"), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(media.items.len(), 1, "only the attached file is left");
}

pub async fn learner_files_are_bounded_and_outlive_no_lesson(lms: Lms) {
    let clock = ManualClock::new();
    let lms = lms.with_clock(clock.clone()).with_learner_file_quota(2_000);
    let w = World::new(lms).await;
    let (essay, _) = assignment_course(&w, None).await;
    let store = |size: u64| {
        let lms = w.lms.clone();
        async move {
            let permit = lms
                .new_submission_upload(&w.learner, acme("a"), essay, "text/plain")
                .await?
                .expect("text is allowed");
            assert!(permit.quota_left <= 2_000);
            lms.record_submission_upload(&w.learner, acme("a"), essay, &permit.key, size)
                .await
                .map(|m| m.key)
        }
    };
    let first = store(1_500).await.unwrap();
    assert_code(store(600).await, "quota_exceeded");
    let submitted = w
        .lms
        .submit_assignment(
            &w.learner,
            acme("a"),
            essay,
            NewSubmission {
                body: None,
                attachments: Some(vec![first.as_str().to_owned()]),
            },
        )
        .await
        .unwrap();
    assert_eq!(submitted.attachments.len(), 1);
    // Deleting the lesson takes its submissions: their files are swept a day later.
    w.lms
        .delete_lesson(&w.instructor, acme("a"), essay)
        .await
        .unwrap();
    clock.advance(Duration::hours(25));
    let swept = w.lms.sweep_unattached_uploads().await.unwrap();
    assert_eq!(swept.keys, vec![first]);
}

pub async fn the_drill_down_shows_a_learner_to_managers_only(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let quiz = outline.modules[1].lessons[0].id;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let intro = outline.modules[0].lessons[0].id;
    w.lms
        .record_progress(&w.learner, acme("c"), intro, completed())
        .await
        .unwrap();
    w.lms
        .submit_attempt(&w.learner, acme("c"), quiz, json!({"q1": "a"}))
        .await
        .unwrap();
    let learner = w.learner.user_id().unwrap();
    for manager in [&w.instructor, &w.admin] {
        let detail = w
            .lms
            .learner_detail(manager, acme("c"), learner)
            .await
            .unwrap();
        assert_eq!(detail.user.email, "learner@acme.test");
        assert_eq!(detail.progress.completed_lessons, 1);
        assert_eq!(detail.lessons.len(), 3);
        assert_eq!(detail.lessons[0].status, LessonStatus::Completed);
        assert_eq!(detail.attempts.len(), 1);
        assert_eq!(detail.attempts[0].answers, json!({"q1": "a"}));
        assert!(!detail.more_attempts && !detail.more_submissions);
        assert!(detail.enrollment.last_activity_at.is_some());
    }
    let other = w.enrolled_learner("other@acme.test", "c").await;
    assert_code(
        w.lms.learner_detail(&other, acme("c"), learner).await,
        "forbidden",
    );
    // The role is checked before the learner is looked up.
    let nobody = crate::UserId::new();
    assert_code(
        w.lms.learner_detail(&other, acme("c"), nobody).await,
        "forbidden",
    );
    assert_code(
        w.lms.learner_detail(&w.instructor, acme("c"), nobody).await,
        "not_found",
    );
    assert_code(
        w.lms
            .learner_detail(&Actor::Anonymous, acme("c"), learner)
            .await,
        "unauthenticated",
    );
}
