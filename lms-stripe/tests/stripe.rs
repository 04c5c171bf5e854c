//! lms-stripe against Stripe's own reference data: the signature vectors produced with the
//! official libraries, and the exact checkout requests they send (checked on a local fake
//! Stripe that records what it receives).

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::routing::post;
use lms_core::{
    BillingInterval, CheckoutRequest, Course, CourseStatus, MembershipPlan, Org, PaymentProvider,
    Price, Purchase, User,
};
use lms_stripe::{SignatureError, Stripe, StripeConfig, verify_signature};
use serde_json::Value;
use std::sync::{Arc, Mutex};

fn data(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn category(result: Result<(), SignatureError>) -> &'static str {
    match result {
        Ok(()) => "ok",
        Err(SignatureError::BadSignature) => "bad_signature",
        Err(SignatureError::TimestampOutOfTolerance) => "timestamp_out_of_tolerance",
        Err(SignatureError::NoSignatures) => "no_signatures",
        Err(SignatureError::MalformedHeader) => "malformed_header",
        Err(other) => panic!("a refusal the vectors do not name: {other:?}"),
    }
}

#[test]
fn every_vector_agrees_with_the_official_libraries() {
    let vectors = data("webhook-vectors.json");
    let cases = vectors["cases"].as_array().unwrap();
    assert!(cases.len() >= 12);
    for case in cases {
        let payload = case["payload"].as_str().unwrap().as_bytes();
        let header = case["header"].as_str().unwrap();
        let secret = case["secret"].as_str().unwrap();
        let (now, tolerance) = (
            case["now"].as_i64().unwrap(),
            case["tolerance"].as_i64().unwrap(),
        );
        let ours = category(verify_signature(payload, header, secret, now, tolerance));
        assert_eq!(ours, case["expected"], "case {}", case["id"]);
        for library in ["python", "node"] {
            assert_eq!(
                ours, case["official"][library]["category"],
                "case {} vs {library}",
                case["id"]
            );
        }
    }
}

#[test]
fn rotation_accepts_either_secret_and_reports_staleness() {
    let payload = br#"{"id":"evt_1"}"#;
    let header = lms_stripe::signature_header(payload, 1_000, "whsec_new");
    let secrets = vec!["whsec_old".to_owned(), "whsec_new".to_owned()];
    assert_eq!(
        lms_stripe::verify_with_any(payload, &header, &secrets, 1_100, 300),
        Ok(())
    );
    assert_eq!(
        lms_stripe::verify_with_any(payload, &header, &secrets, 2_000, 300),
        Err(SignatureError::TimestampOutOfTolerance)
    );
    let only_old = vec!["whsec_old".to_owned()];
    assert_eq!(
        lms_stripe::verify_with_any(payload, &header, &only_old, 1_100, 300),
        Err(SignatureError::BadSignature)
    );
}

/// What the fake Stripe received.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: String,
}

/// A local stand-in for api.stripe.com that records requests and answers like Stripe.
async fn fake_stripe() -> (String, Arc<Mutex<Vec<Received>>>) {
    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let record = |State(log): State<Arc<Mutex<Vec<Received>>>>,
                  uri: Uri,
                  headers: HeaderMap,
                  body: String| async move {
        let mut log = log.lock().unwrap();
        log.push(Received {
            path: uri.path().to_owned(),
            headers,
            body,
        });
        let id = format!("cs_test_{}", log.len());
        axum::Json(
            serde_json::json!({"id": id, "object": "checkout.session", "url": format!("https://checkout.stripe.com/c/pay/{id}")}),
        )
    };
    let app = axum::Router::new()
        .route("/v1/checkout/sessions", post(record))
        .route("/v1/subscriptions/{id}", post(record))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, received)
}

fn decoded(body: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    pairs.sort();
    pairs
}

