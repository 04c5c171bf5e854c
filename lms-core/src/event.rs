//! Events: what happened, written to the store's outbox by the transaction that made it
//! happen, and the notifications they leave in people's inboxes.
//!
//! An event gets its position (`seq`, a number that only grows, in commit order) when its
//! transaction commits, so a reader that has seen everything up to `seq` has missed nothing
//! before it: that is what makes `Last-Event-ID` replay exact.

use crate::ids::{CourseId, NotificationId, OrgId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An event's position in the outbox: grows with every committed event, in commit order.
pub type EventSeq = i64;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A learner was enrolled (or re-enrolled) in a course.
    EnrollmentCreated,
    /// A learner completed a course.
    CourseCompleted,
    /// A post or reply was written under a lesson.
    PostCreated,
    /// A post was edited, hidden or shown.
    PostUpdated,
    /// A post (and its replies) was deleted.
    PostDeleted,
    /// A learner submitted work to an assignment.
    SubmissionCreated,
    /// A submission was graded.
    SubmissionGraded,
}

impl EventKind {
    /// Every kind, for parsing.
    pub const ALL: [Self; 7] = [
        Self::EnrollmentCreated,
        Self::CourseCompleted,
        Self::PostCreated,
        Self::PostUpdated,
        Self::PostDeleted,
        Self::SubmissionCreated,
        Self::SubmissionGraded,
    ];

    /// The kind's name on the wire (`post.created`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EnrollmentCreated => "enrollment.created",
            Self::CourseCompleted => "course.completed",
            Self::PostCreated => "post.created",
            Self::PostUpdated => "post.updated",
            Self::PostDeleted => "post.deleted",
            Self::SubmissionCreated => "submission.created",
            Self::SubmissionGraded => "submission.graded",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether everyone following the course's discussion sees it on the course stream
    /// (the rest only reach the people notified).
    pub fn on_course_stream(self) -> bool {
        matches!(
            self,
            Self::PostCreated | Self::PostUpdated | Self::PostDeleted
        )
    }
}

/// Why someone is notified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum NotificationKind {
    /// A learner enrolled in a course you own.
    #[serde(rename = "enrollment.created")]
    EnrollmentCreated,
    /// A learner completed a course you own.
    #[serde(rename = "course.completed")]
    CourseCompleted,
    /// Someone posted in a course you own.
    #[serde(rename = "post.created")]
    PostCreated,
    /// Someone replied to your post.
    #[serde(rename = "post.replied")]
    PostReplied,
    /// A learner submitted work to an assignment of a course you own.
    #[serde(rename = "submission.created")]
    SubmissionCreated,
    /// Your submission was graded.
    #[serde(rename = "submission.graded")]
    SubmissionGraded,
}

impl NotificationKind {
    /// Every kind, for parsing.
    pub const ALL: [Self; 6] = [
        Self::EnrollmentCreated,
        Self::CourseCompleted,
        Self::PostCreated,
        Self::PostReplied,
        Self::SubmissionCreated,
        Self::SubmissionGraded,
    ];

    /// The kind's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EnrollmentCreated => "enrollment.created",
            Self::CourseCompleted => "course.completed",
            Self::PostCreated => "post.created",
            Self::PostReplied => "post.replied",
            Self::SubmissionCreated => "submission.created",
            Self::SubmissionGraded => "submission.graded",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Someone an event notifies, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// The notification's id.
    pub id: NotificationId,
    /// Who is notified.
    pub user_id: UserId,
    /// Why.
    pub kind: NotificationKind,
}

/// An event to append to the outbox ([`crate::StoreTx::append_event`]).
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    /// The org it happened in.
    pub org_id: OrgId,
    /// The course it happened in.
    pub course_id: CourseId,
    /// What happened.
    pub kind: EventKind,
    /// What a client is sent (a JSON object).
    pub data: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Who gets a notification of it (at most one each).
    pub recipients: Vec<Recipient>,
}

/// An event as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Its position.
    pub seq: EventSeq,
    /// The org it happened in.
    pub org_id: OrgId,
    /// The course it happened in.
    pub course_id: CourseId,
    /// What happened.
    pub kind: EventKind,
    /// What a client is sent (a JSON object).
    pub data: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// What the dispatcher tells every subscriber of an event: enough to decide whether to read
/// it, nothing a tenant's neighbours may not see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventHead {
    /// Its position.
    pub seq: EventSeq,
    /// The org it happened in.
    pub org_id: OrgId,
    /// The course it happened in.
    pub course_id: CourseId,
    /// What happened.
    pub kind: EventKind,
    /// Who it notifies.
    pub audience: Vec<UserId>,
}

/// A notification in someone's inbox.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    /// Stable id (for marking it read).
    pub id: NotificationId,
    /// The event's position (the id of its `/me/events` message).
    #[serde(skip)]
    pub seq: EventSeq,
    /// Whose it is.
    #[serde(skip)]
    pub user_id: UserId,
    /// The org the event happened in.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub org_id: OrgId,
    /// Why it was sent.
    pub kind: NotificationKind,
    /// The course it is about.
    pub course_id: CourseId,
    /// The event's data.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
    /// When the event happened.
    pub created_at: DateTime<Utc>,
    /// When its owner marked it read.
    pub read_at: Option<DateTime<Utc>>,
}

/// Input of [`crate::Lms::mark_notifications_read`]: `{"ids": [...]}` or `{"all": true}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkRead {
    /// These notifications (others' ids and unknown ids are ignored).
    pub ids: Option<Vec<NotificationId>>,
    /// Every notification of the caller.
    pub all: Option<bool>,
}

/// Most ids one [`MarkRead`] may name.
pub const MAX_MARK_READ_IDS: usize = 1_000;
