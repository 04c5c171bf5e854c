//! Events: the outbox written with each change, notifications, and the dispatcher's order.

use super::helpers::{all_pages, complete_course, page};
use crate::store::*;
use crate::testing::fixtures::{World, acme, assert_code};
use crate::{Actor, Lms};
use chrono::Utc;
use serde_json::json;

/// The kinds of a user's notifications, oldest first.
async fn notification_kinds(w: &World, who: &Actor) -> Vec<&'static str> {
    let all = w.lms.notifications_after(who, 0, 100).await.unwrap();
    all.iter().map(|n| n.kind.as_str()).collect()
}

pub async fn changes_write_their_events_and_notifications(lms: Lms) {
    use crate::{EventKind, MarkRead, NewPost, PostPatch};
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    let start = w.lms.latest_event().await.unwrap();
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let classmate = w.new_user("classmate@acme.test").await;
    w.lms.enroll(&classmate, acme("c")).await.unwrap();
    let after_enrollments = w.lms.latest_event().await.unwrap();
    assert!(after_enrollments > start, "enrollments are events");

    let new = |body: &str, parent| NewPost {
        body: body.into(),
        parent_id: parent,
    };
    let question = w
        .lms
        .create_post(&w.learner, acme("c"), lesson, new("Why?", None))
        .await
        .unwrap();
    let answer = w
        .lms
        .create_post(
            &w.instructor,
            acme("c"),
            lesson,
            new("Because.", Some(question.id)),
        )
        .await
        .unwrap();
    let own_reply = w
        .lms
        .create_post(
            &w.learner,
            acme("c"),
            lesson,
            new("Thanks!", Some(question.id)),
        )
        .await
        .unwrap();
    complete_course(&w, &w.learner, "c").await;

    // The owner hears of enrollments, posts (not their own) and completions, oldest first.
    assert_eq!(
        notification_kinds(&w, &w.instructor).await,
        [
            "enrollment.created",
            "enrollment.created",
            "post.created",
            "post.created",
            "course.completed"
        ]
    );
    let inbox = w
        .lms
        .notifications_after(&w.instructor, 0, 100)
        .await
        .unwrap();
    assert_eq!(
        inbox[0].data["user"]["id"],
        json!(w.learner.user_id().unwrap())
    );
    assert_eq!(inbox[0].data["user"]["name"], "Lea Learner");
    assert_eq!(inbox[2].data["id"], json!(question.id));
    assert_eq!(inbox[4].course_id, outline.course.id);
    assert!(inbox.windows(2).all(|p| p[0].seq < p[1].seq));
    // The learner hears of the reply to their post, not of their own reply.
    assert_eq!(notification_kinds(&w, &w.learner).await, ["post.replied"]);
    assert_eq!(
        w.lms.notifications_after(&w.learner, 0, 10).await.unwrap()[0].data["id"],
        json!(answer.id)
    );
    assert_eq!(notification_kinds(&w, &classmate).await, Vec::<&str>::new());
    assert_eq!(
        notification_kinds(&w, &w.outsider).await,
        Vec::<&str>::new(),
        "nothing for another org's user"
    );

    // The course stream carries the posts, replayable from any position.
    let stream = w
        .lms
        .course_events(&classmate, acme("c"), start, 100)
        .await
        .unwrap();
    let ids: Vec<_> = stream.iter().map(|e| e.data["id"].clone()).collect();
    assert_eq!(
        ids,
        [json!(question.id), json!(answer.id), json!(own_reply.id)]
    );
    assert!(stream.iter().all(|e| e.kind == EventKind::PostCreated));
    assert_eq!(stream[1].data["parent_id"], json!(question.id));
    assert_eq!(stream[1].data["lesson_id"], json!(lesson));
    let rest = w
        .lms
        .course_events(&classmate, acme("c"), stream[0].seq, 100)
        .await
        .unwrap();
    assert_eq!(
        rest,
        stream[1..].to_vec(),
        "replay from a position returns exactly what followed it"
    );
    assert_eq!(
        w.lms
            .course_events(&classmate, acme("c"), start, 2)
            .await
            .unwrap(),
        stream[..2].to_vec()
    );

    // Hiding is an update; a hidden body only reaches its author and managers.
    let hide = PostPatch {
        body: None,
        hidden: Some(true),
    };
    w.lms
        .update_post(&w.instructor, acme("c"), question.id, hide)
        .await
        .unwrap();
    let last = stream[2].seq;
    let seen = |who: Actor| {
        let lms = w.lms.clone();
        async move { lms.course_events(&who, acme("c"), last, 10).await.unwrap() }
    };
    let by_classmate = seen(classmate).await;
    assert_eq!(
        (by_classmate.len(), by_classmate[0].kind),
        (1, EventKind::PostUpdated)
    );
    assert_eq!(
        (
            by_classmate[0].data["hidden"].clone(),
            by_classmate[0].data["body"].clone()
        ),
        (json!(true), json!(""))
    );
    assert_eq!(seen(w.learner).await[0].data["body"], "Why?");
    assert_eq!(seen(w.admin).await[0].data["body"], "Why?");
    w.lms
        .delete_post(&w.admin, acme("c"), answer.id)
        .await
        .unwrap();
    let deleted = seen(classmate).await;
    assert_eq!(
        (deleted[1].kind, deleted[1].data["id"].clone()),
        (EventKind::PostDeleted, json!(answer.id))
    );

    // Who may follow: whoever may read the discussion.
    assert_code(
        w.lms.course_events(&w.outsider, acme("c"), 0, 10).await,
        "not_enrolled",
    );
    assert_code(
        w.lms.watch_course(&w.outsider, acme("c")).await,
        "not_enrolled",
    );
    assert_code(
        w.lms
            .course_events(&Actor::Anonymous, acme("c"), 0, 10)
            .await,
        "unauthenticated",
    );
    assert_eq!(
        w.lms.watch_course(&w.instructor, acme("c")).await.unwrap(),
        (w.org_id, outline.course.id)
    );
    w.lms
        .revoke_enrollment(&w.admin, acme("c"), classmate.user_id().unwrap())
        .await
        .unwrap();
    assert_code(
        w.lms.course_events(&classmate, acme("c"), 0, 10).await,
        "enrollment_revoked",
    );

    // The inbox: newest first, paginated; marking read by id (others' ids ignored) or all.
    let listed = all_pages(2, |p| w.lms.notifications(&w.instructor, p)).await;
    let mut oldest_first = listed.clone();
    oldest_first.reverse();
    assert_eq!(
        oldest_first,
        w.lms
            .notifications_after(&w.instructor, 0, 100)
            .await
            .unwrap()
    );
    let learners = w
        .lms
        .notifications(&w.learner, page(10))
        .await
        .unwrap()
        .items;
    let mark = MarkRead {
        ids: Some(vec![listed[0].id, learners[0].id]),
        all: None,
    };
    w.lms
        .mark_notifications_read(&w.instructor, mark)
        .await
        .unwrap();
    let after_mark = w
        .lms
        .notifications(&w.instructor, page(10))
        .await
        .unwrap()
        .items;
    assert!(after_mark[0].read_at.is_some() && after_mark[1..].iter().all(|n| n.read_at.is_none()));
    assert!(
        w.lms
            .notifications(&w.learner, page(10))
            .await
            .unwrap()
            .items[0]
            .read_at
            .is_none(),
        "not yours"
    );
    let first_read = after_mark[0].read_at;
    w.lms
        .mark_notifications_read(
            &w.instructor,
            MarkRead {
                ids: None,
                all: Some(true),
            },
        )
        .await
        .unwrap();
    let all_read = w
        .lms
        .notifications(&w.instructor, page(10))
        .await
        .unwrap()
        .items;
    assert!(all_read.iter().all(|n| n.read_at.is_some()));
    assert_eq!(
        all_read[0].read_at, first_read,
        "read once, read at the first time"
    );
    for bad in [
        MarkRead::default(),
        MarkRead {
            ids: Some(vec![]),
            all: Some(true),
        },
        MarkRead {
            ids: None,
            all: Some(false),
        },
    ] {
        assert_code(
            w.lms.mark_notifications_read(&w.instructor, bad).await,
            "validation_failed",
        );
    }
    assert_code(
        w.lms.notifications(&Actor::Anonymous, page(10)).await,
        "unauthenticated",
    );
}

