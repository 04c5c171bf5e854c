//! An org's export: every kind of record, in the format's order, from one snapshot, to its
//! admins only — and nothing of another org's, and no secret.

use super::assignments::{assignment_course, grade, submit};
use super::helpers::completed;
use crate::portability::records::{FORMAT, Record, VERSION};
use crate::testing::fixtures::{ORG, World, acme, assert_code};
use crate::{Actor, Lms, NewMember, NewPost, Role};
use futures_util::TryStreamExt;
use serde_json::json;

async fn export(lms: &Lms, who: &Actor, org: &str) -> Vec<Record> {
    let export = lms.export_org(who, org).await.unwrap();
    assert_eq!(export.org().slug, org);
    export.into_records().try_collect().await.unwrap()
}

pub async fn an_org_exports_whole_in_the_formats_order_to_its_admins(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let (intro, quiz) = (
        outline.modules[0].lessons[0].id,
        outline.modules[1].lessons[0].id,
    );
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    w.lms
        .record_progress(&w.learner, acme("c"), intro, completed())
        .await
        .unwrap();
    w.lms
        .submit_attempt(&w.learner, acme("c"), quiz, json!({"q1": "a", "q2": false}))
        .await
        .unwrap();
    let post = NewPost {
        body: "A question".into(),
        parent_id: None,
    };
    w.lms
        .create_post(&w.learner, acme("c"), intro, post)
        .await
        .unwrap();
    let (essay, _) = assignment_course(&w, None).await;
    let submission = submit(&w, essay, "My essay").await;
    grade(&w, &submission, 9).await;
    // A learner's file on a lesson that is then deleted: a leftover for the sweep, not data.
    let module = w.module("a", "Extra").await;
    let extra = w
        .lesson(
            "a",
            module.id,
            "Extra essay",
            crate::LessonKind::Assignment,
            json!({"instructions": "More", "max_score": 10}),
        )
        .await;
    let permit = w
        .lms
        .new_submission_upload(&w.learner, acme("a"), extra.summary.id, "application/pdf")
        .await
        .unwrap()
        .expect("PDFs are accepted");
    w.lms
        .record_submission_upload(&w.learner, acme("a"), extra.summary.id, &permit.key, 10)
        .await
        .unwrap();
    w.lms
        .delete_lesson(&w.instructor, acme("a"), extra.summary.id)
        .await
        .unwrap();
    let invitee = NewMember {
        email: "new@acme.test".into(),
        role: Role::Instructor,
    };
    w.lms.invite(&w.admin, ORG, invitee).await.unwrap();
    // Another org, with a learner of its own: none of it may appear.
    let foreign = w.other_org("elsewhere").await;

    let records = export(&w.lms, &w.admin, ORG).await;
    let Some(Record::Header(header)) = records.first() else {
        panic!("the header first: {:?}", records.first());
    };
    assert_eq!((header.format.as_str(), header.version), (FORMAT, VERSION));
    let Some(Record::End(end)) = records.last() else {
        panic!("the end last: {:?}", records.last());
    };
    assert_eq!(end.records as usize, records.len() - 2);
    assert!(
        records.windows(2).all(|p| p[0].rank() <= p[1].rank()),
        "kinds in the format's order"
    );
    let count = |kind: usize| records.iter().filter(|r| r.rank() == kind).count();
    assert_eq!(count(1), 1, "one org");
    assert_eq!(count(3), 3, "admin, instructor, learner");
    assert_eq!(count(4), 1, "the pending invitation");
    assert_eq!(count(5), 2, "courses c and a");
    assert_eq!(count(9), 2, "the learner in both courses");
    assert_eq!((count(11), count(12), count(14)), (1, 1, 1));
    assert_eq!(count(8), 0, "the deleted lesson's file stays behind");
    let users: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            Record::User(u) => Some(u.email.as_str()),
            _ => None,
        })
        .collect();
    for email in [
        "admin@acme.test",
        "instructor@acme.test",
        "learner@acme.test",
    ] {
        assert!(users.contains(&email), "{email} in {users:?}");
    }
    assert!(
        !users.contains(&"outsider@else.test"),
        "the other org's admin"
    );
    let progress: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            Record::Progress(p) => Some((p.lesson_id, p.status)),
            _ => None,
        })
        .collect();
    assert!(progress.contains(&(intro, crate::LessonStatus::Completed)));
    let lines: Vec<String> = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    let text = lines.join("\n");
    for secret in ["password", "token", "hash", "secret"] {
        assert!(!text.contains(secret), "no {secret} in the export");
    }
    let foreign_course = foreign.course.id.to_string();
    assert!(!text.contains(&foreign_course), "nothing of another org");
    // Each line reads back as the record it was written from, and the file keeps every
    // rule an import checks.
    for (line, record) in lines.iter().zip(&records) {
        let read: Record = serde_json::from_str(line).unwrap();
        assert_eq!(&read, record, "{line}");
    }
    let mut reader = crate::portability::Reader::new();
    let mut rows = 0;
    for line in &lines {
        rows += reader
            .read(line)
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .count();
    }
    let deferred = reader.finish().unwrap();
    assert_eq!((rows, deferred.records), (records.len() - 2, end.records));

    // Its admins only.
    for who in [w.instructor, w.learner, w.outsider] {
        assert_code(w.lms.export_org(&who, ORG).await.map(drop), "forbidden");
    }
    let anonymous = w.lms.export_org(&Actor::Anonymous, ORG).await;
    assert_code(anonymous.map(drop), "unauthenticated");
    assert_code(
        w.lms.export_org(&w.admin, "nope").await.map(drop),
        "not_found",
    );
}

pub async fn exports_beyond_the_concurrent_limit_are_turned_away(lms: Lms) {
    let w = World::new(lms.with_concurrent_exports(1)).await;
    w.published("c", None).await;
    let first = w.lms.export_org(&w.admin, ORG).await.unwrap();
    let mut records = first.into_records();
    let header = records.try_next().await.unwrap();
    assert!(matches!(header, Some(Record::Header(_))), "{header:?}");
    // While it streams, every other export is turned away at once, whoever asks.
    let busy =
        |code: crate::LmsError| assert_eq!((code.status(), code.code()), (503, "unavailable"));
    busy(w.lms.export_org(&w.admin, ORG).await.map(drop).unwrap_err());
    let report = w.lms.export_course_report(&w.instructor, acme("c")).await;
    busy(report.map(drop).unwrap_err());
    busy(
        w.lms
            .export_org_report(&w.admin, ORG)
            .await
            .map(drop)
            .unwrap_err(),
    );
    let anonymous = w.lms.export_org(&Actor::Anonymous, ORG).await;
    assert_code(anonymous.map(drop), "unauthenticated");
    // Once it is dropped, the next one runs.
    drop(records);
    let next = export(&w.lms, &w.admin, ORG).await;
    assert!(matches!(next.last(), Some(Record::End(_))));
}
