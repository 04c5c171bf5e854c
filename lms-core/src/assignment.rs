//! Assignments graded by people: a learner's submissions (a body, attachments, or both),
//! the grade an owner or admin gives, and the rules between them — one awaiting grading at
//! a time, at most `max_submissions`, nothing after a pass, and a pass at
//! `score * 100 / max_score >= pass_percent`.

use crate::error::{ConflictKind, LmsError, ValidationErrors};
use crate::ids::{CourseId, LessonId, SubmissionId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest submission body, in characters.
pub const MAX_BODY_CHARS: usize = 20_000;
/// Most attachments one submission may carry.
pub const MAX_ATTACHMENTS: usize = 10;
/// Most files one learner may upload to one assignment.
pub const MAX_FILES_PER_LEARNER: u32 = 10;
/// Default size limit of one submission file (25 MiB).
pub const DEFAULT_SUBMISSION_FILE_BYTES: u64 = 25 * 1024 * 1024;
/// Longest feedback, in characters.
pub const MAX_FEEDBACK_CHARS: usize = 20_000;
/// Default of [`crate::Lms::with_learner_file_quota`]: the bytes one learner's files for the
/// assignments of one course may take together (100 MiB), so that a few self-enrolled
/// accounts cannot use up the org's quota.
pub const DEFAULT_LEARNER_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// Types a learner may attach: documents, images, audio, video, text and archives.
pub const SUBMISSION_TYPES: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/webp",
    "video/mp4",
    "video/webm",
    "audio/mpeg",
    "audio/mp4",
    "text/plain",
    "application/zip",
];

/// Whether a submission awaits grading or was graded.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// Awaits grading.
    Submitted,
    /// Graded (a later grade may replace the score).
    Graded,
}

impl SubmissionStatus {
    /// The status as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Graded => "graded",
        }
    }

    /// Parses [`SubmissionStatus::as_str`]'s output.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "submitted" => Some(Self::Submitted),
            "graded" => Some(Self::Graded),
            _ => None,
        }
    }
}

/// A file attached to a submission.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The upload's key (from `POST …/lessons/{lesson}/files`).
    pub media_key: String,
    /// Its type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// A signed URL to read it, filled in by the transport for the submitter and the
    /// course's managers (none from the library).
    #[serde(default)]
    pub url: Option<String>,
}

/// A learner's submission to an assignment lesson.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// Stable id.
    pub id: SubmissionId,
    /// The assignment.
    pub lesson_id: LessonId,
    /// Its course.
    #[serde(skip_serializing)]
    pub course_id: CourseId,
    /// The learner.
    pub user_id: UserId,
    /// 1 for the learner's first submission to the lesson, then 2, …
    pub attempt_number: u32,
    /// The learner's text, if any.
    pub body: Option<String>,
    /// The files attached.
    pub attachments: Vec<Attachment>,
    /// Awaiting grading, or graded.
    pub status: SubmissionStatus,
    /// 0..=`max_score`; `None` until graded.
    pub score: Option<u32>,
    /// The assignment's `max_score` when it was submitted.
    pub max_score: u32,
    /// The assignment's `pass_percent` when it was submitted.
    #[serde(skip_serializing)]
    pub pass_percent: u8,
    /// Whether the grade passes; `None` until graded.
    pub passed: Option<bool>,
    /// The grader's words to the learner.
    pub feedback: Option<String>,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// When it was (last) graded.
    pub graded_at: Option<DateTime<Utc>>,
    /// Who (last) graded it.
    pub graded_by: Option<UserId>,
}

/// Input of [`crate::Lms::submit_assignment`]: a body, attachments, or both.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSubmission {
    /// 1..=20,000 characters.
    #[serde(default)]
    pub body: Option<String>,
    /// Keys of files the caller uploaded to this lesson (at most 10).
    #[serde(default)]
    pub attachments: Option<Vec<String>>,
}

