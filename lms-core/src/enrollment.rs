//! Enrollments and lesson progress, with the rule that progress never goes backwards.

use crate::course::LessonKind;
use crate::error::{LmsError, ValidationErrors};
use crate::ids::{CourseId, EnrollmentId, LessonId, UserId};
use crate::release::Unlocked;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a learner came to be enrolled.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentSource {
    /// Self-enrolled in a free course.
    Free,
    /// Bought the course.
    Purchase,
    /// Covered by an org membership plan.
    Subscription,
    /// Enrolled by the course's owner or an admin.
    Admin,
}

impl EnrollmentSource {
    /// The source as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Purchase => "purchase",
            Self::Subscription => "subscription",
            Self::Admin => "admin",
        }
    }

    /// Parses [`EnrollmentSource::as_str`]'s output.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "free" => Some(Self::Free),
            "purchase" => Some(Self::Purchase),
            "subscription" => Some(Self::Subscription),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// Whether an enrollment grants access.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentStatus {
    /// Grants access to the course's lessons.
    Active,
    /// Access withdrawn (refund, admin); progress is kept.
    Revoked,
}

impl EnrollmentStatus {
    /// The status as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Revoked => "revoked",
        }
    }

    /// Parses [`EnrollmentStatus::as_str`]'s output.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "active" => Some(Self::Active),
            "revoked" => Some(Self::Revoked),
            _ => None,
        }
    }
}

/// Why an enrollment was revoked, which decides who may undo it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokedReason {
    /// An owner or admin revoked it.
    Admin,
    /// The learner left the org, or was removed from it.
    Removed,
    /// The purchase was refunded.
    Refund,
    /// The membership plan that granted it ended.
    MembershipEnded,
    /// The learner erased their account.
    AccountDeleted,
}

impl RevokedReason {
    /// The name as stored and sent.
    ///
    /// ```
    /// use lms_core::RevokedReason;
    /// assert_eq!(RevokedReason::parse("membership_ended"), Some(RevokedReason::MembershipEnded));
    /// assert_eq!(RevokedReason::Admin.as_str(), "admin");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Removed => "removed",
            Self::Refund => "refund",
            Self::MembershipEnded => "membership_ended",
            Self::AccountDeleted => "account_deleted",
        }
    }

    /// Parses [`RevokedReason::as_str`]'s output.
    pub fn parse(value: &str) -> Option<Self> {
        [
            Self::Admin,
            Self::Removed,
            Self::Refund,
            Self::MembershipEnded,
            Self::AccountDeleted,
        ]
        .into_iter()
        .find(|reason| reason.as_str() == value)
    }
}

/// A user's enrollment in a course; one per (user, course).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    /// Stable id (orders enrollments by time).
    #[serde(skip_serializing)]
    pub id: EnrollmentId,
    /// The learner.
    pub user_id: UserId,
    /// The course.
    pub course_id: CourseId,
    /// How the learner got in.
    pub source: EnrollmentSource,
    /// Active or revoked.
    pub status: EnrollmentStatus,
    /// Why it was revoked; `None` while active.
    pub revoked_reason: Option<RevokedReason>,
    /// When the learner (last) enrolled.
    pub enrolled_at: DateTime<Utc>,
    /// When the course was completed; set once, never cleared.
    pub completed_at: Option<DateTime<Utc>>,
    /// Rollup: how many of the course's *required* lessons this learner has completed.
    /// Kept exact in the same transaction as every progress write and curriculum change.
    #[serde(skip_serializing)]
    pub completed_required: u32,
    /// The learner's last progress write, attempt or submission in the course, written in
    /// its transaction (reports read it; nothing scans progress rows for it).
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Lessons an owner or admin opened early for this learner.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::release::UnlockedSchema))]
    pub unlocked: Unlocked,
}

