//! The HTTP API against the real router on SQLite: status codes, problem+json, precedence,
//! pagination, body limits and a concurrent duplicate enrollment.

#[macro_use]
mod common;

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::{Backend, UserIdTokens, lms_on};
use http_body_util::BodyExt;
use lms_core::testing::World;
use lms_core::{Actor, Lms, NewUser, Role};
use lms_sqlite::SqliteStore;
use serde_json::{Value, json};
use tower::ServiceExt;

struct Api {
    app: Router,
    w: World,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

on_both_stores!(
    health_answers_ok,
    creating_an_org_follows_the_contract,
    denials_come_before_input_errors,
    a_learner_goes_through_a_course,
    pages_and_parameters_are_checked,
    bodies_over_one_mebibyte_are_refused,
    members_are_managed_by_admins,
    concurrent_duplicate_enrollments_give_one_201,
    owners_enroll_others_and_admins_revoke,
    certificates_are_issued_verified_and_rendered,
    stripe_webhooks_apply_once_in_any_order,
    selling_without_a_provider_is_not_configured,
    lesson_discussions_over_http,
);

mod auth_on {
    macro_rules! auth_cases {
        ($store:ident, $backend:expr) => {
            mod $store {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sign_up_sign_in_and_sign_out() {
                    super::super::built_in_auth::sign_up_sign_in_and_sign_out($backend).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sign_in_attempts_are_limited() {
                    super::super::built_in_auth::sign_in_attempts_are_limited($backend).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn expired_sessions_are_refused() {
                    super::super::built_in_auth::expired_sessions_are_refused($backend).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn a_host_with_its_own_auth_has_no_sign_in_routes() {
                    super::super::built_in_auth::a_host_with_its_own_auth_has_no_sign_in_routes(
                        $backend,
                    )
                    .await
                }
            }
        };
    }
    auth_cases!(sqlite, super::super::Backend::Sqlite);
    auth_cases!(postgres, super::super::Backend::Postgres);
}

impl Api {
    async fn new(backend: Backend) -> Self {
        let lms = lms_on(backend).await;
        let w = World::new(lms.clone()).await;
        Self {
            app: lms_axum::router_with_auth(lms, UserIdTokens),
            w,
        }
    }

    async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.expect("infallible");
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("body").to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("JSON reply")
        };
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        who: Option<Actor>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(Actor::User(id)) = who {
            request = request.header(header::AUTHORIZATION, format!("Bearer {id}"));
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        };
        self.send(request.expect("request")).await
    }

    async fn raw(
        &self,
        method: &str,
        path: &str,
        who: Actor,
        content_type: Option<&str>,
        body: &str,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Actor::User(id) = who {
            request = request.header(header::AUTHORIZATION, format!("Bearer {id}"));
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        self.send(request.body(Body::from(body.to_string())).expect("request"))
            .await
    }
}

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

#[track_caller]
fn assert_problem(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.body);
    assert_eq!(
        reply.headers[header::CONTENT_TYPE],
        "application/problem+json"
    );
    assert_eq!(
        (reply.body["status"].as_u64(), reply.body["code"].as_str()),
        (Some(status as u64), Some(code))
    );
    assert!(
        reply.body["title"].is_string()
            && reply.body["detail"].is_string()
            && reply.body["type"].is_string()
    );
}

async fn health_answers_ok(backend: Backend) {
    let api = Api::new(backend).await;
    let reply = api.call("GET", "/health", None, None).await;
    assert_eq!(
        (reply.status, reply.body.clone()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
}

async fn creating_an_org_follows_the_contract(backend: Backend) {
    let api = Api::new(backend).await;
    let who = Some(api.w.outsider);
    let new = json!({"slug": "beta", "name": "Beta"});
    assert_problem(
        &api.call("POST", "/orgs", None, Some(new.clone())).await,
        401,
        "unauthenticated",
    );
    assert_problem(
        &api.raw(
            "POST",
            "/orgs",
            api.w.outsider,
            Some("application/json"),
            "{nope",
        )
        .await,
        400,
        "malformed_request",
    );
    assert_problem(
        &api.raw("POST", "/orgs", api.w.outsider, None, &new.to_string())
            .await,
        415,
        "unsupported_media_type",
    );
    let missing = api
        .call("POST", "/orgs", who, Some(json!({"name": "Beta"})))
        .await;
    assert_problem(&missing, 422, "validation_failed");
    assert_eq!(missing.body["errors"][0]["field"], "slug");
    let wrong_type = api
        .call(
            "POST",
            "/orgs",
            who,
            Some(json!({"slug": "beta", "name": 5})),
        )
        .await;
    assert_eq!(wrong_type.body["errors"][0]["field"], "name");
    let created = api.call("POST", "/orgs", who, Some(new.clone())).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(
        (
            created.body["slug"].clone(),
            created.body["membership"].clone()
        ),
        (json!("beta"), Value::Null)
    );
    assert_problem(
        &api.call("POST", "/orgs", who, Some(new)).await,
        409,
        "slug_taken",
    );
    assert_eq!(
        api.call("GET", "/orgs/beta", None, None).await.body["name"],
        "Beta"
    );
    assert_problem(
        &api.call("GET", "/orgs/nope", None, None).await,
        404,
        "not_found",
    );
    assert_problem(
        &api.call("GET", "/no/such/route", None, None).await,
        404,
        "not_found",
    );
}

async fn denials_come_before_input_errors(backend: Backend) {
    let api = Api::new(backend).await;
    api.w.draft("secret", None).await;
    api.w.published("open", None).await;
    let bad = || Some(json!({"title": 5}));
    assert_problem(
        &api.raw(
            "POST",
            "/orgs",
            Actor::Anonymous,
            Some("application/json"),
            "{nope",
        )
        .await,
        401,
        "unauthenticated",
    );
    assert_problem(
        &api.call(
            "PATCH",
            "/orgs/acme/courses/secret",
            Some(api.w.learner),
            bad(),
        )
        .await,
        404,
        "not_found",
    );
    assert_problem(
        &api.call(
            "PATCH",
            "/orgs/acme/courses/open",
            Some(api.w.learner),
            bad(),
        )
        .await,
        403,
        "forbidden",
    );
    assert_problem(
        &api.call(
            "PATCH",
            "/orgs/acme/courses/open",
            Some(api.w.instructor),
            bad(),
        )
        .await,
        422,
        "validation_failed",
    );
    let unknown_token = Request::builder()
        .uri("/me")
        .header(header::AUTHORIZATION, "Bearer not-a-user")
        .body(Body::empty())
        .unwrap();
    assert_problem(&api.send(unknown_token).await, 401, "unauthenticated");
}

async fn a_learner_goes_through_a_course(backend: Backend) {
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

async fn certificates_are_issued_verified_and_rendered(backend: Backend) {
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
    assert_eq!(
        mine.body["verify_url"],
        format!("http://localhost/certificates/{code}")
    );
    assert_eq!(
        mine.body["pdf_url"],
        format!("http://localhost/certificates/{code}/pdf")
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

const WEBHOOK_SECRET: &str = "whsec_lms_http_test";

/// A Stripe event of `kind` about `object`, as Stripe would deliver it.
fn stripe_event(id: &str, kind: &str, created: i64, object: Value) -> String {
    serde_json::to_string_pretty(&json!({
        "id": id, "object": "event", "api_version": lms_stripe::STRIPE_VERSION, "created": created,
        "data": {"object": object}, "livemode": false, "type": kind
    }))
    .unwrap()
}

impl Api {
    /// An API whose LMS sells through Stripe (no Stripe call is made by these tests).
    async fn selling(backend: Backend) -> Self {
        let config = lms_stripe::StripeConfig::new("sk_test_unused", WEBHOOK_SECRET)
            .with_api_base("http://127.0.0.1:9")
            .with_allowed_redirect_origins(["https://app.test"]);
        let lms = lms_on(backend)
            .await
            .with_payments(lms_stripe::Stripe::new(config));
        let w = World::new(lms.clone()).await;
        Self {
            app: lms_axum::router_with_auth(lms, UserIdTokens),
            w,
        }
    }

    async fn deliver(&self, payload: &str, signature: Option<String>) -> Reply {
        let now = chrono::Utc::now().timestamp();
        let header = signature.unwrap_or_else(|| {
            lms_stripe::signature_header(payload.as_bytes(), now, WEBHOOK_SECRET)
        });
        let request = Request::builder()
            .method("POST")
            .uri("/webhooks/stripe")
            .header("stripe-signature", header)
            .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(Body::from(payload.to_owned()))
            .unwrap();
        self.send(request).await
    }
}

async fn stripe_webhooks_apply_once_in_any_order(backend: Backend) {
    let api = Api::selling(backend).await;
    let outline = api.w.published("paid", Some(4900)).await;
    let learner = api.w.learner.user_id().unwrap();
    let ids = json!({"lms_user_id": learner, "lms_course_id": outline.course.id, "lms_org_id": api.w.org_id});
    let now = chrono::Utc::now().timestamp();
    let session = json!({"id": "cs_http_1", "object": "checkout.session", "mode": "payment", "payment_status": "paid",
        "amount_total": 4900, "currency": "usd", "client_reference_id": learner, "metadata": ids,
        "customer_details": {"email": "someone.else@example.com"}});
    let paid = stripe_event("evt_http_paid", "checkout.session.completed", now, session);

    // Checkout: precedence and the allowed origins, decided before Stripe is called (its
    // address here answers nothing).
    let checkout = "/orgs/acme/courses/paid/checkout";
    let learner_actor = Some(api.w.learner);
    assert_problem(
        &api.call("POST", checkout, None, Some(json!({"success_url": 1})))
            .await,
        401,
        "unauthenticated",
    );
    let off_origin =
        json!({"success_url": "https://evil.test/ok", "cancel_url": "https://app.test/no"});
    let refused = api
        .call("POST", checkout, learner_actor, Some(off_origin))
        .await;
    assert_problem(&refused, 422, "validation_failed");
    assert_eq!(refused.body["errors"][0]["field"], "success_url");
    let missing = api
        .call(
            "POST",
            checkout,
            learner_actor,
            Some(json!({"success_url": "https://app.test/ok"})),
        )
        .await;
    assert_problem(&missing, 422, "validation_failed");
    let not_json = api
        .raw(
            "POST",
            checkout,
            api.w.learner,
            Some("application/json"),
            "{",
        )
        .await;
    assert_problem(&not_json, 400, "malformed_request");
    assert_problem(
        &api.call(
            "POST",
            "/orgs/acme/membership/checkout",
            learner_actor,
            Some(json!({})),
        )
        .await,
        404,
        "not_found",
    );

    // Tampered: 400, and nothing written.
    let tampered = paid.replace("4900", "1");
    let signature = lms_stripe::signature_header(paid.as_bytes(), now, WEBHOOK_SECRET);
    assert_problem(
        &api.deliver(&tampered, Some(signature)).await,
        400,
        "malformed_request",
    );
    assert_problem(
        &api.deliver(&paid, Some("t=1,v1=00".into())).await,
        400,
        "malformed_request",
    );
    assert_eq!(
        api.w
            .lms
            .enrollments(&api.w.admin, "acme", "paid", Default::default())
            .await
            .unwrap()
            .items
            .len(),
        0
    );

    // 10 deliveries one after another, then 20 at once: one enrollment, one payment record.
    for _ in 0..10 {
        let reply = api.deliver(&paid, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let api = std::sync::Arc::new(api);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (api, paid) = (api.clone(), paid.clone());
        tasks.spawn(async move { api.deliver(&paid, None).await.status });
    }
    assert!(
        tasks
            .join_all()
            .await
            .iter()
            .all(|status| *status == StatusCode::OK)
    );
    let admin = Some(api.w.admin);
    let enrollments = api
        .call("GET", "/orgs/acme/courses/paid/enrollments", admin, None)
        .await;
    assert_eq!(enrollments.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(enrollments.body["items"][0]["source"], "purchase");
    let payments = api.call("GET", "/orgs/acme/payments", admin, None).await;
    assert_eq!(
        payments.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        payments.body
    );
    assert_eq!(
        (
            payments.body["items"][0]["kind"].clone(),
            payments.body["items"][0]["amount"].clone()
        ),
        (json!("purchase"), json!(4900))
    );
    assert_problem(
        &api.call("GET", "/orgs/acme/payments", Some(api.w.learner), None)
            .await,
        403,
        "forbidden",
    );

    // A refund locks the lessons again and keeps the progress.
    let lesson = outline.modules[0].lessons[1].id;
    let lesson_path = format!("/orgs/acme/courses/paid/lessons/{lesson}");
    let done = api
        .call(
            "PUT",
            &format!("{lesson_path}/progress"),
            Some(api.w.learner),
            Some(json!({"percent": 100})),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    let charge = json!({"id": "ch_http_1", "object": "charge", "amount": 4900, "amount_refunded": 4900, "refunded": true,
        "currency": "usd", "metadata": ids});
    let refunded = api
        .deliver(
            &stripe_event("evt_http_refund", "charge.refunded", now + 5, charge),
            None,
        )
        .await;
    assert_eq!(refunded.status, StatusCode::OK, "{}", refunded.body);
    assert_problem(
        &api.call("GET", &lesson_path, Some(api.w.learner), None)
            .await,
        403,
        "enrollment_revoked",
    );
    let progress = api
        .call(
            "GET",
            "/orgs/acme/courses/paid/progress",
            Some(api.w.learner),
            None,
        )
        .await;
    assert_eq!(
        progress.body["completed_lessons"], 1,
        "progress kept: {}",
        progress.body
    );

    // Subscription reports delivered newest first: the newest state wins.
    let subscription = |status: &str, created: i64| {
        json!({"id": "sub_http_1", "object": "subscription", "status": status, "created": now - 1000,
            "cancel_at_period_end": false, "metadata": {"lms_user_id": learner, "lms_org_id": api.w.org_id},
            "items": {"data": [{"current_period_start": created, "current_period_end": created + 2_592_000}]}})
    };
    let reports = [
        stripe_event(
            "evt_http_sub_1",
            "customer.subscription.created",
            now + 10,
            subscription("active", now),
        ),
        stripe_event(
            "evt_http_sub_2",
            "customer.subscription.updated",
            now + 20,
            subscription("past_due", now),
        ),
        stripe_event(
            "evt_http_sub_3",
            "customer.subscription.deleted",
            now + 30,
            subscription("canceled", now),
        ),
    ];
    for report in reports.iter().rev() {
        assert_eq!(api.deliver(report, None).await.status, StatusCode::OK);
    }
    let mine = api
        .call("GET", "/orgs/acme/membership", Some(api.w.learner), None)
        .await;
    assert_eq!(mine.body["status"], "canceled", "{}", mine.body);
    assert_eq!(
        api.call("GET", "/orgs/acme/membership", Some(api.w.instructor), None)
            .await
            .body,
        json!({"status": "none"})
    );

    // Unknown types are acknowledged and ignored; an effect that fails is a 5xx, every time.
    let other = stripe_event(
        "evt_http_other",
        "customer.created",
        now,
        json!({"id": "cus_1", "object": "customer"}),
    );
    assert_eq!(api.deliver(&other, None).await.status, StatusCode::OK);
    let ghost = json!({"lms_user_id": learner, "lms_course_id": uuid::Uuid::now_v7(), "lms_org_id": api.w.org_id});
    let broken = stripe_event(
        "evt_http_ghost",
        "checkout.session.completed",
        now,
        json!({"id": "cs_ghost", "mode": "payment", "payment_status": "paid", "amount_total": 1, "currency": "usd", "metadata": ghost}),
    );
    for _ in 0..2 {
        assert!(api.deliver(&broken, None).await.status.is_server_error());
    }
}

async fn selling_without_a_provider_is_not_configured(backend: Backend) {
    let api = Api::new(backend).await;
    api.w.published("paid", Some(4900)).await;
    let learner = Some(api.w.learner);
    let urls = json!({"success_url": "https://app.test/ok", "cancel_url": "https://app.test/no"});
    let checkout = api
        .call(
            "POST",
            "/orgs/acme/courses/paid/checkout",
            learner,
            Some(urls.clone()),
        )
        .await;
    assert_problem(&checkout, 503, "payments_not_configured");
    assert_problem(
        &api.call("POST", "/orgs/acme/courses/paid/enrollments", learner, None)
            .await,
        402,
        "payment_required",
    );
    assert_problem(
        &api.call("POST", "/orgs/acme/courses/paid/checkout", None, Some(urls))
            .await,
        401,
        "unauthenticated",
    );
    let webhook = api.deliver("{}", None).await;
    assert_problem(&webhook, 503, "payments_not_configured");
    let plan = json!({"membership": {"amount": 900, "currency": "usd", "interval": "month"}});
    let org = api
        .call("PATCH", "/orgs/acme", Some(api.w.admin), Some(plan))
        .await;
    assert_eq!(
        org.body["membership"],
        json!({"amount": 900, "currency": "usd", "interval": "month"})
    );
}

async fn lesson_discussions_over_http(backend: Backend) {
    let api = Api::new(backend).await;
    let outline = api.w.published("rust", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    let posts = format!("/orgs/acme/courses/rust/lessons/{lesson}/posts");
    let learner = Some(api.w.learner);
    assert_problem(
        &api.call("GET", &posts, None, None).await,
        401,
        "unauthenticated",
    );
    assert_problem(
        &api.call("POST", &posts, learner, Some(json!({"body": "hi"})))
            .await,
        403,
        "not_enrolled",
    );
    assert_eq!(
        api.call("POST", "/orgs/acme/courses/rust/enrollments", learner, None)
            .await
            .status,
        StatusCode::CREATED
    );
    assert_problem(
        &api.raw("POST", &posts, api.w.learner, Some("application/json"), "{")
            .await,
        400,
        "malformed_request",
    );
    assert_problem(
        &api.call("POST", &posts, learner, Some(json!({"parent_id": null})))
            .await,
        422,
        "validation_failed",
    );
    let created = api
        .call(
            "POST",
            &posts,
            learner,
            Some(json!({"body": "Why `'static`?"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["author"]["name"], "Lea Learner");
    assert_eq!(
        (
            created.body["hidden"].clone(),
            created.body["edited_at"].clone()
        ),
        (json!(false), Value::Null)
    );
    let id = created.body["id"].as_str().unwrap().to_owned();
    let reply = api
        .call(
            "POST",
            &posts,
            Some(api.w.instructor),
            Some(json!({"body": "See chapter 10", "parent_id": id})),
        )
        .await;
    assert_eq!(
        (reply.status, reply.body["parent_id"].clone()),
        (StatusCode::CREATED, json!(id))
    );
    let listed = api
        .call("GET", &format!("{posts}?limit=1"), learner, None)
        .await;
    assert_eq!(
        (
            listed.body["items"][0]["id"].clone(),
            listed.body["next_cursor"].is_string()
        ),
        (json!(id), true)
    );
    let post = format!("/orgs/acme/courses/rust/posts/{id}");
    assert_problem(
        &api.call(
            "PATCH",
            &post,
            Some(api.w.instructor),
            Some(json!({"body": "edited"})),
        )
        .await,
        403,
        "forbidden",
    );
    assert_problem(
        &api.call("PATCH", &post, learner, Some(json!({"hidden": true})))
            .await,
        403,
        "forbidden",
    );
    let hidden = api
        .call(
            "PATCH",
            &post,
            Some(api.w.instructor),
            Some(json!({"hidden": true})),
        )
        .await;
    assert_eq!(
        (hidden.status, hidden.body["hidden"].clone()),
        (StatusCode::OK, json!(true))
    );
    let edited = api
        .call(
            "PATCH",
            &post,
            learner,
            Some(json!({"body": "Why 'static, really?"})),
        )
        .await;
    assert!(edited.body["edited_at"].is_string(), "{}", edited.body);
    assert_eq!(
        api.call("DELETE", &post, learner, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_problem(
        &api.call("DELETE", &post, learner, None).await,
        404,
        "not_found",
    );
    // Past the posting rate: 429 with Retry-After.
    let mut last = None;
    for i in 0..11 {
        last = Some(
            api.call(
                "POST",
                &posts,
                learner,
                Some(json!({"body": format!("post {i}")})),
            )
            .await,
        );
    }
    let limited = last.unwrap();
    assert_problem(&limited, 429, "rate_limited");
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
}

async fn pages_and_parameters_are_checked(backend: Backend) {
    let api = Api::new(backend).await;
    for i in 0..3 {
        api.w.draft(&format!("c{i}"), None).await;
        api.w.publish(&format!("c{i}")).await;
    }
    let first = api
        .call("GET", "/orgs/acme/courses?limit=2", None, None)
        .await;
    assert_eq!(first.body["items"].as_array().map(Vec::len), Some(2));
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let second = api
        .call(
            "GET",
            &format!("/orgs/acme/courses?limit=2&cursor={cursor}"),
            None,
            None,
        )
        .await;
    assert_eq!(
        (
            second.body["items"][0]["slug"].clone(),
            second.body["next_cursor"].clone()
        ),
        (json!("c2"), Value::Null)
    );
    assert_problem(
        &api.call("GET", "/orgs/acme/courses?limit=0", None, None)
            .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &api.call("GET", "/orgs/acme/courses?limit=201", None, None)
            .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &api.call("GET", "/orgs/acme/courses?limit=ten", None, None)
            .await,
        400,
        "malformed_request",
    );
    assert_problem(
        &api.call("GET", "/orgs/acme/courses?cursor=zzz", None, None)
            .await,
        400,
        "malformed_request",
    );
    assert_problem(
        &api.call("GET", "/orgs/acme/courses?status=gone", None, None)
            .await,
        400,
        "malformed_request",
    );
    let lesson = "/orgs/acme/courses/c0/lessons/not-a-uuid";
    assert_problem(
        &api.call("GET", lesson, Some(api.w.admin), None).await,
        400,
        "malformed_request",
    );
}

async fn bodies_over_one_mebibyte_are_refused(backend: Backend) {
    let api = Api::new(backend).await;
    let huge = format!(
        "{{\"slug\": \"big\", \"name\": \"{}\"}}",
        "x".repeat(1024 * 1024 + 1)
    );
    let reply = api
        .raw(
            "POST",
            "/orgs",
            api.w.outsider,
            Some("application/json"),
            &huge,
        )
        .await;
    assert_problem(&reply, 413, "payload_too_large");
}

async fn members_are_managed_by_admins(backend: Backend) {
    let api = Api::new(backend).await;
    let bea = api.w.new_user("bea@acme.test").await.user_id().unwrap();
    let add = api
        .call(
            "POST",
            "/orgs/acme/members",
            Some(api.w.admin),
            Some(json!({"email": "bea@acme.test", "role": "learner"})),
        )
        .await;
    assert_eq!(
        (add.status, add.body["role"].clone()),
        (StatusCode::CREATED, json!("learner"))
    );
    assert_problem(
        &api.call("GET", "/orgs/acme/members", Some(api.w.learner), None)
            .await,
        403,
        "forbidden",
    );
    let role = api
        .call(
            "PUT",
            &format!("/orgs/acme/members/{bea}"),
            Some(api.w.admin),
            Some(json!({"role": "instructor"})),
        )
        .await;
    assert_eq!(
        (role.status, role.body["role"].clone()),
        (StatusCode::OK, json!("instructor"))
    );
    let bad_role = api
        .call(
            "PUT",
            &format!("/orgs/acme/members/{bea}"),
            Some(api.w.admin),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_problem(&bad_role, 422, "validation_failed");
    let removed = api
        .call(
            "DELETE",
            &format!("/orgs/acme/members/{bea}"),
            Some(api.w.admin),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let admin = api.w.admin.user_id().unwrap();
    assert_problem(
        &api.call(
            "DELETE",
            &format!("/orgs/acme/members/{admin}"),
            Some(api.w.admin),
            None,
        )
        .await,
        409,
        "conflict",
    );
}

async fn concurrent_duplicate_enrollments_give_one_201(backend: Backend) {
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

async fn owners_enroll_others_and_admins_revoke(backend: Backend) {
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

mod built_in_auth {
    use super::*;
    use lms_axum::AuthConfig;
    use std::time::Duration;

    async fn api(backend: Backend, config: AuthConfig) -> Api {
        let lms = lms_on(backend).await;
        let w = World::new(lms.clone()).await;
        Api {
            app: lms_axum::router_with_builtin_auth(lms, config),
            w,
        }
    }

    async fn bearer(api: &Api, method: &str, path: &str, token: &str) -> Reply {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        api.send(request).await
    }

    pub async fn sign_up_sign_in_and_sign_out(backend: Backend) {
        let api = api(backend, AuthConfig::default()).await;
        let new =
            json!({"email": "Zoe@Example.com", "password": "correct horse battery", "name": "Zoë"});
        let up = api
            .call("POST", "/auth/sign-up", None, Some(new.clone()))
            .await;
        assert_eq!(up.status, StatusCode::CREATED, "{}", up.body);
        assert_eq!(up.body["user"]["email"], "zoe@example.com");
        assert!(
            up.body["user"].get("password").is_none()
                && up.body["user"].get("password_hash").is_none()
        );
        let cookie = up.headers[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(
            cookie.starts_with("lms_session=")
                && cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert!(!cookie.contains("Secure"), "plain http by default");
        let token = up.body["token"].as_str().unwrap().to_string();
        assert_eq!(
            bearer(&api, "GET", "/me", &token).await.body["user"]["name"],
            "Zoë"
        );
        let by_cookie = Request::builder()
            .uri("/me")
            .header(header::COOKIE, format!("theme=dark; lms_session={token}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(api.send(by_cookie).await.status, StatusCode::OK);

        assert_problem(
            &api.call("POST", "/auth/sign-up", None, Some(new)).await,
            409,
            "email_taken",
        );
        let short = api
            .call(
                "POST",
                "/auth/sign-up",
                None,
                Some(json!({"email": "x@y.test", "password": "short", "name": "X"})),
            )
            .await;
        assert_problem(&short, 422, "validation_failed");
        assert_eq!(short.body["errors"][0]["field"], "password");
        let both = api
            .call(
                "POST",
                "/auth/sign-up",
                None,
                Some(json!({"email": "nope", "password": "short", "name": "X"})),
            )
            .await;
        let fields: Vec<_> = both.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].clone())
            .collect();
        assert_eq!(fields, [json!("email"), json!("password")]);

        let wrong = api
            .call(
                "POST",
                "/auth/sign-in",
                None,
                Some(json!({"email": "zoe@example.com", "password": "wrong password!"})),
            )
            .await;
        let unknown = api
            .call(
                "POST",
                "/auth/sign-in",
                None,
                Some(json!({"email": "nobody@example.com", "password": "wrong password!"})),
            )
            .await;
        assert_problem(&wrong, 401, "unauthenticated");
        assert_eq!(
            wrong.body, unknown.body,
            "the same answer for an unknown email and a wrong password"
        );
        let signed_in = api
            .call(
                "POST",
                "/auth/sign-in",
                None,
                Some(json!({"email": "ZOE@example.com", "password": "correct horse battery"})),
            )
            .await;
        assert_eq!(signed_in.status, StatusCode::OK);
        let second = signed_in.body["token"].as_str().unwrap().to_string();
        assert_ne!(second, token, "every sign-in opens its own session");

        let out = bearer(&api, "POST", "/auth/sign-out", &token).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT);
        assert!(
            out.headers[header::SET_COOKIE]
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
        assert_problem(
            &bearer(&api, "GET", "/me", &token).await,
            401,
            "unauthenticated",
        );
        assert_eq!(
            bearer(&api, "GET", "/me", &second).await.status,
            StatusCode::OK,
            "other sessions live on"
        );
        assert_problem(
            &api.call("POST", "/auth/sign-out", None, None).await,
            401,
            "unauthenticated",
        );
    }

    pub async fn sign_in_attempts_are_limited(backend: Backend) {
        let api = api(
            backend,
            AuthConfig {
                signin_attempts_per_minute: 3,
                ..AuthConfig::default()
            },
        )
        .await;
        let up = json!({"email": "lim@example.com", "password": "long enough pass", "name": "Lim"});
        assert_eq!(
            api.call("POST", "/auth/sign-up", None, Some(up))
                .await
                .status,
            StatusCode::CREATED
        );
        let attempt = json!({"email": "lim@example.com", "password": "not the password"});
        for _ in 0..3 {
            assert_problem(
                &api.call("POST", "/auth/sign-in", None, Some(attempt.clone()))
                    .await,
                401,
                "unauthenticated",
            );
        }
        let limited = api.call("POST", "/auth/sign-in", None, Some(attempt)).await;
        assert_problem(&limited, 429, "rate_limited");
        let retry: u64 = limited.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        let right = json!({"email": "lim@example.com", "password": "long enough pass"});
        assert_problem(
            &api.call("POST", "/auth/sign-in", None, Some(right)).await,
            429,
            "rate_limited",
        );
    }

    pub async fn expired_sessions_are_refused(backend: Backend) {
        // Generous margins: a loaded CI machine must not expire the session before the first use.
        let api = api(
            backend,
            AuthConfig {
                session_ttl: Duration::from_secs(3),
                ..AuthConfig::default()
            },
        )
        .await;
        let up =
            json!({"email": "brief@example.com", "password": "long enough pass", "name": "Brief"});
        let token = api.call("POST", "/auth/sign-up", None, Some(up)).await.body["token"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            bearer(&api, "GET", "/me", &token).await.status,
            StatusCode::OK
        );
        tokio::time::sleep(Duration::from_millis(3500)).await;
        assert_problem(
            &bearer(&api, "GET", "/me", &token).await,
            401,
            "unauthenticated",
        );
    }

    pub async fn a_host_with_its_own_auth_has_no_sign_in_routes(backend: Backend) {
        let api = Api::new(backend).await;
        let reply = api
            .call(
                "POST",
                "/auth/sign-in",
                None,
                Some(json!({"email": "a@b.test", "password": "whatever123"})),
            )
            .await;
        assert_problem(&reply, 404, "not_found");
    }
}

mod hardening {
    use super::*;
    use lms_axum::ApiConfig;
    use std::time::Duration;

    async fn api(config: ApiConfig) -> Api {
        let lms = Lms::new(SqliteStore::memory().await.expect("store"));
        let w = World::new(lms.clone()).await;
        Api {
            app: lms_axum::router_with_config(lms, config),
            w,
        }
    }

    #[tokio::test]
    async fn every_response_carries_a_request_id() {
        let api = api(ApiConfig::default()).await;
        let fresh = api.call("GET", "/health", None, None).await;
        let id = fresh.headers["x-request-id"].to_str().unwrap();
        assert_eq!(id.len(), 36, "a UUID: {id}");
        let given = Request::builder()
            .uri("/orgs/nope")
            .header("x-request-id", "client-chosen-1")
            .body(Body::empty())
            .unwrap();
        let reply = api.send(given).await;
        assert_eq!(
            (
                reply.status,
                reply.headers["x-request-id"].to_str().unwrap()
            ),
            (StatusCode::NOT_FOUND, "client-chosen-1")
        );
    }

    #[tokio::test]
    async fn links_follow_the_mount_point_or_the_configured_public_url() {
        for (public_url, expected_base) in [
            (None, "http://lms.test:8080/api/v1"),
            (
                Some("https://lms.example.com/api/v1/"),
                "https://lms.example.com/api/v1",
            ),
        ] {
            let lms = Lms::new(SqliteStore::memory().await.expect("store"));
            let w = World::new(lms.clone()).await;
            let config = ApiConfig {
                public_url: public_url.map(String::from),
                ..ApiConfig::default()
            };
            let app =
                axum::Router::new().nest("/api/v1", lms_axum::router_with_config(lms, config));
            let api = Api { app, w };
            api.w.published("c", None).await;
            api.w.lms.enroll(&api.w.learner, "acme", "c").await.unwrap();
            let outline = api
                .w
                .lms
                .course(&api.w.instructor, "acme", "c")
                .await
                .unwrap();
            for lesson in &outline.modules[0].lessons {
                let done = lms_core::ProgressUpdate {
                    percent: Some(100),
                    status: None,
                };
                api.w
                    .lms
                    .record_progress(&api.w.learner, "acme", "c", lesson.id, done)
                    .await
                    .unwrap();
            }
            let quiz = outline.modules[1].lessons[0].id;
            api.w
                .lms
                .submit_attempt(
                    &api.w.learner,
                    "acme",
                    "c",
                    quiz,
                    json!({"q1": "b", "q2": true}),
                )
                .await
                .unwrap();
            let code = api
                .w
                .lms
                .certificate(&api.w.learner, "acme", "c")
                .await
                .unwrap()
                .code;
            let request = Request::builder()
                .uri(format!("/api/v1/certificates/{code}"))
                .header(header::HOST, "lms.test:8080")
                .body(Body::empty())
                .unwrap();
            let reply = api.send(request).await;
            assert_eq!(
                reply.body["verify_url"],
                format!("{expected_base}/certificates/{code}")
            );
            assert_eq!(
                reply.body["pdf_url"],
                format!("{expected_base}/certificates/{code}/pdf")
            );
        }
    }

    #[tokio::test]
    async fn cors_answers_only_configured_origins() {
        let config = ApiConfig {
            cors_allowed_origins: vec!["https://app.example.com".into()],
            ..ApiConfig::default()
        };
        let api = api(config).await;
        let preflight = |origin: &str| {
            Request::builder()
                .method("OPTIONS")
                .uri("/orgs")
                .header(header::ORIGIN, origin)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .body(Body::empty())
                .unwrap()
        };
        let allowed = api.send(preflight("https://app.example.com")).await;
        assert_eq!(
            allowed.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://app.example.com"
        );
        assert_eq!(
            allowed.headers[header::ACCESS_CONTROL_ALLOW_CREDENTIALS],
            "true"
        );
        let other = api.send(preflight("https://evil.example.net")).await;
        assert!(
            other
                .headers
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_none()
        );
        // An EventSource reconnecting from the front end's origin sends Last-Event-ID.
        let reconnect = Request::builder()
            .method("OPTIONS")
            .uri("/me/events")
            .header(header::ORIGIN, "https://app.example.com")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "last-event-id")
            .body(Body::empty())
            .unwrap();
        let allowed = api.send(reconnect).await;
        let headers = allowed.headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        assert!(headers.contains("last-event-id"), "{headers}");
    }

    /// A store whose health check takes 3 s.
    struct SlowPing(SqliteStore);

    #[async_trait]
    impl lms_core::Store for SlowPing {
        async fn begin(
            &self,
            access: lms_core::Access,
        ) -> Result<Box<dyn lms_core::StoreTx>, lms_core::StoreError> {
            self.0.begin(access).await
        }

        async fn ping(&self) -> Result<(), lms_core::StoreError> {
            tokio::time::sleep(Duration::from_secs(3)).await;
            self.0.ping().await
        }

        async fn last_event_seq(&self) -> Result<lms_core::EventSeq, lms_core::StoreError> {
            self.0.last_event_seq().await
        }

        async fn event_heads(
            &self,
            after: lms_core::EventSeq,
            limit: u32,
        ) -> Result<Vec<lms_core::EventHead>, lms_core::StoreError> {
            self.0.event_heads(after, limit).await
        }

        async fn listen(
            &self,
        ) -> Result<Option<Box<dyn lms_core::EventSignals>>, lms_core::StoreError> {
            self.0.listen().await
        }
    }

    #[tokio::test]
    async fn slow_requests_are_cut_off_with_503() {
        let lms = Lms::new(SlowPing(SqliteStore::memory().await.expect("store")));
        let w = World::new(lms.clone()).await;
        let config = ApiConfig {
            request_timeout: Duration::from_millis(750),
            ..ApiConfig::default()
        };
        let api = Api {
            app: lms_axum::router_with_config(lms, config),
            w,
        };
        assert_problem(
            &api.call("GET", "/health", None, None).await,
            503,
            "unavailable",
        );
        assert_eq!(
            api.call("GET", "/orgs/acme", None, None).await.status,
            StatusCode::OK,
            "fast requests pass"
        );
    }
}

mod openapi {
    use super::*;
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
            app: lms_axum::router(lms),
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
            .filter(|(method, _)| {
                ["get", "post", "put", "patch", "delete"].contains(&method.as_str())
            })
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
}

mod every_route {
    //! For every route: the happy path, no sign-in, the wrong role, another tenant's
    //! address, a malformed body and invalid values — each on a fresh world.
    use super::*;

    /// Who makes a request, relative to the world.
    #[derive(Clone, Copy, Debug)]
    enum Who {
        Nobody,
        Admin,
        Owner,
        Learner,
        Outsider,
    }

    struct Route {
        method: &'static str,
        /// `{lesson}`, `{quiz}`, `{module}`, `{learner}` are filled from the world.
        path: &'static str,
        /// The caller who may, the body, and the status they get.
        ok: (Who, Option<Value>, u16),
        /// A caller who may not, and the status they get.
        denied: Option<(Who, u16)>,
        /// A body of the right JSON type with invalid values (422), for routes with a body.
        invalid: Option<Value>,
    }

    fn routes() -> Vec<Route> {
        let r = |method, path, ok, denied, invalid| Route {
            method,
            path,
            ok,
            denied,
            invalid,
        };
        use Who::*;
        vec![
            r(
                "GET",
                "/me",
                (Learner, None, 200),
                Some((Nobody, 401)),
                None,
            ),
            r(
                "GET",
                "/me/courses",
                (Learner, None, 200),
                Some((Nobody, 401)),
                None,
            ),
            r(
                "POST",
                "/orgs",
                (
                    Outsider,
                    Some(json!({"slug": "fresh", "name": "Fresh"})),
                    201,
                ),
                Some((Nobody, 401)),
                Some(json!({"slug": "-x-", "name": ""})),
            ),
            r("GET", "/orgs/acme", (Nobody, None, 200), None, None),
            r(
                "PATCH",
                "/orgs/acme",
                (Admin, Some(json!({"name": "Acme 2"})), 200),
                Some((Owner, 403)),
                Some(json!({"settings": [1]})),
            ),
            r(
                "GET",
                "/orgs/acme/members",
                (Admin, None, 200),
                Some((Learner, 403)),
                None,
            ),
            r(
                "POST",
                "/orgs/acme/members",
                (
                    Admin,
                    Some(json!({"email": "outsider@else.test", "role": "learner"})),
                    201,
                ),
                Some((Owner, 403)),
                Some(json!({"email": "not an email", "role": "learner"})),
            ),
            r(
                "PUT",
                "/orgs/acme/members/{learner}",
                (Admin, Some(json!({"role": "instructor"})), 200),
                Some((Learner, 403)),
                Some(json!({"role": "emperor"})),
            ),
            r(
                "DELETE",
                "/orgs/acme/members/{learner}",
                (Admin, None, 204),
                Some((Owner, 403)),
                None,
            ),
            r("GET", "/orgs/acme/courses", (Nobody, None, 200), None, None),
            r(
                "POST",
                "/orgs/acme/courses",
                (Owner, Some(json!({"slug": "new", "title": "New"})), 201),
                Some((Learner, 403)),
                Some(
                    json!({"slug": "new", "title": "", "price": {"amount": -1, "currency": "usd"}}),
                ),
            ),
            r(
                "GET",
                "/orgs/acme/courses/c",
                (Nobody, None, 200),
                None,
                None,
            ),
            r(
                "PATCH",
                "/orgs/acme/courses/c",
                (Owner, Some(json!({"title": "Renamed"})), 200),
                Some((Learner, 403)),
                Some(json!({"title": ""})),
            ),
            r(
                "POST",
                "/orgs/acme/courses/c/modules",
                (Owner, Some(json!({"title": "More"})), 201),
                Some((Learner, 403)),
                Some(json!({"title": ""})),
            ),
            r(
                "PATCH",
                "/orgs/acme/courses/c/modules/{module}",
                (Owner, Some(json!({"title": "Renamed"})), 200),
                Some((Learner, 403)),
                Some(json!({"title": ""})),
            ),
            r(
                "DELETE",
                "/orgs/acme/courses/c/modules/{module}",
                (Admin, None, 204),
                Some((Learner, 403)),
                None,
            ),
            r(
                "POST",
                "/orgs/acme/courses/c/modules/{module}/lessons",
                (
                    Owner,
                    Some(json!({"title": "T", "kind": "text", "content": {"markdown": "m"}})),
                    201,
                ),
                Some((Learner, 403)),
                Some(json!({"title": "T", "kind": "video", "content": {}})),
            ),
            r(
                "GET",
                "/orgs/acme/courses/c/lessons/{lesson}",
                (Learner, None, 200),
                Some((Outsider, 403)),
                None,
            ),
            r(
                "PATCH",
                "/orgs/acme/courses/c/lessons/{lesson}",
                (Owner, Some(json!({"free_preview": true})), 200),
                Some((Learner, 403)),
                Some(json!({"duration_minutes": 100000000})),
            ),
            r(
                "DELETE",
                "/orgs/acme/courses/c/lessons/{lesson}",
                (Owner, None, 204),
                Some((Learner, 403)),
                None,
            ),
            r(
                "PUT",
                "/orgs/acme/courses/c/curriculum",
                (Owner, None, 200),
                Some((Learner, 403)),
                Some(json!({"modules": []})),
            ),
            r(
                "POST",
                "/orgs/acme/courses/c/enrollments",
                (Outsider, None, 201),
                Some((Nobody, 401)),
                Some(json!({"user_id": "nope"})),
            ),
            r(
                "GET",
                "/orgs/acme/courses/c/enrollments",
                (Owner, None, 200),
                Some((Learner, 403)),
                None,
            ),
            r(
                "DELETE",
                "/orgs/acme/courses/c/enrollments/{learner}",
                (Admin, None, 204),
                Some((Owner, 403)),
                None,
            ),
            r(
                "PUT",
                "/orgs/acme/courses/c/lessons/{lesson}/progress",
                (Learner, Some(json!({"percent": 50})), 200),
                Some((Outsider, 403)),
                Some(json!({"percent": 101})),
            ),
            r(
                "GET",
                "/orgs/acme/courses/c/progress",
                (Learner, None, 200),
                Some((Outsider, 403)),
                None,
            ),
            r(
                "GET",
                "/orgs/acme/courses/c/report",
                (Owner, None, 200),
                Some((Learner, 403)),
                None,
            ),
            r(
                "GET",
                "/orgs/acme/reports/courses",
                (Admin, None, 200),
                Some((Owner, 403)),
                None,
            ),
            r(
                "POST",
                "/orgs/acme/courses/c/lessons/{quiz}/attempts",
                (Learner, Some(json!({"answers": {"q1": "b"}})), 201),
                Some((Outsider, 403)),
                Some(json!({"answers": ["b"]})),
            ),
            r(
                "GET",
                "/orgs/acme/courses/c/lessons/{quiz}/attempts",
                (Learner, None, 200),
                Some((Outsider, 403)),
                None,
            ),
        ]
    }

    async fn check(backend: Backend) {
        let mut checked = 0;
        for route in routes() {
            let api = Api::new(backend).await;
            let outline = api.w.published("c", None).await;
            api.w.lms.enroll(&api.w.learner, "acme", "c").await.unwrap();
            api.w
                .lms
                .create_org(
                    &api.w.outsider,
                    lms_core::NewOrg {
                        slug: "other".into(),
                        name: "Other".into(),
                    },
                )
                .await
                .unwrap();
            let ids = [
                ("{lesson}", outline.modules[0].lessons[0].id.to_string()),
                ("{quiz}", outline.modules[1].lessons[0].id.to_string()),
                ("{module}", outline.modules[0].module.id.to_string()),
                ("{learner}", api.w.learner.user_id().unwrap().to_string()),
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
                let elsewhere = path.replacen("/orgs/acme/", "/orgs/other/", 1);
                let reply = api
                    .call(route.method, &elsewhere, actor(Who::Outsider), body.clone())
                    .await;
                assert_eq!(
                    reply.status.as_u16(),
                    404,
                    "{what} through another org: {}",
                    reply.body
                );
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
            checked += 1;
        }
        assert_eq!(checked, routes().len());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        check(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        check(Backend::Postgres).await;
    }
}
