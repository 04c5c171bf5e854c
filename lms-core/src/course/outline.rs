//! The curriculum's shape: modules, and a course's outline of modules and lessons.

use super::{Course, LessonSummary};
use crate::ids::{CourseId, ModuleId};
use crate::release::Release;
use serde::{Deserialize, Serialize};

/// A module: an ordered group of lessons in a course.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Module {
    /// Stable id.
    pub id: ModuleId,
    /// Its course.
    pub course_id: CourseId,
    /// Display title.
    pub title: String,
    /// 0-based place in the course.
    pub position: u32,
    /// When the module opens to a learner; `None` (JSON `null`): always open.
    pub release: Option<Release>,
}

/// A module and its lessons, in curriculum order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutlineModule {
    /// The module.
    #[serde(flatten)]
    pub module: Module,
    /// Its lessons, without content.
    pub lessons: Vec<LessonSummary>,
}

/// A course with its curriculum (no lesson content), as `GET …/courses/{course}` shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CourseOutline {
    /// The course.
    #[serde(flatten)]
    pub course: Course,
    /// Its modules, in order, each with its lessons in order.
    pub modules: Vec<OutlineModule>,
}

impl CourseOutline {
    /// Every lesson in curriculum order.
    pub fn lessons(&self) -> impl Iterator<Item = &LessonSummary> {
        self.modules.iter().flat_map(|m| m.lessons.iter())
    }
}
