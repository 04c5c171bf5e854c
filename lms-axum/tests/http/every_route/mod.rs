//! For every route: the happy path, no sign-in, the wrong role, another tenant's
//! address, a malformed body and invalid values — each on a fresh world. Another tenant's
//! address uses ids that exist there: the org `other` has a course `c` too, so a path through
//! it passes the course lookup and must be stopped by the module, lesson, post or enrollment
//! check behind it. The routes this table cannot drive (streams, uploads, webhooks, the
//! built-in sign-in) are listed in [`ELSEWHERE`] with the tests that cover them, and
//! `every_served_route_is_listed` holds both lists to the OpenAPI document.

use crate::api::{Api, assert_problem};
use crate::body_schemas::Document;
use crate::common::Backend;
use axum::http::header;
use lms_axum::{AuthConfig, LmsRouter};
use lms_core::testing::acme;
use serde_json::json;
use std::collections::BTreeSet;
use table::{Who, routes};

mod table;

/// Route-methods this table does not drive, and the tests that do.
const ELSEWHERE: &[(&str, &str, &str)] = &[
    ("POST", "/auth/sign-up", "built_in_auth.rs"),
    ("POST", "/auth/sign-in", "built_in_auth.rs"),
    ("POST", "/auth/sign-out", "built_in_auth.rs"),
    ("POST", "/auth/verify-email", "accounts.rs (a mailed token)"),
    (
        "POST",
        "/auth/password-reset",
        "accounts.rs (the built-in sign-in)",
    ),
    (
        "POST",
        "/auth/password-reset/confirm",
        "accounts.rs (a mailed token)",
    ),
    ("PUT", "/me/password", "accounts.rs (the built-in sign-in)"),
    ("DELETE", "/me", "accounts.rs (the built-in sign-in)"),
    (
        "GET",
        "/me/invitations",
        "invitations.rs (a verified address)",
    ),
    (
        "POST",
        "/me/invitations/{id}/accept",
        "invitations.rs (a verified address)",
    ),
    (
        "POST",
        "/me/invitations/{id}/decline",
        "invitations.rs (a verified address)",
    ),
    (
        "POST",
        "/invitations/accept",
        "invitations.rs (a mailed token)",
    ),
    ("POST", "/me/email", "accounts.rs (the built-in sign-in)"),
    (
        "GET",
        "/orgs/{org}/courses/{course}/report/export",
        "exports.rs (a CSV or NDJSON body)",
    ),
    (
        "GET",
        "/orgs/{org}/reports/courses/export",
        "exports.rs (a CSV or NDJSON body)",
    ),
    ("GET", "/orgs/{org}/export", "exports.rs (an NDJSON body)"),
    ("GET", "/me/sessions", "accounts.rs (the built-in sign-in)"),
    (
        "DELETE",
        "/me/sessions",
        "accounts.rs (the built-in sign-in)",
    ),
    (
        "DELETE",
        "/me/sessions/{id}",
        "accounts.rs (the built-in sign-in)",
    ),
    ("GET", "/me/events", "tests/live (a stream)"),
    (
        "GET",
        "/orgs/{org}/courses/{course}/events",
        "tests/live (a stream)",
    ),
    (
        "POST",
        "/orgs/{org}/courses/{course}/media",
        "tests/media (an upload)",
    ),
    (
        "GET",
        "/orgs/{org}/courses/{course}/media",
        "tests/media/bounds.rs (needs uploads)",
    ),
    (
        "DELETE",
        "/orgs/{org}/courses/{course}/media/{media_key}",
        "tests/media/bounds.rs (needs uploads)",
    ),
    ("GET", "/media/{media_key}", "tests/media (a signed URL)"),
    (
        "POST",
        "/orgs/{org}/courses/{course}/lessons/{lesson}/files",
        "tests/media/assignments.rs (an upload)",
    ),
    (
        "GET",
        "/orgs/{org}/courses/{course}/certificate",
        "certificates.rs",
    ),
    ("GET", "/certificates/{code}", "certificates.rs"),
    ("GET", "/certificates/{code}/pdf", "certificates.rs"),
    (
        "POST",
        "/orgs/{org}/courses/{course}/checkout",
        "payments.rs (a provider)",
    ),
    ("GET", "/orgs/{org}/payments", "payments.rs"),
    ("GET", "/orgs/{org}/membership", "payments.rs"),
    (
        "POST",
        "/orgs/{org}/membership/checkout",
        "payments.rs (a provider)",
    ),
    ("POST", "/orgs/{org}/membership/cancel", "payments.rs"),
    ("POST", "/webhooks/stripe", "payments.rs (signed events)"),
];

