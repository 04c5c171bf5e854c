//! Access policy: one pure function decides whether a caller may do an action.
//!
//! The service loads the facts (the caller's role in the org, the course, the caller's
//! enrollment) and asks [`decide`] before it changes or returns anything. Denials follow
//! the API's precedence: sign-in first (401), then what the caller may not know exists
//! (404: drafts of others, other tenants' rows), then what it may see but not do (403/402).
//!
//! Every route of the HTTP contract maps onto one [`Action`] (or is public):
//!
//! | route | action |
//! |---|---|
//! | `POST /auth/*`, `GET /orgs/{org}`, `GET /certificates/{code}[/pdf]`, `GET /health`, `GET /openapi.json` | public |
//! | `GET /media/{key}` | public, guarded by the signed URL |
//! | `GET /me`, `GET /me/courses`, `/me/notifications*`, `GET /me/events`, `POST /auth/sign-out` | [`Action::ViewSelf`] |
//! | `POST /orgs` | [`Action::CreateOrg`] |
//! | `PATCH /orgs/{org}`, `/orgs/{org}/members*` | [`Action::ManageOrg`] |
//! | `GET /orgs/{org}/payments`, `GET /orgs/{org}/export` | [`Action::ManageOrg`] |
//! | `GET /orgs/{org}/reports/courses` | [`Action::ViewOrgReport`] |
//! | `GET /orgs/{org}/courses` | [`Action::ListCourses`] |
//! | `POST /orgs/{org}/courses` | [`Action::CreateCourse`] |
//! | `GET …/courses/{course}` | [`Action::ViewCourse`] |
//! | `PATCH …/courses/{course}`, `POST …/duplicate`, modules, lessons, curriculum, `POST …/media`, `GET …/enrollments`, `POST …/enrollments {user_id}`, `GET …/report` | [`Action::ManageCourse`] |
//! | `DELETE …/enrollments/{user_id}` | [`Action::RevokeEnrollment`] |
//! | `GET …/lessons/{lesson}` | [`Action::ReadLesson`] |
//! | `POST …/enrollments` | [`Action::Enroll`] |
//! | `POST …/checkout`, `POST /orgs/{org}/membership/checkout`, `GET`/`POST /orgs/{org}/membership[/cancel]` | [`Action::Buy`] (membership routes: [`Action::ViewSelf`]) |
//! | `PUT …/lessons/{lesson}/progress`, `POST …/attempts` | [`Action::Learn`] |
//! | `GET …/progress`, `GET …/attempts`, `GET …/certificate` | [`Action::ViewOwnProgress`] |
//! | `GET`/`POST …/lessons/{lesson}/posts`, `GET …/events` | [`Action::Discuss`] |
//! | `PATCH …/posts/{post} {body}` | [`Action::EditPost`] |
//! | `PATCH …/posts/{post} {hidden}` | [`Action::ModeratePost`] |
//! | `DELETE …/posts/{post}` | [`Action::DeletePost`] |

use crate::course::{Course, CourseStatus, LessonSummary};
use crate::enrollment::Enrollment;
use crate::error::{ForbiddenReason, LmsError};
use crate::ids::UserId;
use crate::org::{OrgCreation, Role};

/// Where the calling [`Actor`](crate::service::Actor) stands in one org: who they are
/// and the role they hold there. The service builds it; [`decide`] reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    /// The signed-in user, if any.
    pub user: Option<UserId>,
    /// The user's role in the org the action is about, if a member.
    pub role: Option<Role>,
}

impl Standing {
    /// A caller nobody vouched for.
    pub const ANONYMOUS: Standing = Standing {
        user: None,
        role: None,
    };

    fn is_admin(&self) -> bool {
        self.role == Some(Role::Admin)
    }

    /// Whether the caller manages `course`: the org's admins, and its owner while they
    /// are an instructor (or admin) of the org.
    pub fn manages(&self, course: &Course) -> bool {
        self.is_admin()
            || (self.user == Some(course.owner_id) && self.role == Some(Role::Instructor))
    }

    /// Whether the caller may know `course` exists.
    pub fn sees(&self, course: &Course, enrollment: Option<&Enrollment>) -> bool {
        match course.status {
            CourseStatus::Published => true,
            CourseStatus::Draft => self.manages(course),
            CourseStatus::Archived => {
                self.manages(course) || enrollment.is_some_and(|e| e.is_active())
            }
        }
    }
}

