//! Courses, their modules and lessons, and lesson content per kind.
//!
//! The [`Course`] itself is defined here; each of its parts has a module of its own: its
//! [`CourseStatus`] and [`Price`], the input that creates and changes courses, modules and
//! lessons, lesson content per kind, lessons as callers see them, the outline, and the
//! layout that reorders the curriculum. Everything is re-exported here.

mod content;
mod input;
mod layout;
mod lesson;
mod outline;
mod prerequisites;
mod price;
mod status;

pub use content::{
    AssignmentContent, LearnerContent, LessonContent, LessonKind, TextContent, VideoContent,
};
pub(crate) use input::check_duration;
pub use input::{
    CourseCopy, CoursePatch, LessonPatch, MAX_DURATION_MINUTES, ModuleInput, ModulePatch,
    NewCourse, NewLesson,
};
pub use layout::{CurriculumLayout, ModuleLayout};
pub use lesson::{LearnerLesson, Lesson, LessonSummary, LessonView};
pub use outline::{CourseOutline, Module, OutlineModule};
pub use prerequisites::{MAX_PREREQUISITES, check_prerequisites};
pub use price::{MAX_PRICE_MINOR_UNITS, Price, PriceInput};
pub use status::CourseStatus;

use crate::error::{ConflictKind, LmsError, ValidationErrors};
use crate::ids::{CourseId, OrgId, UserId};
use crate::validate;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A course of an org.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Course {
    /// Stable id.
    pub id: CourseId,
    /// The org it belongs to.
    pub org_id: OrgId,
    /// Unique within the org.
    pub slug: String,
    /// Display title.
    pub title: String,
    /// Markdown description (may be empty).
    pub description: String,
    /// Draft, published or archived.
    pub status: CourseStatus,
    /// `None` when free.
    pub price: Option<Price>,
    /// The instructor who manages it.
    pub owner_id: UserId,
    /// Free-form JSON object for the host.
    pub metadata: serde_json::Value,
    /// Courses of the same org a learner must have completed to enroll (no cycles).
    pub prerequisites: Vec<CourseId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change time.
    pub updated_at: DateTime<Utc>,
}

impl Course {
    /// Whether the course costs nothing.
    pub fn is_free(&self) -> bool {
        self.price.is_none()
    }

    /// Applies a checked patch. Fails with `invalid_transition` for an illegal status move.
    pub fn apply(&mut self, patch: CoursePatch, now: DateTime<Utc>) -> Result<(), LmsError> {
        let mut errors = ValidationErrors::default();
        if let Some(title) = &patch.title {
            errors.check("title", validate::title(title));
        }
        if let Some(description) = &patch.description {
            errors.check("description", validate::long_text(description));
        }
        if let Some(metadata) = &patch.metadata {
            errors.check("metadata", validate::json_object(metadata));
        }
        let price = match &patch.price {
            Some(Some(p)) => Some(Price::from_input(p.amount, &p.currency, &mut errors)),
            Some(None) => Some(None),
            None => None,
        };
        errors.into_result()?;
        if let Some(status) = patch.status {
            if !self.status.can_move_to(status) {
                return Err(LmsError::conflict(
                    ConflictKind::InvalidTransition,
                    format!(
                        "a {} course cannot become {}: status moves only draft → published → archived",
                        self.status.as_str(),
                        status.as_str()
                    ),
                ));
            }
            self.status = status;
        }
        if let Some(title) = patch.title {
            self.title = title;
        }
        if let Some(description) = patch.description {
            self.description = description;
        }
        if let Some(metadata) = patch.metadata {
            self.metadata = metadata;
        }
        if let Some(price) = price {
            self.price = price;
        }
        self.updated_at = now;
        Ok(())
    }
}
