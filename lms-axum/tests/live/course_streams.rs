//! A course's discussion stream: delivery, `Last-Event-ID` replay and keep-alive, and who
//! receives what.

use crate::client::{Api, call};
use crate::common::Backend;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use lms_core::testing::acme;
use serde_json::json;
use std::time::Duration;

pub async fn course_streams_deliver_and_replay_exactly(backend: Backend) {
    let api = Api::new(backend).await;
    let outline = api.w.published("c", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    let (learner, instructor) = (api.w.learner, api.w.instructor);
    api.w.lms.enroll(&learner, acme("c")).await.unwrap();

    let mut live = api
        .open("/orgs/acme/courses/c/events", instructor, None)
        .await
        .expect("open");
    let first = api.post(learner, lesson, "First question").await;
    let message = live.message().await;
    assert_eq!(
        (message.event.as_str(), &message.data["id"]),
        ("post.created", &first["id"])
    );
    assert_eq!(message.data["body"], "First question");
    assert_eq!(message.data["lesson_id"], json!(lesson));
    assert_eq!(message.data["author"]["name"], "Lea Learner");
    // Idle: the next thing is a keep-alive comment, not a message.
    live.keep_alive_within(Duration::from_secs(5)).await;
    let seen = message.id.clone();
    drop(live);

    // Missed while disconnected: two posts and an edit.
    let second = api.post(learner, lesson, "Second").await;
    let third = api.post(instructor, lesson, "Third").await;
    let edit = json!({"body": "Second, edited"});
    let (status, _) = api
        .call(
            "PATCH",
            &format!(
                "/orgs/acme/courses/c/posts/{}",
                second["id"].as_str().unwrap()
            ),
            learner,
            Some(edit),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let mut resumed = api
        .open("/orgs/acme/courses/c/events", learner, Some(&seen))
        .await
        .expect("reopen");
    let replayed = [
        resumed.message().await,
        resumed.message().await,
        resumed.message().await,
    ];
    let got: Vec<_> = replayed
        .iter()
        .map(|m| (m.event.as_str(), m.data["id"].clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("post.created", second["id"].clone()),
            ("post.created", third["id"].clone()),
            ("post.updated", second["id"].clone())
        ]
    );
    assert_eq!(replayed[2].data["body"], "Second, edited");
    let ids: Vec<i64> = replayed.iter().map(|m| m.id.parse().unwrap()).collect();
    assert!(ids[0] > seen.parse().unwrap() && ids.windows(2).all(|p| p[0] < p[1]));
    // Then live again, after the replay: the next message is the next post, so the replay
    // sent nothing twice.
    let fourth = api.post(learner, lesson, "Fourth").await;
    assert_eq!(resumed.message().await.data["id"], fourth["id"]);

    // A position from the last message replays nothing; a malformed one is refused.
    let last = api.w.lms.latest_event().await.unwrap().to_string();
    let mut caught_up = api
        .open("/orgs/acme/courses/c/events", learner, Some(&last))
        .await
        .expect("open");
    let fifth = api.post(learner, lesson, "Fifth").await;
    assert_eq!(caught_up.message().await.data["id"], fifth["id"]);
    let bad = api
        .open("/orgs/acme/courses/c/events", learner, Some("yesterday"))
        .await
        .err()
        .expect("refused");
    assert_eq!(
        (bad.0, bad.1["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("malformed_request"))
    );
}

pub async fn streams_reach_only_those_allowed(backend: Backend) {
    let api = Api::new(backend).await;
    let outline = api.w.published("c", None).await;
    let other_lesson = api.w.published("other", None).await.modules[0].lessons[0].id;
    api.w.published("paid", Some(4900)).await;
    let lesson = outline.modules[0].lessons[0].id;
    let learner = api.w.learner;
    api.w.lms.enroll(&learner, acme("c")).await.unwrap();
    let classmate = api.w.new_user("classmate@acme.test").await;
    api.w.lms.enroll(&classmate, acme("c")).await.unwrap();
    let elsewhere = api.w.new_user("elsewhere@acme.test").await;
    api.w.lms.enroll(&elsewhere, acme("other")).await.unwrap();
    // Someone of another org, with a course of their own.
    let stranger = api.w.outsider;
    api.w.other_org("z").await;

    let refused = api
        .open("/orgs/acme/courses/c/events", elsewhere, None)
        .await
        .err()
        .expect("refused");
    assert_eq!(
        (refused.0, refused.1["code"].clone()),
        (StatusCode::FORBIDDEN, json!("not_enrolled"))
    );
    let refused = api
        .open("/orgs/acme/courses/c/events", stranger, None)
        .await
        .err()
        .expect("refused");
    assert_eq!(refused.0, StatusCode::FORBIDDEN);
    let anonymous = Request::builder()
        .uri("/orgs/acme/courses/c/events")
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&api.app, anonymous).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        api.open("/orgs/acme/courses/nope/events", learner, None)
            .await
            .err()
            .unwrap()
            .0,
        StatusCode::NOT_FOUND
    );

    let mut other_course = api
        .open("/orgs/acme/courses/other/events", elsewhere, None)
        .await
        .expect("open");
    let mut strangers_inbox = api.open("/me/events", stranger, None).await.expect("open");
    let mut owners_inbox = api
        .open("/me/events", api.w.instructor, None)
        .await
        .expect("open");
    let mut classmates = api
        .open("/orgs/acme/courses/c/events", classmate, None)
        .await
        .expect("open");
    let post = api.post(learner, lesson, "Only for course c").await;
    assert_eq!(classmates.message().await.data["id"], post["id"]);
    assert_eq!(owners_inbox.message().await.data["data"]["id"], post["id"]);
    // A refused change says nothing: a paid enrollment without payment, a post to a lesson
    // that is no id, an empty post.
    let (status, _) = api
        .call(
            "POST",
            "/orgs/acme/courses/paid/enrollments",
            classmate,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    let (status, _) = api
        .call(
            "POST",
            "/orgs/acme/courses/c/lessons/x/posts",
            learner,
            Some(json!({"body": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let empty = format!("/orgs/acme/courses/c/lessons/{lesson}/posts");
    assert_eq!(
        api.call("POST", &empty, learner, Some(json!({"body": " "})))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Then one change each stream may see: it must be the next thing that stream sees, so
    // nothing from above (or from course c, for the others) slipped in before it, however
    // late it would have arrived.
    let sentinel = api.post(learner, lesson, "Sentinel for course c").await;
    assert_eq!(classmates.message().await.data["id"], sentinel["id"]);
    let next = owners_inbox.message().await;
    assert_eq!(
        (next.event.as_str(), &next.data["data"]["id"]),
        ("post.created", &sentinel["id"])
    );
    let path = format!("/orgs/acme/courses/other/lessons/{other_lesson}/posts");
    let body = Some(json!({"body": "Sentinel for course other"}));
    let (status, other_sentinel) = api.call("POST", &path, elsewhere, body).await;
    assert_eq!(status, StatusCode::CREATED, "{other_sentinel}");
    assert_eq!(
        other_course.message().await.data["id"],
        other_sentinel["id"]
    );
    let z = lms_core::CourseRef {
        org: lms_core::testing::OTHER,
        course: "z",
    };
    api.w.lms.enroll(&learner, z).await.unwrap();
    let next = strangers_inbox.message().await;
    assert_eq!(
        (next.event.as_str(), &next.data["data"]["user"]["name"]),
        ("enrollment.created", &json!("Lea Learner"))
    );

    // Revoked: the classmate's stream stops, before the next post reaches it.
    api.w
        .lms
        .revoke_enrollment(&api.w.admin, acme("c"), classmate.user_id().unwrap())
        .await
        .unwrap();
    api.post(learner, lesson, "After the revocation").await;
    classmates.ends_within(Duration::from_secs(3)).await;
}

/// Issue 17, item 11: a reconnect with `Last-Event-ID: 0` loaded the course's whole
/// history before its first byte. It is now read a batch (100) at a time as the client
/// takes it: more than a batch replays whole, in order, nothing twice.
pub async fn a_long_history_replays_batch_by_batch(backend: Backend) {
    let api = Api::new(backend).await;
    let outline = api.w.published("c", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    // Ten posts a minute each: eleven learners write 110.
    let mut posted = Vec::new();
    for n in 0..11 {
        let learner = api.w.new_user(&format!("poster{n}@acme.test")).await;
        api.w.lms.enroll(&learner, acme("c")).await.unwrap();
        for k in 0..10 {
            let post = api.post(learner, lesson, &format!("post {n}.{k}")).await;
            posted.push(post["id"].clone());
        }
    }
    let mut replay = api
        .open("/orgs/acme/courses/c/events", api.w.instructor, Some("0"))
        .await
        .expect("open");
    let mut ids = Vec::new();
    let mut seqs: Vec<i64> = Vec::new();
    for _ in 0..posted.len() {
        let message = replay.message().await;
        assert_eq!(message.event, "post.created");
        ids.push(message.data["id"].clone());
        seqs.push(message.id.parse().unwrap());
    }
    assert_eq!(ids, posted, "every post, in order");
    assert!(seqs.windows(2).all(|p| p[0] < p[1]), "nothing twice");
    // Then live: the next message is the next post.
    let next = api.post(api.w.instructor, lesson, "live again").await;
    assert_eq!(replay.message().await.data["id"], next["id"]);
}
