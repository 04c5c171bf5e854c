//! Stripe events → the core's [`PaymentEvent`]s.
//!
//! | Stripe event | effect |
//! |---|---|
//! | `checkout.session.completed` (`mode=payment`, `payment_status=paid`) | [`PaymentEffect::CoursePaid`] |
//! | `checkout.session.async_payment_succeeded` (`mode=payment`) | [`PaymentEffect::CoursePaid`] |
//! | `charge.refunded` | [`PaymentEffect::CourseRefunded`] (`full` when `refunded`) |
//! | `customer.subscription.created` / `updated` / `deleted` | [`PaymentEffect::SubscriptionChanged`] |
//! | `invoice.payment_failed` | [`PaymentEffect::InvoicePaymentFailed`] |
//! | anything else, or an object without our metadata ids | ignored |
//!
//! Objects are linked by the ids lms-rs put in their metadata (`lms_user_id`,
//! `lms_course_id`, `lms_org_id`), never by email. Fields are read leniently (unknown fields
//! ignored, absent ones defaulted) so that both older and current API shapes parse.

use chrono::{DateTime, Utc};
use lms_core::{
    CourseId, LmsError, OrgId, PaymentEffect, PaymentEvent, SubscriptionStatus, SubscriptionUpdate,
    SubscriptionVersion, UserId,
};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    object: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metadata {
    metadata: HashMap<String, String>,
}

/// Reads a verified event payload. `Ok(None)` for an event the LMS does not act on;
/// a payload that is not a Stripe event at all is malformed (400).
pub fn read_event(payload: &[u8]) -> Result<Option<PaymentEvent>, LmsError> {
    let envelope: Envelope = serde_json::from_slice(payload)
        .map_err(|e| LmsError::Malformed(format!("the webhook body is not a Stripe event: {e}")))?;
    let created = DateTime::from_timestamp(envelope.created, 0).unwrap_or_default();
    let object = &envelope.data.object;
    let effect = match envelope.kind.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            course_paid(object)
        }
        "charge.refunded" => course_refunded(object),
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted" => subscription_changed(object, envelope.created),
        "invoice.payment_failed" => invoice_payment_failed(object),
        _ => None,
    };
    Ok(effect.map(|effect| PaymentEvent {
        id: envelope.id,
        kind: envelope.kind,
        created,
        effect,
    }))
}

fn metadata(object: &Value) -> HashMap<String, String> {
    Metadata::deserialize(object)
        .map(|m| m.metadata)
        .unwrap_or_default()
}

fn id<T: From<uuid::Uuid>>(metadata: &HashMap<String, String>, key: &str) -> Option<T> {
    metadata.get(key)?.parse::<uuid::Uuid>().ok().map(T::from)
}

fn text(object: &Value, key: &str) -> Option<String> {
    object[key].as_str().map(str::to_owned)
}

fn course_paid(session: &Value) -> Option<PaymentEffect> {
    // Subscription checkouts are reported by their subscription events; an unpaid
    // (asynchronous) payment by checkout.session.async_payment_succeeded later.
    if session["mode"] != "payment" || session["payment_status"] != "paid" {
        return None;
    }
    let metadata = metadata(session);
    Some(PaymentEffect::CoursePaid {
        org_id: id::<OrgId>(&metadata, "lms_org_id")?,
        user_id: id::<UserId>(&metadata, "lms_user_id")?,
        course_id: id::<CourseId>(&metadata, "lms_course_id")?,
        reference: text(session, "id")?,
        amount: session["amount_total"].as_i64().unwrap_or(0),
        currency: text(session, "currency").unwrap_or_default(),
    })
}

fn course_refunded(charge: &Value) -> Option<PaymentEffect> {
    let metadata = metadata(charge);
    let amount = charge["amount"].as_i64().unwrap_or(0);
    let refunded = charge["amount_refunded"].as_i64().unwrap_or(0);
    Some(PaymentEffect::CourseRefunded {
        org_id: id::<OrgId>(&metadata, "lms_org_id")?,
        user_id: id::<UserId>(&metadata, "lms_user_id")?,
        course_id: id::<CourseId>(&metadata, "lms_course_id")?,
        reference: text(charge, "id")?,
        amount: refunded,
        currency: text(charge, "currency").unwrap_or_default(),
        full: charge["refunded"].as_bool().unwrap_or(false) || (amount > 0 && refunded >= amount),
    })
}

