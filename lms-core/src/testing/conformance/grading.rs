//! Grading in two statements: its facts read in one (`SubmissionTx::grading_context`), the
//! grade stored with the learner's write (`LearnerWrite::graded`) only while the facts
//! hold; and the general path, which a process that has not seen the org yet takes,
//! answering as this one does.

use super::assignments::{assignment_course, grade, score, submit};
use crate::store::{Access, CourseKey, GradingContext, LearnerWrite, TenantScope};
use crate::testing::fixtures::{ORG, World, acme, assert_code};
use crate::{Lms, Role, SubmissionId, SubmissionStatus, UserId};

/// What grading `submission` decides on, read by `grader` in a write transaction.
async fn facts(
    w: &World,
    grader: UserId,
    (slug, course): (&str, &str),
    submission: SubmissionId,
) -> Option<GradingContext> {
    let mut tx = w.lms.store().begin(Access::Write).await.unwrap();
    let scope = TenantScope {
        org: Some(w.org_id),
        user: Some(grader),
    };
    tx.set_scope(scope).await.unwrap();
    let key = CourseKey::parse(course);
    let facts = tx
        .grading_context(w.org_id, slug, key, grader, submission)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    facts
}

/// Applies `write` in a write transaction of the learner's; whether it applied.
async fn apply(w: &World, write: &LearnerWrite) -> bool {
    let mut tx = w.lms.store().begin(Access::Write).await.unwrap();
    let scope = TenantScope {
        org: Some(w.org_id),
        user: Some(write.enrollment.user_id),
    };
    tx.set_scope(scope).await.unwrap();
    let applied = tx.apply_learner_write(write).await.unwrap();
    tx.commit().await.unwrap();
    applied
}

pub async fn grades_are_decided_on_one_read_and_stored_with_the_learners_write(lms: Lms) {
    let w = World::new(lms).await;
    let (essay, _) = assignment_course(&w, None).await;
    let learner = w.learner.user_id().unwrap();
    let instructor = w.instructor.user_id().unwrap();
    let first = submit(&w, essay, "My first draft").await;

    // The read: everything the grade needs, as the store keeps it.
    let read = facts(&w, instructor, (ORG, "a"), first.id).await.unwrap();
    assert_eq!(read.submission, first);
    assert!(read.newest);
    assert_eq!((read.org.id, read.org.slug.as_str()), (w.org_id, ORG));
    assert_eq!(read.course.slug, "a");
    assert_eq!(read.grader_role, Some(Role::Instructor));
    assert_eq!(
        (read.learner.id, read.learner.name.as_str()),
        (learner, "Lea Learner")
    );
    assert_eq!(read.enrollment.user_id, learner);
    assert!(read.rows.is_empty(), "nothing learned yet");
    let course_id = read.course.id.to_string();
    let by_id = facts(&w, instructor, (ORG, &course_id), first.id).await;
    assert_eq!(by_id.as_ref(), Some(&read), "by id as by slug");
    let admin = w.admin.user_id().unwrap();
    let as_admin = facts(&w, admin, (ORG, "a"), first.id).await.unwrap();
    assert_eq!(as_admin.grader_role, Some(Role::Admin));

    // No facts where the general path has something to say.
    assert_eq!(facts(&w, instructor, ("nope", "a"), first.id).await, None);
    assert_eq!(facts(&w, instructor, (ORG, "zz"), first.id).await, None);
    let unknown = SubmissionId::new();
    assert_eq!(facts(&w, instructor, (ORG, "a"), unknown).await, None);

    // A later submission makes the first one no longer the newest.
    grade(&w, &first, 5).await;
    let before = facts(&w, instructor, (ORG, "a"), first.id).await.unwrap();
    let second = submit(&w, essay, "Better").await;
    let after = facts(&w, instructor, (ORG, "a"), first.id).await.unwrap();
    assert!(before.newest && !after.newest);
    assert_ne!(
        after.revision, before.revision,
        "a submission moves the enrollment"
    );

    // A grade travels with the learner's write, and only if that applies.
    let read = facts(&w, instructor, (ORG, "a"), second.id).await.unwrap();
    let mut graded = read.submission.clone();
    assert!(graded.grade(score(8), instructor, w.lms.now()).unwrap());
    let write = |revision: i64| LearnerWrite {
        org: w.org_id,
        course: read.course.id,
        course_version: read.course.updated_at,
        revision,
        enrollment: read.enrollment.clone(),
        progress: None,
        attempt: None,
        graded: Some(graded.clone()),
    };
    assert!(
        !apply(&w, &write(before.revision)).await,
        "a stale revision"
    );
    let unchanged = facts(&w, instructor, (ORG, "a"), second.id).await.unwrap();
    assert_eq!(unchanged.submission, second, "nothing of the refused write");
    assert!(apply(&w, &write(read.revision)).await);
    let stored = facts(&w, instructor, (ORG, "a"), second.id).await.unwrap();
    assert_eq!(stored.submission, graded);
    assert_eq!(stored.submission.status, SubmissionStatus::Graded);

    // The learner's rows, each once, as the store keeps them.
    grade(&w, &second, 9).await; // passing: the essay completes
    let read = facts(&w, instructor, (ORG, "a"), second.id).await.unwrap();
    let mut stored = {
        let mut tx = w.lms.store().begin(Access::Read).await.unwrap();
        tx.set_scope(TenantScope {
            org: Some(w.org_id),
            user: Some(learner),
        })
        .await
        .unwrap();
        tx.course_progress_rows(learner, read.course.id)
            .await
            .unwrap()
    };
    let mut rows = read.rows.clone();
    rows.sort_by_key(|r| r.lesson_id.0);
    stored.sort_by_key(|r| r.lesson_id.0);
    assert_eq!(rows, stored, "one row per progress row, none twice");
    assert_eq!(rows.len(), 1);
}

