//! Property tests of the Stripe webhook reader (issue 17): random payloads signed with the
//! endpoint's secret (so the JSON reader runs past the signature), random `Stripe-Signature`
//! headers, and random events shaped like Stripe's, of every type the LMS handles. No input
//! may panic; every refusal is a typed `malformed_request` (400); an event maps to the effect
//! its type names, linked by the ids in its metadata.
//!
//! Normal run (a few thousand cases a property):
//!     cargo test -p lms-stripe --test properties
//! Long run (100,000 cases a property, the `_long` twins):
//!     cargo test -p lms-stripe --test properties -- --ignored _long
//! No failure file is written (`failure_persistence: None`).

use lms_core::{LmsError, PaymentEffect, PaymentEvent, PaymentProvider, SubscriptionStatus};
use lms_stripe::{Stripe, StripeConfig, read_event, sign};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};
use uuid::Uuid;

const SECRET: &str = "whsec_properties";
/// Cases of each `_long` twin.
const LONG: u32 = 100_000;

fn run<S: Strategy>(
    cases: u32,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let config = Config {
        cases,
        failure_persistence: None,
        // ChaCha, the default, is most of the time of a case in an unoptimised build.
        rng_algorithm: RngAlgorithm::XorShift,
        ..Config::default()
    };
    if let Err(failure) = TestRunner::new(config).run(&strategy, check) {
        panic!("{failure}");
    }
}

/// A normal test with `$cases` cases and its ignored twin `$long` with [`LONG`].
macro_rules! property {
    ($name:ident, $long:ident, $cases:expr, $strategy:expr, $check:expr) => {
        #[test]
        fn $name() {
            run($cases, $strategy, $check);
        }
        #[test]
        #[ignore = "long run: cargo test -p lms-stripe --test properties -- --ignored _long"]
        fn $long() {
            run(LONG, $strategy, $check);
        }
    };
}

/// The provider, built once: building its HTTP client loads the platform's certificates.
fn stripe() -> &'static Stripe {
    static STRIPE: std::sync::OnceLock<Stripe> = std::sync::OnceLock::new();
    STRIPE.get_or_init(|| Stripe::new(StripeConfig::new("sk_test_unused", SECRET)))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `payload` as Stripe delivers it, signed now.
fn read_signed(payload: &[u8]) -> Result<Option<PaymentEvent>, LmsError> {
    let header = lms_stripe::signature_header(payload, now(), SECRET);
    stripe().read_webhook(payload, &header)
}

fn malformed(error: &LmsError) -> Result<(), TestCaseError> {
    prop_assert_eq!((error.code(), error.status()), ("malformed_request", 400));
    Ok(())
}

const HANDLED: &[&str] = &[
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "charge.refunded",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.payment_failed",
];

// ---- Random JSON ----------------------------------------------------------------------

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![3 => "\\PC{0,10}", 1 => ".{0,6}", 1 => Just(String::new())]
}

