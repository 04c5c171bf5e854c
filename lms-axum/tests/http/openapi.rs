//! The OpenAPI document: exactly the routes of the contract, each served.

use crate::api::Api;
use axum::http::StatusCode;
use lms_axum::{AuthConfig, LmsRouter};
use lms_core::Lms;
use lms_core::testing::World;
use lms_sqlite::SqliteStore;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The routes of API.md, all served.
const CONTRACT: &[(&str, &str)] = &[
    ("post", "/auth/sign-up"),
    ("post", "/auth/sign-in"),
    ("post", "/auth/sign-out"),
    ("post", "/auth/verify-email"),
    ("post", "/auth/password-reset"),
    ("post", "/auth/password-reset/confirm"),
    ("get", "/me"),
    ("patch", "/me"),
    ("delete", "/me"),
    ("put", "/me/password"),
    ("post", "/me/email"),
    ("post", "/me/verify-email"),
    ("get", "/me/courses"),
    ("get", "/me/sessions"),
    ("delete", "/me/sessions"),
    ("delete", "/me/sessions/{id}"),
    ("get", "/me/invitations"),
    ("post", "/me/invitations/{id}/accept"),
    ("post", "/me/invitations/{id}/decline"),
    ("post", "/invitations/accept"),
    ("delete", "/me/memberships/{org}"),
    ("post", "/orgs/{org}/invitations"),
    ("get", "/orgs/{org}/invitations"),
    ("delete", "/orgs/{org}/invitations/{id}"),
    ("post", "/orgs"),
    ("get", "/orgs/{org}"),
    ("patch", "/orgs/{org}"),
    ("get", "/orgs/{org}/export"),
    ("get", "/orgs/{org}/members"),
    ("put", "/orgs/{org}/members/{user_id}"),
    ("delete", "/orgs/{org}/members/{user_id}"),
    ("get", "/orgs/{org}/courses"),
    ("post", "/orgs/{org}/courses"),
    ("get", "/orgs/{org}/courses/{course}"),
    ("patch", "/orgs/{org}/courses/{course}"),
    ("post", "/orgs/{org}/courses/{course}/duplicate"),
    ("post", "/orgs/{org}/courses/{course}/modules"),
    ("patch", "/orgs/{org}/courses/{course}/modules/{module}"),
    ("delete", "/orgs/{org}/courses/{course}/modules/{module}"),
    (
        "post",
        "/orgs/{org}/courses/{course}/modules/{module}/lessons",
    ),
    ("get", "/orgs/{org}/courses/{course}/lessons/{lesson}"),
    ("patch", "/orgs/{org}/courses/{course}/lessons/{lesson}"),
    ("delete", "/orgs/{org}/courses/{course}/lessons/{lesson}"),
    ("put", "/orgs/{org}/courses/{course}/curriculum"),
    ("post", "/orgs/{org}/courses/{course}/enrollments"),
    ("get", "/orgs/{org}/courses/{course}/enrollments"),
    (
        "delete",
        "/orgs/{org}/courses/{course}/enrollments/{user_id}",
    ),
    (
        "put",
        "/orgs/{org}/courses/{course}/lessons/{lesson}/progress",
    ),
    ("get", "/orgs/{org}/courses/{course}/progress"),
    ("get", "/orgs/{org}/courses/{course}/progress/lessons"),
    (
        "post",
        "/orgs/{org}/courses/{course}/lessons/{lesson}/files",
    ),
    (
        "post",
        "/orgs/{org}/courses/{course}/lessons/{lesson}/submissions",
    ),
    (
        "get",
        "/orgs/{org}/courses/{course}/lessons/{lesson}/submissions",
    ),
    ("get", "/orgs/{org}/courses/{course}/submissions"),
    (
        "post",
        "/orgs/{org}/courses/{course}/submissions/{id}/grade",
    ),
    ("get", "/orgs/{org}/courses/{course}/learners/{user_id}"),
    (
        "post",
        "/orgs/{org}/courses/{course}/enrollments/{user_id}/unlock",
    ),
    ("get", "/orgs/{org}/courses/{course}/report"),
    ("get", "/orgs/{org}/courses/{course}/report/export"),
    ("get", "/orgs/{org}/reports/courses"),
    ("get", "/orgs/{org}/reports/courses/export"),
    (
        "post",
        "/orgs/{org}/courses/{course}/lessons/{lesson}/attempts",
    ),
    (
        "get",
        "/orgs/{org}/courses/{course}/lessons/{lesson}/attempts",
    ),
    ("get", "/orgs/{org}/courses/{course}/certificate"),
    ("post", "/orgs/{org}/courses/{course}/checkout"),
    ("post", "/orgs/{org}/membership/checkout"),
    ("get", "/orgs/{org}/membership"),
    ("post", "/orgs/{org}/membership/cancel"),
    ("get", "/orgs/{org}/payments"),
    ("post", "/webhooks/stripe"),
    ("get", "/orgs/{org}/courses/{course}/lessons/{lesson}/posts"),
    (
        "post",
        "/orgs/{org}/courses/{course}/lessons/{lesson}/posts",
    ),
    ("patch", "/orgs/{org}/courses/{course}/posts/{post}"),
    ("delete", "/orgs/{org}/courses/{course}/posts/{post}"),
    ("get", "/orgs/{org}/courses/{course}/events"),
    ("get", "/me/notifications"),
    ("post", "/me/notifications/read"),
    ("get", "/me/events"),
    ("post", "/orgs/{org}/courses/{course}/media"),
    ("get", "/orgs/{org}/courses/{course}/media"),
    ("delete", "/orgs/{org}/courses/{course}/media/{media_key}"),
    ("get", "/media/{media_key}"),
    ("get", "/certificates/{code}"),
    ("get", "/certificates/{code}/pdf"),
    ("get", "/health"),
    ("get", "/openapi.json"),
];