fn reference_pairs(case: &Value) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = case["decoded_pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

/// The org, course and buyer of the reference requests.
fn reference_world() -> (Org, Course, User) {
    let now = chrono::Utc::now();
    let org = Org {
        id: "0193a1f2-6a00-7c11-8e22-f3a4b5c6d7e8".parse().unwrap(),
        slug: "lms".into(),
        name: "LMS Pro".into(),
        settings: serde_json::json!({}),
        membership_plan: Some(MembershipPlan {
            amount: 1500,
            currency: "eur".into(),
            interval: BillingInterval::Month,
        }),
        created_at: now,
    };
    let buyer = User {
        id: "0193a1f2-7c4e-7b2a-9d1e-3f5a6b7c8d9e".parse().unwrap(),
        email: "ada+test@example.com".into(),
        name: "Ada".into(),
        avatar_url: None,
        email_verified: true,
        created_at: now,
        external_id: None,
    };
    let course = Course {
        prerequisites: Vec::new(),
        id: "0193a1f2-8d10-7e55-a1b2-c3d4e5f60718".parse().unwrap(),
        org_id: org.id,
        slug: "rust-101".into(),
        title: "Rust für Einsteiger & Profis".into(),
        description: String::new(),
        status: CourseStatus::Published,
        price: Some(Price {
            amount: 4900,
            currency: "eur".into(),
        }),
        owner_id: buyer.id,
        metadata: serde_json::json!({}),
        created_at: now,
        updated_at: now,
    };
    (org, course, buyer)
}

#[tokio::test]
async fn checkout_sends_exactly_what_the_official_libraries_send() {
    let (base, received) = fake_stripe().await;
    let config = StripeConfig::new("sk_test_dummy_not_a_real_key", "whsec_x")
        .with_api_base(base)
        .with_allowed_redirect_origins(["https://lms.example.com"]);
    let stripe = Stripe::new(config);
    let (org, course, buyer) = reference_world();
    let reference = data("checkout-form.json");

    let course_request = CheckoutRequest {
        org: &org,
        purchase: Purchase::Course(&course),
        buyer: &buyer,
        success_url: "https://lms.example.com/checkout/success?session_id={CHECKOUT_SESSION_ID}",
        cancel_url: "https://lms.example.com/courses/rust-101",
    };
    let session = stripe
        .create_checkout(course_request.clone())
        .await
        .unwrap();
    assert_eq!(session.session_id, "cs_test_1");
    assert_eq!(
        session.checkout_url,
        "https://checkout.stripe.com/c/pay/cs_test_1"
    );
    stripe
        .create_checkout(course_request.clone())
        .await
        .unwrap(); // a double click

    let plan = org.membership_plan.clone().unwrap();
    let membership_request = CheckoutRequest {
        org: &org,
        purchase: Purchase::Membership(&plan),
        buyer: &buyer,
        success_url: "https://lms.example.com/membership/success?session_id={CHECKOUT_SESSION_ID}",
        cancel_url: "https://lms.example.com/membership",
    };
    stripe.create_checkout(membership_request).await.unwrap();
    stripe.cancel_at_period_end("sub_1QlmsPro42").await.unwrap();

    let log = received.lock().unwrap().clone();
    assert_eq!(log.len(), 4);
    let python = &reference["python"];
    for (request, case) in [(&log[0], &python[0]), (&log[2], &python[1])] {
        assert_eq!(request.path, "/v1/checkout/sessions");
        assert_eq!(
            decoded(&request.body),
            reference_pairs(case),
            "form of {}",
            case["params"]["mode"]
        );
        let expected_headers = &case["request"]["headers"];
        for name in ["Authorization", "Content-Type", "Stripe-Version"] {
            assert_eq!(
                request.headers[name].to_str().unwrap(),
                expected_headers[name],
                "{name}"
            );
        }
        assert!(request.headers.contains_key("Idempotency-Key"));
    }
    assert_eq!(
        decoded(&log[0].body),
        reference_pairs(&reference["node_payment_mode"]),
        "node agrees too"
    );
    let key = |r: &Received| r.headers["Idempotency-Key"].to_str().unwrap().to_owned();
    assert_eq!(
        key(&log[0]),
        key(&log[1]),
        "a double click reuses the key: one session"
    );
    assert!(key(&log[0]).starts_with("lms-checkout-0193a1f2-7c4e-7b2a-9d1e-3f5a6b7c8d9e-"));
    assert_ne!(key(&log[0]), key(&log[2]));
    assert_eq!(
        (log[3].path.as_str(), log[3].body.as_str()),
        (
            "/v1/subscriptions/sub_1QlmsPro42",
            "cancel_at_period_end=true"
        )
    );
}

#[tokio::test]
async fn redirects_off_the_allowed_origins_are_refused_before_calling_stripe() {
    let (base, received) = fake_stripe().await;
    let config = StripeConfig::new("sk_test_x", "whsec_x")
        .with_api_base(base)
        .with_allowed_redirect_origins(["https://lms.example.com"]);
    let stripe = Stripe::new(config);
    let (org, course, buyer) = reference_world();
    for (success, cancel, field) in [
        (
            "https://evil.example.net/x",
            "https://lms.example.com/c",
            "success_url",
        ),
        (
            "https://lms.example.com/ok",
            "https://lms.example.com.evil.net/",
            "cancel_url",
        ),
        (
            "javascript:alert(1)",
            "https://lms.example.com/c",
            "success_url",
        ),
        ("/relative", "https://lms.example.com/c", "success_url"),
        (
            "http://lms.example.com/ok",
            "https://lms.example.com/c",
            "success_url",
        ),
    ] {
        let request = CheckoutRequest {
            org: &org,
            purchase: Purchase::Course(&course),
            buyer: &buyer,
            success_url: success,
            cancel_url: cancel,
        };
        let err = stripe.create_checkout(request).await.unwrap_err();
        assert_eq!(err.code(), "validation_failed", "{success} {cancel}");
        let lms_core::LmsError::Validation(errors) = err else {
            unreachable!()
        };
        assert!(errors.0.iter().any(|e| e.field == field), "{errors:?}");
    }
    assert!(
        received.lock().unwrap().is_empty(),
        "nothing reached Stripe"
    );
}

#[test]
fn webhooks_are_verified_before_they_are_read() {
    let config = StripeConfig::new("sk_test_x", "whsec_old").with_webhook_secret("whsec_lms");
    let stripe = Stripe::new(config);
    let payload = std::fs::read(format!(
        "{}/tests/data/samples/lms_evt_checkout_session_completed.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let now = chrono::Utc::now().timestamp();
    let header = lms_stripe::signature_header(&payload, now, "whsec_lms");
    let event = stripe
        .read_webhook(&payload, &header)
        .unwrap()
        .expect("a checkout event");
    assert_eq!(event.id, "evt_1QlmsCheckoutCompleted01");
    let mut tampered = payload.clone();
    tampered[20] ^= 1;
    assert_eq!(
        stripe.read_webhook(&tampered, &header).unwrap_err().code(),
        "malformed_request"
    );
    let stale = lms_stripe::signature_header(&payload, now - 301, "whsec_lms");
    assert_eq!(
        stripe.read_webhook(&payload, &stale).unwrap_err().code(),
        "malformed_request"
    );
}