/// Something a caller wants to do, with the facts the decision needs.
#[derive(Clone, Copy, Debug)]
pub enum Action<'a> {
    /// Create an org: any signed-in user, unless the host keeps that to itself.
    CreateOrg(OrgCreation),
    /// Read one's own account, memberships and enrollments.
    ViewSelf,
    /// Change the org, or list, add, change or remove its members (admins).
    ManageOrg,
    /// List the org's courses of a status: published for anyone, others for course managers.
    ListCourses(CourseStatus),
    /// Create a course (instructors and admins).
    CreateCourse,
    /// Read a course and its outline.
    ViewCourse(&'a Course, Option<&'a Enrollment>),
    /// Change a course or its curriculum, read its full lessons, enrollments and report, or
    /// enroll someone (the owner and admins). The caller's own enrollment decides whether
    /// they may know an archived course exists.
    ManageCourse(&'a Course, Option<&'a Enrollment>),
    /// Revoke an enrollment (admins).
    RevokeEnrollment(&'a Course, Option<&'a Enrollment>),
    /// Read a lesson's content.
    ReadLesson(&'a Course, &'a LessonSummary, Option<&'a Enrollment>),
    /// Enroll oneself; a paid course needs a membership plan of the course's org that
    /// covers it.
    Enroll(&'a Course, Option<&'a Enrollment>, PlanCoverage),
    /// Record progress or attempt a quiz: needs an active enrollment.
    Learn(&'a Course, Option<&'a Enrollment>),
    /// Read one's own progress and attempts in a course: needs an enrollment, active or not.
    ViewOwnProgress(&'a Course, Option<&'a Enrollment>),
    /// Read the org-wide report (admins).
    ViewOrgReport,
    /// Start buying a course: any signed-in caller who may see it (whether it can be bought
    /// is a state question: free or owned already is a conflict).
    Buy(&'a Course, Option<&'a Enrollment>),
    /// Read, post in and watch a course's discussions: active learners, the owner, admins.
    Discuss(&'a Course, Option<&'a Enrollment>),
    /// Edit a post's body: only its author, while they may still discuss.
    EditPost(&'a Course, Option<&'a Enrollment>, UserId),
    /// Hide a post: the course's owner and admins.
    ModeratePost(&'a Course, Option<&'a Enrollment>),
    /// Delete a post: its author (while they may still discuss), the owner, admins.
    DeletePost(&'a Course, Option<&'a Enrollment>, UserId),
}

/// Whether the caller's membership plan opens the org's paid courses without payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanCoverage {
    /// An active plan (or one within its grace period) covers the course.
    Covered,
    /// No plan, or one that lapsed.
    None,
}

