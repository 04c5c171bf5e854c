//! An org moved whole between two stores: exported from one, imported into another that
//! does not hold it, it answers every question as before. A store pair's test calls
//! [`an_org_moves_whole_between_stores`] with an LMS on each (and a third, empty one).

use crate::portability::Record;
use crate::testing::conformance::{
    assignment_course, grade, paid_event, submit, subscription_event_at,
};
use crate::testing::fixtures::{ORG, World, acme};
use crate::{Lms, LmsError, NewPost, PageRequest, ProgressUpdate};
use chrono::Utc;
use futures_util::{TryStreamExt, stream};
use serde_json::json;

/// The org's export as lines, and its lines after the header (which carries the time of
/// the export), sorted: a store keeps progress rows in an order of its own.
async fn export_lines(lms: &Lms, who: &crate::Actor) -> (Vec<String>, Vec<String>) {
    let export = lms.export_org(who, ORG).await.unwrap();
    let records: Vec<Record> = export.into_records().try_collect().await.unwrap();
    let lines: Vec<String> = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    let mut sorted = lines[1..].to_vec();
    sorted.sort();
    (lines, sorted)
}

async fn import(lms: &Lms, lines: &[String]) -> Result<crate::ImportedOrg, LmsError> {
    let lines: Vec<Result<String, std::io::Error>> = lines.iter().cloned().map(Ok).collect();
    lms.import_org(stream::iter(lines)).await
}

