//! Access policy: one pure function decides whether a caller may do an action.
//!
//! The service loads the facts (the caller's role in the org, the course, the caller's
//! enrollment) and asks [`decide`] before it changes or returns anything. Denials follow
//! the API's precedence: sign-in first (401), then what the caller may not know exists
//! (404: drafts of others, other tenants' rows), then what it may see but not do (403/402).

use crate::course::{Course, CourseStatus, LessonSummary};
use crate::enrollment::Enrollment;
use crate::error::{ForbiddenReason, LmsError};
use crate::ids::UserId;
use crate::org::Role;

/// Who is calling, as far as one org is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The signed-in user, if any.
    pub user: Option<UserId>,
    /// The user's role in the org the action is about, if a member.
    pub role: Option<Role>,
}

impl Caller {
    /// A caller nobody vouched for.
    pub const ANONYMOUS: Caller = Caller { user: None, role: None };

    fn is_admin(&self) -> bool {
        self.role == Some(Role::Admin)
    }

    /// Whether the caller manages `course`: the org's admins, and its owner while they
    /// are an instructor (or admin) of the org.
    pub fn manages(&self, course: &Course) -> bool {
        self.is_admin() || (self.user == Some(course.owner_id) && self.role == Some(Role::Instructor))
    }

    /// Whether the caller may know `course` exists.
    pub fn sees(&self, course: &Course, enrollment: Option<&Enrollment>) -> bool {
        match course.status {
            CourseStatus::Published => true,
            CourseStatus::Draft => self.manages(course),
            CourseStatus::Archived => self.manages(course) || enrollment.is_some_and(|e| e.is_active()),
        }
    }
}

/// Something a caller wants to do, with the facts the decision needs.
#[derive(Clone, Copy, Debug)]
pub enum Action<'a> {
    /// Create an org (any signed-in user).
    CreateOrg,
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
    /// enroll someone (the owner and admins).
    ManageCourse(&'a Course),
    /// Revoke an enrollment (admins).
    RevokeEnrollment(&'a Course),
    /// Read a lesson's content.
    ReadLesson(&'a Course, &'a LessonSummary, Option<&'a Enrollment>),
    /// Enroll oneself.
    Enroll(&'a Course, Option<&'a Enrollment>),
    /// Record progress or attempt a quiz: needs an active enrollment.
    Learn(&'a Course, Option<&'a Enrollment>),
    /// Read one's own progress and attempts in a course: needs an enrollment, active or not.
    ViewOwnProgress(&'a Course, Option<&'a Enrollment>),
    /// Read the org-wide report (admins).
    ViewOrgReport,
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
/// use lms_core::policy::{decide, Action, Caller, Decision};
/// assert_eq!(decide(&Caller::ANONYMOUS, Action::CreateOrg), Decision::Unauthenticated);
/// ```
pub fn decide(caller: &Caller, action: Action<'_>) -> Decision {
    use Decision::*;
    let signed_in = caller.user.is_some();
    let role_denied = Forbidden(ForbiddenReason::Role, "your role does not allow this");
    match action {
        Action::CreateOrg | Action::ViewSelf => {
            if signed_in {
                Allow
            } else {
                Unauthenticated
            }
        }
        Action::ManageOrg | Action::ViewOrgReport => match () {
            _ if !signed_in => Unauthenticated,
            _ if caller.is_admin() => Allow,
            _ => Forbidden(ForbiddenReason::Role, "only the org's admins may do this"),
        },
        Action::ListCourses(CourseStatus::Published) => Allow,
        Action::ListCourses(_) | Action::CreateCourse => match caller.role {
            _ if !signed_in => Unauthenticated,
            Some(Role::Admin | Role::Instructor) => Allow,
            _ => Forbidden(ForbiddenReason::Role, "only instructors and admins may do this"),
        },
        Action::ViewCourse(course, enrollment) => {
            if caller.sees(course, enrollment) {
                Allow
            } else {
                NotFound("course")
            }
        }
        Action::ManageCourse(course) | Action::RevokeEnrollment(course) => {
            let revoke = matches!(action, Action::RevokeEnrollment(_));
            match () {
                _ if !signed_in => Unauthenticated,
                _ if !caller.sees(course, None) => NotFound("course"),
                _ if revoke && caller.is_admin() => Allow,
                _ if !revoke && caller.manages(course) => Allow,
                _ => role_denied,
            }
        }
        Action::ReadLesson(course, lesson, enrollment) => {
            if !caller.sees(course, enrollment) {
                NotFound("course")
            } else if caller.manages(course) || lesson.free_preview {
                Allow
            } else {
                learner_access(caller, course, enrollment)
            }
        }
        Action::Enroll(course, enrollment) => match () {
            _ if !signed_in => Unauthenticated,
            _ if !caller.sees(course, enrollment) => NotFound("course"),
            // Re-enrolling is a state clash (409), for the service to report.
            _ if enrollment.is_some_and(|e| e.is_active()) || course.is_free() => Allow,
            _ => PaymentRequired,
        },
        Action::Learn(course, enrollment) => match () {
            _ if !signed_in => Unauthenticated,
            _ if !caller.sees(course, enrollment) => NotFound("course"),
            _ => learner_access(caller, course, enrollment),
        },
        Action::ViewOwnProgress(course, enrollment) => match () {
            _ if !signed_in => Unauthenticated,
            _ if !caller.sees(course, enrollment) => NotFound("course"),
            _ if enrollment.is_some() => Allow,
            _ => Forbidden(ForbiddenReason::NotEnrolled, "enroll in the course first"),
        },
    }
}

/// The answer for a caller who needs an active enrollment.
fn learner_access(caller: &Caller, course: &Course, enrollment: Option<&Enrollment>) -> Decision {
    match enrollment {
        Some(e) if e.is_active() => Decision::Allow,
        _ if caller.user.is_none() => Decision::Unauthenticated,
        Some(_) => Decision::Forbidden(ForbiddenReason::EnrollmentRevoked, "your enrollment was revoked"),
        None if !course.is_free() => Decision::PaymentRequired,
        None => Decision::Forbidden(ForbiddenReason::NotEnrolled, "enroll in the course first"),
    }
}
