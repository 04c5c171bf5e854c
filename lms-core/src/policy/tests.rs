//! The policy as a table: every subject × action × course state × enrollment.
//!
//! Columns: anonymous, outsider (signed in, no membership), learner member, instructor
//! (not the owner), owner (instructor), admin. Cells: `A` allow, `U` unauthenticated,
//! `N` not found, `F` forbidden (role), `E` not enrolled, `R` enrollment revoked,
//! `P` payment required. One row per enrollment the signed-in subjects hold
//! (none / active / revoked); anonymous callers never hold one.
use super::*;
use crate::enrollment::{EnrollmentSource, EnrollmentStatus, RevokedReason};
use crate::ids::{CourseId, EnrollmentId, LessonId, ModuleId, OrgId};
use crate::{LessonKind, Price};
use chrono::Utc;

const COURSE_TABLE: &str = "
    # action     course    none   active revoked
    view         draft     NNNNAA NNNNAA NNNNAA
    view         free      AAAAAA AAAAAA AAAAAA
    view         paid      AAAAAA AAAAAA AAAAAA
    view         archived  NNNNAA NAAAAA NNNNAA
    manage       draft     UNNNAA UNNNAA UNNNAA
    manage       free      UFFFAA UFFFAA UFFFAA
    manage       paid      UFFFAA UFFFAA UFFFAA
    manage       archived  UNNNAA UFFFAA UNNNAA
    revoke       draft     UNNNFA UNNNFA UNNNFA
    revoke       free      UFFFFA UFFFFA UFFFFA
    revoke       paid      UFFFFA UFFFFA UFFFFA
    revoke       archived  UNNNFA UFFFFA UNNNFA
    read         draft     NNNNAA NNNNAA NNNNAA
    read         free      UEEEAA UAAAAA URRRAA
    read         paid      UPPPAA UAAAAA URRRAA
    read         archived  NNNNAA NAAAAA NNNNAA
    preview      draft     NNNNAA NNNNAA NNNNAA
    preview      free      AAAAAA AAAAAA AAAAAA
    preview      paid      AAAAAA AAAAAA AAAAAA
    preview      archived  NNNNAA NAAAAA NNNNAA
    enroll       draft     UNNNAA UNNNAA UNNNAA
    enroll       free      UAAAAA UAAAAA UAAAAA
    enroll       paid      UPPPPP UAAAAA UPPPPP
    enroll       archived  UNNNAA UAAAAA UNNNAA
    learn        draft     UNNNEE UNNNAA UNNNRR
    learn        free      UEEEEE UAAAAA URRRRR
    learn        paid      UPPPPP UAAAAA URRRRR
    learn        archived  UNNNEE UAAAAA UNNNRR
    progress     draft     UNNNEE UNNNAA UNNNAA
    progress     free      UEEEEE UAAAAA UAAAAA
    progress     paid      UEEEEE UAAAAA UAAAAA
    progress     archived  UNNNEE UAAAAA UNNNAA
    buy          draft     UNNNAA UNNNAA UNNNAA
    buy          free      UAAAAA UAAAAA UAAAAA
    buy          paid      UAAAAA UAAAAA UAAAAA
    buy          archived  UNNNAA UAAAAA UNNNAA
    discuss      draft     UNNNAA UNNNAA UNNNAA
    discuss      free      UEEEAA UAAAAA URRRAA
    discuss      paid      UPPPAA UAAAAA URRRAA
    discuss      archived  UNNNAA UAAAAA UNNNAA
    edit-own     free      UEEEAA UAAAAA URRRAA
    edit-other   free      UEEEFF UFFFFF URRRFF
    edit-other   archived  UNNNFF UFFFFF UNNNFF
    moderate     draft     UNNNAA UNNNAA UNNNAA
    moderate     free      UEEEAA UFFFAA URRRAA
    moderate     paid      UPPPAA UFFFAA URRRAA
    delete-own   paid      UPPPAA UAAAAA URRRAA
    delete-other free      UEEEAA UFFFAA URRRAA
    delete-other archived  UNNNAA UFFFAA UNNNAA
