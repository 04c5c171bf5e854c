//! Writes a signed Stripe event for the example server, to try payments without Stripe.
//!
//! ```sh
//! export STRIPE_WEBHOOK_SECRET=whsec_local_test            # the server must use the same
//! cargo run -p lms-examples --example stripe_event -- paid <org_id> <course_id> <user_id>
//! cargo run -p lms-examples --example stripe_event -- refund <org_id> <course_id> <user_id>
//! cargo run -p lms-examples --example stripe_event -- subscription <org_id> <user_id> active|past_due|canceled
//! ```
//! It writes `event.json` and prints the `curl` command that delivers it (the signature is
//! valid for five minutes, like Stripe's).

use serde_json::{Value, json};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let secret = std::env::var("STRIPE_WEBHOOK_SECRET")
        .map_err(|_| "set STRIPE_WEBHOOK_SECRET (as for the server)")?;
    let now = chrono::Utc::now().timestamp();
    let suffix = uuid::Uuid::now_v7().simple().to_string();
    let arg = |i: usize| {
        args.get(i)
            .cloned()
            .ok_or("missing arguments: see the usage at the top of examples/stripe_event.rs")
    };
    let (kind, object): (&str, Value) = match args.first().map(String::as_str) {
        Some("paid") => {
            let ids =
                json!({"lms_org_id": arg(1)?, "lms_course_id": arg(2)?, "lms_user_id": arg(3)?});
            let session = json!({"id": format!("cs_test_{suffix}"), "object": "checkout.session", "mode": "payment",
                "payment_status": "paid", "amount_total": 4900, "currency": "usd", "client_reference_id": arg(3)?,
                "metadata": ids});
            ("checkout.session.completed", session)
        }
        Some("refund") => {
            let ids =
                json!({"lms_org_id": arg(1)?, "lms_course_id": arg(2)?, "lms_user_id": arg(3)?});
            let charge = json!({"id": format!("ch_test_{suffix}"), "object": "charge", "amount": 4900,
                "amount_refunded": 4900, "refunded": true, "currency": "usd", "metadata": ids});
            ("charge.refunded", charge)
        }
        Some("subscription") => {
            let status = arg(3)?;
            let subscription = json!({"id": "sub_test_demo", "object": "subscription", "status": status,
                "created": now, "cancel_at_period_end": false,
                "metadata": {"lms_org_id": arg(1)?, "lms_user_id": arg(2)?},
                "items": {"data": [{"current_period_start": now, "current_period_end": now + 30 * 86_400}]}});
            let kind = if status == "canceled" {
                "customer.subscription.deleted"
            } else {
                "customer.subscription.updated"
            };
            (kind, subscription)
        }
        _ => {
            return Err(
                "usage: stripe_event paid|refund|subscription … (see the top of examples/stripe_event.rs)".into()
            );
        }
    };
    let event = json!({"id": format!("evt_test_{suffix}"), "object": "event", "api_version": lms_stripe::STRIPE_VERSION,
        "created": now, "type": kind, "livemode": false, "data": {"object": object}});
    let payload = serde_json::to_string_pretty(&event)?;
    std::fs::write("event.json", &payload)?;
    let header = lms_stripe::signature_header(payload.as_bytes(), now, &secret);
    println!("curl -s -w '\\n' -X POST http://127.0.0.1:3000/api/v1/webhooks/stripe \\");
    println!(
        "  -H 'content-type: application/json' -H 'stripe-signature: {header}' --data-binary @event.json"
    );
    Ok(())
}
