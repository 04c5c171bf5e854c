//! The records of the org export format, version 1 (`docs/export-format.md`): one type per
//! line kind, with the format's field names and nothing else. They are the format's own
//! types, not the API's (which may gain fields), converted from and to the domain's. Their
//! fields are documented once, in that file's table, field by field.
#![allow(missing_docs)]

use crate::assignment::SubmissionStatus;
use crate::certificate::{CertificateCode, RevocationReason};
use crate::course::{CourseStatus, LessonKind, Price};
use crate::enrollment::{EnrollmentSource, EnrollmentStatus, LessonStatus, RevokedReason};
use crate::ids::{
    AttemptId, CourseId, EnrollmentId, InvitationId, LessonId, ModuleId, OrgId, PaymentId, PostId,
    SubmissionId, UserId,
};
use crate::org::Role;
use crate::payment::{MembershipPlan, PaymentKind, SubscriptionStatus};
use crate::release::{Release, Unlocked};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The format's name, in every header.
pub const FORMAT: &str = "lms-rs/org-export";

/// The format version this library writes, and the highest it reads.
pub const VERSION: u32 = 1;

/// One line of an export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// The first line.
    Header(Header),
    /// The org, once.
    Org(OrgEntry),
    /// A user some record names.
    User(UserEntry),
    /// A member and their role.
    Member(MemberEntry),
    /// A pending invitation.
    Invitation(InvitationEntry),
    /// A course.
    Course(CourseEntry),
    /// A module.
    Module(ModuleEntry),
    /// A lesson, content included.
    Lesson(LessonEntry),
    /// An upload's manifest.
    Media(MediaEntry),
    /// An enrollment.
    Enrollment(EnrollmentEntry),
    /// A learner's progress in a lesson.
    Progress(ProgressEntry),
    /// A graded quiz attempt.
    QuizAttempt(AttemptEntry),
    /// An assignment submission.
    Submission(SubmissionEntry),
    /// A certificate of completion.
    Certificate(CertificateEntry),
    /// A discussion post.
    Post(PostEntry),
    /// A line of the payment ledger.
    Payment(PaymentEntry),
    /// A membership-plan subscription.
    Subscription(SubscriptionEntry),
    /// The last line.
    End(End),
}

impl Record {
    /// Each kind's name, as its lines' `type` spells it, in the format's order: the name
    /// of a record is `KINDS[record.rank()]` ([`Record::kind`]).
    pub const KINDS: [&'static str; 18] = [
        "header",
        "org",
        "user",
        "member",
        "invitation",
        "course",
        "module",
        "lesson",
        "media",
        "enrollment",
        "progress",
        "quiz_attempt",
        "submission",
        "certificate",
        "post",
        "payment",
        "subscription",
        "end",
    ];

    /// The record's kind, as its line's `type` spells it.
    ///
    /// ```
    /// use lms_core::portability::Record;
    /// use lms_core::portability::records::End;
    /// let end = Record::End(End { records: 0 });
    /// assert_eq!(end.kind(), "end");
    /// assert!(serde_json::to_string(&end).unwrap().starts_with(r#"{"type":"end""#));
    /// ```
    pub fn kind(&self) -> &'static str {
        Self::KINDS[self.rank()]
    }

    /// The record's place in the format's order (the table of `docs/export-format.md`):
    /// the header 0, the org 1, … the end 17.
    pub fn rank(&self) -> usize {
        match self {
            Self::Header(_) => 0,
            Self::Org(_) => 1,
            Self::User(_) => 2,
            Self::Member(_) => 3,
            Self::Invitation(_) => 4,
            Self::Course(_) => 5,
            Self::Module(_) => 6,
            Self::Lesson(_) => 7,
            Self::Media(_) => 8,
            Self::Enrollment(_) => 9,
            Self::Progress(_) => 10,
            Self::QuizAttempt(_) => 11,
            Self::Submission(_) => 12,
            Self::Certificate(_) => 13,
            Self::Post(_) => 14,
            Self::Payment(_) => 15,
            Self::Subscription(_) => 16,
            Self::End(_) => 17,
        }
    }
}

/// What the file is and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// [`FORMAT`].
    pub format: String,
    /// The format version ([`VERSION`] when written here).
    pub version: u32,
    /// When the export was taken.
    pub exported_at: DateTime<Utc>,
    /// The software that wrote it.
    #[serde(default)]
    pub source: Option<Source>,
    /// The org's slug, for people reading the file.
    #[serde(default)]
    pub org: Option<String>,
}

/// The software that wrote an export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Its name.
    pub product: String,
    /// Its version.
    pub version: String,
}

/// The last line: how many records lie between the header and it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct End {
    /// The count of records between the header and this line.
    pub records: u64,
}

/// An `org` record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgEntry {
    pub id: OrgId,
    pub slug: String,
    pub name: String,
    #[serde(default = "empty_object")]
    pub settings: Value,
    #[serde(default)]
    pub membership_plan: Option<MembershipPlan>,
    pub created_at: DateTime<Utc>,
}

