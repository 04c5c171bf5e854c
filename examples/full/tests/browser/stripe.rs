//! Buying a course in the browser, with Stripe played by a local fake: it checks the
//! Checkout Session the server asks for and "pays" at once by sending the browser to the
//! session's `success_url`; the test then delivers the signed `checkout.session.completed`
//! webhook that Stripe would send, built from what the server asked for.

use crate::browser::{Browser, Server};
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const WEBHOOK_SECRET: &str = "whsec_browser_test";

/// The forms of the Checkout Sessions the server created, in order.
type Sessions = Arc<Mutex<Vec<HashMap<String, String>>>>;

/// A fake of Stripe's `POST /v1/checkout/sessions` on a free port: its base URL and what it
/// was sent.
async fn fake_stripe() -> (String, Sessions) {
    let sessions = Sessions::default();
    let create = |State(sessions): State<Sessions>, form: String| async move {
        let form: HashMap<String, String> = url::form_urlencoded::parse(form.as_bytes())
            .into_owned()
            .collect();
        let paid = form["success_url"].clone();
        sessions.lock().unwrap().push(form);
        axum::Json(json!({"id": "cs_test_browser", "object": "checkout.session", "url": paid}))
    };
    let app = Router::new()
        .route("/v1/checkout/sessions", post(create))
        .with_state(sessions.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, sessions)
}

/// Delivers, signed, the event Stripe sends once the checkout `session` is paid.
async fn deliver_payment(server: &Server, session: &HashMap<String, String>) {
    let metadata = |key: &str| session[&format!("metadata[{key}]")].clone();
    let now = chrono::Utc::now().timestamp();
    let event = json!({"id": "evt_test_browser", "object": "event", "api_version": lms_stripe::STRIPE_VERSION,
        "created": now, "type": "checkout.session.completed", "livemode": false,
        "data": {"object": {"id": "cs_test_browser", "object": "checkout.session", "mode": "payment",
            "payment_status": "paid", "amount_total": 4900, "currency": "usd",
            "client_reference_id": metadata("lms_user_id"),
            "metadata": {"lms_org_id": metadata("lms_org_id"), "lms_course_id": metadata("lms_course_id"),
                "lms_user_id": metadata("lms_user_id")}}}});
    let payload = event.to_string();
    let signature = lms_stripe::signature_header(payload.as_bytes(), now, WEBHOOK_SECRET);
    let request = hyper::Request::post(format!("{}/api/v1/webhooks/stripe", server.url))
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        .body(Full::new(axum::body::Bytes::from(payload)))
        .unwrap();
    let client = Client::builder(TokioExecutor::new()).build_http();
    let response = client.request(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(status, 200, "the webhook: {body:?}");
}

/// The demo learner buys "Async Rust in Practice" ($49): the app sends them to checkout,
/// which returns them to the course; once the payment's webhook arrives they are enrolled.
#[tokio::test(flavor = "multi_thread")]
async fn a_learner_buys_the_paid_course_through_checkout() {
    let (stripe, sessions) = fake_stripe().await;
    let server = Server::start_with(|settings| {
        let config = lms_stripe::StripeConfig::new("sk_test_browser", WEBHOOK_SECRET)
            .with_api_base(stripe)
            .with_allowed_redirect_origins(vec![settings.public_url.clone()]);
        settings.stripe = Some(config);
    })
    .await;
    let browser = Browser::open(&server).await;
    browser
        .sign_in("learner@demo.test", "demo-learner-pass")
        .await;
    browser.visit("/courses/async-rust").await;
    browser.wait_for_text("h1", "Async Rust in Practice").await;
    browser.check("paid-course").await;
    browser.click_button("Buy for $49.00").await;
    browser
        .wait_for_text(
            "[role=status]",
            "Thank you: your enrollment starts as soon as the payment is confirmed. Reload in a moment.",
        )
        .await;

    let session = sessions
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("a checkout");
    assert_eq!(session["mode"], "payment");
    assert_eq!(session["line_items[0][price_data][unit_amount]"], "4900");
    assert_eq!(session["line_items[0][price_data][currency]"], "usd");
    assert_eq!(
        session["success_url"],
        format!("{}/courses/async-rust?paid=1", server.url)
    );
    assert_eq!(session["customer_email"], "learner@demo.test");
    deliver_payment(&server, &session).await;

    browser.refresh().await;
    browser
        .wait_for_text("a.cta", "Continue where you left off")
        .await;
    browser.check("paid-course-enrolled").await;
    browser.close().await;
}
