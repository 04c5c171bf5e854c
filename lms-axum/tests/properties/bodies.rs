//! Every route that takes a JSON body, found in the served OpenAPI document, gets random
//! bytes, random JSON and random objects with its fields' names (nested, from the body's
//! schema) but random values — as a caller it lets in (found by probing each route with a
//! malformed body: whoever is answered 400 got past the access checks), now and then as
//! anyone else, with now and then another content type. One property per route group (the
//! document's tags), 256 cases each.

use crate::harness::{CALLERS, Caller, Harness, Shared, check_api_answer, document, request};
use crate::json::{any_json, shaped};
use axum::body::Body;
use axum::http::header;
use proptest::prelude::*;
use proptest::strategy::Union;
use serde_json::Value;
use std::collections::BTreeSet;

/// The route groups: the tags of the document's operations with a JSON body.
const GROUPS: &[&str] = &[
    "Auth",
    "Me",
    "Orgs",
    "Catalog",
    "Curriculum",
    "Enrollment",
    "Progress",
    "Quizzes",
    "Assignments",
    "Discussions",
    "Payments",
];

/// A route-method with a JSON body.
#[derive(Clone, Debug)]
struct Route {
    method: String,
    path: String,
    tag: String,
    schema: Value,
}

fn routes(document: &Value) -> Vec<Route> {
    let mut routes = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
            if schema.is_null() {
                continue;
            }
            routes.push(Route {
                method: method.to_uppercase(),
                path: path.clone(),
                tag: operation["tags"][0].as_str().unwrap_or("").to_owned(),
                schema: schema.clone(),
            });
        }
    }
    routes
}

/// What a case sends.
#[derive(Clone, Debug)]
enum Payload {
    Bytes(Vec<u8>),
    Json(Value),
    /// JSON text cut short.
    Cut(Value, prop::sample::Index),
    /// `[[[…]]]`, `depth` deep.
    Nested(usize),
}

impl Payload {
    fn text(&self, harness: &Harness, picks: &[prop::sample::Index]) -> Vec<u8> {
        match self {
            Self::Bytes(bytes) => bytes.clone(),
            Self::Json(value) => harness.fill(&value.to_string(), picks).into_bytes(),
            Self::Cut(value, at) => {
                let text = harness.fill(&value.to_string(), picks).into_bytes();
                text[..at.index(text.len())].to_vec()
            }
            Self::Nested(depth) => format!("{}{}", "[".repeat(*depth), "]".repeat(*depth)).into(),
        }
    }
}

#[derive(Clone, Debug)]
struct Case {
    route: usize,
    /// Picks the caller: among those let in (mostly) or among everyone.
    caller: (bool, prop::sample::Index),
    /// Pick the ids of the path's (and body's) `{…}`.
    picks: Vec<prop::sample::Index>,
    content_type: Option<&'static str>,
    /// For the Stripe webhook: the signature header.
    signature: Option<String>,
    payload: Payload,
}

fn payload(document: &Value, schema: &Value) -> BoxedStrategy<Payload> {
    let shaped = shaped(document, schema, None, 6);
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..200).prop_map(Payload::Bytes),
        2 => any_json().prop_map(Payload::Json),
        8 => shaped.clone().prop_map(Payload::Json),
        1 => (shaped, any::<prop::sample::Index>()).prop_map(|(v, at)| Payload::Cut(v, at)),
        1 => (100usize..3_000).prop_map(Payload::Nested),
    ]
    .boxed()
}