fn subscription_changed(subscription: &Value, event_created: i64) -> Option<PaymentEffect> {
    let metadata = metadata(subscription);
    let status = SubscriptionStatus::parse(subscription["status"].as_str()?)?;
    // Since API 2025-03-31 the period lives on the items; older versions had it on top.
    let item = &subscription["items"]["data"][0];
    let period_end = item["current_period_end"]
        .as_i64()
        .or(subscription["current_period_end"].as_i64());
    let period_start = item["current_period_start"]
        .as_i64()
        .or(subscription["current_period_start"].as_i64());
    let object_updated = [
        &subscription["created"],
        &subscription["canceled_at"],
        &subscription["ended_at"],
    ]
    .into_iter()
    .filter_map(Value::as_i64)
    .chain(period_start)
    .max()
    .unwrap_or(0);
    Some(PaymentEffect::SubscriptionChanged(SubscriptionUpdate {
        org_id: id::<OrgId>(&metadata, "lms_org_id")?,
        user_id: id::<UserId>(&metadata, "lms_user_id")?,
        provider_id: text(subscription, "id")?,
        status,
        current_period_end: period_end.and_then(|t| DateTime::<Utc>::from_timestamp(t, 0)),
        cancel_at_period_end: subscription["cancel_at_period_end"]
            .as_bool()
            .unwrap_or(false),
        version: SubscriptionVersion {
            event_created,
            object_updated,
            is_final: status.is_final(),
        },
    }))
}

fn invoice_payment_failed(invoice: &Value) -> Option<PaymentEffect> {
    // The subscription's metadata: on parent.subscription_details since API 2025-03-31,
    // on subscription_details before.
    let candidates = [
        &invoice["parent"]["subscription_details"],
        &invoice["subscription_details"],
        invoice,
    ];
    let metadata = candidates
        .into_iter()
        .map(metadata)
        .find(|m| m.contains_key("lms_user_id"))?;
    Some(PaymentEffect::InvoicePaymentFailed {
        org_id: id::<OrgId>(&metadata, "lms_org_id")?,
        user_id: id::<UserId>(&metadata, "lms_user_id")?,
        reference: text(invoice, "id")?,
        amount: invoice["amount_due"].as_i64().unwrap_or(0),
        currency: text(invoice, "currency").unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/data/samples/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn every_lms_sample_event_reads_into_its_effect() {
        let paid = read_event(&sample("lms_evt_checkout_session_completed.json"))
            .unwrap()
            .unwrap();
        assert_eq!(paid.id, "evt_1QlmsCheckoutCompleted01");
        let PaymentEffect::CoursePaid {
            user_id,
            course_id,
            reference,
            amount,
            currency,
            ..
        } = paid.effect
        else {
            panic!("{paid:?}")
        };
        assert_eq!(user_id.to_string(), "0193a1f2-7c4e-7b2a-9d1e-3f5a6b7c8d9e");
        assert_eq!(
            course_id.to_string(),
            "0193a1f2-8d10-7e55-a1b2-c3d4e5f60718"
        );
        assert_eq!(
            (reference.as_str(), amount, currency.as_str()),
            ("cs_test_a1LmsRust101Enrollment42", 4900, "eur")
        );

        let refunded = read_event(&sample("lms_evt_charge_refunded.json"))
            .unwrap()
            .unwrap();
        assert!(matches!(
            refunded.effect,
            PaymentEffect::CourseRefunded {
                full: true,
                amount: 4900,
                ..
            }
        ));

        let updated = read_event(&sample("lms_evt_customer_subscription_updated.json"))
            .unwrap()
            .unwrap();
        let PaymentEffect::SubscriptionChanged(update) = updated.effect else {
            panic!()
        };
        assert_eq!(
            (update.status, update.cancel_at_period_end),
            (SubscriptionStatus::Active, true)
        );
        assert_eq!(update.current_period_end.unwrap().timestamp(), 1769731200);
        assert_eq!(update.version.event_created, 1767225598);

        let deleted = read_event(&sample("lms_evt_customer_subscription_deleted.json"))
            .unwrap()
            .unwrap();
        let PaymentEffect::SubscriptionChanged(ended) = deleted.effect else {
            panic!()
        };
        assert_eq!(ended.status, SubscriptionStatus::Canceled);
        assert!(
            ended.version > update.version,
            "the deletion is newer than the update"
        );

        let failed = read_event(&sample("lms_evt_invoice_payment_failed.json"))
            .unwrap()
            .unwrap();
        assert!(matches!(
            failed.effect,
            PaymentEffect::InvoicePaymentFailed { amount: 1500, .. }
        ));
    }

    #[test]
    fn foreign_and_unknown_events_are_ignored_and_garbage_is_malformed() {
        // Stripe's own fixture: a payment_intent event, and objects without our metadata.
        assert_eq!(
            read_event(&sample("fixture_event_envelope.json")).unwrap(),
            None
        );
        let foreign = serde_json::json!({"id": "evt_x", "type": "checkout.session.completed", "created": 1,
            "data": {"object": {"id": "cs_x", "mode": "payment", "payment_status": "paid", "metadata": {}}}});
        assert_eq!(read_event(foreign.to_string().as_bytes()).unwrap(), None);
        let unpaid = serde_json::json!({"id": "evt_y", "type": "checkout.session.completed", "created": 1,
            "data": {"object": {"id": "cs_y", "mode": "payment", "payment_status": "unpaid"}}});
        assert_eq!(read_event(unpaid.to_string().as_bytes()).unwrap(), None);
        assert_eq!(
            read_event(b"not json").unwrap_err().code(),
            "malformed_request"
        );
    }
}
