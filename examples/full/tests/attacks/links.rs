//! Finding 9: links built from the caller's `Host` header.

use super::membership::complete_free_course;
use super::{Backend, PUBLIC_URL, Server, request};
use axum::http::{StatusCode, header};

pub async fn links_ignore_a_forged_host(backend: Backend) {
    let server = Server::start(backend, |_| {}).await;
    let learner = server.demo("learner").await;
    complete_free_course(&server, &learner).await;
    let forged = |path: &str, token: Option<&str>| {
        let mut request = request("GET", path, token, None);
        request
            .headers_mut()
            .insert(header::HOST, "evil.test".parse().unwrap());
        request
    };
    let path = "/orgs/demo/courses/rust-101/certificate";
    let certificate = server
        .send_from([10, 0, 0, 3], forged(path, Some(&learner)))
        .await;
    assert_eq!(certificate.status, StatusCode::OK);
    let code = certificate.body["code"].as_str().unwrap();
    assert_eq!(
        certificate.body["verify_url"],
        format!("{PUBLIC_URL}/certificates/{code}")
    );
    assert_eq!(
        certificate.body["pdf_url"],
        format!("{PUBLIC_URL}/api/v1/certificates/{code}/pdf")
    );
    let document = server
        .send_from([10, 0, 0, 3], forged("/openapi.json", None))
        .await;
    assert_eq!(
        document.body["servers"][0]["url"],
        format!("{PUBLIC_URL}/api/v1")
    );
    for reply in [&certificate, &document] {
        assert!(!String::from_utf8_lossy(&reply.bytes).contains("evil.test"));
    }
}