/// The policy's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// The caller must sign in (401).
    Unauthenticated,
    /// The caller may not know the resource exists (404).
    NotFound(&'static str),
    /// The caller may see the resource but not do this (403).
    Forbidden(ForbiddenReason, &'static str),
    /// The caller must buy the course first (402).
    PaymentRequired,
}

impl Decision {
    /// `Ok(())` for [`Decision::Allow`], else the matching [`LmsError`].
    pub fn into_result(self) -> Result<(), LmsError> {
        match self {
            Self::Allow => Ok(()),
            Self::Unauthenticated => Err(LmsError::Unauthenticated),
            Self::NotFound(what) => Err(LmsError::NotFound(what)),
            Self::Forbidden(reason, message) => Err(LmsError::forbidden(reason, message)),
            Self::PaymentRequired => Err(LmsError::PaymentRequired),
        }
    }
}

/// Decides whether `caller` may do `action`.
///
/// ```
/// use lms_core::policy::{decide, Action, Standing, Decision};
/// use lms_core::OrgCreation;
/// assert_eq!(decide(&Standing::ANONYMOUS, Action::CreateOrg(OrgCreation::Anyone)), Decision::Unauthenticated);
/// ```
pub fn decide(standing: &Standing, action: Action<'_>) -> Decision {
    use Decision::*;
    let signed_in = standing.user.is_some();
    let role_denied = Forbidden(ForbiddenReason::Role, "your role does not allow this");
    match action {
        Action::ViewSelf | Action::CreateOrg(_) if !signed_in => Unauthenticated,
        Action::ViewSelf | Action::CreateOrg(OrgCreation::Anyone) => Allow,
        Action::CreateOrg(OrgCreation::HostOnly) => Forbidden(
            ForbiddenReason::Role,
            "organizations are created by the host",
        ),
        Action::ManageOrg | Action::ViewOrgReport => match () {
            _ if !signed_in => Unauthenticated,
            _ if standing.is_admin() => Allow,
            _ => Forbidden(ForbiddenReason::Role, "only the org's admins may do this"),
        },
        Action::ListCourses(CourseStatus::Published) => Allow,
        Action::ListCourses(_) | Action::CreateCourse => match standing.role {
            _ if !signed_in => Unauthenticated,
            Some(Role::Admin | Role::Instructor) => Allow,
            _ => Forbidden(
                ForbiddenReason::Role,
                "only instructors and admins may do this",
            ),
        },
        Action::ViewCourse(course, enrollment) => {
            if standing.sees(course, enrollment) {
                Allow
            } else {
                NotFound("course")
            }
        }
        Action::ManageCourse(course, enrollment) | Action::RevokeEnrollment(course, enrollment) => {
            let revoke = matches!(action, Action::RevokeEnrollment(..));
            match () {
                _ if !signed_in => Unauthenticated,
                _ if !standing.sees(course, enrollment) => NotFound("course"),
                _ if revoke && standing.is_admin() => Allow,
                _ if !revoke && standing.manages(course) => Allow,
                _ => role_denied,
            }
        }
        Action::ReadLesson(course, lesson, enrollment) => {
            if !standing.sees(course, enrollment) {
                NotFound("course")
            } else if standing.manages(course) || lesson.free_preview {
                Allow
            } else {
                learner_access(standing, course, enrollment)
            }
        }
        Action::Enroll(course, enrollment, plan) => match () {
            _ if !signed_in => Unauthenticated,
            _ if !standing.sees(course, enrollment) => NotFound("course"),
            _ if enrollment.is_some_and(Enrollment::is_held) => HELD,
            // Re-enrolling is a state clash (409), for the service to report.
            _ if enrollment.is_some_and(|e| e.is_active())
                || course.is_free()
                || plan == PlanCoverage::Covered =>
            {
                Allow
            }
            _ => PaymentRequired,
        },
        Action::Learn(course, enrollment) => match () {
            _ if !signed_in => Unauthenticated,
            _ if !standing.sees(course, enrollment) => NotFound("course"),
            _ => learner_access(standing, course, enrollment),
        },
        Action::Buy(course, enrollment) => match () {
            _ if !signed_in => Unauthenticated,
            _ if !standing.sees(course, enrollment) => NotFound("course"),
            _ if enrollment.is_some_and(Enrollment::is_held) => HELD,
            _ => Allow,
        },
        Action::Discuss(course, enrollment) => discussion_access(standing, course, enrollment),
        Action::EditPost(course, enrollment, author) => {
            match discussion_access(standing, course, enrollment) {
                Allow if standing.user == Some(author) => Allow,
                Allow => Forbidden(ForbiddenReason::Role, "only the author may edit a post"),
                denied => denied,
            }
        }
        Action::ModeratePost(course, enrollment) => {
            match discussion_access(standing, course, enrollment) {
                Allow if standing.manages(course) => Allow,
                Allow => Forbidden(
                    ForbiddenReason::Role,
                    "only the course's owner and admins may hide posts",
                ),
                denied => denied,
            }
        }
        Action::DeletePost(course, enrollment, author) => {
            match discussion_access(standing, course, enrollment) {
                Allow if standing.manages(course) || standing.user == Some(author) => Allow,
                Allow => Forbidden(
                    ForbiddenReason::Role,
                    "only the author, the owner and admins may delete a post",
                ),
                denied => denied,
            }
        }
        Action::ViewOwnProgress(course, enrollment) => match () {
            _ if !signed_in => Unauthenticated,
            _ if !standing.sees(course, enrollment) => NotFound("course"),
            _ if enrollment.is_some() => Allow,
            _ => Forbidden(ForbiddenReason::NotEnrolled, "enroll in the course first"),
        },
    }
}

/// Discussions are for the course's managers and its active learners.
fn discussion_access(
    standing: &Standing,
    course: &Course,
    enrollment: Option<&Enrollment>,
) -> Decision {
    match () {
        _ if standing.user.is_none() => Decision::Unauthenticated,
        _ if !standing.sees(course, enrollment) => Decision::NotFound("course"),
        _ if standing.manages(course) => Decision::Allow,
        _ => learner_access(standing, course, enrollment),
    }
}

/// Enrolling or buying again, held out by a revocation only an owner or admin undoes.
const HELD: Decision = Decision::Forbidden(
    ForbiddenReason::EnrollmentRevoked,
    "your enrollment was revoked: an owner or admin of the course can restore it",
);

/// The answer for a caller who needs an active enrollment.
fn learner_access(
    standing: &Standing,
    course: &Course,
    enrollment: Option<&Enrollment>,
) -> Decision {
    match enrollment {
        Some(e) if e.is_active() => Decision::Allow,
        _ if standing.user.is_none() => Decision::Unauthenticated,
        Some(_) => Decision::Forbidden(
            ForbiddenReason::EnrollmentRevoked,
            "your enrollment was revoked",
        ),
        None if !course.is_free() => Decision::PaymentRequired,
        None => Decision::Forbidden(ForbiddenReason::NotEnrolled, "enroll in the course first"),
    }
}

#[cfg(test)]
mod tests;
