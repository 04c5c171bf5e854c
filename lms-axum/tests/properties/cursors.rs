//! Every list route (a GET with `?cursor=` in the served document) gets random query
//! strings: `limit` and `cursor` of every sort (numbers in and out of range, text, bytes
//! that are not UTF-8 once decoded, cursors the API hands out, repeated parameters), as a
//! caller it lets in (mostly) or anyone. Besides the check every answer passes: a page holds
//! at most `limit` items, its `next_cursor` reads back, and a caller let in gets exactly the
//! answer the contract names for one well-formed or ill-formed parameter.

use crate::harness::{CALLERS, Caller, Harness, Shared, check_api_answer, document, request};
use axum::body::Body;
use lms_core::{Page, PageRequest};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

fn list_routes(document: &Value) -> Vec<String> {
    let mut routes = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        let parameters = item["get"]["parameters"].as_array();
        if parameters.is_some_and(|ps| ps.iter().any(|p| p["name"] == "cursor")) {
            routes.push(path.clone());
        }
    }
    routes
}

/// A cursor the API hands out, for a random item.
fn handed_out(key: u128) -> String {
    let key = uuid::Uuid::from_u128(key);
    let page = Page::from_rows(vec![key, key], &PageRequest::first(1), |k| *k);
    page.next_cursor.expect("a next page")
}