/// The OpenAPI template of a table path: `/orgs/acme/courses/c/lessons/{quiz}` →
/// `/orgs/{org}/courses/{course}/lessons/{lesson}`.
fn template(path: &str) -> String {
    path.replace("/orgs/acme", "/orgs/{org}")
        .replace("/me/memberships/acme", "/me/memberships/{org}")
        .replace("/courses/c", "/courses/{course}")
        .replace("{quiz}", "{lesson}")
        .replace("{learner}", "{user_id}")
        .replace("{invitation}", "{id}")
        .replace("{assignment}", "{lesson}")
        .replace("{submission}", "{id}")
}

#[tokio::test]
async fn every_served_route_is_listed() {
    // The default router: the built-in sign-in's routes are served too.
    let lms = lms_core::Lms::new(lms_sqlite::SqliteStore::memory().await.expect("store"));
    let w = lms_core::testing::World::new(lms.clone()).await;
    let api = Api {
        app: LmsRouter::new(lms, crate::common::public_url())
            .sign_in(AuthConfig::default())
            .build(),
        w,
    };
    let doc = api.call("GET", "/openapi.json", None, None).await.body;
    let served: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().expect("path item").keys();
            methods.map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let mut listed = BTreeSet::new();
    let table = routes().into_iter().map(|r| (r.method, template(r.path)));
    let elsewhere = ELSEWHERE.iter().map(|(m, p, _)| (*m, p.to_string()));
    for (method, path) in table.chain(elsewhere) {
        let route = (method.to_string(), path);
        assert!(listed.insert(route.clone()), "{route:?} is listed twice");
    }
    assert_eq!(listed, served, "the table and ELSEWHERE against the router");
}

