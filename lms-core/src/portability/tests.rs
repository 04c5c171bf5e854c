//! The reader against hand-written files: a whole one reads back, and each broken rule is
//! refused on its line.

use super::read::{ImportError, Reader};
use crate::store::OrgRow;
use serde_json::{Value, json};

const ORG: &str = "0192f0a0-0000-7000-8000-000000000001";
const ADA: &str = "0192f0a0-0000-7000-8000-000000000002";
const LEA: &str = "0192f0a0-0000-7000-8000-000000000003";
const COURSE: &str = "0192f0a0-0000-7000-8000-000000000004";
const MODULE: &str = "0192f0a0-0000-7000-8000-000000000005";
const TEXT: &str = "0192f0a0-0000-7000-8000-000000000006";
const QUIZ: &str = "0192f0a0-0000-7000-8000-000000000007";
const ENROLLMENT: &str = "0192f0a0-0000-7000-8000-000000000008";
const T: &str = "2026-12-01T10:00:00Z";

/// A whole file of one org: two users, a course with a text lesson and a quiz, an
/// enrollment with its progress and an attempt. Lines, without the end.
fn lines() -> Vec<Value> {
    vec![
        json!({"type": "header", "format": "lms-rs/org-export", "version": 1, "exported_at": T}),
        json!({"type": "org", "id": ORG, "slug": "acme", "name": "Acme", "created_at": T}),
        json!({"type": "user", "id": ADA, "email": "ada@acme.test", "name": "Ada", "created_at": T}),
        json!({"type": "user", "id": LEA, "email": "lea@acme.test", "name": "Lea", "created_at": T}),
        json!({"type": "member", "user_id": ADA, "role": "admin", "joined_at": T}),
        json!({"type": "member", "user_id": LEA, "role": "learner", "joined_at": T}),
        json!({"type": "course", "id": COURSE, "slug": "c", "title": "C", "status": "published",
               "owner_id": ADA, "created_at": T, "updated_at": T}),
        json!({"type": "module", "id": MODULE, "course_id": COURSE, "title": "M", "position": 0}),
        json!({"type": "lesson", "id": TEXT, "course_id": COURSE, "module_id": MODULE,
               "title": "Read", "kind": "text", "position": 0, "content": {"markdown": "# Hi"}}),
        json!({"type": "lesson", "id": QUIZ, "course_id": COURSE, "module_id": MODULE,
               "title": "Check", "kind": "quiz", "position": 1,
               "content": {"pass_percent": 50, "questions": [{"id": "q1", "kind": "true_false",
                           "prompt": "Yes?", "answer": true}]}}),
        json!({"type": "enrollment", "id": ENROLLMENT, "user_id": LEA, "course_id": COURSE,
               "source": "free", "status": "active", "enrolled_at": T}),
        json!({"type": "progress", "user_id": LEA, "course_id": COURSE, "lesson_id": TEXT,
               "status": "completed", "percent": 100, "completed_at": T, "updated_at": T}),
        json!({"type": "quiz_attempt", "id": "0192f0a0-0000-7000-8000-000000000009",
               "user_id": LEA, "course_id": COURSE, "lesson_id": QUIZ, "attempt_number": 1,
               "score_percent": 100, "passed": true, "answers": {"q1": true},
               "submitted_at": T}),
    ]
}

/// Reads `lines` and an end that counts them; the rows, or the first error.
fn read(lines: &[Value]) -> Result<Vec<OrgRow>, ImportError> {
    let mut all: Vec<String> = lines.iter().map(Value::to_string).collect();
    all.push(json!({"type": "end", "records": lines.len() - 1}).to_string());
    read_text(&all)
}

fn read_text(lines: &[String]) -> Result<Vec<OrgRow>, ImportError> {
    let mut reader = Reader::new();
    let mut rows = Vec::new();
    for line in lines {
        rows.extend(reader.read(line)?);
    }
    reader.finish()?;
    Ok(rows)
}

/// Asserts that `lines` is refused on `line` with a reason containing `says`.
#[track_caller]
fn refused(lines: &[Value], line: u64, says: &str) {
    match read(lines) {
        Err(e) => {
            assert_eq!(e.line, line, "{e}");
            assert!(e.reason.contains(says), "{e}");
        }
        Ok(rows) => panic!("read {} rows, expected line {line}: {says}", rows.len()),
    }
}

#[test]
fn a_whole_file_reads_into_the_orgs_values() {
    let rows = read(&lines()).unwrap();
    assert_eq!(rows.len(), 12);
    assert!(matches!(&rows[0], OrgRow::Org(o) if o.slug == "acme"));
    assert!(matches!(&rows[9], OrgRow::Enrollment(e) if e.completed_required == 0));
    assert!(matches!(&rows[11], OrgRow::QuizAttempt(a) if a.passed));
}

