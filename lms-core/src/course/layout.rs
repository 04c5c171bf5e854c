//! Reordering the curriculum: the layout an author sends, checked against the outline.

use super::CourseOutline;
use crate::error::{LmsError, ValidationErrors};
use crate::ids::{LessonId, ModuleId};
use serde::{Deserialize, Serialize};

/// Input of [`crate::Lms::reorder_curriculum`]: every module of the course once, each with
/// every lesson that should end up in it, in the new order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct CurriculumLayout {
    /// Modules in their new order.
    pub modules: Vec<ModuleLayout>,
}

/// One module of a [`CurriculumLayout`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct ModuleLayout {
    /// The module.
    pub id: ModuleId,
    /// Its lessons in their new order (they may come from other modules of the course).
    pub lessons: Vec<LessonId>,
}

impl CurriculumLayout {
    /// Checks that the layout names exactly the outline's modules and lessons, each once.
    pub fn validate_against(&self, outline: &CourseOutline) -> Result<(), LmsError> {
        use std::collections::HashSet;
        let mut errors = ValidationErrors::default();
        let known_modules: HashSet<ModuleId> =
            outline.modules.iter().map(|m| m.module.id).collect();
        let known_lessons: HashSet<LessonId> = outline.lessons().map(|l| l.id).collect();
        let mut seen_modules = HashSet::new();
        let mut seen_lessons = HashSet::new();
        for (i, m) in self.modules.iter().enumerate() {
            if !known_modules.contains(&m.id) {
                errors.add(
                    format!("modules[{i}].id"),
                    format!("{} is not a module of this course", m.id),
                );
            } else if !seen_modules.insert(m.id) {
                errors.add(
                    format!("modules[{i}].id"),
                    format!("module {} is named twice", m.id),
                );
            }
            for (j, l) in m.lessons.iter().enumerate() {
                let field = format!("modules[{i}].lessons[{j}]");
                if !known_lessons.contains(l) {
                    errors.add(field, format!("{l} is not a lesson of this course"));
                } else if !seen_lessons.insert(*l) {
                    errors.add(field, format!("lesson {l} is named twice"));
                }
            }
        }
        if seen_modules.len() != known_modules.len() {
            errors.add("modules", "must name every module of the course");
        }
        if seen_lessons.len() != known_lessons.len() {
            errors.add("modules", "must name every lesson of the course");
        }
        errors.into_result()
    }
}
