//! Learning depth over HTTP, as the contract's "done when" tells it: a video resumes where
//! it stopped; an assignment goes submit → graded below the pass → resubmit → passed, which
//! opens the lesson that requires it and completes the course; a dripped module opens with
//! the clock or an unlock for one learner; prerequisites hold enrollment; the drill-down
//! shows it all to the owner and nothing to other learners.

use crate::api::{Api, assert_problem};
use crate::common::{Backend, lms_on};
use axum::http::StatusCode;
use chrono::Duration;
use lms_core::Role;
use lms_core::testing::ManualClock;
use serde_json::{Value, json};

const COURSE: &str = "/orgs/acme/courses/depth";

fn at(rest: &str) -> String {
    format!("{COURSE}{rest}")
}

pub async fn learning_depth_end_to_end(backend: Backend) {
    let clock = ManualClock::new();
    let api = &Api::on(lms_on(backend).await.with_clock(clock.clone())).await;
    let (owner, learner) = (Some(api.w.instructor), Some(api.w.learner));
    let created = api
        .call(
            "POST",
            "/orgs/acme/courses",
            owner,
            Some(json!({"slug": "depth", "title": "Depth"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let module = |title: &str, release: Value| {
        let body = json!({"title": title, "release": release});
        async move {
            api.call("POST", &at("/modules"), owner, Some(body))
                .await
                .body
        }
    };
    let lesson = |module: Value, body: Value| async move {
        let path = at(&format!(
            "/modules/{}/lessons",
            module["id"].as_str().unwrap()
        ));
        let reply = api.call("POST", &path, owner, Some(body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["id"].as_str().unwrap().to_string()
    };
    let start = module("Start", Value::Null).await;
    let video = lesson(
        start.clone(),
        json!({"title": "Watch", "kind": "video", "content": {"url": "https://video.test/1"}}),
    )
    .await;
    let essay = lesson(
        start.clone(),
        json!({"title": "Essay", "kind": "assignment",
               "content": {"instructions": "Write", "max_score": 20, "pass_percent": 75}}),
    )
    .await;
    let reflect = lesson(
        start,
        json!({"title": "Reflect", "kind": "text", "content": {"markdown": "…"},
               "release": {"requires_previous": true}}),
    )
    .await;
    let later = module("Later", json!({"after_days": 3})).await;
    assert_eq!(later["release"]["after_days"], json!(3));
    let deep = lesson(
        later,
        json!({"title": "Deep", "kind": "text", "content": {"markdown": "…"}}),
    )
    .await;
    let publish = json!({"status": "published"});
    api.call("PATCH", COURSE, owner, Some(publish.clone()))
        .await;
    let enrolled = api.call("POST", &at("/enrollments"), learner, None).await;
    assert_eq!(enrolled.status, StatusCode::CREATED);
    let opens = time(&enrolled.body["enrolled_at"]) + Duration::days(3);

    // A video resumes where it stopped.
    let watch = at(&format!("/lessons/{video}/progress"));
    let saved = api
        .call(
            "PUT",
            &watch,
            learner,
            Some(json!({"position_seconds": 754})),
        )
        .await;
    assert_eq!(
        (
            saved.body["lesson"]["status"].clone(),
            saved.body["lesson"]["position_seconds"].clone()
        ),
        (json!("in_progress"), json!(754))
    );
    let states = api
        .call("GET", &at("/progress/lessons"), learner, None)
        .await;
    let items = states.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["position_seconds"], json!(754));
    assert_eq!(items[3]["locked"], json!(true));
    assert_eq!(time(&items[3]["available_at"]), opens);
    api.call("PUT", &watch, learner, Some(json!({"percent": 100})))
        .await;

    // The dripped module is locked with its date, to read and to write.
    let locked = api
        .call("GET", &at(&format!("/lessons/{deep}")), learner, None)
        .await;
    assert_problem(&locked, 403, "locked");
    assert_eq!(time(&locked.body["available_at"]), opens);
    assert_eq!(locked.body["unmet"][0]["rule"], json!("lesson_locked"));
    let reflect_read = api
        .call("GET", &at(&format!("/lessons/{reflect}")), learner, None)
        .await;
    assert_problem(&reflect_read, 403, "locked");
    assert_eq!(reflect_read.body["available_at"], Value::Null);

    // Submit, graded below the pass, submit again, passed.
    let submissions = at(&format!("/lessons/{essay}/submissions"));
    let first = api
        .call(
            "POST",
            &submissions,
            learner,
            Some(json!({"body": "Draft"})),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let grade = |id: &Value, score: u32| {
        let path = at(&format!("/submissions/{}/grade", id.as_str().unwrap()));
        let body = json!({"score": score, "feedback": "Notes"});
        async move { api.call("POST", &path, owner, Some(body)).await }
    };
    let low = grade(&first.body["id"], 10).await;
    assert_eq!(
        (low.status, low.body["passed"].clone()),
        (StatusCode::OK, json!(false))
    );
    let second = api
        .call(
            "POST",
            &submissions,
            learner,
            Some(json!({"body": "Final"})),
        )
        .await;
    assert_eq!(second.body["attempt_number"], json!(2));
    let passed = grade(&second.body["id"], 15).await;
    assert_eq!(passed.body["passed"], json!(true), "15 of 20 is 75%");
    // The passing grade completed the essay and opened Reflect.
    let reflect_done = api
        .call(
            "PUT",
            &at(&format!("/lessons/{reflect}/progress")),
            learner,
            Some(json!({"status": "completed"})),
        )
        .await;
    assert_eq!(reflect_done.status, StatusCode::OK, "{}", reflect_done.body);
    assert_eq!(
        reflect_done.body["course"]["completed"],
        json!(false),
        "Deep is left"
    );

    // An unlock opens Deep for this learner only; another learner still waits for the date.
    let other = api.w.new_user("other@acme.test").await;
    api.w
        .lms
        .set_member_role(
            &api.w.admin,
            "acme",
            other.user_id().unwrap(),
            Role::Learner,
        )
        .await
        .unwrap();
    api.call("POST", &at("/enrollments"), Some(other), None)
        .await;
    let learner_id = api.w.learner.user_id().unwrap();
    let unlock = at(&format!("/enrollments/{learner_id}/unlock"));
    let unlocked = api
        .call("POST", &unlock, owner, Some(json!({"lesson_ids": [deep]})))
        .await;
    assert_eq!(unlocked.body["unlocked"], json!([deep]));
    let deep_path = at(&format!("/lessons/{deep}"));
    assert_eq!(
        api.call("GET", &deep_path, learner, None).await.status,
        StatusCode::OK
    );
    assert_problem(
        &api.call("GET", &deep_path, Some(other), None).await,
        403,
        "locked",
    );
    let done = api
        .call(
            "PUT",
            &at(&format!("/lessons/{deep}/progress")),
            learner,
            Some(json!({"percent": 100})),
        )
        .await;
    assert_eq!(done.body["course"]["completed"], json!(true));
    let certificate = api.call("GET", &at("/certificate"), learner, None).await;
    assert_eq!(certificate.status, StatusCode::OK);
    clock.advance(Duration::days(3));
    assert_eq!(
        api.call("GET", &deep_path, Some(other), None).await.status,
        StatusCode::OK
    );

    // Prerequisites hold enrollment until completed.
    let next = json!({"slug": "next", "title": "Next", "prerequisites": [created.body["id"]]});
    api.call("POST", "/orgs/acme/courses", owner, Some(next))
        .await;
    api.call("PATCH", "/orgs/acme/courses/next", owner, Some(publish))
        .await;
    let held = api
        .call(
            "POST",
            "/orgs/acme/courses/next/enrollments",
            Some(other),
            None,
        )
        .await;
    assert_problem(&held, 409, "prerequisites_unmet");
    assert_eq!(held.body["unmet"][0]["course_id"], created.body["id"]);
    let admitted = api
        .call("POST", "/orgs/acme/courses/next/enrollments", learner, None)
        .await;
    assert_eq!(admitted.status, StatusCode::CREATED, "{}", admitted.body);

    // The drill-down: all of it for the owner, nothing for another learner.
    let drill = at(&format!("/learners/{learner_id}"));
    let detail = api.call("GET", &drill, owner, None).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    assert_eq!(detail.body["user"]["email"], json!("learner@acme.test"));
    assert_eq!(detail.body["progress"]["completed"], json!(true));
    assert_eq!(detail.body["lessons"][0]["position_seconds"], json!(754));
    assert_eq!(detail.body["submissions"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        detail.body["submissions"][0]["score"],
        json!(15),
        "newest first"
    );
    assert!(detail.body["enrollment"]["last_activity_at"].is_string());
    assert_problem(
        &api.call("GET", &drill, Some(other), None).await,
        403,
        "forbidden",
    );

    // A bad `status` is answered after who may ask: 401, 403, then 422.
    let queue = at("/submissions?status=lost");
    assert_problem(
        &api.call("GET", &queue, None, None).await,
        401,
        "unauthenticated",
    );
    assert_problem(
        &api.call("GET", &queue, learner, None).await,
        403,
        "forbidden",
    );
    let refused = api.call("GET", &queue, owner, None).await;
    assert_problem(&refused, 422, "validation_failed");
    assert_eq!(refused.body["errors"][0]["field"], json!("status"));
}

/// A timestamp of a reply.
fn time(value: &Value) -> chrono::DateTime<chrono::Utc> {
    value
        .as_str()
        .expect("a timestamp")
        .parse()
        .expect("RFC 3339")
}