fn any_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (-3i64..5_000).prop_map(Value::from),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any_number(),
        any_text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(any_text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn or_any(typed: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Value> {
    prop_oneof![4 => typed, 1 => any_json()].boxed()
}

fn one_of(values: &[&'static str]) -> BoxedStrategy<Value> {
    or_any(prop::sample::select(values.to_vec()).prop_map(Value::from))
}

/// An object of `fields`, each present with probability 3/4.
fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let fields: Vec<_> = fields
        .into_iter()
        .map(|(name, value)| prop::option::weighted(0.75, value.prop_map(move |v| (name, v))))
        .collect();
    fields
        .prop_map(|fields| {
            let object = fields.into_iter().flatten().map(|(k, v)| (k.to_owned(), v));
            Value::Object(object.collect())
        })
        .boxed()
}

// ---- Signed payloads ------------------------------------------------------------------

/// Bodies a webhook endpoint may receive: bytes, JSON, envelopes with wrong types.
fn any_payload() -> impl Strategy<Value = Vec<u8>> {
    let envelope = object(vec![
        ("id", any_json().boxed()),
        (
            "type",
            or_any(prop::sample::select(HANDLED).prop_map(Value::from)),
        ),
        ("created", any_json().boxed()),
        (
            "data",
            or_any(any_json().prop_map(|o| json!({"object": o}))),
        ),
    ]);
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        any_json().prop_map(|v| v.to_string().into_bytes()),
        envelope.prop_map(|v| v.to_string().into_bytes()),
        (stripe_event(), any::<prop::sample::Index>()).prop_map(|((event, _), cut)| {
            // A real-looking event cut short.
            let text = event.to_string().into_bytes();
            text[..cut.index(text.len() + 1).min(text.len())].to_vec()
        }),
    ]
}

property!(
    signed_random_payloads_are_read_or_refused_as_malformed,
    signed_random_payloads_are_read_or_refused_as_malformed_long,
    4_000,
    any_payload(),
    |payload| {
        let read = read_signed(&payload);
        // Past the signature, the webhook reads exactly as the bare reader does.
        let bare = read_event(&payload);
        match (&read, &bare) {
            (Ok(read), Ok(bare)) => prop_assert_eq!(read, bare),
            (Err(read), Err(bare)) => {
                malformed(read)?;
                malformed(bare)?;
            }
            _ => return Err(TestCaseError::fail(format!("{read:?} vs {bare:?}"))),
        }
        if let Ok(Some(event)) = read {
            prop_assert!(HANDLED.contains(&event.kind.as_str()), "{}", event.kind);
        }
        Ok(())
    }
);

// ---- Signature headers ----------------------------------------------------------------

/// One item of a header: `key=value`, with keys near the real ones.
fn header_item() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("t"),
        Just("v1"),
        Just("v0"),
        Just(" t"),
        Just("V1"),
        Just(""),
        Just("t=t")
    ];
    let value = prop_oneof![
        any::<i64>().prop_map(|t| t.to_string()),
        "[0-9a-f]{64}",
        "[0-9a-f]{0,70}",
        "[^,]{0,12}",
    ];
    prop_oneof![
        4 => (key, value).prop_map(|(k, v)| format!("{k}={v}")),
        1 => "[^,]{0,12}",
    ]
}

/// Headers that carry no signature of the payload under the secret.
fn forged_header() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,80}",
        prop::collection::vec(header_item(), 0..6).prop_map(|items| items.join(",")),
        // The right timestamp, signed with another secret.
        (any::<i64>(), any_text()).prop_map(|(t, secret)| {
            format!(
                "t={t},v1={}",
                sign(b"{}", &t.to_string(), &format!("x{secret}"))
            )
        }),
    ]
}

property!(
    forged_signatures_are_refused_as_malformed,
    forged_signatures_are_refused_as_malformed_long,
    4_000,
    (forged_header(), any_payload()),
    |(header, payload)| {
        match stripe().read_webhook(&payload, &header) {
            Ok(event) => Err(TestCaseError::fail(format!("{header} accepted: {event:?}"))),
            Err(error) => malformed(&error),
        }
    }
);

/// A timestamp near now, long ago or in the future. Below `now - i64::MAX`: see
/// [`signed_timestamps_far_in_the_past_are_stale_not_new`].
fn timestamp() -> impl Strategy<Value = i64> {
    let now = now();
    prop_oneof![
        (-400i64..400).prop_map(move |age| now - age),
        (now - 1_000_000..now + 1_000_000),
        (i64::MIN / 2..=i64::MAX),
        prop::sample::select(vec![i64::MIN / 2, -1, 0, i64::MAX]),
    ]
}

