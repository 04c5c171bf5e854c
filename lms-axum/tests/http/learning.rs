//! A learner's way through a course, and enrollment: twelve at once, and by an owner.

use crate::api::{Api, assert_problem};
use crate::common::Backend;
use axum::http::StatusCode;
use serde_json::{Value, json};

pub async fn a_learner_goes_through_a_course(backend: Backend) {
    let api = Api::new(backend).await;
    let outline = api.w.published("rust", None).await;
    let learner = Some(api.w.learner);
    let course = api.call("GET", "/orgs/acme/courses/rust", None, None).await;
    assert_eq!(
        (course.status, course.body["org"].clone()),
        (StatusCode::OK, json!("acme"))
    );
    assert!(
        !course.body.to_string().contains("\"content\""),
        "the outline carries no content"
    );
    let quiz = outline.modules[1].lessons[0].id;
    let intro = outline.modules[0].lessons[0].id;
    let path = |rest: &str| format!("/orgs/acme/courses/rust{rest}");
    assert_problem(
        &api.call("GET", &path(&format!("/lessons/{intro}")), learner, None)
            .await,
        403,
        "not_enrolled",
    );
    let enrolled = api.call("POST", &path("/enrollments"), learner, None).await;
    assert_eq!(
        (enrolled.status, enrolled.body["source"].clone()),
        (StatusCode::CREATED, json!("free"))
    );
    assert_problem(
        &api.call("POST", &path("/enrollments"), learner, None).await,
        409,
        "already_enrolled",
    );
    // The bodies the document allows for enrolling oneself: `null` and `{}` (in another
    // course, so that this one keeps its one learner).
    api.w.published("other", None).await;
    let other = "/orgs/acme/courses/other/enrollments";
    for (who, body) in [("a@acme.test", json!(null)), ("b@acme.test", json!({}))] {
        let someone = api.w.new_user(who).await;
        let enrolled = api.call("POST", other, Some(someone), Some(body)).await;
        assert_eq!(enrolled.status, StatusCode::CREATED, "{}", enrolled.body);
        assert_eq!(enrolled.body["user_id"], json!(someone.user_id()));
    }
    let quiz_view = api
        .call("GET", &path(&format!("/lessons/{quiz}")), learner, None)
        .await;
    assert_eq!(quiz_view.status, StatusCode::OK);
    assert!(quiz_view.body["content"]["questions"].is_array());
    assert!(
        !quiz_view.body.to_string().contains("\"correct\""),
        "no answer key: {}",
        quiz_view.body
    );
    let progress = api
        .call(
            "PUT",
            &path(&format!("/lessons/{intro}/progress")),
            learner,
            Some(json!({"percent": 100})),
        )
        .await;
    assert_eq!(progress.status, StatusCode::OK);
    assert_eq!(
        (
            progress.body["lesson"]["status"].clone(),
            progress.body["course"]["percent"].clone()
        ),
        (json!("completed"), json!(33))
    );
    let quiz_progress = api
        .call(
            "PUT",
            &path(&format!("/lessons/{quiz}/progress")),
            learner,
            Some(json!({"status": "completed"})),
        )
        .await;
    assert_problem(&quiz_progress, 422, "validation_failed");
    let attempt = api
        .call(
            "POST",
            &path(&format!("/lessons/{quiz}/attempts")),
            learner,
            Some(json!({"answers": {"q1": "b", "q2": true}})),
        )
        .await;
    assert_eq!(
        (
            attempt.status,
            attempt.body["score_percent"].clone(),
            attempt.body["passed"].clone()
        ),
        (StatusCode::CREATED, json!(100), json!(true))
    );
    let attempts = api
        .call(
            "GET",
            &path(&format!("/lessons/{quiz}/attempts")),
            learner,
            None,
        )
        .await;
    assert_eq!(
        (
            attempts.body["items"].as_array().map(Vec::len),
            attempts.body["next_cursor"].clone()
        ),
        (Some(1), Value::Null)
    );
    let course_progress = api.call("GET", &path("/progress"), learner, None).await;
    assert_eq!(course_progress.body["completed_lessons"], 2);
    let mine = api.call("GET", "/me/courses", learner, None).await;
    assert_eq!(
        (
            mine.body["items"][0]["course"]["org"].clone(),
            mine.body["items"][0]["progress"]["percent"].clone()
        ),
        (json!("acme"), json!(66))
    );
    let report = api
        .call("GET", &path("/report"), Some(api.w.instructor), None)
        .await;
    assert_eq!(
        (
            report.body["summary"]["enrolled"].clone(),
            report.body["items"][0]["percent"].clone()
        ),
        (json!(1), json!(66))
    );
    assert_problem(
        &api.call("GET", &path("/report"), learner, None).await,
        403,
        "forbidden",
    );
    let org_report = api
        .call("GET", "/orgs/acme/reports/courses", Some(api.w.admin), None)
        .await;
    assert_eq!(org_report.body["items"][0]["slug"], "rust");
}

pub async fn concurrent_duplicate_enrollments_give_one_201(backend: Backend) {
    let api = std::sync::Arc::new(Api::new(backend).await);
    api.w.published("c", None).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let api = api.clone();
        tasks.spawn(async move {
            api.call(
                "POST",
                "/orgs/acme/courses/c/enrollments",
                Some(api.w.learner),
                None,
            )
            .await
            .status
        });
    }
    let statuses = tasks.join_all().await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 11), "{statuses:?}");
}

pub async fn owners_enroll_others_and_admins_revoke(backend: Backend) {
    let api = Api::new(backend).await;
    api.w.published("paid", Some(900)).await;
    let learner = api.w.learner.user_id().unwrap();
    assert_problem(
        &api.call(
            "POST",
            "/orgs/acme/courses/paid/enrollments",
            Some(api.w.learner),
            None,
        )
        .await,
        402,
        "payment_required",
    );
    let body = Some(json!({"user_id": learner}));
    let by_owner = api
        .call(
            "POST",
            "/orgs/acme/courses/paid/enrollments",
            Some(api.w.instructor),
            body,
        )
        .await;
    assert_eq!(
        (by_owner.status, by_owner.body["source"].clone()),
        (StatusCode::CREATED, json!("admin"))
    );
    let listed = api
        .call(
            "GET",
            "/orgs/acme/courses/paid/enrollments",
            Some(api.w.instructor),
            None,
        )
        .await;
    assert_eq!(listed.body["items"][0]["user_id"], json!(learner));
    let path = format!("/orgs/acme/courses/paid/enrollments/{learner}");
    assert_problem(
        &api.call("DELETE", &path, Some(api.w.instructor), None)
            .await,
        403,
        "forbidden",
    );
    assert_eq!(
        api.call("DELETE", &path, Some(api.w.admin), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let bad = api
        .call(
            "POST",
            "/orgs/acme/courses/paid/enrollments",
            Some(api.w.admin),
            Some(json!({"user_id": "x"})),
        )
        .await;
    assert_problem(&bad, 422, "validation_failed");
}
