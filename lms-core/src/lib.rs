//! # lms-core
//!
//! The domain of lms-rs, with no I/O: organizations and members, courses → modules →
//! lessons, enrollments, lesson progress, quizzes, completion rules, and the access policy
//! that decides who may do what. The [`Lms`] service runs every use-case of the HTTP API
//! against a [`Store`] (see `lms-sqlite`), asking the [`policy`] before it touches data.
//!
//! ```no_run
//! use lms_core::{Actor, Lms, NewCourse, NewOrg, NewUser, PageRequest};
//! # async fn demo(store: impl lms_core::Store) -> Result<(), lms_core::LmsError> {
//! let lms = Lms::new(store);
//! let ada = lms.create_user(NewUser { email: "ada@example.com".into(), name: "Ada".into() }).await?;
//! let ada = Actor::User(ada.id);
//! lms.create_org(&ada, NewOrg { slug: "acme".into(), name: "Acme".into() }).await?;
//! let course = NewCourse { slug: "rust-101".into(), title: "Rust 101".into(), ..Default::default() };
//! lms.create_course(&ada, "acme", course).await?;
//! let drafts = lms.courses(&ada, "acme", Some(lms_core::CourseStatus::Draft), PageRequest::default()).await?;
//! assert_eq!(drafts.items.len(), 1);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod assignment;
pub mod brand;
pub mod certificate;
pub mod clock;
pub mod course;
pub mod discussion;
pub mod enrollment;
pub mod error;
pub mod event;
pub mod feed;
pub mod ids;
pub mod input;
pub mod invitation;
pub mod mail;
pub mod media;
pub mod name;
pub mod org;
pub mod page;
pub mod payment;
pub mod policy;
pub mod portability;
pub mod progress;
pub mod quiz;
#[cfg(feature = "openapi")]
mod quiz_schema;
pub mod release;
pub mod report;
mod service;
pub mod store;
pub mod token;
pub mod validate;

#[cfg(feature = "testing")]
pub mod testing;

pub use assignment::{Attachment, GradeInput, NewSubmission, Submission, SubmissionStatus};
pub use certificate::{Certificate, CertificateCode, RevocationReason};
pub use clock::{Clock, SystemClock};
pub use course::{
    Course, CourseCopy, CourseOutline, CoursePatch, CourseStatus, CurriculumLayout, LearnerContent,
    LearnerLesson, Lesson, LessonContent, LessonKind, LessonPatch, LessonSummary, LessonView,
    Module, ModuleInput, ModuleLayout, ModulePatch, NewCourse, NewLesson, OutlineModule, Price,
    PriceInput,
};
pub use discussion::{Author, NewPost, Post, PostPatch};
pub use enrollment::{
    Enrollment, EnrollmentSource, EnrollmentStatus, LessonProgress, LessonStatus, ProgressUpdate,
    RevokedReason,
};
pub use error::{
    ConflictKind, FieldError, ForbiddenReason, LmsError, StoreError, UniqueKey, ValidationErrors,
};
pub use event::{
    Event, EventHead, EventKind, EventSeq, MarkRead, NewEvent, Notification, NotificationKind,
    Recipient,
};
pub use ids::{
    AttemptId, CourseId, CourseRef, EnrollmentId, InvitationId, LessonId, ModuleId, NotificationId,
    OrgId, PaymentId, PostId, SessionId, SubmissionId, UserId,
};
pub use input::Parsed;
pub use invitation::{Invitation, InvitationStatus, Inviter, Joined};
pub use media::{
    DEFAULT_MEDIA_QUOTA_BYTES, LearnerFile, MEDIA_TYPES, MediaItem, MediaKey, MediaRecord,
    Sha256Digest, StoredFile, UploadPermit,
};
pub use name::{EmailAddress, Slug};
pub use org::{
    ExternalUser, Member, Membership, MembershipSummary, NewMember, NewOrg, NewUser, Org,
    OrgCreation, OrgPatch, ProfilePatch, Role, User, UserPatch,
};
pub use page::{Page, PageRequest};
pub use payment::{
    Applied, BillingInterval, CheckoutRequest, CheckoutSession, CheckoutUrls, MembershipPlan,
    MembershipPlanInput, PaymentEffect, PaymentEvent, PaymentKind, PaymentProvider, PaymentRecord,
    PaymentsDisabled, Purchase, Subscription, SubscriptionStatus, SubscriptionUpdate,
    SubscriptionVersion,
};
pub use progress::{CourseProgress, Unmet, UnmetRule};
pub use quiz::{Grade, LearnerQuiz, Quiz, QuizAttempt};
pub use service::{
    Actor, CourseExportRow, CourseReport, CourseReportExport, CourseReportItem, CourseSummary,
    DEFAULT_CONCURRENT_EXPORTS, DEFAULT_EVENT_POLL_INTERVAL, DEFAULT_INVITATIONS_PER_HOUR,
    DELETED_USER_NAME, DRILL_DOWN_LATEST, DashboardItem, EventHeads, ExportStream, ImportReport,
    ImportedEnrollment, ImportedOrg, ImportedProgress, LapsedMemberships, LearnerDetail,
    LearnerIdentity, LessonState, Lms, Me, OrgExport, OrgReportExport, OrgReportRow,
    PasswordCredential, ProgressResult, RollupCheck, RollupMismatch, SweptUploads,
    UNATTACHED_UPLOAD_LIFETIME, UnlockRequest,
};
pub use store::{
    Access, AuthSession, CourseContext, CourseFilter, CourseKey, EventSignals, Store, StoreTx,
    TenantScope,
};