/// A header with the payload's right signature at `t`, among other items: never a `t` (the
/// first `t` counts), any number of other `v1`s.
fn signed_among_junk() -> impl Strategy<Value = (Vec<u8>, Vec<String>, prop::sample::Index)> {
    let junk = header_item().prop_filter("no t", |i| !i.starts_with("t="));
    (
        any_payload(),
        prop::collection::vec(junk, 0..4),
        any::<prop::sample::Index>(),
    )
}

/// Reads `payload` under a header signed at `t` among `items`: accepted exactly while the
/// signature is at most 300 s old, and then read as the bare reader reads it.
fn check_signed_at(
    t: i64,
    (payload, mut items, at): (Vec<u8>, Vec<String>, prop::sample::Index),
) -> Result<(), TestCaseError> {
    let signature = format!("v1={}", sign(&payload, &t.to_string(), SECRET));
    items.insert(at.index(items.len() + 1), signature);
    items.insert(0, format!("t={t}"));
    let header = items.join(",");
    // The reader's clock reads between these two.
    let fresh_before = i128::from(now()) - i128::from(t) <= 300;
    let read = stripe().read_webhook(&payload, &header);
    let fresh_after = i128::from(now()) - i128::from(t) <= 300;
    match read {
        Err(error) if error.to_string().contains("tolerance") => prop_assert!(!fresh_after),
        // A verified payload reads as the bare reader reads it.
        Err(error) => {
            prop_assert!(fresh_before);
            malformed(&error)?;
            prop_assert!(read_event(&payload).is_err());
        }
        Ok(event) => {
            prop_assert!(fresh_before, "{} accepted from {}", header, t);
            prop_assert_eq!(Some(event), read_event(&payload).ok());
        }
    }
    Ok(())
}

property!(
    a_valid_signature_among_junk_is_accepted_while_fresh,
    a_valid_signature_among_junk_is_accepted_while_fresh_long,
    3_000,
    (timestamp(), signed_among_junk()),
    |(t, header)| check_signed_at(t, header)
);

/// Found by these properties: a header signed with the right secret at a timestamp below
/// `now - i64::MAX` (`t=-9223372036854775808`, any payload) overflowed the age check in
/// `verify_signature` — a panic in debug builds; in release the age wrapped negative and
/// the stale signature was accepted. The age now saturates.
#[test]
fn signed_timestamps_far_in_the_past_are_stale_not_new() {
    let ends = prop_oneof![
        prop::sample::select(vec![i64::MIN, i64::MIN + 1]),
        i64::MIN..i64::MIN / 2
    ];
    run(3_000, (ends, signed_among_junk()), |(t, header)| {
        check_signed_at(t, header)
    });
}

// ---- Events shaped like Stripe's ------------------------------------------------------

/// A UUID in any form `Uuid::parse_str` reads, or not a UUID.
fn id_text() -> impl Strategy<Value = Value> {
    let uuid = any::<u128>().prop_map(Uuid::from_u128);
    prop_oneof![
        6 => uuid.clone().prop_map(|u| json!(u.to_string())),
        1 => uuid.clone().prop_map(|u| json!(u.simple().to_string().to_uppercase())),
        1 => uuid.prop_map(|u| json!(u.urn().to_string())),
        1 => any_text().prop_map(Value::from),
        1 => any_number(),
    ]
}

fn metadata() -> BoxedStrategy<Value> {
    let extra = prop::collection::btree_map("[a-z_]{1,8}", any_text().prop_map(Value::from), 0..2);
    let ids = object(vec![
        ("lms_user_id", id_text().boxed()),
        ("lms_course_id", id_text().boxed()),
        ("lms_org_id", id_text().boxed()),
    ]);
    or_any((ids, extra).prop_map(|(mut ids, extra)| {
        ids.as_object_mut().expect("object").extend(extra);
        ids
    }))
}

fn int() -> BoxedStrategy<Value> {
    or_any(prop_oneof![
        any::<i64>().prop_map(Value::from),
        (1_700_000_000i64..1_900_000_000).prop_map(Value::from)
    ])
}

