//! Lessons as callers receive them: the summary outlines show, the author's full lesson,
//! and the learner's lesson without answer keys.

use super::{LearnerContent, LessonContent, LessonKind};
use crate::ids::{CourseId, LessonId, ModuleId};
use crate::release::Release;
use serde::{Deserialize, Serialize};

/// A lesson without its content, as course outlines show it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonSummary {
    /// Stable id.
    pub id: LessonId,
    /// Its course.
    pub course_id: CourseId,
    /// Its module.
    pub module_id: ModuleId,
    /// Display title.
    pub title: String,
    /// What kind of lesson.
    pub kind: LessonKind,
    /// 0-based place in its module.
    pub position: u32,
    /// Estimated length.
    pub duration_minutes: Option<u32>,
    /// Readable without enrollment by anyone who can see the course.
    pub free_preview: bool,
    /// Counts towards completion.
    pub required: bool,
    /// When the lesson opens to a learner (with its module's rule); `None`: always open.
    pub release: Option<Release>,
}

/// A lesson with its content (answer key included): for authors and stores.
///
/// Serializes as the API's lesson object: the summary's fields plus `content`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lesson {
    /// Everything but the content.
    #[serde(flatten)]
    pub summary: LessonSummary,
    /// The content (its kind matches `summary.kind`).
    #[serde(serialize_with = "LessonContent::serialize_inner")]
    pub content: LessonContent,
}

/// A lesson as a learner reads it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LearnerLesson {
    /// Everything but the content.
    #[serde(flatten)]
    pub summary: LessonSummary,
    /// The content without answer keys.
    #[serde(serialize_with = "LearnerContent::serialize_inner")]
    pub content: LearnerContent,
}

/// What [`crate::Lms::lesson`] gives: the full lesson to those who manage the course,
/// the learner's form to everyone else.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LessonView {
    /// For the course's owner and the org's admins.
    Author(Lesson),
    /// For learners and free-preview readers.
    Learner(LearnerLesson),
}