async fn check(backend: Backend) {
    let mut document = None;
    for route in routes() {
        let api = Api::new(backend).await;
        if document.is_none() {
            let served = api.call("GET", "/openapi.json", None, None).await.body;
            document = Some(Document(served));
        }
        api.w.published("c", None).await;
        // An assignment, and the learner's first submission to it, graded as failing.
        let work = api.w.module("c", "Work").await;
        let instructions = serde_json::json!({"instructions": "Write"});
        let assignment = api
            .w
            .lesson(
                "c",
                work.id,
                "Essay",
                lms_core::LessonKind::Assignment,
                instructions,
            )
            .await;
        let assignment = assignment.summary.id;
        let outline = api
            .w
            .lms
            .course(&api.w.instructor, acme("c"))
            .await
            .unwrap();
        api.w.lms.enroll(&api.w.learner, acme("c")).await.unwrap();
        let draft = lms_core::NewSubmission {
            body: Some("A first draft".into()),
            attachments: None,
        };
        let submission = api
            .w
            .lms
            .submit_assignment(&api.w.learner, acme("c"), assignment, draft)
            .await
            .unwrap();
        let failing = lms_core::GradeInput {
            score: 0,
            feedback: None,
        };
        api.w
            .lms
            .grade_submission(&api.w.instructor, acme("c"), submission.id, failing)
            .await
            .unwrap();
        // `other` has a course `c` too: its address passes the course lookup.
        api.w.other_org("c").await;
        let lesson = outline.modules[0].lessons[0].id;
        let hello = lms_core::NewPost {
            body: "Hello".into(),
            parent_id: None,
        };
        let post = api
            .w
            .lms
            .create_post(&api.w.learner, acme("c"), lesson, hello)
            .await
            .unwrap();
        let invited = lms_core::NewMember {
            email: "invited@example.test".into(),
            role: lms_core::Role::Learner,
        };
        let invitation = api
            .w
            .lms
            .invite(&api.w.admin, "acme", invited)
            .await
            .unwrap();
        let ids = [
            ("{lesson}", outline.modules[0].lessons[0].id.to_string()),
            ("{quiz}", outline.modules[1].lessons[0].id.to_string()),
            ("{module}", outline.modules[0].module.id.to_string()),
            ("{learner}", api.w.learner.user_id().unwrap().to_string()),
            ("{post}", post.id.to_string()),
            ("{invitation}", invitation.id.to_string()),
            ("{assignment}", assignment.to_string()),
            ("{submission}", submission.id.to_string()),
        ];
        let path = ids
            .iter()
            .fold(route.path.to_string(), |p, (k, v)| p.replace(k, v));
        let actor = |who: Who| match who {
            Who::Nobody => None,
            Who::Admin => Some(api.w.admin),
            Who::Owner => Some(api.w.instructor),
            Who::Learner => Some(api.w.learner),
            Who::Outsider => Some(api.w.outsider),
        };
        let what = format!("{} {}", route.method, route.path);
        let (who, body, status) = route.ok.clone();
        let needs_body = body.is_some() || route.invalid.is_some();
        // The curriculum PUT's happy body is the course's own layout.
        let body = match (route.path.ends_with("/curriculum"), body) {
            (true, _) => Some(
                json!({"modules": outline.modules.iter().map(|m| json!({"id": m.module.id, "lessons": m.lessons.iter().map(|l| l.id).collect::<Vec<_>>()})).collect::<Vec<_>>()}),
            ),
            (false, body) => body,
        };
        if let Some((denied_who, denied_status)) = route.denied {
            let reply = api
                .call(route.method, &path, actor(denied_who), body.clone())
                .await;
            assert_eq!(
                reply.status.as_u16(),
                denied_status,
                "{what} as {denied_who:?}: {}",
                reply.body
            );
            assert_eq!(
                reply.headers[header::CONTENT_TYPE],
                "application/problem+json",
                "{what}"
            );
        }
        if !matches!(who, Who::Nobody) {
            let reply = api.call(route.method, &path, None, body.clone()).await;
            assert_eq!(
                reply.status.as_u16(),
                401,
                "{what} without sign-in: {}",
                reply.body
            );
            assert_problem(&reply, 401, "unauthenticated");
        }
        if path.starts_with("/orgs/acme/courses/c") {
            // acme's course by id through `other`, and `other`'s own `c` with acme's ids.
            let course_id = outline.course.id.to_string();
            let by_id = format!("/orgs/other/courses/{course_id}");
            let mut elsewhere = vec![path.replacen("/orgs/acme/courses/c", &by_id, 1)];
            if route.path.contains("/{") {
                elsewhere.push(path.replacen("/orgs/acme/", "/orgs/other/", 1));
            }
            for elsewhere in elsewhere {
                let reply = api
                    .call(route.method, &elsewhere, actor(Who::Outsider), body.clone())
                    .await;
                assert_eq!(
                    reply.status.as_u16(),
                    404,
                    "{what} through another org ({elsewhere}): {}",
                    reply.body
                );
            }
        }
        if needs_body {
            // A body on POST …/enrollments enrolls someone else: that needs the owner.
            let body_who = if route.path.ends_with("/enrollments") {
                Who::Owner
            } else {
                who
            };
            let who_actor = actor(body_who).unwrap_or(api.w.outsider);
            let malformed = api
                .raw(
                    route.method,
                    &path,
                    who_actor,
                    Some("application/json"),
                    "{not json",
                )
                .await;
            assert_eq!(
                malformed.status.as_u16(),
                400,
                "{what} with a malformed body: {}",
                malformed.body
            );
            assert_problem(&malformed, 400, "malformed_request");
            if let Some(invalid) = route.invalid.clone() {
                let reply = api
                    .call(route.method, &path, actor(body_who), Some(invalid))
                    .await;
                assert_eq!(
                    reply.status.as_u16(),
                    422,
                    "{what} with invalid values: {}",
                    reply.body
                );
                assert_problem(&reply, 422, "validation_failed");
                assert!(
                    reply.body["errors"]
                        .as_array()
                        .is_some_and(|e| !e.is_empty()),
                    "{what}: {}",
                    reply.body
                );
            }
        }
        let reply = api.call(route.method, &path, actor(who), body).await;
        assert_eq!(
            reply.status.as_u16(),
            status,
            "{what} as {who:?}: {}",
            reply.body
        );
        let json = reply
            .headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
        if json {
            let document = document.as_ref().expect("fetched above");
            let errors =
                document.response_errors(route.method, &template(route.path), status, &reply.body);
            assert!(
                errors.is_empty(),
                "{what}: the body does not match its schema:\n{}\n{}",
                errors.join("\n"),
                reply.body
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite() {
    check(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres() {
    check(Backend::Postgres).await;
}
