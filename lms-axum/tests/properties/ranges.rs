//! Random `Range` headers on signed media URLs of files of random sizes (1 to 2048 bytes,
//! uploaded through the API the first time a size comes up): the answer is 200, 206 or 416
//! only; `Content-Length` is the body's length; a 206's `Content-Range` names exactly the
//! bytes sent, a 416's the file's size; and the well-formed single ranges of RFC 9110 get
//! exactly the bytes they ask for.

use crate::harness::{Caller, Harness, MEDIA_SECRET, Reply, Shared, check_answer, request};
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use lms_media::MediaSigner;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::cell::RefCell;
use std::collections::HashMap;

/// A number in a range: small, at the ends of `u64`, or not quite a number.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0u64..70).prop_map(|n| n.to_string()),
        2 => (0u64..2_100).prop_map(|n| n.to_string()),
        1 => prop::sample::select(vec![
            "18446744073709551615", "18446744073709551616", "99999999999999999999999", "-1", "+1",
            " 1", "1 ", "01", "0x1", "1.0", "", "١",
        ])
        .prop_map(String::from),
    ]
}

/// One `start-end`, `start-` or `-suffix`, or something near it.
fn one_range() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (number(), number()).prop_map(|(a, b)| format!("{a}-{b}")),
        2 => number().prop_map(|a| format!("{a}-")),
        2 => number().prop_map(|n| format!("-{n}")),
        1 => (number(), number()).prop_map(|(a, b)| format!("{a}--{b}")),
        1 => prop::sample::select(vec!["-", "", "--", "a-b", "0-1-2"]).prop_map(String::from),
    ]
}

/// A `Range` header value, as bytes (some are not text).
fn range_header() -> impl Strategy<Value = Vec<u8>> {
    let unit = prop_oneof![
        12 => Just("bytes="),
        1 => prop::sample::select(vec!["Bytes=", " bytes=", "bytes =", "bytes= ", "items=", "", "bytes=bytes="]),
    ];
    // Mostly one range: several are answered whole.
    let ranges = prop_oneof![4 => prop::collection::vec(one_range(), 1), 1 => prop::collection::vec(one_range(), 2..4)];
    let separator = prop::sample::select(vec![",", ", ", " ,"]);
    prop_oneof![
        6 => (unit, ranges, separator).prop_map(|(unit, ranges, separator)| {
            format!("{unit}{}", ranges.join(separator)).into_bytes()
        }),
        1 => prop::collection::vec(0x20u8..0x7f, 0..40),
        1 => prop::collection::vec(prop_oneof![0x20u8..0x7f, 0x80u8..=0xff, Just(b'\t')], 0..20),
    ]
}

/// The bytes of the file of `size` bytes.
fn contents(size: u64) -> Vec<u8> {
    (0..size).map(|i| ((i * 7 + size) % 251) as u8).collect()
}

/// A path to the file of `size` bytes (uploaded now if it was not yet), signed now: a long
/// run outlives a signature.
fn file(harness: &Harness, files: &RefCell<HashMap<u64, String>>, size: u64) -> String {
    let sign = |key: &str| {
        let now = chrono::Utc::now().timestamp();
        let (expires, signature) = MediaSigner::new(MEDIA_SECRET).sign(key, now);
        format!("/media/{key}?exp={expires}&sig={signature}")
    };
    if let Some(key) = files.borrow().get(&size) {
        return sign(key);
    }
    let upload = request(
        "POST",
        "/orgs/acme/courses/c/media",
        Caller::Instructor,
        harness,
    )
    .header(header::CONTENT_TYPE, "video/mp4")
    .body(Body::from(contents(size)))
    .expect("request");
    let reply = harness.send(upload);
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.json());
    let key = reply.json()["media_key"]
        .as_str()
        .expect("a key")
        .to_owned();
    files.borrow_mut().insert(size, key.clone());
    sign(&key)
}