/// `(event, where the metadata is)`: an envelope of a handled type (or another) whose object
/// has the fields the reader looks at, with random values.
fn stripe_event() -> impl Strategy<Value = (Value, usize)> {
    let statuses = [
        "active",
        "trialing",
        "past_due",
        "canceled",
        "unpaid",
        "incomplete",
        "incomplete_expired",
        "paused",
        "ended",
    ];
    let item = object(vec![
        ("current_period_end", int()),
        ("current_period_start", int()),
    ]);
    let fields = vec![
        ("id", one_of(&["cs_1", "ch_1", "sub_1", "in_1", ""])),
        ("mode", one_of(&["payment", "subscription", "setup"])),
        (
            "payment_status",
            one_of(&["paid", "unpaid", "no_payment_required"]),
        ),
        ("amount_total", int()),
        ("amount", int()),
        ("amount_refunded", int()),
        ("amount_due", int()),
        ("currency", one_of(&["usd", "eur", ""])),
        ("refunded", or_any(any::<bool>().prop_map(Value::from))),
        ("status", one_of(&statuses)),
        (
            "cancel_at_period_end",
            or_any(any::<bool>().prop_map(Value::from)),
        ),
        ("created", int()),
        ("canceled_at", int()),
        ("ended_at", int()),
        ("current_period_end", int()),
        ("current_period_start", int()),
        (
            "items",
            or_any(prop::collection::vec(item, 0..3).prop_map(|d| json!({"data": d}))),
        ),
    ];
    let kind = prop_oneof![
        6 => prop::sample::select(HANDLED).prop_map(String::from),
        1 => "[a-z_.]{0,20}",
    ];
    (
        kind,
        any_text(),
        int(),
        object(fields),
        metadata(),
        0usize..4,
    )
        .prop_map(|(kind, id, created, mut object, metadata, place)| {
            // 0: on the object; 1: parent.subscription_details; 2: subscription_details; 3: none.
            if let Some(fields) = object.as_object_mut() {
                match place {
                    0 => fields.insert("metadata".into(), metadata),
                    1 => fields.insert(
                        "parent".into(),
                        json!({"subscription_details": {"metadata": metadata}}),
                    ),
                    2 => {
                        fields.insert("subscription_details".into(), json!({"metadata": metadata}))
                    }
                    _ => None,
                };
            }
            let created = created.as_i64().map_or(json!(1_767_225_600), Value::from);
            let event = json!({"id": id, "object": "event", "type": kind, "created": created,
                "data": {"object": object}, "livemode": false});
            (event, place)
        })
}

/// The ids a metadata object links to, as the reader must read them: all or nothing.
fn ids(metadata: &Value) -> Option<Map<String, Value>> {
    let map = metadata.as_object()?;
    // Metadata values are strings; an object with any other value is not metadata.
    if !map.values().all(Value::is_string) {
        return None;
    }
    Some(map.clone())
}

fn uuid_of(ids: &Map<String, Value>, key: &str) -> Option<Uuid> {
    ids.get(key)?.as_str()?.parse().ok()
}

