//! Named schemas of the response bodies that handlers build as JSON rather than from one
//! core type, so that the OpenAPI document names every body and a generated client gets a
//! typed model for each (its sign-in answer has a `token`). They describe, and are never
//! built: the tests check the bodies served against them.
#![allow(dead_code)]

use lms_core::course::{AssignmentContent, TextContent, VideoContent};
use lms_core::{Course, CourseProgress, Enrollment, LessonSummary, Quiz, User};
use serde_json::Value;
use utoipa::ToSchema;

/// `{user, token}`: a new session (sign-up and sign-in), also set as the session cookie.
#[derive(ToSchema)]
pub(crate) struct SignedInBody {
    user: User,
    /// The bearer token; sent once, stored only as a hash.
    token: String,
}

/// `GET /me/invitations`.
#[derive(ToSchema)]
pub(crate) struct InvitationList {
    items: Vec<lms_core::Invitation>,
}

/// `GET /me/sessions`.
#[cfg(feature = "sign-in")]
#[derive(ToSchema)]
pub(crate) struct SessionList {
    items: Vec<crate::SessionView>,
}

/// `GET /health`.
#[derive(ToSchema)]
pub(crate) struct HealthBody {
    /// `ok`.
    status: String,
}

/// `GET /openapi.json`: an OpenAPI 3.1 document.
#[derive(ToSchema)]
pub(crate) struct OpenApiDocument {
    /// `3.1.0`.
    openapi: String,
    /// The title, version and description.
    #[schema(value_type = Object)]
    info: Value,
    /// Every operation served.
    #[schema(value_type = Object)]
    paths: Value,
}

/// A lesson with its `content` (the answer keys of a quiz only for its editors).
#[derive(ToSchema)]
pub(crate) struct LessonBody {
    #[serde(flatten)]
    summary: LessonSummary,
    content: LessonContentBody,
}

/// A lesson's content, of the shape its `kind` gives: a quiz (its answer key only for its
/// editors), a text's `markdown`, an assignment's `instructions`, or a video's `url` or
/// `media_key` (with a signed `url` for uploads).
#[derive(ToSchema)]
#[serde(untagged)]
pub(crate) enum LessonContentBody {
    /// A quiz; learners get it without the answer key.
    Quiz(Quiz),
    /// A text lesson.
    Text(TextContent),
    /// An assignment.
    Assignment(AssignmentContent),
    /// A video lesson (last: each of its fields is optional).
    Video(VideoContent),
}

/// One of my enrollments, with its course and my progress in it.
#[derive(ToSchema)]
pub(crate) struct MyCourse {
    #[serde(flatten)]
    enrollment: Enrollment,
    /// The course, with `org` (its org's slug).
    course: Course,
    /// The org's slug.
    org: String,
    progress: CourseProgress,
}

/// A page of my enrollments.
#[derive(ToSchema)]
pub(crate) struct MyCoursesPage {
    items: Vec<MyCourse>,
    /// Pass as `cursor` for the next page; null on the last.
    next_cursor: Option<String>,
}

/// The caller's membership plan in an org: `status` is `none` without one.
#[derive(ToSchema)]
pub(crate) struct MembershipBody {
    /// `none`, `active`, `past_due`, `canceled`…
    status: String,
    /// When the paid period ends.
    current_period_end: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether it ends then rather than renewing.
    cancel_at_period_end: Option<bool>,
}

/// A stored upload.
#[derive(ToSchema)]
pub(crate) struct UploadedMedia {
    /// Where it is kept; put it in a video lesson's `content.media_key`.
    media_key: String,
    /// Bytes.
    size: u64,
    content_type: String,
}

/// What a webhook delivery did.
#[derive(ToSchema)]
pub(crate) struct WebhookReceipt {
    /// Always true for a verified delivery.
    received: bool,
    /// The provider's event id.
    event: Option<String>,
    /// `applied`, `duplicate`, `stale` (an older report, recorded only) or `ignored` (a type
    /// the LMS does not act on).
    applied: String,
}
