//! Streamed report exports over HTTP (CSV and NDJSON), the course report's charts, and an
//! org's whole export.

use crate::api::{Api, assert_problem};
use crate::common::Backend;
use axum::http::{StatusCode, header};
use lms_core::testing::acme;
use lms_core::{Actor, LessonStatus, ProgressUpdate};
use serde_json::{Value, json};

const REPORT: &str = "/orgs/acme/courses/rust/report";
const COURSES: &str = "/orgs/acme/reports/courses/export";

const COURSE_COLUMNS: &str = "user_id,name,email,status,enrolled_at,percent,completed_lessons,total_lessons,completed_at,last_activity_at";

pub async fn reports_export_as_csv_and_ndjson(backend: Backend) {
    let api = Api::new(backend).await;
    let outline = api.w.published("rust", None).await;
    let sly = api.w.enrolled_learner("=cmd+1@x.test", "rust").await;
    let done = ProgressUpdate {
        status: Some(LessonStatus::Completed),
        percent: None,
        position_seconds: None,
    };
    let intro = outline.modules[0].lessons[0].id;
    api.w
        .lms
        .record_progress(&sly, acme("rust"), intro, done)
        .await
        .unwrap();
    api.w.enrolled_learner("plain@x.test", "rust").await;
    let instructor = Some(api.w.instructor);

    // CSV, the default: a header row, CRLF, formulas defused, offered as a download.
    let (status, headers, csv) = api.text(&format!("{REPORT}/export"), instructor).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"rust-report.csv\""
    );
    let mut lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert_eq!(lines[0], COURSE_COLUMNS);
    lines[1..].sort_by_key(|l| !l.contains("'=cmd")); // rows come in no particular order
    let first: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(first[0], sly.user_id().unwrap().to_string());
    assert_eq!(
        &first[1..8],
        [
            "'=cmd+1",
            "'=cmd+1@x.test",
            "active",
            first[4],
            "33",
            "1",
            "3"
        ]
    );
    assert!(
        first[4].ends_with('Z') && first[9].ends_with('Z'),
        "{}",
        lines[1]
    );
    assert_eq!(first[8], "", "not completed");
    assert!(
        lines[2].contains(",plain,plain@x.test,active,"),
        "{}",
        lines[2]
    );

    // NDJSON: one object a line, values as they are.
    let (status, headers, ndjson) = api
        .text(&format!("{REPORT}/export?format=ndjson"), instructor)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/x-ndjson");
    let mut rows: Vec<Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    rows.sort_by_key(|r| r["name"] != "=cmd+1");
    assert_eq!(rows.len(), 2);
    let keys: Vec<&str> = rows[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected: Vec<&str> = COURSE_COLUMNS.split(',').collect();
    expected.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(
        (
            rows[0]["name"].clone(),
            rows[0]["percent"].clone(),
            rows[0]["completed_at"].clone()
        ),
        (json!("=cmd+1"), json!(33), Value::Null)
    );

    // Another format is 422 naming the field, after authorization.
    let xml = api
        .call(
            "GET",
            &format!("{REPORT}/export?format=xml"),
            instructor,
            None,
        )
        .await;
    assert_problem(&xml, 422, "validation_failed");
    assert_eq!(xml.body["errors"][0]["field"], "format");
    let learner = Some(api.w.learner);
    for path in [
        format!("{REPORT}/export?format=xml"),
        format!("{REPORT}/export"),
    ] {
        assert_problem(
            &api.call("GET", &path, learner, None).await,
            403,
            "forbidden",
        );
        assert_problem(
            &api.call("GET", &path, None, None).await,
            401,
            "unauthenticated",
        );
    }
    let missing = "/orgs/acme/courses/nope/report/export";
    assert_problem(
        &api.call("GET", missing, instructor, None).await,
        404,
        "not_found",
    );

    // The org's courses: admins only.
    let admin = Some(api.w.admin);
    let (status, headers, csv) = api.text(COURSES, admin).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"acme-courses.csv\""
    );
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(
        lines[0],
        "course_id,slug,title,status,enrolled,completed,average_percent"
    );
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].ends_with(",rust,Course rust,published,2,0,16.5"),
        "{}",
        lines[1]
    );
    let (_, _, ndjson) = api.text(&format!("{COURSES}?format=ndjson"), admin).await;
    let row: Value = serde_json::from_str(ndjson.trim_end()).unwrap();
    assert_eq!(
        (row["slug"].clone(), row["enrolled"].clone()),
        (json!("rust"), json!(2))
    );
    assert_problem(
        &api.call("GET", COURSES, instructor, None).await,
        403,
        "forbidden",
    );
    let bad = api
        .call("GET", &format!("{COURSES}?format=pdf"), admin, None)
        .await;
    assert_problem(&bad, 422, "validation_failed");

    // The report's charts.
    let report = api.call("GET", REPORT, instructor, None).await;
    let summary = &report.body["summary"];
    assert_eq!(
        summary["distribution"],
        json!([1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    );
    let weeks = summary["completions_by_week"].as_array().unwrap();
    assert_eq!(weeks.len(), 26);
    assert!(
        weeks
            .iter()
            .all(|w| w["completed"] == 0 && w["week_start"].is_string())
    );
    let _: Actor = sly; // the learners stay enrolled for the reads above
}

/// `GET /orgs/{org}/export`: the whole org as NDJSON records for its admins, streamed as a
/// download; a problem for anyone else.
pub async fn an_org_exports_as_ndjson_to_its_admins(backend: Backend) {
    let api = Api::new(backend).await;
    let outline = api.w.published("rust", None).await;
    let sly = api.w.enrolled_learner("sly@x.test", "rust").await;
    let done = ProgressUpdate {
        status: Some(LessonStatus::Completed),
        percent: None,
        position_seconds: None,
    };
    let intro = outline.modules[0].lessons[0].id;
    api.w
        .lms
        .record_progress(&sly, acme("rust"), intro, done)
        .await
        .unwrap();

    let admin = Some(api.w.admin);
    let (status, headers, ndjson) = api.text("/orgs/acme/export", admin).await;
    assert_eq!(status, StatusCode::OK, "{ndjson}");
    assert_eq!(headers[header::CONTENT_TYPE], "application/x-ndjson");
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"acme-export.ndjson\""
    );
    assert!(ndjson.ends_with('\n'));
    let records: Vec<Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(records[0]["type"], "header");
    assert_eq!(
        (&records[0]["format"], &records[0]["version"]),
        (&json!("lms-rs/org-export"), &json!(1))
    );
    assert_eq!(records[1]["type"], "org");
    assert_eq!(records[1]["slug"], "acme");
    let end = records.last().unwrap();
    assert_eq!(end["type"], "end");
    assert_eq!(end["records"], json!(records.len() - 2));
    let of = |kind: &str| records.iter().filter(|r| r["type"] == kind).count();
    assert_eq!((of("course"), of("enrollment"), of("progress")), (1, 1, 1));
    assert!(
        records
            .iter()
            .any(|r| r["type"] == "user" && r["email"] == "sly@x.test")
    );

    for (who, status, code) in [
        (Some(api.w.instructor), 403, "forbidden"),
        (Some(api.w.learner), 403, "forbidden"),
        (Some(api.w.outsider), 403, "forbidden"),
        (None, 401, "unauthenticated"),
    ] {
        let reply = api.call("GET", "/orgs/acme/export", who, None).await;
        assert_problem(&reply, status, code);
    }
    let missing = api.call("GET", "/orgs/nope/export", admin, None).await;
    assert_problem(&missing, 404, "not_found");
}