/// A `user` record: never a password hash, session or token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEntry {
    pub id: UserId,
    pub email: String,
    pub name: String,
    #[serde(default)]
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub email_verified: bool,
    #[serde(default)]
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A `member` record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberEntry {
    pub user_id: UserId,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

/// An `invitation` record (pending ones only; no token).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvitationEntry {
    pub id: InvitationId,
    pub email: String,
    pub role: Role,
    pub invited_by: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A `course` record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseEntry {
    pub id: CourseId,
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub status: CourseStatus,
    #[serde(default)]
    pub price: Option<Price>,
    pub owner_id: UserId,
    #[serde(default = "empty_object")]
    pub metadata: Value,
    #[serde(default)]
    pub prerequisites: Vec<CourseId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A `module` record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleEntry {
    pub id: ModuleId,
    pub course_id: CourseId,
    pub title: String,
    pub position: u32,
    #[serde(default)]
    pub release: Option<Release>,
}

/// A `lesson` record, its content as the curriculum routes take it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonEntry {
    pub id: LessonId,
    pub course_id: CourseId,
    pub module_id: ModuleId,
    pub title: String,
    pub kind: LessonKind,
    pub position: u32,
    pub content: Value,
    #[serde(default)]
    pub duration_minutes: Option<u32>,
    #[serde(default)]
    pub free_preview: bool,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default)]
    pub release: Option<Release>,
}

/// A `media` record: an upload's manifest (its bytes travel apart, if at all).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaEntry {
    pub key: String,
    pub course_id: CourseId,
    pub size: u64,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub learner_file: Option<LearnerFileEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// A learner's file's owner, lesson and submission.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearnerFileEntry {
    pub uploaded_by: UserId,
    pub lesson_id: LessonId,
    #[serde(default)]
    pub submission_id: Option<SubmissionId>,
}

/// An `enrollment` record (without its rollup, which an import recounts).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentEntry {
    pub id: EnrollmentId,
    pub user_id: UserId,
    pub course_id: CourseId,
    pub source: EnrollmentSource,
    pub status: EnrollmentStatus,
    #[serde(default)]
    pub revoked_reason: Option<RevokedReason>,
    pub enrolled_at: DateTime<Utc>,
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_activity_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlocked: Option<Unlocked>,
}

/// A `progress` record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressEntry {
    pub user_id: UserId,
    pub course_id: CourseId,
    pub lesson_id: LessonId,
    pub status: LessonStatus,
    pub percent: u8,
    #[serde(default)]
    pub position_seconds: Option<u32>,
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// A `quiz_attempt` record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttemptEntry {
    pub id: AttemptId,
    pub user_id: UserId,
    pub course_id: CourseId,
    pub lesson_id: LessonId,
    pub attempt_number: u32,
    pub score_percent: u8,
    pub passed: bool,
    pub answers: Value,
    pub submitted_at: DateTime<Utc>,
}

/// A `submission` record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionEntry {
    pub id: SubmissionId,
    pub user_id: UserId,
    pub course_id: CourseId,
    pub lesson_id: LessonId,
    pub attempt_number: u32,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub attachments: Vec<AttachmentEntry>,
    pub status: SubmissionStatus,
    #[serde(default)]
    pub score: Option<u32>,
    pub max_score: u32,
    pub pass_percent: u8,
    #[serde(default)]
    pub passed: Option<bool>,
    #[serde(default)]
    pub feedback: Option<String>,
    pub submitted_at: DateTime<Utc>,
    #[serde(default)]
    pub graded_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub graded_by: Option<UserId>,
}

/// A file attached to a submission.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentEntry {
    pub media_key: String,
    pub content_type: String,
    pub size: u64,
}

/// A `certificate` record (the names as issued).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateEntry {
    pub code: CertificateCode,
    pub user_id: UserId,
    pub course_id: CourseId,
    pub learner_name: String,
    pub course_title: String,
    pub org_name: String,
    pub issued_at: DateTime<Utc>,
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub revoked_reason: Option<RevocationReason>,
}

/// A `post` record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostEntry {
    pub id: PostId,
    pub course_id: CourseId,
    pub lesson_id: LessonId,
    pub author_id: UserId,
    #[serde(default)]
    pub parent_id: Option<PostId>,
    pub body: String,
    #[serde(default)]
    pub hidden: bool,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub edited_at: Option<DateTime<Utc>>,
}

/// A `payment` record: a line of the ledger.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentEntry {
    pub id: PaymentId,
    pub user_id: UserId,
    #[serde(default)]
    pub course_id: Option<CourseId>,
    pub kind: PaymentKind,
    pub reference: String,
    pub amount: i64,
    pub currency: String,
    pub event_id: String,
    pub created_at: DateTime<Utc>,
}

/// A `subscription` record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionEntry {
    pub user_id: UserId,
    pub provider_id: String,
    pub status: SubscriptionStatus,
    #[serde(default)]
    pub current_period_end: Option<DateTime<Utc>>,
    #[serde(default)]
    pub cancel_at_period_end: bool,
    #[serde(default)]
    pub past_due_since: Option<DateTime<Utc>>,
    pub version: VersionEntry,
}

/// The provider's ordering of a subscription's updates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionEntry {
    pub event_created: i64,
    pub object_updated: i64,
    pub is_final: bool,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

fn yes() -> bool {
    true
}