pub async fn rolled_back_changes_leave_no_events(lms: Lms) {
    use crate::{EventKind, NewEvent, NewPost};
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    w.published("paid", Some(900)).await;
    let before = w.lms.latest_event().await.unwrap();
    {
        let mut tx = w.lms.store().begin(Access::Write).await.unwrap();
        let event = NewEvent {
            org_id: w.org_id,
            course_id: outline.course.id,
            kind: EventKind::PostCreated,
            data: json!({"id": "ghost"}),
            created_at: Utc::now(),
            recipients: vec![],
        };
        tx.append_event(event).await.unwrap();
        // Dropped without commit.
    }
    assert_eq!(
        w.lms.latest_event().await.unwrap(),
        before,
        "a dropped transaction leaves no event"
    );
    assert_eq!(w.lms.store().event_heads(before, 10).await.unwrap(), vec![]);
    // Refused calls change nothing and say nothing.
    assert_code(
        w.lms.enroll(&w.learner, acme("paid")).await,
        "payment_required",
    );
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    assert_code(
        w.lms.enroll(&w.learner, acme("c")).await,
        "already_enrolled",
    );
    let lesson = outline.modules[0].lessons[0].id;
    for n in 0..crate::discussion::POSTS_PER_MINUTE {
        let post = NewPost {
            body: format!("post {n}"),
            parent_id: None,
        };
        w.lms
            .create_post(&w.learner, acme("c"), lesson, post)
            .await
            .unwrap();
    }
    let over = NewPost {
        body: "one too many".into(),
        parent_id: None,
    };
    assert_code(
        w.lms.create_post(&w.learner, acme("c"), lesson, over).await,
        "rate_limited",
    );
    // No change without its event: one enrollment event, one event per stored post.
    let heads = w.lms.store().event_heads(before, 100).await.unwrap();
    let kinds: Vec<_> = heads.iter().map(|h| h.kind).collect();
    let posts = crate::discussion::POSTS_PER_MINUTE as usize;
    assert_eq!(kinds.len(), 1 + posts);
    assert_eq!(kinds[0], EventKind::EnrollmentCreated);
    assert!(kinds[1..].iter().all(|k| *k == EventKind::PostCreated));
    assert_eq!(
        w.lms
            .posts(&w.learner, acme("c"), lesson, page(50))
            .await
            .unwrap()
            .items
            .len(),
        posts
    );
    assert!(
        heads
            .iter()
            .all(|h| h.org_id == w.org_id && h.course_id == outline.course.id)
    );
    assert_eq!(
        heads[0].audience,
        vec![w.instructor.user_id().unwrap()],
        "the owner is notified"
    );
}