/// `source` gets a world with every kind of record; it moves to `target`, then a cut copy
/// of it is refused by `empty`, which stays empty.
pub async fn an_org_moves_whole_between_stores(source: Lms, target: Lms, empty: Lms) {
    let w = World::new(source).await;
    let outline = w.published("c", None).await;
    let lessons: Vec<_> = outline.lessons().map(|l| l.id).collect();
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let done = ProgressUpdate {
        status: Some(crate::LessonStatus::Completed),
        percent: None,
        position_seconds: None,
    };
    for lesson in &lessons[..2] {
        w.lms
            .record_progress(&w.learner, acme("c"), *lesson, done)
            .await
            .unwrap();
    }
    let quiz = lessons[2];
    for answers in [
        json!({"q1": "a", "q2": false}),
        json!({"q1": "b", "q2": true}),
    ] {
        w.lms
            .submit_attempt(&w.learner, acme("c"), quiz, answers)
            .await
            .unwrap();
    }
    let certificate = w.lms.certificate(&w.learner, acme("c")).await.unwrap();
    let post = NewPost {
        body: "Thanks!".into(),
        parent_id: None,
    };
    w.lms
        .create_post(&w.learner, acme("c"), lessons[0], post)
        .await
        .unwrap();
    let (essay, _) = assignment_course(&w, None).await;
    let submission = submit(&w, essay, "An essay").await;
    grade(&w, &submission, 4).await;
    // A learner's file attached to their second submission (a reference the file makes
    // forward), a course's own upload, and a pending invitation.
    let file = w
        .lms
        .new_submission_upload(&w.learner, acme("a"), essay, "application/pdf")
        .await
        .unwrap()
        .expect("PDFs are accepted");
    w.lms
        .record_submission_upload(&w.learner, acme("a"), essay, &file.key, 10)
        .await
        .unwrap();
    let work = crate::NewSubmission {
        body: None,
        attachments: Some(vec![file.key.to_string()]),
    };
    w.lms
        .submit_assignment(&w.learner, acme("a"), essay, work)
        .await
        .unwrap();
    let video = w
        .lms
        .new_upload(&w.instructor, acme("c"), "video/mp4")
        .await
        .unwrap()
        .expect("mp4 is accepted");
    let stored = crate::StoredFile {
        size: 2048,
        sha256: Some(crate::Sha256Digest::from_bytes([7; 32])),
    };
    w.lms
        .record_upload(&w.instructor, acme("c"), &video.key, stored)
        .await
        .unwrap();
    let invitee = crate::NewMember {
        email: "new@acme.test".into(),
        role: crate::Role::Instructor,
    };
    w.lms.invite(&w.admin, ORG, invitee).await.unwrap();
    // A course bought (a line of the ledger, a purchased enrollment), and the org's plan
    // subscribed to.
    let paid = w.published("p", Some(4900)).await;
    let bought = paid_event("evt_paid", &w, paid.course.id, &w.learner, "cs_1");
    w.lms.apply_payment_event(bought).await.unwrap();
    let active = crate::SubscriptionStatus::Active;
    let subscribed = subscription_event_at("evt_sub", &w, &w.learner, active, Utc::now());
    w.lms.apply_payment_event(subscribed).await.unwrap();
    let (lines, records) = export_lines(&w.lms, &w.admin).await;
    let kinds: Vec<Record> = records
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let count = |kind: &str| kinds.iter().filter(|r| r.kind() == kind).count();
    // Every kind between the header and the end.
    let every_kind = &Record::KINDS[1..Record::KINDS.len() - 1];
    let missing: Vec<&str> = every_kind
        .iter()
        .copied()
        .filter(|k| count(k) == 0)
        .collect();
    assert!(
        missing.is_empty(),
        "the world has each kind; missing {missing:?}"
    );
    assert_eq!(
        [
            "media",
            "submission",
            "quiz_attempt",
            "payment",
            "subscription"
        ]
        .map(count),
        [2, 2, 2, 1, 1]
    );
    assert!(
        records.iter().any(|l| l.contains("\"submission_id\":\"")),
        "a learner's file names its submission"
    );
    let digest = crate::Sha256Digest::from_bytes([7; 32]);
    assert!(
        records
            .iter()
            .any(|l| l.contains(&format!("\"sha256\":\"{digest}\""))),
        "the upload's digest"
    );

    // The admin signs in with a password, which moves store to store with the org.
    let admin = w.admin.user_id().unwrap();
    let password = crate::PasswordCredential {
        user_id: admin,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
    };
    let credentials = std::slice::from_ref(&password);
    w.lms
        .restore_password_credentials(credentials)
        .await
        .unwrap();
    let lines_read = lines.iter().cloned().map(Ok::<_, std::io::Error>);
    let imported = target.import_org_with_passwords_from(stream::iter(lines_read), &w.lms);
    let imported = imported.await.unwrap();
    assert_eq!(
        (imported.org.id, imported.records, imported.passwords),
        (w.org_id, records.len() as u64 - 1, 1)
    );
    let moved = target.password_credentials(&[admin]).await.unwrap();
    assert_eq!(moved, [password]);
    // The same answers to the same questions.
    for course in ["c", "a", "p"] {
        let before = w
            .lms
            .course_progress(&w.learner, acme(course))
            .await
            .unwrap();
        let after = target
            .course_progress(&w.learner, acme(course))
            .await
            .unwrap();
        assert_eq!(after, before, "{course}");
        let before = w.lms.lesson_states(&w.learner, acme(course)).await.unwrap();
        let after = target
            .lesson_states(&w.learner, acme(course))
            .await
            .unwrap();
        assert_eq!(after, before, "{course}");
        let page = PageRequest::default();
        let before = w.lms.course_report(&w.instructor, acme(course), page);
        let after = target.course_report(&w.instructor, acme(course), page);
        assert_eq!(after.await.unwrap(), before.await.unwrap(), "{course}");
        assert!(target.check_rollups(acme(course)).await.unwrap().is_exact());
    }
    let verified = target.verify_certificate(certificate.code.as_str()).await;
    assert_eq!(verified.unwrap(), certificate);
    let page = PageRequest::default();
    let before = w.lms.attempts(&w.learner, acme("c"), quiz, page);
    let after = target.attempts(&w.learner, acme("c"), quiz, page);
    assert_eq!(after.await.unwrap().items, before.await.unwrap().items);
    let page = PageRequest::default();
    let before = w.lms.payments(&w.admin, ORG, page).await.unwrap().items;
    assert_eq!(
        target.payments(&w.admin, ORG, page).await.unwrap().items,
        before
    );
    let before = w.lms.membership(&w.learner, ORG).await.unwrap();
    assert!(before.is_some(), "the learner's subscription");
    assert_eq!(target.membership(&w.learner, ORG).await.unwrap(), before);
    // Exported again, the target gives the same records.
    let (_, again) = export_lines(&target, &w.admin).await;
    assert_eq!(again, records);

    // A store that holds the org refuses it, and writes nothing.
    let refused = import(&target, &lines).await.unwrap_err();
    assert_eq!(refused.code(), "import_refused", "{refused}");
    let (_, still) = export_lines(&target, &w.admin).await;
    assert_eq!(still, records);
    // A cut file leaves nothing behind.
    let cut = import(&empty, &lines[..lines.len() / 2]).await.unwrap_err();
    assert_eq!(cut.code(), "import_refused", "{cut}");
    assert!(cut.to_string().contains("cut short"), "{cut}");
    let gone = empty.export_org(&w.admin, ORG).await.map(drop).unwrap_err();
    assert_eq!(gone.code(), "not_found");
}