impl Enrollment {
    /// Why the enrollment as given cannot be stored (an import's check): a revoked one
    /// needs its reason, an active one has none.
    pub fn inconsistency(&self) -> Option<&'static str> {
        ((self.status == EnrollmentStatus::Revoked) != self.revoked_reason.is_some())
            .then_some("a revoked enrollment has a revoked_reason, an active one none")
    }

    /// Whether the enrollment grants access now.
    pub fn is_active(&self) -> bool {
        self.status == EnrollmentStatus::Active
    }

    /// Ends the enrollment's access, saying why (progress is kept).
    pub fn revoke(&mut self, reason: RevokedReason) {
        self.status = EnrollmentStatus::Revoked;
        self.revoked_reason = Some(reason);
    }

    /// Whether the learner is held out until an owner or admin restores it: revoked by
    /// them, by removal, or by erasure (or before reasons were kept). A refund is undone by
    /// buying again, an ended membership by a new one.
    pub fn is_held(&self) -> bool {
        !self.is_active()
            && !matches!(
                self.revoked_reason,
                Some(RevokedReason::Refund | RevokedReason::MembershipEnded)
            )
    }
}

/// Where a learner is in one lesson.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LessonStatus {
    /// Not opened yet.
    NotStarted,
    /// Opened, not finished.
    InProgress,
    /// Finished (for a quiz: passed).
    Completed,
}

impl LessonStatus {
    /// The status as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
        }
    }

    /// Parses [`LessonStatus::as_str`]'s output.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "not_started" => Some(Self::NotStarted),
            "in_progress" => Some(Self::InProgress),
            "completed" => Some(Self::Completed),
            _ => None,
        }
    }
}

/// A learner's progress in one lesson.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// The learner.
    #[serde(skip_serializing)]
    pub user_id: UserId,
    /// The lesson.
    pub lesson_id: LessonId,
    /// The lesson's course.
    #[serde(skip_serializing)]
    pub course_id: CourseId,
    /// Not started, in progress or completed.
    pub status: LessonStatus,
    /// 0..=100; 100 exactly when completed.
    pub percent: u8,
    /// Where playback of a video lesson stopped, in seconds: the last one written.
    pub position_seconds: Option<u32>,
    /// Set once, when the lesson is first completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Longest playback position a progress write may store: a day, in seconds.
pub const MAX_POSITION_SECONDS: u32 = 86_400;

/// A progress report from a learner: a percent, a status, a playback position, or several.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ProgressUpdate {
    /// How far through the lesson (0..=100); 100 completes it.
    pub percent: Option<u8>,
    /// Where the learner is; `completed` completes it.
    pub status: Option<LessonStatus>,
    /// Where playback of a video lesson stopped (0..=86,400 seconds); it never completes
    /// anything.
    #[serde(default)]
    pub position_seconds: Option<u32>,
}

impl ProgressUpdate {
    /// The update a passing attempt or grade applies: the lesson is completed.
    pub fn completed() -> Self {
        Self {
            percent: Some(100),
            status: Some(LessonStatus::Completed),
            position_seconds: None,
        }
    }

    /// Checks that the update says something, that a percent is 0..=100, and that a
    /// position is in range and given only for a video lesson (`kind`).
    pub fn validate(&self, kind: LessonKind) -> Result<(), LmsError> {
        let mut errors = ValidationErrors::default();
        if self.percent.is_none() && self.status.is_none() && self.position_seconds.is_none() {
            errors.add(
                "percent",
                "give a percent (0 to 100), a status or a position_seconds",
            );
        }
        if self.percent.is_some_and(|p| p > 100) {
            errors.add("percent", "must be 0 to 100");
        }
        if let Some(position) = self.position_seconds {
            if kind != LessonKind::Video {
                errors.add("position_seconds", "only a video lesson has a position");
            } else if position > MAX_POSITION_SECONDS {
                errors.add(
                    "position_seconds",
                    format!("must be 0 to {MAX_POSITION_SECONDS}"),
                );
            }
        }
        match kind {
            LessonKind::Quiz => {
                errors.add("status", "a quiz is completed only by a passing attempt")
            }
            LessonKind::Assignment => errors.add(
                "status",
                "an assignment is completed only by a passing grade",
            ),
            LessonKind::Text | LessonKind::Video => {}
        }
        errors.into_result()
    }
}

