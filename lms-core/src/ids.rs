//! Typed identifiers: a `CourseId` cannot be passed where a `LessonId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        ///
        /// A UUID v7, so ids sort by creation time.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = uuid::Uuid))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    )*};
}

id_type! {
    /// Identifies an organization (a tenant).
    OrgId,
    /// Identifies a user.
    UserId,
    /// Identifies a course.
    CourseId,
    /// Identifies a module of a course.
    ModuleId,
    /// Identifies a notification.
    NotificationId,
    /// Identifies a lesson.
    LessonId,
    /// Identifies an enrollment.
    EnrollmentId,
    /// Identifies a quiz attempt.
    AttemptId,
    /// Identifies a payment record.
    PaymentId,
    /// Identifies a discussion post.
    PostId,
    /// Identifies a signed-in session (never its token).
    SessionId,
    /// Identifies an invitation to an org.
    InvitationId,
    /// Identifies an assignment submission.
    SubmissionId,
}

/// A course as the API addresses it: its org's slug and, within that org, the course's
/// id or slug. Named fields, so the two never swap places at a call site.
///
/// ```
/// use lms_core::CourseRef;
/// let course = CourseRef { org: "acme", course: "rust-101" };
/// assert_eq!(course.to_string(), "acme/rust-101");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CourseRef<'a> {
    /// The org's slug.
    pub org: &'a str,
    /// The course's id or its slug within the org.
    pub course: &'a str,
}

impl std::fmt::Display for CourseRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.org, self.course)
    }
}