#[test]
fn a_newer_version_is_refused_for_its_version() {
    let mut newer = lines();
    newer[0]["version"] = json!(2);
    newer[0]["compression"] = json!("none"); // a field version 1 does not know
    refused(&newer, 1, "format version 2 is newer");
    let mut other = lines();
    other[0]["format"] = json!("someone-else");
    refused(&other, 1, "not an org export");
}

#[test]
fn a_file_cut_short_is_refused() {
    let all: Vec<String> = lines().iter().map(Value::to_string).collect();
    let cut = read_text(&all).unwrap_err();
    assert_eq!(cut.line, 14);
    assert!(cut.reason.contains("cut short"), "{cut}");
    let mut miscounted = all.clone();
    miscounted.push(json!({"type": "end", "records": 5}).to_string());
    let e = read_text(&miscounted).unwrap_err();
    assert_eq!(e.line, 14);
    assert!(e.reason.contains("counts 5 records but 12"), "{e}");
    let mut trailing = all;
    trailing.push(json!({"type": "end", "records": 12}).to_string());
    trailing.push(lines()[2].to_string());
    let e = read_text(&trailing).unwrap_err();
    assert_eq!(e.line, 15);
}

#[test]
fn records_that_break_a_rule_are_refused_on_their_line() {
    let mut stranger = lines();
    stranger[11]["lesson_id"] = json!("0192f0a0-0000-7000-8000-0000000000ff");
    refused(&stranger, 12, "is not a lesson of course");
    let mut twice = lines();
    let mut again = twice[10].clone();
    again["id"] = json!("0192f0a0-0000-7000-8000-0000000000aa");
    twice.insert(11, again);
    refused(&twice, 12, "a second enrollment");
    let mut unknown = lines();
    unknown[4]["nickname"] = json!("Ada");
    refused(&unknown, 5, "unknown field");
    let mut stranger_member = lines();
    stranger_member[4]["user_id"] = json!(COURSE);
    refused(&stranger_member, 5, "not among the users read before");
    let mut backwards = lines();
    let member = backwards.remove(4);
    backwards.insert(7, member);
    refused(&backwards, 8, "out of order");
    let mut not_a_quiz = lines();
    not_a_quiz[12]["lesson_id"] = json!(TEXT);
    refused(&not_a_quiz, 13, "is not a quiz lesson");
    let mut bad_content = lines();
    bad_content[9]["content"] = json!({"questions": "none"});
    refused(&bad_content, 10, "does not fit a quiz lesson");
    let mut unenrolled = lines();
    unenrolled[11]["user_id"] = json!(ADA);
    refused(&unenrolled, 12, "has no enrollment");
    let mut half_done = lines();
    half_done[11]["percent"] = json!(50);
    refused(&half_done, 12, "100 exactly when the lesson is completed");
    let mut done_without_date = lines();
    done_without_date[11]["completed_at"] = Value::Null;
    refused(&done_without_date, 12, "completed_at");
    let mut no_org = lines();
    no_org.remove(1);
    refused(&no_org, 2, "the org's record must follow the header");
    let mut unknown_prerequisite = lines();
    unknown_prerequisite[6]["prerequisites"] = json!(["0192f0a0-0000-7000-8000-0000000000bb"]);
    refused(&unknown_prerequisite, 14, "not in the file");
    let upload = |sha256: &str| {
        json!({"type": "media", "key": format!("{ORG}/{COURSE}/0192f0a0-0000-7000-8000-0000000000cc.mp4"),
               "course_id": COURSE, "size": 3, "created_at": T, "sha256": sha256})
    };
    let mut digested = lines();
    digested.insert(10, upload(&"ab".repeat(32)));
    assert!(read(&digested).is_ok(), "a digest of 64 hex digits");
    let mut bad_digest = lines();
    bad_digest.insert(10, upload("ABC"));
    refused(&bad_digest, 11, "is not a SHA-256 digest");
}

#[test]
fn each_record_names_its_kind_as_its_line_does() {
    let mut lines = lines();
    lines.push(json!({"type": "end", "records": 12}));
    for line in lines {
        let record: super::Record = serde_json::from_value(line.clone()).unwrap();
        assert_eq!(record.kind(), line["type"], "{line}");
    }
}

#[test]
fn an_org_brand_is_checked_as_its_route_checks_it() {
    let mut branded = lines();
    branded[1]["settings"] = json!({"brand": {"primary_color": "url(https://evil.example/x)"}});
    refused(&branded, 2, "settings.brand.primary_color");
    branded[1]["settings"] = json!({"brand": {"primary_color": "#112233",
        "logo_url": "https://CDN.example.com/logo.png"}});
    let rows = read(&branded).unwrap();
    let OrgRow::Org(org) = &rows[0] else {
        panic!("the org first")
    };
    assert_eq!(
        org.settings["brand"]["logo_url"],
        "https://cdn.example.com/logo.png"
    );
}
