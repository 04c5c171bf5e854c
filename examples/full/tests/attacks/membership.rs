//! Findings 1 and 3: membership without consent, and removal or revocation that did not
//! remove.

use super::{Backend, Server};
use axum::http::StatusCode;
use serde_json::{Value, json};

const FREE: &str = "/orgs/demo/courses/rust-101";

/// The free demo course's lessons: `(id, kind)` in curriculum order, free previews
/// (which anyone reads) left out when `previews` is false.
pub async fn lessons_of(server: &Server, previews: bool) -> Vec<(String, String)> {
    let outline = server.call("GET", FREE, None, None).await.body;
    let modules = outline["modules"].as_array().expect("an outline").iter();
    let lessons = modules.flat_map(|m| m["lessons"].as_array().unwrap().iter());
    let id_and_kind = |l: &Value| {
        let text = |field: &str| l[field].as_str().unwrap().to_string();
        (text("id"), text("kind"))
    };
    lessons
        .filter(|l| previews || l["free_preview"] == false)
        .map(id_and_kind)
        .collect()
}

/// Every lesson of the free demo course: `(id, kind)` in curriculum order.
pub async fn lessons(server: &Server) -> Vec<(String, String)> {
    lessons_of(server, true).await
}

/// Enrolls `token` in the free demo course and completes it (the walkthrough's answers).
pub async fn complete_free_course(server: &Server, token: &str) {
    let enrolled = server
        .call("POST", &format!("{FREE}/enrollments"), Some(token), None)
        .await;
    assert_eq!(enrolled.status, StatusCode::CREATED, "{}", enrolled.body);
    for (id, kind) in lessons(server).await {
        let reply = if kind == "quiz" {
            let answers =
                json!({"answers": {"q1": "move", "q2": true, "q3": ["ownership", "borrowing"]}});
            let path = format!("{FREE}/lessons/{id}/attempts");
            server.call("POST", &path, Some(token), Some(answers)).await
        } else {
            let path = format!("{FREE}/lessons/{id}/progress");
            server
                .call("PUT", &path, Some(token), Some(json!({"percent": 100})))
                .await
        };
        assert!(reply.status.is_success(), "{}", reply.body);
    }
}

pub async fn adding_a_stranger_by_id_is_404_without_their_email(backend: Backend) {
    let server = Server::start(backend, |_| {}).await;
    // The victim's id is public: the catalog names each course's owner.
    let catalog = server
        .call("GET", "/orgs/demo/courses", None, None)
        .await
        .body;
    let victim = catalog["items"][0]["owner_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (eve, _) = server.sign_up("eve@evil.test").await;
    let org = json!({"slug": "evil", "name": "Evil Corp"});
    assert_eq!(
        server
            .call("POST", "/orgs", Some(&eve), Some(org))
            .await
            .status,
        StatusCode::CREATED
    );
    let path = format!("/orgs/evil/members/{victim}");
    let added = server
        .call("PUT", &path, Some(&eve), Some(json!({"role": "learner"})))
        .await;
    assert_eq!(
        (added.status, added.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert!(
        !String::from_utf8_lossy(&added.bytes).contains("@demo.test"),
        "{}",
        added.body
    );
    // Adding by email is gone: no route answers it (no 404/201 oracle).
    let by_email = json!({"email": "instructor@demo.test", "role": "learner"});
    let gone = server
        .call("POST", "/orgs/evil/members", Some(&eve), Some(by_email))
        .await;
    assert_eq!(gone.status, StatusCode::METHOD_NOT_ALLOWED, "{}", gone.body);
    // The same attack by another route: enrolling the victim by id.
    let course = json!({"slug": "trap", "title": "Trap"});
    let created = server
        .call("POST", "/orgs/evil/courses", Some(&eve), Some(course))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let enroll = json!({"user_id": victim});
    let path = "/orgs/evil/courses/trap/enrollments";
    let enrolled = server.call("POST", path, Some(&eve), Some(enroll)).await;
    assert_eq!(
        (enrolled.status, enrolled.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    // The victim's own view: not in the attacker's org.
    let instructor = server.demo("instructor").await;
    let me = server.me(&instructor).await.to_string();
    assert!(!me.contains("evil"), "{me}");
}

pub async fn a_removed_member_loses_access(backend: Backend) {
    let server = Server::start(backend, |_| {}).await;
    let learner = server.demo("learner").await;
    let admin = server.demo("admin").await;
    let enrolled = server
        .call("POST", &format!("{FREE}/enrollments"), Some(&learner), None)
        .await;
    assert_eq!(enrolled.status, StatusCode::CREATED);
    let (lesson, _) = lessons_of(&server, false).await.remove(0);
    let read = format!("{FREE}/lessons/{lesson}");
    assert_eq!(
        server.call("GET", &read, Some(&learner), None).await.status,
        StatusCode::OK
    );
    let id = server.user_id(&learner).await;
    let removed = server
        .call(
            "DELETE",
            &format!("/orgs/demo/members/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let after = server.call("GET", &read, Some(&learner), None).await;
    assert_eq!(
        (after.status, after.code()),
        (StatusCode::FORBIDDEN, "enrollment_revoked")
    );
    let post = json!({"body": "still here?"});
    let posted = server
        .call("POST", &format!("{read}/posts"), Some(&learner), Some(post))
        .await;
    assert_eq!(posted.status, StatusCode::FORBIDDEN);
    let again = server
        .call("POST", &format!("{FREE}/enrollments"), Some(&learner), None)
        .await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::FORBIDDEN, "enrollment_revoked")
    );
}

pub async fn a_revoked_learner_cannot_enroll_again(backend: Backend) {
    let server = Server::start(backend, |_| {}).await;
    let learner = server.demo("learner").await;
    let admin = server.demo("admin").await;
    complete_free_course(&server, &learner).await;
    let certificate = server
        .call("GET", &format!("{FREE}/certificate"), Some(&learner), None)
        .await;
    let code = certificate.body["code"]
        .as_str()
        .expect("a certificate")
        .to_string();
    let id = server.user_id(&learner).await;
    let path = format!("{FREE}/enrollments/{id}");
    assert_eq!(
        server
            .call("DELETE", &path, Some(&admin), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let again = server
        .call("POST", &format!("{FREE}/enrollments"), Some(&learner), None)
        .await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::FORBIDDEN, "enrollment_revoked")
    );
    let verified: Value = server
        .call("GET", &format!("/certificates/{code}"), None, None)
        .await
        .body;
    assert_eq!(
        verified["valid"], false,
        "the revoked certificate stays revoked: {verified}"
    );
    // Only an owner or admin restores it.
    let restore = json!({"user_id": id});
    let restored = server
        .call(
            "POST",
            &format!("{FREE}/enrollments"),
            Some(&admin),
            Some(restore),
        )
        .await;
    assert_eq!(restored.status, StatusCode::CREATED, "{}", restored.body);
}
