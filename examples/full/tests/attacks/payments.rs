//! Finding 5: a learner whose membership lapsed paid for the course and stayed locked out;
//! and checkout by a learner whose enrollment an admin revoked.

use super::{Backend, Server, request};
use axum::http::{HeaderValue, StatusCode};
use serde_json::{Value, json};

const PAID: &str = "/orgs/demo/courses/async-rust";
const WEBHOOK_SECRET: &str = "whsec_attack_tests";

/// Delivers a signed Stripe event of `kind` about `object`, created at `created`.
async fn deliver(server: &Server, kind: &str, object: Value, created: i64) -> Value {
    let id = format!("evt_{}", uuid::Uuid::now_v7().simple());
    let event = json!({"id": id, "object": "event", "created": created, "type": kind,
        "livemode": false, "data": {"object": object}});
    let payload = event.to_string();
    let now = chrono::Utc::now().timestamp();
    let signature = lms_stripe::signature_header(payload.as_bytes(), now, WEBHOOK_SECRET);
    let mut delivery = request("POST", "/webhooks/stripe", None, None);
    *delivery.body_mut() = payload.into();
    let headers = delivery.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("stripe-signature", signature.parse().unwrap());
    let reply = server.send_from([10, 0, 0, 9], delivery).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

fn subscription(org: &str, user: &str, status: &str, now: i64) -> Value {
    json!({"id": "sub_attack", "object": "subscription", "status": status, "created": now,
        "cancel_at_period_end": false, "metadata": {"lms_org_id": org, "lms_user_id": user},
        "items": {"data": [{"current_period_start": now, "current_period_end": now + 30 * 86_400}]}})
}

pub async fn a_lapsed_member_who_pays_gets_in(backend: Backend) {
    let server = Server::start(backend, |settings| {
        settings.stripe = Some(lms_stripe::StripeConfig::new(
            "sk_test_attacks",
            WEBHOOK_SECRET,
        ));
        // No grace: a failed renewal ends the membership at once.
        settings.membership_grace_days = Some(0);
    })
    .await;
    let learner = server.demo("learner").await;
    let user = server.user_id(&learner).await;
    let org = server
        .call("GET", "/orgs/demo", Some(&learner), None)
        .await
        .body;
    let org = org["id"].as_str().expect("the org").to_string();
    let course = server.call("GET", PAID, None, None).await.body;
    let course_id = course["id"].as_str().unwrap().to_string();
    let lesson = course["modules"][0]["lessons"].as_array().unwrap().iter();
    let lesson = lesson
        .filter(|l| l["free_preview"] == false)
        .map(|l| l["id"].clone())
        .next();
    let read = format!("{PAID}/lessons/{}", lesson.unwrap().as_str().unwrap());
    // Reports from the last minute, in order (a report stamped in the future would start
    // its past-due period in the future).
    let now = chrono::Utc::now().timestamp() - 60;
    deliver(
        &server,
        "customer.subscription.updated",
        subscription(&org, &user, "active", now),
        now,
    )
    .await;
    let enrolled = server
        .call("POST", &format!("{PAID}/enrollments"), Some(&learner), None)
        .await;
    assert_eq!(enrolled.status, StatusCode::CREATED, "{}", enrolled.body);
    assert_eq!(
        server.call("GET", &read, Some(&learner), None).await.status,
        StatusCode::OK
    );
    let failed = subscription(&org, &user, "past_due", now);
    deliver(&server, "customer.subscription.updated", failed, now + 1).await;
    let locked = server.call("GET", &read, Some(&learner), None).await;
    assert_eq!(
        (locked.status, locked.code()),
        (StatusCode::FORBIDDEN, "enrollment_revoked")
    );
    // The learner buys the course: the payment opens it.
    let session = json!({"id": "cs_attack", "object": "checkout.session", "mode": "payment",
        "payment_status": "paid", "amount_total": 4900, "currency": "usd",
        "metadata": {"lms_org_id": org, "lms_course_id": course_id, "lms_user_id": user}});
    deliver(&server, "checkout.session.completed", session, now + 2).await;
    let open = server.call("GET", &read, Some(&learner), None).await;
    assert_eq!(
        open.status,
        StatusCode::OK,
        "paid and still locked out: {}",
        open.body
    );
    let admin = server.demo("admin").await;
    let list = server
        .call("GET", &format!("{PAID}/enrollments"), Some(&admin), None)
        .await
        .body;
    let mine = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["user_id"] == json!(user));
    assert_eq!(mine.unwrap()["source"], "purchase");
    // An enrollment an admin revoked cannot be bought back around them.
    let revoke = format!("{PAID}/enrollments/{user}");
    assert_eq!(
        server
            .call("DELETE", &revoke, Some(&admin), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let urls = json!({"success_url": "https://lms.example.test/ok", "cancel_url": "https://lms.example.test/no"});
    let checkout = server
        .call(
            "POST",
            &format!("{PAID}/checkout"),
            Some(&learner),
            Some(urls),
        )
        .await;
    assert_eq!(
        (checkout.status, checkout.code()),
        (StatusCode::FORBIDDEN, "enrollment_revoked")
    );
}
