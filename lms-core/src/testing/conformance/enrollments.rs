//! Enrollments: free, paid and admin enrollment, revoking, races, the list, and bulk import.

use super::helpers::{all_pages, completed, page, percent};
use crate::testing::fixtures::{ORG, World, acme, assert_code, assert_invalid};
use crate::{Actor, EnrollmentSource, EnrollmentStatus, Lms, NewUser};
use chrono::{SubsecRound, Utc};
use std::collections::HashSet;

pub async fn enrolling_in_a_free_course(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let enrollment = w.lms.enroll(&w.outsider, acme("c")).await.unwrap();
    assert_eq!(
        (enrollment.source, enrollment.status),
        (EnrollmentSource::Free, EnrollmentStatus::Active)
    );
    assert_eq!(enrollment.course_id, outline.course.id);
    assert_code(
        w.lms.enroll(&w.outsider, acme("c")).await,
        "already_enrolled",
    );
    assert_code(
        w.lms.enroll(&Actor::Anonymous, acme("c")).await,
        "unauthenticated",
    );
    w.draft("draft", None).await;
    assert_code(w.lms.enroll(&w.learner, acme("draft")).await, "not_found");
    assert_code(w.lms.enroll(&w.instructor, acme("draft")).await, "conflict");
}

pub async fn paid_courses_need_payment_or_an_admin(lms: Lms) {
    let w = World::new(lms).await;
    w.published("paid", Some(4900)).await;
    assert_code(
        w.lms.enroll(&w.learner, acme("paid")).await,
        "payment_required",
    );
    let learner = w.learner.user_id().unwrap();
    assert_code(
        w.lms.enroll_user(&w.learner, acme("paid"), learner).await,
        "forbidden",
    );
    assert_code(
        w.lms
            .enroll_user(&w.admin, acme("paid"), crate::UserId::new())
            .await,
        "not_found",
    );
    let enrollment = w
        .lms
        .enroll_user(&w.instructor, acme("paid"), learner)
        .await
        .unwrap();
    assert_eq!(enrollment.source, EnrollmentSource::Admin);
    assert_code(
        w.lms.enroll_user(&w.admin, acme("paid"), learner).await,
        "already_enrolled",
    );
    assert_code(
        w.lms.enroll(&w.learner, acme("paid")).await,
        "already_enrolled",
    );
}

/// Contract v2 (and issue 17, item 3): an admin's revocation holds until an owner or admin
/// restores it; the learner enrolling again used to undo it (201).
pub async fn revoking_keeps_progress_and_only_staff_restore(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let intro = outline.modules[0].lessons[0].id;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    w.lms
        .record_progress(&w.learner, acme("c"), intro, completed())
        .await
        .unwrap();
    let learner = w.learner.user_id().unwrap();
    w.lms
        .revoke_enrollment(&w.admin, acme("c"), learner)
        .await
        .unwrap();
    w.lms
        .revoke_enrollment(&w.admin, acme("c"), learner)
        .await
        .unwrap();
    assert_code(
        w.lms
            .record_progress(&w.learner, acme("c"), intro, percent(10))
            .await,
        "enrollment_revoked",
    );
    let kept = w.lms.course_progress(&w.learner, acme("c")).await.unwrap();
    assert_eq!(kept.completed_lessons, 1);
    let listed = w
        .lms
        .enrollments(&w.admin, acme("c"), page(10))
        .await
        .unwrap();
    assert_eq!(listed.items[0].status, EnrollmentStatus::Revoked);
    assert_eq!(
        listed.items[0].revoked_reason,
        Some(crate::RevokedReason::Admin)
    );
    assert_code(
        w.lms.enroll(&w.learner, acme("c")).await,
        "enrollment_revoked",
    );
    let again = w
        .lms
        .enroll_user(&w.admin, acme("c"), learner)
        .await
        .unwrap();
    assert_eq!(
        (again.status, again.revoked_reason, again.completed_required),
        (EnrollmentStatus::Active, None, 1)
    );
    assert_code(
        w.lms
            .revoke_enrollment(&w.admin, acme("c"), w.outsider.user_id().unwrap())
            .await,
        "not_found",
    );
}

pub async fn only_admins_revoke(lms: Lms) {
    let w = World::new(lms).await;
    w.published("c", None).await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    let learner = w.learner.user_id().unwrap();
    assert_code(
        w.lms
            .revoke_enrollment(&w.instructor, acme("c"), learner)
            .await,
        "forbidden",
    );
    assert_code(
        w.lms
            .revoke_enrollment(&w.learner, acme("c"), learner)
            .await,
        "forbidden",
    );
    assert_code(
        w.lms
            .revoke_enrollment(&Actor::Anonymous, acme("c"), learner)
            .await,
        "unauthenticated",
    );
    w.lms
        .revoke_enrollment(&w.admin, acme("c"), learner)
        .await
        .unwrap();
}

