//! A course's curriculum: modules and lessons, their content and their order.
use crate::course::{CurriculumLayout, Lesson, Module, OutlineModule};
use crate::error::StoreError;
use crate::ids::{CourseId, LessonId, ModuleId};
use async_trait::async_trait;

/// A course's curriculum: modules and lessons, their content and their order.
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait CurriculumTx: Send {
    /// The course's modules in position order, each with its lessons (no content) in order.
    async fn outline(&mut self, course: CourseId) -> Result<Vec<OutlineModule>, StoreError>;
    /// Inserts a module.
    async fn insert_module(&mut self, module: &Module) -> Result<(), StoreError>;
    /// Replaces a module's title.
    async fn update_module(&mut self, module: &Module) -> Result<(), StoreError>;
    /// Deletes a module with its lessons and their progress, attempts and submissions (the
    /// submissions' files stay recorded, unattached, for the sweep).
    async fn delete_module(&mut self, module: ModuleId) -> Result<(), StoreError>;
    /// The course's lesson with this id, content included.
    async fn lesson(
        &mut self,
        course: CourseId,
        lesson: LessonId,
    ) -> Result<Option<Lesson>, StoreError>;
    /// Every lesson of the course, content included, in no particular order (a copy's).
    async fn lessons(&mut self, course: CourseId) -> Result<Vec<Lesson>, StoreError>;
    /// Inserts a lesson.
    async fn insert_lesson(&mut self, lesson: &Lesson) -> Result<(), StoreError>;
    /// Replaces a lesson's fields (title, content and kind, flags, duration).
    async fn update_lesson(&mut self, lesson: &Lesson) -> Result<(), StoreError>;
    /// Deletes a lesson with its progress, attempts and submissions (their files stay
    /// recorded, unattached, for the sweep).
    async fn delete_lesson(&mut self, lesson: LessonId) -> Result<(), StoreError>;
    /// Rewrites module positions and lesson modules and positions to match a layout that
    /// names exactly the course's modules and lessons (already checked by the core).
    async fn apply_layout(
        &mut self,
        course: CourseId,
        layout: &CurriculumLayout,
    ) -> Result<(), StoreError>;
}