pub async fn concurrent_events_are_dispatched_in_commit_order(lms: Lms) {
    use crate::NewPost;
    use std::time::Duration;
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    let mut learners = Vec::new();
    for n in 0..8 {
        let learner = w.new_user(&format!("learner{n}@acme.test")).await;
        w.lms.enroll(&learner, acme("c")).await.unwrap();
        learners.push(learner);
    }
    // Another instance in this process (its own dispatcher) on the same store.
    let elsewhere =
        Lms::from_arc(w.lms.store().clone()).with_event_poll_interval(Duration::from_secs(60));
    let mut heads = elsewhere.subscribe().await.unwrap();
    let from = w.lms.latest_event().await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for learner in &learners {
        for n in 0..3 {
            let (lms, learner) = (w.lms.clone(), *learner);
            let post = NewPost {
                body: format!("post {n}"),
                parent_id: None,
            };
            tasks.spawn(async move {
                lms.create_post(&learner, acme("c"), lesson, post)
                    .await
                    .unwrap()
            });
        }
    }
    let written = tasks.join_all().await;
    let mut seen = Vec::new();
    while seen.len() < written.len() {
        let head = tokio::time::timeout(Duration::from_secs(5), heads.recv())
            .await
            .expect("every head within 5 s (store signals, not the 60 s timer)")
            .expect("no lag at this volume");
        assert_eq!(head.course_id, outline.course.id);
        seen.push(head.seq);
    }
    assert!(
        seen.windows(2).all(|p| p[0] < p[1]),
        "heads arrive in position order: {seen:?}"
    );
    assert!(seen[0] > from);
    let replay = w
        .lms
        .course_events(&w.instructor, acme("c"), from, 100)
        .await
        .unwrap();
    assert_eq!(
        replay.iter().map(|e| e.seq).collect::<Vec<_>>(),
        seen,
        "every post once, at its position"
    );
}