";

const ORG_TABLE: &str = "
    create-org      UAAAAA
    view-self       UAAAAA
    manage-org      UFFFFA
    org-report      UFFFFA
    list-published  AAAAAA
    list-drafts     UFFAAA
    list-archived   UFFAAA
    create-course   UFFAAA
";

fn subjects(owner: UserId) -> [Standing; 6] {
    let user = || Some(UserId::new());
    [
        Standing::ANONYMOUS,
        Standing {
            user: user(),
            role: None,
        },
        Standing {
            user: user(),
            role: Some(Role::Learner),
        },
        Standing {
            user: user(),
            role: Some(Role::Instructor),
        },
        Standing {
            user: Some(owner),
            role: Some(Role::Instructor),
        },
        Standing {
            user: user(),
            role: Some(Role::Admin),
        },
    ]
}

fn course(state: &str, owner: UserId) -> Course {
    let (status, price) = match state {
        "draft" => (CourseStatus::Draft, None),
        "free" => (CourseStatus::Published, None),
        "paid" => (
            CourseStatus::Published,
            Some(Price {
                amount: 900,
                currency: "usd".into(),
            }),
        ),
        "archived" => (CourseStatus::Archived, None),
        other => panic!("unknown course state {other}"),
    };
    Course {
        prerequisites: Vec::new(),
        id: CourseId::new(),
        org_id: OrgId::new(),
        slug: "c".into(),
        title: "C".into(),
        description: String::new(),
        status,
        price,
        owner_id: owner,
        metadata: serde_json::json!({}),
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn enrollment(relation: usize, course: &Course, user: UserId) -> Option<Enrollment> {
    let status = match relation {
        0 => return None,
        1 => EnrollmentStatus::Active,
        _ => EnrollmentStatus::Revoked,
    };
    // A revocation the learner may undo (by paying again): the ones that hold them out
    // have a test of their own.
    let revoked_reason = (status == EnrollmentStatus::Revoked).then_some(RevokedReason::Refund);
    Some(Enrollment {
        last_activity_at: None,
        unlocked: Default::default(),
        id: EnrollmentId::new(),
        user_id: user,
        course_id: course.id,
        source: EnrollmentSource::Free,
        status,
        revoked_reason,
        enrolled_at: Utc::now(),
        completed_at: None,
        completed_required: 0,
    })
}

fn lesson(course: &Course, free_preview: bool) -> LessonSummary {
    LessonSummary {
        release: None,
        id: LessonId::new(),
        course_id: course.id,
        module_id: ModuleId::new(),
        title: "L".into(),
        kind: LessonKind::Text,
        position: 0,
        duration_minutes: None,
        free_preview,
        required: true,
    }
}

fn cell(decision: &Decision) -> char {
    match decision {
        Decision::Allow => 'A',
        Decision::Unauthenticated => 'U',
        Decision::NotFound(_) => 'N',
        Decision::Forbidden(ForbiddenReason::Role, _) => 'F',
        Decision::Forbidden(ForbiddenReason::NotEnrolled, _) => 'E',
        Decision::Forbidden(ForbiddenReason::EnrollmentRevoked, _) => 'R',
        Decision::Forbidden(ForbiddenReason::EmailUnverified, _) => 'V',
        Decision::PaymentRequired => 'P',
    }
}

#[test]
fn course_actions_follow_the_table() {
    let mut checked = 0;
    for line in COURSE_TABLE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        let [action, state, rows @ ..] = words.as_slice() else {
            panic!("bad row {line}")
        };
        assert_eq!(rows.len(), 3, "{line}");
        let (owner, stranger) = (UserId::new(), UserId::new());
        let course = course(state, owner);
        for (relation, expected) in rows.iter().enumerate() {
            let got: String = subjects(owner)
                .iter()
                .map(|standing| {
                    let enrollment = standing.user.and_then(|u| enrollment(relation, &course, u));
                    let e = enrollment.as_ref();
                    let (plain, preview) = (lesson(&course, false), lesson(&course, true));
                    let action = match *action {
                        "view" => Action::ViewCourse(&course, e),
                        "manage" => Action::ManageCourse(&course, e),
                        "revoke" => Action::RevokeEnrollment(&course, e),
                        "read" => Action::ReadLesson(&course, &plain, e),
                        "preview" => Action::ReadLesson(&course, &preview, e),
                        "enroll" => Action::Enroll(&course, e, PlanCoverage::None),
                        "learn" => Action::Learn(&course, e),
                        "progress" => Action::ViewOwnProgress(&course, e),
                        "buy" => Action::Buy(&course, e),
                        "discuss" => Action::Discuss(&course, e),
                        "edit-own" => {
                            Action::EditPost(&course, e, standing.user.unwrap_or(stranger))
                        }
                        "edit-other" => Action::EditPost(&course, e, stranger),
                        "moderate" => Action::ModeratePost(&course, e),
                        "delete-own" => {
                            Action::DeletePost(&course, e, standing.user.unwrap_or(stranger))
                        }
                        "delete-other" => Action::DeletePost(&course, e, stranger),
                        other => panic!("unknown action {other}"),
                    };
                    checked += 1;
                    cell(&decide(standing, action))
                })
                .collect();
            let relation_name = ["none", "active", "revoked"][relation];
            assert_eq!(
                &got, expected,
                "{action} on a {state} course with enrollment {relation_name}"
            );
        }
    }
    assert_eq!(checked, 49 * 3 * 6, "every cell of the table was checked");
}

#[test]
fn org_actions_follow_the_table() {
    for line in ORG_TABLE.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, expected) = line.split_once(char::is_whitespace).expect("row");
        let action = match name {
            "create-org" => Action::CreateOrg(OrgCreation::Anyone),
            "view-self" => Action::ViewSelf,
            "manage-org" => Action::ManageOrg,
            "org-report" => Action::ViewOrgReport,
            "list-published" => Action::ListCourses(CourseStatus::Published),
            "list-drafts" => Action::ListCourses(CourseStatus::Draft),
            "list-archived" => Action::ListCourses(CourseStatus::Archived),
            "create-course" => Action::CreateCourse,
            other => panic!("unknown action {other}"),
        };
        let got: String = subjects(UserId::new())
            .iter()
            .map(|c| cell(&decide(c, action)))
            .collect();
        assert_eq!(got, expected.trim(), "{name}");
    }
}

