//! Duplicating a course: a draft copy of its curriculum, to start a new term from the last
//! one or to make a variant, with none of its learners.

use super::{Actor, Lms, load_outline};
use crate::course::{Course, CourseCopy, CourseStatus, Lesson, LessonSummary, Module};
use crate::error::{LmsError, StoreError, ValidationErrors};
use crate::ids::{CourseId, CourseRef, LessonId, ModuleId};
use crate::input::Parsed;
use crate::name::Slug;
use crate::store::{Access, CourseKey};
use crate::validate;
use std::collections::HashMap;

impl Lms {
    /// Copies a course (its owner and admins) into a new draft owned by the caller, with
    /// `copy`'s slug and title: the description, price, metadata and prerequisites, and
    /// every module and lesson in order with their content, release rules, free previews,
    /// durations and requirements. An uploaded video is shared, not copied: the copy's
    /// lesson plays the same file, which the original course keeps, and which cannot be
    /// deleted while any lesson of the org uses it. Nothing of the learners comes along —
    /// no enrollments, progress, attempts, submissions, posts or certificates. 409
    /// `slug_taken` when the slug is; 422 for a slug or title that is not one.
    ///
    /// ```
    /// # async fn demo(lms: lms_core::Lms, instructor: lms_core::Actor) -> Result<(), lms_core::LmsError> {
    /// use lms_core::{CourseCopy, CourseRef, CourseStatus};
    /// let spring = CourseRef { org: "acme", course: "rust-101" };
    /// let copy = CourseCopy { slug: "rust-101-fall".into(), title: "Rust 101 (fall)".into() };
    /// let fall = lms.duplicate_course(&instructor, spring, copy).await?;
    /// assert_eq!(fall.status, CourseStatus::Draft);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn duplicate_course(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        copy: impl Into<Parsed<CourseCopy>>,
    ) -> Result<Course, LmsError> {
        let owner = actor.require_user()?; // sign-in first: no store work for anonymous callers
        let (mut tx, scope) = self.managed_course(Access::Write, actor, course).await?;
        let copy = copy.into().into_result()?;
        let mut errors = ValidationErrors::default();
        let slug = errors.parse("slug", Slug::parse(&copy.slug));
        errors.check("title", validate::title(&copy.title));
        let slug = errors.finish(slug)?;
        // One version of the curriculum: no change of it lands while it is copied.
        tx.lock_course(scope.course.id).await?;
        let source = tx
            .course(scope.org.id, CourseKey::Id(scope.course.id))
            .await?
            .ok_or(LmsError::NotFound("course"))?;
        let outline = load_outline(tx.as_mut(), source.clone()).await?;
        let mut lessons: HashMap<LessonId, Lesson> = tx
            .lessons(source.id)
            .await?
            .into_iter()
            .map(|l| (l.summary.id, l))
            .collect();
        let now = self.now();
        let duplicate = Course {
            id: CourseId::new(),
            slug: slug.into(),
            title: copy.title.trim().to_owned(),
            status: CourseStatus::Draft,
            owner_id: owner,
            created_at: now,
            updated_at: now,
            ..source
        };
        tx.insert_course(&duplicate).await?;
        for outlined in &outline.modules {
            let module = Module {
                id: ModuleId::new(),
                course_id: duplicate.id,
                ..outlined.module.clone()
            };
            tx.insert_module(&module).await?;
            for summary in &outlined.lessons {
                let lesson = lessons.remove(&summary.id).ok_or_else(|| {
                    StoreError::Corrupt(format!("lesson {} of the outline is gone", summary.id.0))
                })?;
                let copied = Lesson {
                    summary: LessonSummary {
                        id: LessonId::new(),
                        course_id: duplicate.id,
                        module_id: module.id,
                        ..lesson.summary
                    },
                    content: lesson.content,
                };
                tx.insert_lesson(&copied).await?;
            }
        }
        tx.commit().await?;
        Ok(duplicate)
    }
}
