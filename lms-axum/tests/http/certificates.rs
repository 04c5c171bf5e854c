//! Certificates: issued on completion, verified by anyone, rendered as a PDF, and marked
//! when the enrollment is revoked.

use crate::api::{Api, assert_problem};
use crate::common::Backend;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use lms_core::{Actor, NewUser, Role};
use serde_json::json;
use tower::ServiceExt;

/// A reply whose body is not JSON (a PDF).
struct BinaryReply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Api {
    async fn get_binary(&self, path: &str, if_none_match: Option<&str>) -> BinaryReply {
        let mut request = Request::builder().uri(path);
        if let Some(etag) = if_none_match {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        let response = self
            .app
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .expect("infallible");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("body").to_bytes().to_vec();
        BinaryReply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

/// The text of a PDF as poppler's `pdftotext` extracts it (scripts/test.sh installs it).
fn pdftotext(pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("lms-axum-{}.pdf", uuid::Uuid::now_v7()));
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output();
    std::fs::remove_file(&path).unwrap();
    let output = output
        .expect("pdftotext (poppler-utils) must be installed: run scripts/test.sh or apt-get install poppler-utils");
    assert!(
        output.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

pub async fn certificates_are_issued_verified_and_rendered(backend: Backend) {
    let api = Api::new(backend).await;
    let outline = api.w.published("rust", None).await;
    let zoe = api.w.lms.create_user(NewUser {
        email: "zoe@acme.test".into(),
        name: "Zoë Łukasz 山田".into(),
    });
    let zoe = zoe.await.unwrap().id;
    api.w
        .lms
        .set_member_role(&api.w.admin, "acme", zoe, Role::Learner)
        .await
        .unwrap();
    let learner = Some(Actor::User(zoe));
    let path = |rest: &str| format!("/orgs/acme/courses/rust{rest}");
    assert_problem(
        &api.call("GET", &path("/certificate"), None, None).await,
        401,
        "unauthenticated",
    );
    assert_problem(
        &api.call("GET", &path("/certificate"), learner, None).await,
        403,
        "not_enrolled",
    );
    assert_eq!(
        api.call("POST", &path("/enrollments"), learner, None)
            .await
            .status,
        StatusCode::CREATED
    );
    assert_problem(
        &api.call("GET", &path("/certificate"), learner, None).await,
        404,
        "not_found",
    );
    for lesson in &outline.modules[0].lessons {
        let progress = json!({"status": "completed"});
        let reply = api
            .call(
                "PUT",
                &path(&format!("/lessons/{}/progress", lesson.id)),
                learner,
                Some(progress),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let quiz = outline.modules[1].lessons[0].id;
    let answers = json!({"answers": {"q1": "b", "q2": true}});
    assert_eq!(
        api.call(
            "POST",
            &path(&format!("/lessons/{quiz}/attempts")),
            learner,
            Some(answers)
        )
        .await
        .status,
        StatusCode::CREATED
    );

    let mine = api.call("GET", &path("/certificate"), learner, None).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    let code = mine.body["code"].as_str().unwrap().to_owned();
    // Absolute, from the router's public URL.
    let base = crate::common::PUBLIC_URL;
    assert_eq!(
        mine.body["verify_url"],
        format!("{base}/certificates/{code}")
    );
    assert_eq!(
        mine.body["pdf_url"],
        format!("{base}/certificates/{code}/pdf")
    );
    assert!(mine.body["issued_at"].is_string());

    // Anyone verifies, signed in or not; unknown codes and non-codes are 404.
    let verified = api
        .call("GET", &format!("/certificates/{code}"), None, None)
        .await;
    assert_eq!(verified.status, StatusCode::OK);
    let expected = json!([true, "Zoë Łukasz 山田", "Course rust", "Acme", null]);
    let fields = [
        "valid",
        "learner_name",
        "course_title",
        "org_name",
        "revoked_reason",
    ];
    assert_eq!(json!(fields.map(|f| verified.body[f].clone())), expected);
    assert_eq!(verified.body["issued_at"], mine.body["issued_at"]);
    let unknown = lms_core::CertificateCode::generate();
    assert_problem(
        &api.call("GET", &format!("/certificates/{unknown}"), None, None)
            .await,
        404,
        "not_found",
    );
    assert_problem(
        &api.call("GET", "/certificates/nope", None, None).await,
        404,
        "not_found",
    );
    assert_problem(
        &api.call("GET", &format!("/certificates/{unknown}/pdf"), None, None)
            .await,
        404,
        "not_found",
    );

    // The PDF: the name in three scripts, the course, the code; the same bytes every time.
    let pdf = api
        .get_binary(&format!("/certificates/{code}/pdf"), None)
        .await;
    assert_eq!(
        (
            pdf.status,
            pdf.headers[header::CONTENT_TYPE].to_str().unwrap()
        ),
        (StatusCode::OK, "application/pdf")
    );
    let text = pdftotext(&pdf.body);
    for expected in ["Zoë Łukasz 山田", "Course rust", "Acme", code.as_str()] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    assert_eq!(
        api.get_binary(&format!("/certificates/{code}/pdf"), None)
            .await
            .body,
        pdf.body
    );
    let etag = pdf.headers[header::ETAG].to_str().unwrap();
    let revalidated = api
        .get_binary(&format!("/certificates/{code}/pdf"), Some(etag))
        .await;
    assert_eq!(
        (revalidated.status, revalidated.body.len()),
        (StatusCode::NOT_MODIFIED, 0)
    );
    let letter = api
        .get_binary(&format!("/certificates/{code}/pdf?paper=letter"), None)
        .await;
    assert_eq!(letter.status, StatusCode::OK);
    assert_ne!(letter.body, pdf.body);
    assert_problem(
        &api.call(
            "GET",
            &format!("/certificates/{code}/pdf?paper=a5"),
            None,
            None,
        )
        .await,
        400,
        "malformed_request",
    );

    // Revoking the enrollment keeps the certificate, marked invalid, in JSON and in the PDF.
    let revoke = api
        .call(
            "DELETE",
            &path(&format!("/enrollments/{zoe}")),
            Some(api.w.admin),
            None,
        )
        .await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT);
    let revoked = api
        .call("GET", &format!("/certificates/{code}"), None, None)
        .await;
    assert_eq!(
        (
            revoked.body["valid"].clone(),
            revoked.body["revoked_reason"].clone()
        ),
        (json!(false), json!("enrollment_revoked"))
    );
    let revoked_pdf = api
        .get_binary(&format!("/certificates/{code}/pdf"), Some(etag))
        .await;
    assert_eq!(
        revoked_pdf.status,
        StatusCode::OK,
        "the old ETag no longer matches"
    );
    assert!(pdftotext(&revoked_pdf.body).contains("REVOKED"));
}
