//! The OpenAPI document: exactly the routes of the contract, each served.

use crate::api::Api;
use axum::http::StatusCode;
use lms_axum::{AuthConfig, LmsRouter};
use lms_core::Lms;
use lms_core::testing::World;
use lms_sqlite::SqliteStore;
use std::collections::BTreeSet;

/// The routes of API.md, all served.
const CONTRACT: &[(&str, &str)] = &[
    ("post", "/auth/sign-up"),
    ("post", "/auth/sign-in"),
    ("post", "/auth/sign-out"),
    ("get", "/me"),
    ("get", "/me/courses"),
    ("post", "/orgs"),
    ("get", "/orgs/{org}"),
    ("patch", "/orgs/{org}"),
    ("get", "/orgs/{org}/members"),
    ("post", "/orgs/{org}/members"),
    ("put", "/orgs/{org}/members/{user_id}"),
    ("delete", "/orgs/{org}/members/{user_id}"),
    ("get", "/orgs/{org}/courses"),
    ("post", "/orgs/{org}/courses"),
    ("get", "/orgs/{org}/courses/{course}"),
    ("patch", "/orgs/{org}/courses/{course}"),
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
    ("get", "/orgs/{org}/courses/{course}/report"),
    ("get", "/orgs/{org}/reports/courses"),
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
        app: LmsRouter::new(lms).sign_in(AuthConfig::default()).build(),
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