pub async fn grading_answers_alike_on_either_path(lms: Lms) {
    let w = World::new(lms).await;
    let (essay, _) = assignment_course(&w, None).await;
    // A process that has not seen the org: the general path.
    let cold = || Lms::from_arc(w.lms.store().clone());
    let first = submit(&w, essay, "Draft").await;
    let refused = |lms: Lms, who| async move {
        lms.grade_submission(&who, acme("a"), first.id, score(5))
            .await
    };
    assert_code(refused(w.lms.clone(), w.learner).await, "forbidden");
    assert_code(refused(cold(), w.learner).await, "forbidden");
    assert_code(refused(w.lms.clone(), w.outsider).await, "forbidden");
    assert_code(refused(cold(), w.outsider).await, "forbidden");
    for lms in [w.lms.clone(), cold()] {
        let out_of_range = lms
            .grade_submission(&w.instructor, acme("a"), first.id, score(11))
            .await;
        assert_code(out_of_range, "validation_failed");
    }

    // A failing grade, on the general path; the learner tries again.
    let failed = cold()
        .grade_submission(&w.instructor, acme("a"), first.id, score(4))
        .await
        .unwrap();
    assert_eq!((failed.score, failed.passed), (Some(4), Some(false)));
    let second = submit(&w, essay, "Better").await;
    for lms in [w.lms.clone(), cold()] {
        let old = lms
            .grade_submission(&w.instructor, acme("a"), first.id, score(9))
            .await;
        assert_code(old, "conflict");
    }

    // A passing grade, on the two-statement path: the lesson completes, once.
    let passed = grade(&w, &second, 7).await;
    assert_eq!((passed.score, passed.passed), (Some(7), Some(true)));
    let progress = w.lms.course_progress(&w.learner, acme("a")).await.unwrap();
    assert_eq!(progress.completed_lessons, 1);
    let regraded = cold()
        .grade_submission(&w.instructor, acme("a"), second.id, score(10))
        .await
        .unwrap();
    assert_eq!(regraded.score, Some(10));
    let progress = w.lms.course_progress(&w.learner, acme("a")).await.unwrap();
    assert_eq!(progress.completed_lessons, 1);
    assert!(w.lms.check_rollups(acme("a")).await.unwrap().is_exact());
}
