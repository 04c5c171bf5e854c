//! Selling: checkouts, Stripe webhooks applied once in any order, and a server without a
//! payment provider.

use crate::api::{Api, Reply, assert_problem};
use crate::common::{Backend, UserIdTokens, lms_on};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lms_axum::LmsRouter;
use lms_core::testing::World;
use lms_core::testing::acme;
use serde_json::{Value, json};

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
    pub async fn selling(backend: Backend) -> Self {
        let config = lms_stripe::StripeConfig::new("sk_test_unused", WEBHOOK_SECRET)
            .with_api_base("http://127.0.0.1:9")
            .with_allowed_redirect_origins(["https://app.test"]);
        let lms = lms_on(backend)
            .await
            .with_payments(lms_stripe::Stripe::new(config));
        let w = World::new(lms.clone()).await;
        Self {
            app: LmsRouter::new(lms, crate::common::public_url())
                .auth(UserIdTokens)
                .build(),
            w,
        }
    }

    /// Delivers `payload` to the webhook, signed as Stripe would unless `signature` is given.
    pub async fn deliver(&self, payload: &str, signature: Option<String>) -> Reply {
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

pub async fn stripe_webhooks_apply_once_in_any_order(backend: Backend) {
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
            .enrollments(&api.w.admin, acme("paid"), Default::default())
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

pub async fn selling_without_a_provider_is_not_configured(backend: Backend) {
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