pub async fn concurrent_enrollments_make_one_row(lms: Lms) {
    let w = World::new(lms).await;
    w.published("c", None).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (lms, who) = (w.lms.clone(), w.learner);
        tasks.spawn(async move { lms.enroll(&who, acme("c")).await });
    }
    let results = tasks.join_all().await;
    let created = results.iter().filter(|r| r.is_ok()).count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(e) if e.code() == "already_enrolled"))
        .count();
    assert_eq!((created, refused), (1, 15), "{results:?}");
    assert_eq!(
        w.lms
            .enrollments(&w.admin, acme("c"), page(50))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

pub async fn enrollments_list_is_for_managers_and_paginates(lms: Lms) {
    let w = World::new(lms).await;
    let course = w.published("c", None).await.course;
    for i in 0..5 {
        let who = w.new_user(&format!("l{i}@x.test")).await;
        w.lms.enroll(&who, acme("c")).await.unwrap();
    }
    assert_code(
        w.lms.enrollments(&w.learner, acme("c"), page(10)).await,
        "forbidden",
    );
    let listed = all_pages(2, |p| w.lms.enrollments(&w.instructor, acme("c"), p)).await;
    assert_eq!(listed.len(), 5);
    assert!(listed.iter().all(|e| e.course_id == course.id));
    assert_eq!(
        listed
            .iter()
            .map(|e| e.user_id)
            .collect::<HashSet<_>>()
            .len(),
        5
    );
}

pub async fn bulk_import_fills_rollups_like_live_writes(lms: Lms) {
    use crate::{ImportedEnrollment, ImportedProgress};
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let other = w.published("other", None).await;
    let lessons: Vec<_> = outline
        .modules
        .iter()
        .flat_map(|m| &m.lessons)
        .map(|l| l.id)
        .collect();
    let users = w
        .lms
        .import_users(
            (0..3)
                .map(|i| NewUser {
                    email: format!("imported{i}@acme.test"),
                    name: format!("Imported {i}"),
                })
                .collect(),
        )
        .await
        .unwrap();
    let at = Utc::now().trunc_subsecs(6);
    let progress = |ids: &[crate::LessonId], percent: u8| -> Vec<ImportedProgress> {
        ids.iter()
            .map(|id| ImportedProgress {
                lesson_id: *id,
                percent,
                at,
            })
            .collect()
    };
    let enrollment = |user: &crate::User, progress: Vec<ImportedProgress>| ImportedEnrollment {
        user_id: user.id,
        course_id: outline.course.id,
        source: EnrollmentSource::Admin,
        enrolled_at: at,
        progress,
    };
    let mut partial = progress(&lessons[..1], 100);
    partial.extend(progress(&lessons[1..2], 40));
    let batch = vec![
        enrollment(&users[0], vec![]),
        enrollment(&users[1], partial),
        enrollment(&users[2], progress(&lessons, 100)), // quizzes too: they were passed elsewhere
    ];
    assert_code(
        w.lms
            .import_enrollments(&w.learner, ORG, batch.clone())
            .await,
        "forbidden",
    );
    let mut foreign = batch.clone();
    foreign[1].progress.push(ImportedProgress {
        lesson_id: other.modules[0].lessons[0].id,
        percent: 100,
        at,
    });
    assert_invalid(
        w.lms.import_enrollments(&w.admin, ORG, foreign).await,
        &["[1].progress"],
    );
    assert_eq!(
        w.lms
            .enrollments(&w.admin, acme("c"), page(10))
            .await
            .unwrap()
            .items,
        vec![],
        "nothing written"
    );

    let report = w
        .lms
        .import_enrollments(&w.admin, ORG, batch.clone())
        .await
        .unwrap();
    assert_eq!(
        (report.enrollments, report.progress_rows, report.completed),
        (3, 5, 1)
    );
    let course_report = w
        .lms
        .course_report(&w.instructor, acme("c"), page(10))
        .await
        .unwrap();
    let percents: Vec<u8> = course_report.items.iter().map(|i| i.percent).collect();
    assert_eq!(percents, [0, 33, 100]);
    assert_eq!(
        (
            course_report.summary.enrolled,
            course_report.summary.completed
        ),
        (3, 1)
    );
    assert!(w.lms.check_rollups(acme("c")).await.unwrap().is_exact());
    let done = Actor::User(users[2].id);
    let progress = w.lms.course_progress(&done, acme("c")).await.unwrap();
    assert_eq!(
        (progress.completed, progress.completed_at),
        (true, Some(at))
    );
    assert_eq!(
        w.lms.certificate(&done, acme("c")).await.unwrap().issued_at,
        at
    );
    let halfway = w
        .lms
        .course_progress(&Actor::User(users[1].id), acme("c"))
        .await
        .unwrap();
    assert_eq!(
        halfway.next_lesson_id,
        Some(lessons[1]),
        "the in-progress lesson is next"
    );
    // Importing again clashes with what is there, and still writes nothing.
    assert_code(
        w.lms.import_enrollments(&w.admin, ORG, batch).await,
        "already_enrolled",
    );
    assert_eq!(
        w.lms
            .enrollments(&w.admin, acme("c"), page(10))
            .await
            .unwrap()
            .items
            .len(),
        3
    );
}

/// Issue 17, item 1 by another route: an owner's enrollment of `{user_id}` reached anyone.
pub async fn enrolling_by_id_reaches_only_the_orgs_people(lms: Lms) {
    let w = World::new(lms.clone()).await;
    w.published("c", None).await;
    let stranger = w.outsider.user_id().unwrap();
    assert_code(
        lms.enroll_user(&w.instructor, acme("c"), stranger).await,
        "not_found",
    );
    let unknown = crate::UserId::new();
    assert_code(
        lms.enroll_user(&w.instructor, acme("c"), unknown).await,
        "not_found",
    );
    // Members, and former enrollees who left the org, can be.
    let learner = w.learner.user_id().unwrap();
    lms.enroll_user(&w.instructor, acme("c"), learner)
        .await
        .unwrap();
    lms.leave_org(&w.learner, crate::testing::fixtures::ORG)
        .await
        .unwrap();
    let back = lms.enroll_user(&w.admin, acme("c"), learner).await.unwrap();
    assert!(back.is_active());
}