/// Issue 17, item 2: a hidden post came back, whole, to anyone replaying the course's
/// events from the start; edits leaked the earlier text the same way.
pub async fn hidden_edited_and_deleted_posts_do_not_come_back(lms: Lms) {
    let w = World::new(lms.clone()).await;
    let outline = w.published("c", None).await;
    lms.enroll(&w.learner, acme("c")).await.unwrap();
    lms.enroll(&w.outsider, acme("c")).await.unwrap();
    let lesson = outline.modules[0].lessons[0].id;
    let post = |body: &str| crate::NewPost {
        body: body.into(),
        parent_id: None,
    };
    let hidden = lms
        .create_post(
            &w.learner,
            acme("c"),
            lesson,
            post("a secret, hidden later"),
        )
        .await
        .unwrap();
    let edited = lms
        .create_post(&w.learner, acme("c"), lesson, post("a first draft"))
        .await
        .unwrap();
    let deleted = lms
        .create_post(&w.learner, acme("c"), lesson, post("gone soon"))
        .await
        .unwrap();
    let hide = crate::PostPatch {
        hidden: Some(true),
        body: None,
    };
    lms.update_post(&w.admin, acme("c"), hidden.id, hide)
        .await
        .unwrap();
    let edit = crate::PostPatch {
        body: Some("the final text".into()),
        hidden: None,
    };
    lms.update_post(&w.learner, acme("c"), edited.id, edit)
        .await
        .unwrap();
    lms.delete_post(&w.learner, acme("c"), deleted.id)
        .await
        .unwrap();

    // Another learner replays everything from the start.
    let replay = lms
        .course_events(&w.outsider, acme("c"), 0, 100)
        .await
        .unwrap();
    let text: String = replay.iter().map(|e| e.data.to_string()).collect();
    for gone in ["a secret", "a first draft", "gone soon"] {
        assert!(!text.contains(gone), "{gone:?} came back: {text}");
    }
    assert!(text.contains("the final text"), "{text}");
    let of = |id: crate::PostId| {
        let id = id.to_string();
        replay
            .iter()
            .filter(move |e| e.data["id"] == json!(id))
            .collect::<Vec<_>>()
    };
    let deleted_events = of(deleted.id);
    assert_eq!(deleted_events.len(), 2, "created, then deleted");
    assert!(deleted_events.iter().all(|e| e.data.get("body").is_none()));
    assert_eq!(deleted_events[0].data["deleted"], json!(true));
    // Nor do the course owner's notifications of those posts, streamed or listed.
    let streamed = lms
        .notifications_after(&w.instructor, 0, 100)
        .await
        .unwrap();
    let listed = lms
        .notifications(&w.instructor, crate::PageRequest::default())
        .await
        .unwrap();
    assert!(streamed.len() >= 3 && listed.items.len() >= 3);
    let text: String = streamed
        .iter()
        .chain(&listed.items)
        .map(|n| n.data.to_string())
        .collect();
    for gone in ["a secret", "a first draft", "gone soon"] {
        assert!(
            !text.contains(gone),
            "{gone:?} came back in the inbox: {text}"
        );
    }
    assert!(text.contains("the final text"), "{text}");
    // The author and the course's managers still read a hidden post's body.
    let managers = lms
        .course_events(&w.instructor, acme("c"), 0, 100)
        .await
        .unwrap();
    let text: String = managers.iter().map(|e| e.data.to_string()).collect();
    assert!(text.contains("a secret, hidden later"));
}