/// What RFC 9110 gives for a well-formed single range of a file of `size` bytes:
/// `Some(None)` for 416, `Some(Some(bytes))` for 206, `None` when `header` is not one.
fn canonical(header: &[u8], size: u64) -> Option<Option<std::ops::Range<u64>>> {
    let spec = std::str::from_utf8(header).ok()?.strip_prefix("bytes=")?;
    let (start, end) = spec.split_once('-')?;
    let number = |t: &str| {
        let digits = !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        digits.then(|| t.parse::<u64>().ok()).flatten()
    };
    match (start, end) {
        ("", n) => {
            let n = number(n)?;
            Some((n > 0).then(|| size.saturating_sub(n)..size))
        }
        (a, "") => {
            let a = number(a)?;
            Some((a < size).then_some(a..size))
        }
        // `b < a` is invalid: a server may ignore (200) or refuse (416) it.
        (a, b) => {
            let (a, b) = (number(a)?, number(b)?);
            if b < a {
                None
            } else if a >= size {
                Some(None)
            } else {
                Some(Some(a..b.min(size - 1) + 1))
            }
        }
    }
}

fn check_range(reply: &Reply, file: &[u8], header: &[u8], what: &str) -> Result<(), TestCaseError> {
    let size = file.len() as u64;
    let status = reply.status.as_u16();
    prop_assert!(matches!(status, 200 | 206 | 416), "{}: {}", what, status);
    let length = reply
        .header(header::CONTENT_LENGTH)
        .map(str::parse::<usize>);
    if status != 416 || length.is_some() {
        prop_assert_eq!(length, Some(Ok(reply.bytes.len())), "{}", what);
    }
    let content_range = reply.header(header::CONTENT_RANGE);
    let sent = match status {
        200 => {
            prop_assert_eq!(content_range, None, "{}", what);
            prop_assert!(reply.bytes == file, "{}: not the whole file", what);
            Some(0..size)
        }
        206 => {
            let range = content_range
                .and_then(|r| r.strip_prefix("bytes "))
                .and_then(|r| r.strip_suffix(&format!("/{size}")))
                .and_then(|r| r.split_once('-'))
                .and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)));
            let Some((first, last)) = range else {
                return Err(TestCaseError::fail(format!(
                    "{what}: Content-Range {content_range:?}"
                )));
            };
            prop_assert!(
                first <= last && last < size,
                "{}: {:?}",
                what,
                content_range
            );
            prop_assert!(
                reply.bytes == file[first as usize..=last as usize],
                "{}: other bytes",
                what
            );
            Some(first..last + 1)
        }
        _ => {
            let unsatisfied = format!("bytes */{size}");
            prop_assert_eq!(content_range, Some(unsatisfied.as_str()), "{}", what);
            None
        }
    };
    if let Some(expected) = canonical(header, size) {
        let got = if status == 200 { None } else { Some(sent) };
        let expected = match expected {
            None => Some(None),
            Some(range) => Some(Some(range)),
        };
        prop_assert_eq!(got, expected, "{}", what);
    }
    Ok(())
}

/// Sends the cases of `range_header` × sizes, checking each reply with `check`.
fn ranges(cases: u32, check: impl Fn(&Reply, &[u8], &[u8], &str) -> Result<(), TestCaseError>) {
    let shared = Shared::new(true, u32::MAX);
    let files = RefCell::new(HashMap::new());
    let strategy = (
        prop_oneof![3 => 1u64..=64, 1 => 1u64..=2_048],
        range_header(),
    );
    crate::run(cases, strategy, |(size, range)| {
        let harness = shared.next();
        let path = file(&harness, &files, size);
        let mut request = request("GET", &path, Caller::Nobody, &harness);
        if let Ok(value) = HeaderValue::from_bytes(&range) {
            request = request.header(header::RANGE, value);
        }
        let reply = harness.send(request.body(Body::empty()).expect("request"));
        let what = format!(
            "Range {:?} on {size} bytes",
            String::from_utf8_lossy(&range)
        );
        check(&reply, &contents(size), &range, &what)
    });
}

crate::property!(
    ranges_answer_the_bytes_they_name,
    ranges_answer_the_bytes_they_name_long,
    |cases| { ranges(cases, check_range) }
);

/// Found by these properties: a range past the end was answered 416 with an empty body and
/// no content type; the contract lists `416 range_not_satisfiable` among the problems.
#[test]
fn unsatisfiable_ranges_are_problems() {
    ranges(crate::CASES, |reply, file, header, what| {
        check_range(reply, file, header, what)?;
        check_answer(reply, what)
    });
}
