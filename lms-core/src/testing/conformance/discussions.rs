//! Discussions: posts and replies under a lesson, who may edit, hide and delete, and the
//! posting rate limit.

use super::helpers::page;
use crate::Clock;
use crate::testing::ManualClock;
use crate::testing::fixtures::{World, acme, assert_code, assert_invalid};
use crate::{Actor, Lms};

pub async fn discussions_follow_the_course_rules(lms: Lms) {
    use crate::{NewPost, PostPatch};
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let other = w.published("other", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    let post = |who: Actor, body: &str, parent: Option<crate::PostId>| {
        let lms = w.lms.clone();
        let new = NewPost {
            body: body.into(),
            parent_id: parent,
        };
        async move { lms.create_post(&who, acme("c"), lesson, new).await }
    };
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let classmate = w.new_user("classmate@acme.test").await;
    w.lms.enroll(&classmate, acme("c")).await.unwrap();

    assert_code(post(Actor::Anonymous, "hi", None).await, "unauthenticated");
    assert_code(post(w.outsider, "hi", None).await, "not_enrolled");
    assert_invalid(post(w.learner, "   ", None).await, &["body"]);
    assert_invalid(post(w.learner, &"x".repeat(10_001), None).await, &["body"]);
    let other_lesson = other.modules[0].lessons[0].id;
    let stray = NewPost {
        body: "hi".into(),
        parent_id: None,
    };
    assert_code(
        w.lms
            .create_post(&w.learner, acme("c"), other_lesson, stray)
            .await,
        "not_found",
    );

    let question = post(w.learner, "  How do lifetimes work?  ", None)
        .await
        .unwrap();
    assert_eq!(
        (question.body.as_str(), question.author.name.as_str()),
        ("How do lifetimes work?", "Lea Learner")
    );
    let answer = post(w.instructor, "Read chapter 10.", Some(question.id))
        .await
        .unwrap();
    assert_invalid(
        post(w.learner, "thanks", Some(answer.id)).await,
        &["parent_id"],
    );
    let aside = post(classmate, "Me too", None).await.unwrap();

    let all = w
        .lms
        .posts(&w.learner, acme("c"), lesson, page(10))
        .await
        .unwrap()
        .items;
    assert_eq!(
        all.iter().map(|p| p.id).collect::<Vec<_>>(),
        [question.id, answer.id, aside.id],
        "oldest first"
    );
    let first = w
        .lms
        .posts(&w.learner, acme("c"), lesson, page(2))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    assert_code(
        w.lms.posts(&w.outsider, acme("c"), lesson, page(10)).await,
        "not_enrolled",
    );

    // Authors edit their own; only managers hide; a hidden body is for its author and managers.
    let edit = |body: &str| PostPatch {
        body: Some(body.into()),
        hidden: None,
    };
    let edited = w
        .lms
        .update_post(
            &w.learner,
            acme("c"),
            question.id,
            edit("How do lifetimes work, really?"),
        )
        .await;
    assert!(edited.unwrap().edited_at.is_some());
    assert_code(
        w.lms
            .update_post(&w.learner, acme("c"), answer.id, edit("mine now"))
            .await,
        "forbidden",
    );
    let hide = PostPatch {
        body: None,
        hidden: Some(true),
    };
    assert_code(
        w.lms
            .update_post(&w.learner, acme("c"), aside.id, hide.clone())
            .await,
        "forbidden",
    );
    assert!(
        w.lms
            .update_post(&w.instructor, acme("c"), question.id, hide)
            .await
            .unwrap()
            .hidden
    );
    let body_for = |who: Actor| {
        let lms = w.lms.clone();
        async move {
            let posts = lms
                .posts(&who, acme("c"), lesson, page(10))
                .await
                .unwrap()
                .items;
            let hidden = posts.into_iter().find(|p| p.id == question.id).unwrap();
            assert!(hidden.hidden);
            hidden.body
        }
    };
    assert_eq!(body_for(classmate).await, "");
    assert_eq!(body_for(w.learner).await, "How do lifetimes work, really?");
    assert_eq!(body_for(w.admin).await, "How do lifetimes work, really?");

    // Deleting: the author or a manager; a post goes with its replies.
    assert_code(
        w.lms.delete_post(&classmate, acme("c"), question.id).await,
        "forbidden",
    );
    w.lms
        .delete_post(&classmate, acme("c"), aside.id)
        .await
        .unwrap();
    w.lms
        .delete_post(&w.admin, acme("c"), question.id)
        .await
        .unwrap();
    assert_eq!(
        w.lms
            .posts(&w.instructor, acme("c"), lesson, page(10))
            .await
            .unwrap()
            .items,
        vec![]
    );
    assert_code(
        w.lms.delete_post(&w.admin, acme("c"), answer.id).await,
        "not_found",
    );
}

pub async fn posting_is_rate_limited_per_user(lms: Lms) {
    use crate::discussion::POSTS_PER_MINUTE;
    let clock = ManualClock::new();
    let w = World::new(lms.with_clock(clock.clone())).await;
    let outline = w.published("c", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let post = |who: Actor, i: u32| {
        let lms = w.lms.clone();
        let new = crate::NewPost {
            body: format!("post {i}"),
            parent_id: None,
        };
        async move { lms.create_post(&who, acme("c"), lesson, new).await }
    };
    let start = clock.now();
    for i in 0..POSTS_PER_MINUTE {
        let created = post(w.learner, i).await.unwrap();
        assert_eq!(created.created_at, start);
    }
    let limited = |result: Result<crate::Post, crate::LmsError>| {
        let err = result.unwrap_err();
        assert_eq!((err.status(), err.code()), (429, "rate_limited"));
    };
    limited(post(w.learner, 99).await);
    // Others are not held back by it.
    post(w.instructor, 100).await.unwrap();
    // The window is a minute, both ends included: the burst still counts a minute later…
    clock.advance(chrono::Duration::minutes(1));
    limited(post(w.learner, 101).await);
    // …and is out of it a microsecond after that. The refused attempts did not count.
    clock.advance(chrono::Duration::microseconds(1));
    post(w.learner, 102).await.unwrap();
    let listed = w.lms.posts(&w.learner, acme("c"), lesson, page(50)).await;
    assert_eq!(listed.unwrap().items.len(), POSTS_PER_MINUTE as usize + 2);
}