impl NewSubmission {
    /// Checks the shape: some body or some attachment, within their limits.
    pub fn validate(&self) -> Result<(), LmsError> {
        let mut errors = ValidationErrors::default();
        let body_chars = self.body.as_deref().map(|b| b.trim().chars().count());
        let attached = self.attachments.as_ref().map_or(0, Vec::len);
        if body_chars.unwrap_or(0) == 0 && attached == 0 {
            errors.add(
                "body",
                "give a body (1 to 20000 characters) or an attachment",
            );
        }
        if body_chars.is_some_and(|n| n > MAX_BODY_CHARS) {
            errors.add(
                "body",
                format!("must be at most {MAX_BODY_CHARS} characters"),
            );
        }
        if self.body.as_deref().is_some_and(|b| b.contains('\0')) {
            errors.add("body", "must not contain NUL characters");
        }
        let keys = self.attachments.iter().flatten();
        if let Some(bad) = keys
            .into_iter()
            .find(|k| crate::media::MediaKey::parse(k).is_none())
        {
            errors.add(
                "attachments",
                format!("{bad:?} is not a media key: upload the file with POST …/files first"),
            );
        }
        if attached > MAX_ATTACHMENTS {
            errors.add(
                "attachments",
                format!("at most {MAX_ATTACHMENTS} files per submission"),
            );
        }
        errors.into_result()
    }
}

/// Input of [`crate::Lms::grade_submission`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeInput {
    /// 0..=the submission's `max_score`.
    pub score: i64,
    /// Words to the learner (at most 20,000 characters).
    #[serde(default)]
    pub feedback: Option<String>,
}

/// Whether `score` of `max_score` passes at `pass_percent`.
///
/// ```
/// use lms_core::assignment::passes;
/// assert!(passes(50, 100, 50));
/// assert!(!passes(49, 100, 50));
/// assert!(passes(0, 10, 0));
/// ```
pub fn passes(score: u32, max_score: u32, pass_percent: u8) -> bool {
    u64::from(score) * 100 / u64::from(max_score.max(1)) >= u64::from(pass_percent)
}

/// Whether the learner may submit again, given their submissions to the lesson (any
/// order) and its `max_submissions`: 409 while one awaits grading or once one passed,
/// `attempts_exhausted` past the limit.
pub fn check_can_submit(
    earlier: &[Submission],
    max_submissions: Option<u32>,
) -> Result<(), LmsError> {
    if earlier
        .iter()
        .any(|s| s.status == SubmissionStatus::Submitted)
    {
        return Err(LmsError::conflict(
            ConflictKind::Conflict,
            "a submission awaits grading: wait for its grade before submitting again",
        ));
    }
    if earlier.iter().any(|s| s.passed == Some(true)) {
        return Err(LmsError::conflict(
            ConflictKind::Conflict,
            "the assignment is passed already",
        ));
    }
    if max_submissions.is_some_and(|max| earlier.len() as u64 >= u64::from(max)) {
        return Err(LmsError::conflict(
            ConflictKind::AttemptsExhausted,
            "no submissions left for this assignment",
        ));
    }
    Ok(())
}

impl Submission {
    /// Grades the submission (validated input; `score` in range). Returns whether it
    /// passes. A later grade replaces the earlier one.
    pub fn grade(
        &mut self,
        input: GradeInput,
        grader: UserId,
        now: DateTime<Utc>,
    ) -> Result<bool, LmsError> {
        let mut errors = ValidationErrors::default();
        let max = i64::from(self.max_score);
        if !(0..=max).contains(&input.score) {
            errors.add("score", format!("must be 0 to {max}"));
        }
        if let Some(feedback) = input.feedback.as_deref() {
            if feedback.chars().count() > MAX_FEEDBACK_CHARS {
                errors.add(
                    "feedback",
                    format!("must be at most {MAX_FEEDBACK_CHARS} characters"),
                );
            }
            if feedback.contains('\0') {
                errors.add("feedback", "must not contain NUL characters");
            }
        }
        errors.into_result()?;
        let score = input.score as u32;
        let passed = passes(score, self.max_score, self.pass_percent);
        self.status = SubmissionStatus::Graded;
        self.score = Some(score);
        self.passed = Some(passed);
        self.feedback = input.feedback.filter(|f| !f.trim().is_empty());
        self.graded_at = Some(now);
        self.graded_by = Some(grader);
        Ok(passed)
    }
}