property!(
    stripe_shaped_events_map_to_the_effect_of_their_type,
    stripe_shaped_events_map_to_the_effect_of_their_type_long,
    4_000,
    stripe_event(),
    |(event, place)| {
        let payload = event.to_string().into_bytes();
        let read = read_signed(&payload);
        let Ok(read) = read else {
            return Err(TestCaseError::fail(format!(
                "a well-formed envelope: {read:?}"
            )));
        };
        let kind = event["type"].as_str().expect("a string");
        let object = &event["data"]["object"];
        let metadata = match place {
            0 => object["metadata"].clone(),
            1 => object["parent"]["subscription_details"]["metadata"].clone(),
            2 => object["subscription_details"]["metadata"].clone(),
            _ => Value::Null,
        };
        let ids = ids(&metadata);
        let id = |key| ids.as_ref().and_then(|ids| uuid_of(ids, key));
        let (user, course, org) = (id("lms_user_id"), id("lms_course_id"), id("lms_org_id"));
        let reference = object["id"].as_str().map(str::to_owned);
        // Only invoices look for the subscription's metadata elsewhere than on the object.
        let linked = place == 0 || kind == "invoice.payment_failed";
        let Some(read) = read else {
            let expected = linked && reference.is_some() && user.is_some() && org.is_some();
            let expected = expected
                && match kind {
                    "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
                        object["mode"] == "payment"
                            && object["payment_status"] == "paid"
                            && course.is_some()
                    }
                    "charge.refunded" => course.is_some(),
                    k if k.starts_with("customer.subscription.") => object["status"]
                        .as_str()
                        .and_then(SubscriptionStatus::parse)
                        .is_some(),
                    "invoice.payment_failed" => true,
                    _ => false,
                };
            prop_assert!(!expected || !HANDLED.contains(&kind), "{} ignored", event);
            return Ok(());
        };
        prop_assert_eq!(Some(read.id.as_str()), event["id"].as_str());
        prop_assert_eq!(read.kind.as_str(), kind);
        prop_assert!(linked && reference.is_some());
        let created = event["created"].as_i64().expect("an integer");
        if let Some(at) = chrono::DateTime::from_timestamp(created, 0) {
            prop_assert_eq!(read.created, at);
        }
        let amount = |key: &str| object[key].as_i64().unwrap_or(0);
        match read.effect {
            PaymentEffect::CoursePaid {
                org_id,
                user_id,
                course_id,
                reference: r,
                amount: paid,
                ..
            } => {
                prop_assert!(kind.starts_with("checkout.session."));
                prop_assert_eq!(
                    (object["mode"].as_str(), object["payment_status"].as_str()),
                    (Some("payment"), Some("paid"))
                );
                prop_assert_eq!(
                    (Some(org_id.0), Some(user_id.0), Some(course_id.0)),
                    (org, user, course)
                );
                prop_assert_eq!((Some(r), paid), (reference, amount("amount_total")));
            }
            PaymentEffect::CourseRefunded {
                org_id,
                user_id,
                course_id,
                reference: r,
                amount: refunded,
                full,
                ..
            } => {
                prop_assert_eq!(kind, "charge.refunded");
                prop_assert_eq!(
                    (Some(org_id.0), Some(user_id.0), Some(course_id.0)),
                    (org, user, course)
                );
                prop_assert_eq!((Some(r), refunded), (reference, amount("amount_refunded")));
                let whole = amount("amount") > 0 && refunded >= amount("amount");
                prop_assert_eq!(full, object["refunded"].as_bool().unwrap_or(false) || whole);
            }
            PaymentEffect::SubscriptionChanged(update) => {
                prop_assert!(kind.starts_with("customer.subscription."));
                prop_assert_eq!((Some(update.org_id.0), Some(update.user_id.0)), (org, user));
                prop_assert_eq!(Some(update.provider_id), reference);
                prop_assert_eq!(Some(update.status.as_str()), object["status"].as_str());
                prop_assert_eq!(update.version.event_created, created);
                prop_assert_eq!(update.version.is_final, update.status.is_final());
                let cancel = object["cancel_at_period_end"].as_bool().unwrap_or(false);
                prop_assert_eq!(update.cancel_at_period_end, cancel);
            }
            PaymentEffect::InvoicePaymentFailed {
                org_id,
                user_id,
                reference: r,
                amount: due,
                ..
            } => {
                prop_assert_eq!(kind, "invoice.payment_failed");
                prop_assert_eq!((Some(org_id.0), Some(user_id.0)), (org, user));
                prop_assert_eq!((Some(r), due), (reference, amount("amount_due")));
            }
        }
        Ok(())
    }
);