#[tokio::test]
async fn the_document_lists_exactly_the_routes_served() {
    let lms = Lms::new(SqliteStore::memory().await.expect("store"));
    let w = World::new(lms.clone()).await;
    let api = Api {
        app: LmsRouter::new(lms, crate::common::public_url())
            .sign_in(AuthConfig::default())
            .build(),
        w,
    };
    let reply = api.call("GET", "/openapi.json", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.body;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .map(move |(m, _)| (m.clone(), path.clone()))
        })
        .filter(|(method, _)| ["get", "post", "put", "patch", "delete"].contains(&method.as_str()))
        .collect();
    let expected: BTreeSet<(String, String)> = CONTRACT
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, expected);
    // Every documented route is served: none answers the router's 404 for unknown paths.
    for (method, path) in CONTRACT {
        let concrete = path
            .replace("{org}", "acme")
            .replace("{course}", "c")
            .replace("{user_id}", &uuid::Uuid::nil().to_string())
            .replace("{module}", &uuid::Uuid::nil().to_string())
            .replace("{lesson}", &uuid::Uuid::nil().to_string())
            .replace("{code}", "AAAA-BBBB")
            .replace("{post}", &uuid::Uuid::nil().to_string());
        let reply = api
            .call(&method.to_uppercase(), &concrete, None, None)
            .await;
        let unknown_route = reply.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("route not found"));
        assert!(
            !unknown_route && reply.status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {}",
            reply.status
        );
    }
    for schema in [
        "Course",
        "CourseOutline",
        "Enrollment",
        "CourseProgress",
        "QuizAttempt",
        "Problem",
        "NewCourse",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "no schema {schema}"
        );
    }
}

/// The served document as a code generator reads it: valid OpenAPI 3.1 (checked by
/// `openapi-spec-validator`, which scripts/test.sh installs), every response body a named
/// schema, and every operation that needs a signed-in caller marked so.
#[tokio::test]
async fn the_document_is_valid_and_names_every_body() {
    let lms = Lms::new(SqliteStore::memory().await.expect("store"));
    let w = World::new(lms.clone()).await;
    let public_url = "https://lms.example.com/api/v1".parse().unwrap();
    let api = Api {
        app: LmsRouter::new(lms, public_url)
            .sign_in(AuthConfig::default())
            .build(),
        w,
    };
    let doc = api.call("GET", "/openapi.json", None, None).await.body;
    assert_eq!(doc["servers"][0]["url"], "https://lms.example.com/api/v1");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    let mut unnamed = Vec::new();
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            for (status, response) in operation["responses"].as_object().expect("responses") {
                let Some(content) = response["content"].as_object() else {
                    continue;
                };
                // Files and streams are bytes; every JSON body must have a named shape.
                let json = content
                    .iter()
                    .filter(|(media_type, _)| media_type.contains("json"));
                for (media_type, body) in json {
                    let schema = &body["schema"];
                    let named = schema.get("$ref").is_some()
                        || schema["items"].get("$ref").is_some()
                        || schema["properties"].is_object()
                        || schema["type"] == "string";
                    if !named {
                        unnamed.push(format!("{method} {path} {status} {media_type}: {schema}"));
                    }
                }
            }
            // Operations that never look at the caller carry no security (so generated
            // clients call them without credentials); public reads take none or either
            // scheme; the rest need one.
            let public = [
                "/health",
                "/openapi.json",
                "/certificates/",
                "/media/",
                "/webhooks/",
            ]
            .iter()
            .any(|prefix| path.starts_with(prefix))
                || [
                    "/auth/sign-up",
                    "/auth/sign-in",
                    "/auth/verify-email",
                    "/auth/password-reset",
                    "/auth/password-reset/confirm",
                ]
                .contains(&path.as_str());
            let optional = method == "get"
                && [
                    "/orgs/{org}",
                    "/orgs/{org}/courses",
                    "/orgs/{org}/courses/{course}",
                    "/orgs/{org}/courses/{course}/lessons/{lesson}",
                ]
                .contains(&path.as_str());
            let expected = if public {
                Value::Null
            } else if optional {
                json!([{}, {"bearer": []}, {"cookie": []}])
            } else {
                json!([{"bearer": []}, {"cookie": []}])
            };
            assert_eq!(operation["security"], expected, "{method} {path}");
        }
    }
    assert!(
        unnamed.is_empty(),
        "bodies without a named schema:\n{}",
        unnamed.join("\n")
    );

    let validator = std::env::var("LMS_OPENAPI_VALIDATOR").unwrap_or_else(|_| {
        panic!(
            "LMS_OPENAPI_VALIDATOR is not set: this test checks the document with \
             openapi-spec-validator. Run scripts/test.sh (it installs one), or \
             `pip install openapi-spec-validator` and set LMS_OPENAPI_VALIDATOR=openapi-spec-validator"
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let checked = std::process::Command::new(&validator)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {validator}: {e}"));
    assert!(
        checked.status.success(),
        "openapi-spec-validator refused the document:\n{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}