#[test]
fn an_owner_demoted_to_learner_no_longer_manages_the_course() {
    let owner = UserId::new();
    let draft = course("draft", owner);
    let demoted = Standing {
        user: Some(owner),
        role: Some(Role::Learner),
    };
    assert_eq!(
        decide(&demoted, Action::ManageCourse(&draft, None)),
        Decision::NotFound("course")
    );
    let published = course("free", owner);
    assert_eq!(
        cell(&decide(&demoted, Action::ManageCourse(&published, None))),
        'F'
    );
}

#[test]
fn revocations_only_staff_undo_hold_the_learner_out() {
    let learner = UserId::new();
    let course = course("free", UserId::new());
    let standing = Standing {
        user: Some(learner),
        role: Some(Role::Learner),
    };
    let mut revoked = enrollment(2, &course, learner).expect("an enrollment");
    let held = [
        None,
        Some(RevokedReason::Admin),
        Some(RevokedReason::Removed),
        Some(RevokedReason::AccountDeleted),
    ];
    for reason in held {
        revoked.revoked_reason = reason;
        for action in [
            Action::Enroll(&course, Some(&revoked), PlanCoverage::Covered),
            Action::Buy(&course, Some(&revoked)),
        ] {
            let decision = decide(&standing, action);
            assert_eq!(cell(&decision), 'R', "{reason:?}");
        }
    }
    for reason in [RevokedReason::Refund, RevokedReason::MembershipEnded] {
        revoked.revoked_reason = Some(reason);
        let enroll = Action::Enroll(&course, Some(&revoked), PlanCoverage::Covered);
        assert_eq!(cell(&decide(&standing, enroll)), 'A', "{reason:?}");
    }
}