/// Bytes as a query value: unreserved characters as they are, the rest `%XX`.
fn encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(*b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One query parameter: its name, and its value as sent.
#[derive(Clone, Debug)]
enum Param {
    Limit(i128),
    LimitText(String),
    Cursor(String),
    Raw(String),
}

fn parameter() -> impl Strategy<Value = (String, Param)> {
    let limit = prop_oneof![
        4 => (-2i128..=205).prop_map(Param::Limit),
        1 => prop::sample::select(vec![i128::from(i64::MIN), i128::from(i64::MAX), i128::from(u64::MAX) + 1])
            .prop_map(Param::Limit),
        1 => prop::sample::select(vec!["", "%205", "5%20", "+5", "05", "1e2", "5.0", "0x10", "%35", "%ff", "%", "%zz", "five"])
            .prop_map(|t| Param::LimitText(t.to_owned())),
    ];
    let cursor = prop_oneof![
        4 => any::<u128>().prop_map(|k| Param::Cursor(handed_out(k))),
        1 => prop::collection::vec(any::<u8>(), 0..30).prop_map(|b| Param::Raw(encode(&b))),
        1 => prop::sample::select(vec!["", "%", "%zz", "%ff%fe", "AAAA", "+", "a+b", "%00"])
            .prop_map(|t| Param::Raw(t.to_owned())),
    ];
    let other = prop_oneof![
        prop::sample::select(vec!["status", "LIMIT", "cursor[]", "", "%ff"]).prop_map(String::from),
    ];
    prop_oneof![
        4 => limit.prop_map(|v| ("limit".to_owned(), v)),
        4 => cursor.prop_map(|v| ("cursor".to_owned(), v)),
        1 => (other, prop::collection::vec(any::<u8>(), 0..8))
            .prop_map(|(name, value)| (name, Param::Raw(encode(&value)))),
    ]
}

fn text(value: &Param) -> String {
    match value {
        Param::Limit(n) => n.to_string(),
        Param::LimitText(t) | Param::Cursor(t) | Param::Raw(t) => t.clone(),
    }
}

/// The answer a caller let in must get for these parameters, when the contract names one:
/// a sole `limit` (a number 1..=200: 200, another number: 422, not a number: 400) and at
/// most a sole handed-out cursor, or a sole limit-free garbage cursor (400).
fn expected(parameters: &[(String, Param)]) -> Option<u16> {
    let limits: Vec<&Param> = parameters
        .iter()
        .filter(|(n, _)| n == "limit")
        .map(|(_, v)| v)
        .collect();
    let cursors: Vec<&Param> = parameters
        .iter()
        .filter(|(n, _)| n == "cursor")
        .map(|(_, v)| v)
        .collect();
    if parameters.len() != limits.len() + cursors.len() || limits.len() > 1 || cursors.len() > 1 {
        return None;
    }
    let limit = match limits.first() {
        None => Some(200),
        Some(Param::Limit(n)) if (1..=200).contains(n) => Some(200),
        Some(Param::Limit(n)) if i64::try_from(*n).is_ok() => Some(422),
        Some(_) => None,
    };
    match (limit, cursors.first()) {
        (limit, None | Some(Param::Cursor(_))) => limit,
        (Some(200), Some(Param::Raw(t)))
            if !t.contains('%') && !t.contains('+') && !t.is_empty() =>
        {
            lms_core::PageRequest::parse(None, Some(t))
                .err()
                .map(|e| e.status())
        }
        _ => None,
    }
}

/// The callers a list route answers 200 without parameters.
fn let_in(harness: &Harness, path: &str) -> Vec<Caller> {
    CALLERS
        .into_iter()
        .filter(|caller| {
            let request = request("GET", path, *caller, harness);
            harness
                .send(request.body(Body::empty()).expect("request"))
                .status
                == 200
        })
        .collect()
}

fn lists(cases: u32) {
    let shared = Shared::new(false, 256);
    let harness = shared.current();
    let routes = list_routes(&document(&harness));
    assert!(routes.len() >= 10, "{routes:?}");
    let callers: Vec<Vec<Caller>> = routes
        .iter()
        .map(|r| let_in(&harness, &harness.fill(r, &[])))
        .collect();
    let strategy = (
        any::<prop::sample::Index>(),
        (prop::bool::weighted(0.9), any::<prop::sample::Index>()),
        prop::collection::vec(parameter(), 0..4),
    );
    crate::run(cases, strategy, |(route, (mostly, pick), parameters)| {
        let harness = shared.next();
        let at = route.index(routes.len());
        let let_in = &callers[at];
        let caller = match mostly && !let_in.is_empty() {
            true => let_in[pick.index(let_in.len())],
            false => CALLERS[pick.index(CALLERS.len())],
        };
        let query: Vec<String> = parameters
            .iter()
            .map(|(name, value)| format!("{name}={}", text(value)))
            .collect();
        let path = format!("{}?{}", harness.fill(&routes[at], &[]), query.join("&"));
        let what = format!("GET {path} as {caller:?}");
        let request = request("GET", &path, caller, &harness);
        let reply = harness.send(request.body(Body::empty()).expect("request"));
        check_api_answer(&reply, &what)?;
        if let_in.contains(&caller)
            && let Some(status) = expected(&parameters)
        {
            prop_assert_eq!(reply.status.as_u16(), status, "{}: {}", what, reply.json());
        }
        if reply.status == 200 {
            check_page(
                &harness,
                &routes[at],
                caller,
                &parameters,
                &reply.json(),
                &what,
            )?;
        }
        Ok(())
    });
}

/// A page holds at most its limit, and its `next_cursor` reads back.
fn check_page(
    harness: &Harness,
    route: &str,
    caller: Caller,
    parameters: &[(String, Param)],
    page: &Value,
    what: &str,
) -> Result<(), TestCaseError> {
    let items = page["items"].as_array();
    prop_assert!(items.is_some(), "{}: {}", what, page);
    let limit = match parameters.iter().find(|(n, _)| n == "limit") {
        Some((_, Param::Limit(n)))
            if parameters.iter().filter(|(n, _)| n == "limit").count() == 1 =>
        {
            *n
        }
        _ => 50,
    };
    prop_assert!(
        items.map_or(0, Vec::len) as i128 <= limit,
        "{}: {}",
        what,
        page
    );
    if let Some(next) = page["next_cursor"].as_str() {
        let path = format!("{}?cursor={next}", harness.fill(route, &[]));
        let reply = harness.send(
            request("GET", &path, caller, harness)
                .body(Body::empty())
                .expect("request"),
        );
        prop_assert_eq!(reply.status, 200, "{} then {}", what, path);
    } else {
        prop_assert!(page["next_cursor"].is_null(), "{}: {}", what, page);
    }
    Ok(())
}

crate::property!(list_parameters, list_parameters_long, lists);
