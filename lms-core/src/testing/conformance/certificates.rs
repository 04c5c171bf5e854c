//! Certificates: issued once on completion, a snapshot of names, revoked with the
//! enrollment.

use super::helpers::{complete_course, completed};
use crate::testing::fixtures::{ORG, World, acme, assert_code};
use crate::{Actor, CoursePatch, LessonPatch, Lms, OrgPatch, RevocationReason};
use serde_json::json;

pub async fn certificates_are_issued_once_on_completion(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    assert_code(w.lms.certificate(&w.learner, acme("c")).await, "not_found");
    let intro = outline.modules[0].lessons[0].id;
    w.lms
        .record_progress(&w.learner, acme("c"), intro, completed())
        .await
        .unwrap();
    assert_code(w.lms.certificate(&w.learner, acme("c")).await, "not_found");
    complete_course(&w, &w.learner, "c").await;
    let certificate = w.lms.certificate(&w.learner, acme("c")).await.unwrap();
    let progress = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert_eq!(Some(certificate.issued_at), progress.completed_at);
    assert_eq!(
        (
            certificate.learner_name.as_str(),
            certificate.course_title.as_str(),
            certificate.org_name.as_str()
        ),
        ("Lea Learner", "Course c", "Acme")
    );
    assert_eq!(
        (certificate.user_id, certificate.course_id),
        (w.learner.user_id().unwrap(), outline.course.id)
    );
    assert!(certificate.is_valid() && certificate.revoked_reason.is_none());
    assert_eq!(
        crate::CertificateCode::parse(certificate.code.as_str()),
        Some(certificate.code.clone())
    );
    // Completing again (progress, another passing attempt) issues nothing new.
    complete_course(&w, &w.learner, "c").await;
    assert_eq!(
        w.lms.certificate(&w.learner, acme("c")).await.unwrap(),
        certificate
    );
    // Anyone may verify the code, typed loosely; unknown and malformed codes are 404.
    assert_eq!(
        w.lms
            .verify_certificate(certificate.code.as_str())
            .await
            .unwrap(),
        certificate
    );
    let typed = certificate.code.as_str().replace('-', " ").to_lowercase();
    assert_eq!(w.lms.verify_certificate(&typed).await.unwrap(), certificate);
    assert_code(
        w.lms
            .verify_certificate(crate::CertificateCode::generate().as_str())
            .await,
        "not_found",
    );
    assert_code(w.lms.verify_certificate("not-a-code").await, "not_found");
    // It is the learner's: others have none here, anonymous callers must sign in.
    assert_code(
        w.lms.certificate(&w.outsider, acme("c")).await,
        "not_enrolled",
    );
    assert_code(w.lms.certificate(&w.admin, acme("c")).await, "not_enrolled");
    assert_code(
        w.lms.certificate(&Actor::Anonymous, acme("c")).await,
        "unauthenticated",
    );
}

pub async fn certificate_snapshot_survives_renames(lms: Lms) {
    let w = World::new(lms).await;
    w.published("c", None).await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    complete_course(&w, &w.learner, "c").await;
    let issued = w.lms.certificate(&w.learner, acme("c")).await.unwrap();
    let rename = CoursePatch {
        title: Some("Renamed course".into()),
        ..Default::default()
    };
    w.lms
        .update_course(&w.instructor, acme("c"), rename)
        .await
        .unwrap();
    let org = OrgPatch {
        name: Some("Renamed org".into()),
        ..Default::default()
    };
    w.lms.update_org(&w.admin, ORG, org).await.unwrap();
    assert_eq!(
        w.lms.certificate(&w.learner, acme("c")).await.unwrap(),
        issued
    );
    let verified = w
        .lms
        .verify_certificate(issued.code.as_str())
        .await
        .unwrap();
    assert_eq!(
        (verified.course_title.as_str(), verified.org_name.as_str()),
        ("Course c", "Acme")
    );
}

pub async fn concurrent_completion_paths_issue_one_certificate(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let (intro, watch) = (
        outline.modules[0].lessons[0].id,
        outline.modules[0].lessons[1].id,
    );
    let quiz = outline.modules[1].lessons[0].id;
    w.lms
        .record_progress(&w.learner, acme("c"), intro, completed())
        .await
        .unwrap();
    // Watch and the quiz are missing. Race every path that can complete the course: progress
    // writes on Watch, passing attempts at the quiz, and the owner making Watch optional.
    // Seven writers, released together.
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(7));
    let mut tasks = tokio::task::JoinSet::new();
    for round in 0..3 {
        let (lms, gate) = (w.lms.clone(), barrier.clone());
        tasks.spawn(async move {
            gate.wait().await;
            lms.record_progress(&w.learner, acme("c"), watch, completed())
                .await
                .map(drop)
        });
        let (lms, gate) = (w.lms.clone(), barrier.clone());
        let answers = json!({"q1": "b", "q2": true});
        tasks.spawn(async move {
            gate.wait().await;
            lms.submit_attempt(&w.learner, acme("c"), quiz, answers)
                .await
                .map(drop)
        });
        if round == 1 {
            let (lms, gate) = (w.lms.clone(), barrier.clone());
            let optional = LessonPatch {
                required: Some(false),
                ..Default::default()
            };
            tasks.spawn(async move {
                gate.wait().await;
                lms.update_lesson(&w.instructor, acme("c"), watch, optional)
                    .await
                    .map(drop)
            });
        }
    }
    for result in tasks.join_all().await {
        result.unwrap();
    }
    let progress = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert!(progress.completed);
    let certificate = w.lms.certificate(&w.learner, acme("c")).await.unwrap();
    assert_eq!(
        Some(certificate.issued_at),
        progress.completed_at,
        "issued with the one recorded completion"
    );
    let course_completed = crate::EventKind::CourseCompleted;
    let events = super::races::events_of(&w, outline.course.id, course_completed).await;
    assert_eq!(events, 1, "one course.completed");
    assert_eq!(
        w.lms
            .verify_certificate(certificate.code.as_str())
            .await
            .unwrap(),
        certificate
    );
}

pub async fn revoking_the_enrollment_invalidates_the_certificate(lms: Lms) {
    let w = World::new(lms).await;
    w.published("c", None).await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    complete_course(&w, &w.learner, "c").await;
    let issued = w.lms.certificate(&w.learner, acme("c")).await.unwrap();
    let learner = w.learner.user_id().unwrap();
    w.lms
        .revoke_enrollment(&w.admin, acme("c"), learner)
        .await
        .unwrap();
    let revoked = w
        .lms
        .verify_certificate(issued.code.as_str())
        .await
        .unwrap();
    assert!(!revoked.is_valid());
    assert_eq!(
        revoked.revoked_reason,
        Some(RevocationReason::EnrollmentRevoked)
    );
    assert_eq!(
        (&revoked.code, &revoked.learner_name, revoked.issued_at),
        (&issued.code, &issued.learner_name, issued.issued_at)
    );
    // The learner still sees it (marked invalid); reactivation restores it.
    assert_eq!(
        w.lms.certificate(&w.learner, acme("c")).await.unwrap(),
        revoked
    );
    w.lms
        .enroll_user(&w.admin, acme("c"), learner)
        .await
        .unwrap();
    assert_eq!(
        w.lms
            .verify_certificate(issued.code.as_str())
            .await
            .unwrap(),
        issued
    );
}