fn case(document: &Value, index: usize, route: &Route) -> BoxedStrategy<Case> {
    let content_type = prop_oneof![
        12 => Just(Some("application/json")),
        1 => Just(Some("application/json; charset=utf-8")),
        1 => Just(Some("application/merge-patch+json")),
        1 => Just(Some("text/plain")),
        1 => Just(Some("application/x-www-form-urlencoded")),
        1 => Just(None),
    ];
    let signature = prop::option::of(prop_oneof![
        Just(lms_core::testing::provider::GOOD_SIGNATURE.to_owned()),
        crate::json::text(20).prop_map(|t| t.replace(|c: char| !c.is_ascii_graphic(), "")),
    ]);
    (
        (prop::bool::weighted(0.9), any::<prop::sample::Index>()),
        prop::collection::vec(any::<prop::sample::Index>(), 8),
        content_type,
        signature,
        payload(document, &route.schema),
    )
        .prop_map(
            move |(caller, picks, content_type, signature, payload)| Case {
                route: index,
                caller,
                picks,
                content_type,
                signature,
                payload,
            },
        )
        .boxed()
}

/// The callers `route` lets in: those a malformed body is answered 400 for.
fn let_in(harness: &Harness, route: &Route) -> Vec<Caller> {
    let path = harness.fill(&route.path, &[]);
    CALLERS
        .into_iter()
        .filter(|caller| {
            let request = request(&route.method, &path, *caller, harness)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{not json"))
                .expect("request");
            harness.send(request).status.as_u16() == 400
        })
        .collect()
}

/// Runs `cases` cases against the routes of `group`.
fn group(group: &str, cases: u32) {
    let shared = Shared::new(false, 64);
    let harness = shared.current();
    let document = document(&harness);
    let routes: Vec<Route> = routes(&document)
        .into_iter()
        .filter(|r| r.tag == group)
        .collect();
    assert!(
        !routes.is_empty(),
        "no route with a JSON body is tagged {group}"
    );
    let callers: Vec<Vec<Caller>> = routes.iter().map(|r| let_in(&harness, r)).collect();
    let strategy = Union::new(
        routes
            .iter()
            .enumerate()
            .map(|(i, r)| case(&document, i, r)),
    );
    crate::run(cases, strategy, |case| {
        let harness = shared.next();
        let route = &routes[case.route];
        let (mostly, pick) = case.caller;
        let caller = match (&callers[case.route], mostly) {
            (let_in, true) if !let_in.is_empty() => let_in[pick.index(let_in.len())],
            _ => CALLERS[pick.index(CALLERS.len())],
        };
        let path = harness.fill(&route.path, &case.picks);
        let mut request = request(&route.method, &path, caller, &harness);
        if let Some(content_type) = case.content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        if let Some(signature) = &case.signature {
            request = request.header("stripe-signature", signature.as_str());
        }
        let body = case.payload.text(&harness, &case.picks);
        let reply = harness.send(request.body(Body::from(body)).expect("request"));
        let what = format!("{} {path} as {caller:?}", route.method);
        check_api_answer(&reply, &what)
    });
}

#[test]
fn every_route_with_a_json_body_is_in_a_group() {
    let harness = Harness::new(false);
    let tags: BTreeSet<String> = routes(&document(&harness))
        .into_iter()
        .map(|r| r.tag)
        .collect();
    let groups: BTreeSet<String> = GROUPS.iter().map(|g| (*g).to_owned()).collect();
    assert_eq!(tags, groups, "GROUPS against the served document");
}

macro_rules! groups {
    ($($name:ident, $long:ident, $tag:literal;)*) => {$(
        crate::property!($name, $long, |cases| group($tag, cases));
    )*};
}

groups! {
    auth_bodies, auth_bodies_long, "Auth";
    me_bodies, me_bodies_long, "Me";
    orgs_bodies, orgs_bodies_long, "Orgs";
    catalog_bodies, catalog_bodies_long, "Catalog";
    curriculum_bodies, curriculum_bodies_long, "Curriculum";
    enrollment_bodies, enrollment_bodies_long, "Enrollment";
    progress_bodies, progress_bodies_long, "Progress";
    quiz_bodies, quiz_bodies_long, "Quizzes";
    assignment_bodies, assignment_bodies_long, "Assignments";
    discussion_bodies, discussion_bodies_long, "Discussions";
    payment_bodies, payment_bodies_long, "Payments";
}