impl LessonProgress {
    /// Why the row as given cannot be stored (an import's check): its percent is 0 to
    /// 100, 100 exactly when completed, and a completed lesson has its `completed_at`.
    pub fn inconsistency(&self) -> Option<&'static str> {
        let completed = self.status == LessonStatus::Completed;
        if self.percent > 100 || (self.percent == 100) != completed {
            return Some("percent is 0 to 100, and 100 exactly when the lesson is completed");
        }
        (completed != self.completed_at.is_some())
            .then_some("a completed lesson has completed_at, another none")
    }

    /// A lesson nobody has started.
    pub fn not_started(
        user_id: UserId,
        course_id: CourseId,
        lesson_id: LessonId,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            user_id,
            lesson_id,
            course_id,
            status: LessonStatus::NotStarted,
            percent: 0,
            position_seconds: None,
            completed_at: None,
            updated_at: now,
        }
    }

    /// Applies a (validated) update. Progress never goes backwards: the result is the
    /// furthest of the stored state and the update; `completed_at` is set only the first
    /// time the lesson is completed. A playback position replaces the stored one and moves
    /// a lesson not started to in progress, nothing further. Returns whether this update
    /// completed the lesson.
    ///
    /// ```
    /// # use lms_core::{LessonProgress, ProgressUpdate, LessonStatus, UserId, CourseId, LessonId};
    /// let now = chrono::Utc::now();
    /// let mut p = LessonProgress::not_started(UserId::new(), CourseId::new(), LessonId::new(), now);
    /// p.apply(ProgressUpdate { percent: Some(60), ..Default::default() }, now);
    /// p.apply(ProgressUpdate { percent: Some(20), position_seconds: Some(30), ..Default::default() }, now);
    /// assert_eq!((p.percent, p.status, p.position_seconds), (60, LessonStatus::InProgress, Some(30)));
    /// ```
    pub fn apply(&mut self, update: ProgressUpdate, now: DateTime<Utc>) -> bool {
        let was_completed = self.status == LessonStatus::Completed;
        let from_percent = match update.percent {
            Some(100) => LessonStatus::Completed,
            Some(p) if p > 0 => LessonStatus::InProgress,
            _ => LessonStatus::NotStarted,
        };
        let from_position = match update.position_seconds {
            Some(_) => LessonStatus::InProgress,
            None => LessonStatus::NotStarted,
        };
        let requested = from_percent
            .max(from_position)
            .max(update.status.unwrap_or(LessonStatus::NotStarted));
        if update.position_seconds.is_some() {
            self.position_seconds = update.position_seconds;
        }
        self.status = self.status.max(requested);
        self.percent = self.percent.max(update.percent.unwrap_or(0).min(100));
        if self.status == LessonStatus::Completed {
            self.percent = 100;
        }
        let newly_completed = !was_completed && self.status == LessonStatus::Completed;
        if newly_completed {
            self.completed_at = Some(now);
        }
        self.updated_at = now;
        newly_completed
    }

    /// Whether `other` records the same state (status, percent and position).
    pub fn same_state(&self, other: &Self) -> bool {
        (self.status, self.percent, self.position_seconds)
            == (other.status, other.percent, other.position_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn update() -> impl Strategy<Value = ProgressUpdate> {
        let status = prop_oneof![
            Just(LessonStatus::NotStarted),
            Just(LessonStatus::InProgress),
            Just(LessonStatus::Completed)
        ];
        (
            prop::option::of(0u8..=100),
            prop::option::of(status),
            prop::option::of(0u32..=86_400),
        )
            .prop_map(|(percent, status, position_seconds)| ProgressUpdate {
                percent,
                status,
                position_seconds,
            })
            .prop_filter("validated updates say something", |u| {
                u.validate(LessonKind::Video).is_ok()
            })
    }

    proptest! {
        #[test]
        fn progress_never_goes_backwards(updates in prop::collection::vec(update(), 1..30)) {
            let start = Utc::now();
            let mut progress = LessonProgress::not_started(UserId::new(), CourseId::new(), LessonId::new(), start);
            let mut first_completion = None;
            for (i, u) in updates.into_iter().enumerate() {
                let before = progress.clone();
                let now = start + chrono::Duration::seconds(i as i64 + 1);
                let newly = progress.apply(u, now);
                prop_assert!(progress.percent >= before.percent);
                prop_assert!(progress.status >= before.status);
                prop_assert!(progress.percent <= 100);
                prop_assert_eq!(progress.status == LessonStatus::Completed, progress.percent == 100);
                prop_assert_eq!(newly, before.status != LessonStatus::Completed && progress.status == LessonStatus::Completed);
                if newly { first_completion = progress.completed_at; }
                prop_assert_eq!(progress.completed_at, first_completion);
                if let Some(p) = u.percent { prop_assert!(progress.percent >= p); }
                if let Some(s) = u.status { prop_assert!(progress.status >= s); }
            }
        }
    }
}
