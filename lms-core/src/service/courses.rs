//! The catalog and the curriculum: courses, modules, lessons, reordering, reading lessons.

use super::EnrollmentRead;
use super::{Actor, Lms, allow, certificates, events, load_outline, org_scope};
use crate::course::{
    Course, CourseOutline, CoursePatch, CourseStatus, CurriculumLayout, LearnerLesson, Lesson,
    LessonContent, LessonPatch, LessonSummary, LessonView, Module, ModuleInput, ModulePatch,
    NewCourse, NewLesson, Price, check_duration,
};
use crate::error::{LmsError, ValidationErrors};
use crate::ids::CourseRef;
use crate::ids::{CourseId, LessonId, ModuleId};
use crate::input::Parsed;
use crate::name::Slug;
use crate::org::Org;
use crate::page::{Page, PageRequest};
use crate::policy::Action;
use crate::progress;
use crate::release::Release;
use crate::store::{Access, CourseFilter, CourseKey, StoreTx};
use crate::validate;

impl Lms {
    /// A page of the org's courses. Anyone lists published ones; `status` draft or
    /// archived is for instructors (their own courses) and admins (all). The published
    /// catalog is read on the store's replica, if it has one (see [`Lms::course_report`]);
    /// drafts and archives on the primary.
    pub async fn courses(
        &self,
        actor: &Actor,
        org: &str,
        status: Option<CourseStatus>,
        page: PageRequest,
    ) -> Result<Page<Course>, LmsError> {
        let status = status.unwrap_or(CourseStatus::Published);
        let mut tx = self.read().await?;
        let scope = org_scope(tx.as_mut(), actor, org).await?;
        allow(&scope.standing, Action::ListCourses(status))?;
        let owner = match (status, scope.standing.role) {
            (CourseStatus::Published, _) | (_, Some(crate::Role::Admin)) => None,
            _ => scope.standing.user,
        };
        // The catalog may lag a moment; drafts and archives are their authors' working set.
        if status == CourseStatus::Published {
            tx = self.lagging_rows(tx, scope.org.id, actor).await?;
        }
        let rows = tx
            .list_courses(
                scope.org.id,
                CourseFilter {
                    status: Some(status),
                    owner,
                },
                &page,
            )
            .await?;
        Ok(Page::from_rows(rows, &page, |c| c.id.0))
    }

    /// Creates a draft course owned by the caller (instructors and admins). A slug the org
    /// uses already is `slug_taken` (409).
    pub async fn create_course(
        &self,
        actor: &Actor,
        org: &str,
        new: impl Into<Parsed<NewCourse>>,
    ) -> Result<Course, LmsError> {
        let owner_id = actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.write().await?;
        let scope = org_scope(tx.as_mut(), actor, org).await?;
        allow(&scope.standing, Action::CreateCourse)?;
        let new = new.into().into_result()?;
        let mut errors = ValidationErrors::default();
        let slug = errors.parse("slug", Slug::parse(&new.slug));
        errors.check("title", validate::title(&new.title));
        let description = new.description.unwrap_or_default();
        errors.check("description", validate::long_text(&description));
        let metadata = new.metadata.unwrap_or_else(|| serde_json::json!({}));
        errors.check("metadata", validate::json_object(&metadata));
        let price = new
            .price
            .and_then(|p| Price::from_input(p.amount, &p.currency, &mut errors));
        let slug = errors.finish(slug)?;
        let now = self.now();
        let mut course = Course {
            id: CourseId::new(),
            org_id: scope.org.id,
            slug: slug.into(),
            title: new.title.trim().to_string(),
            description,
            status: CourseStatus::Draft,
            price,
            owner_id,
            metadata,
            prerequisites: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        if let Some(proposed) = new.prerequisites {
            course.prerequisites = self
                .checked_prerequisites(tx.as_mut(), &course, &proposed)
                .await?;
        }
        tx.insert_course(&course).await?;
        tx.commit().await?;
        Ok(course)
    }

    /// A course with its outline (modules and lessons in order, without lesson content).
    pub async fn course(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
    ) -> Result<CourseOutline, LmsError> {
        let mut tx = self.read().await?;
        let scope = self
            .course_scope(tx.as_mut(), actor, course, EnrollmentRead::Plain)
            .await?;
        allow(
            &scope.standing,
            Action::ViewCourse(&scope.course, scope.enrollment()),
        )?;
        self.cached_outline(tx.as_mut(), scope.course).await
    }

    /// Changes a course (its owner and admins). Status moves only `draft → published →
    /// archived` (else `invalid_transition`, 409).
    pub async fn update_course(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        patch: impl Into<Parsed<CoursePatch>>,
    ) -> Result<Course, LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Write, actor, course).await?;
        let mut patch = patch.into().into_result()?;
        // The whole row is written back: read it again under its lock, so that a
        // concurrent change of another field is not undone.
        tx.lock_course(scope.course.id).await?;
        let mut course = tx
            .course(scope.org.id, CourseKey::Id(scope.course.id))
            .await?
            .ok_or(LmsError::NotFound("course"))?;
        let prerequisites = patch.prerequisites.take();
        course.apply(patch, self.now())?;
        if let Some(proposed) = prerequisites {
            course.prerequisites = self
                .checked_prerequisites(tx.as_mut(), &course, &proposed)
                .await?;
        }
        tx.update_course(&course).await?;
        tx.commit().await?;
        Ok(course)
    }

    /// Appends a module to a course (its owner and admins).
    pub async fn create_module(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        input: impl Into<Parsed<ModuleInput>>,
    ) -> Result<Module, LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Write, actor, course).await?;
        let input = input.into().into_result()?;
        let mut errors = ValidationErrors::default();
        errors.check("title", validate::title(&input.title));
        if let Some(rule) = &input.release {
            rule.validate("release", &mut errors);
        }
        errors.into_result()?;
        tx.lock_course(scope.course.id).await?;
        let outline = tx.outline(scope.course.id).await?;
        let position = outline.last().map_or(0, |m| m.module.position + 1);
        let module = Module {
            id: ModuleId::new(),
            course_id: scope.course.id,
            title: input.title.trim().to_string(),
            position,
            release: Release::normalized(input.release),
        };
        tx.insert_module(&module).await?;
        self.touch(tx.as_mut(), &scope.course).await?;
        tx.commit().await?;
        Ok(module)
    }

    /// Renames a module or changes its release rule (its course's owner and admins).
    pub async fn update_module(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        module: ModuleId,
        patch: impl Into<Parsed<ModulePatch>>,
    ) -> Result<Module, LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Write, actor, course).await?;
        let patch = patch.into().into_result()?;
        let outline = tx.outline(scope.course.id).await?;
        let mut found = outline
            .into_iter()
            .map(|m| m.module)
            .find(|m| m.id == module)
            .ok_or(LmsError::NotFound("module"))?;
        let mut errors = ValidationErrors::default();
        if let Some(title) = &patch.title {
            errors.check("title", validate::title(title));
        }
        if let Some(Some(rule)) = &patch.release {
            rule.validate("release", &mut errors);
        }
        errors.into_result()?;
        if let Some(title) = patch.title {
            found.title = title.trim().to_string();
        }
        if let Some(rule) = patch.release {
            found.release = Release::normalized(rule);
        }
        tx.update_module(&found).await?;
        self.touch(tx.as_mut(), &scope.course).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Deletes a module with its lessons and their progress (its course's owner and
    /// admins). Learners' percentages follow the new curriculum at once.
    pub async fn delete_module(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        module: ModuleId,
    ) -> Result<(), LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Write, actor, course).await?;
        tx.lock_course(scope.course.id).await?;
        let outline = tx.outline(scope.course.id).await?;
        if !outline.iter().any(|m| m.module.id == module) {
            return Err(LmsError::NotFound("module"));
        }
        tx.delete_module(module).await?;
        self.touch(tx.as_mut(), &scope.course).await?;
        self.curriculum_changed(tx.as_mut(), &scope.org, scope.course)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Appends a lesson to a module (its course's owner and admins).
    pub async fn create_lesson(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        module: ModuleId,
        new: impl Into<Parsed<NewLesson>>,
    ) -> Result<Lesson, LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Write, actor, course).await?;
        let new = new.into().into_result()?;
        tx.lock_course(scope.course.id).await?;
        let outline = tx.outline(scope.course.id).await?;
        let target = outline
            .iter()
            .find(|m| m.module.id == module)
            .ok_or(LmsError::NotFound("module"))?;
        let mut errors = ValidationErrors::default();
        errors.check("title", validate::title(&new.title));
        check_duration(new.duration_minutes, &mut errors);
        if let Some(rule) = &new.release {
            rule.validate("release", &mut errors);
        }
        let content = LessonContent::parse(new.kind, new.content);
        match &content {
            Ok(content) => {
                self.check_media(tx.as_mut(), &scope.course, content, None, &mut errors)
                    .await?
            }
            Err(content_errors) => errors.0.extend(content_errors.0.iter().cloned()),
        }
        errors.into_result()?;
        let content = content.map_err(LmsError::Validation)?;
        let lesson = Lesson {
            summary: LessonSummary {
                id: LessonId::new(),
                course_id: scope.course.id,
                module_id: module,
                title: new.title.trim().to_string(),
                kind: new.kind,
                position: target.lessons.last().map_or(0, |l| l.position + 1),
                duration_minutes: new.duration_minutes,
                free_preview: new.free_preview.unwrap_or(false),
                required: new.required.unwrap_or(true),
                release: Release::normalized(new.release),
            },
            content,
        };
        tx.insert_lesson(&lesson).await?;
        self.touch(tx.as_mut(), &scope.course).await?;
        tx.commit().await?;
        Ok(lesson)
    }

    /// Changes a lesson (its course's owner and admins). To change the kind, give `kind`
    /// and `content` together. Making a lesson required or optional updates every
    /// learner's percentage in the same transaction.
    pub async fn update_lesson(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        patch: impl Into<Parsed<LessonPatch>>,
    ) -> Result<Lesson, LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Write, actor, course).await?;
        let patch = patch.into().into_result()?;
        tx.lock_course(scope.course.id).await?;
        let mut lesson = tx
            .lesson(scope.course.id, lesson)
            .await?
            .ok_or(LmsError::NotFound("lesson"))?;
        let mut errors = ValidationErrors::default();
        if let Some(title) = &patch.title {
            errors.check("title", validate::title(title));
        }
        if let Some(minutes) = patch.duration_minutes {
            check_duration(minutes, &mut errors);
        }
        if let Some(Some(rule)) = &patch.release {
            rule.validate("release", &mut errors);
        }
        let content = match (patch.kind, patch.content) {
            (Some(_), None) => {
                errors.add("content", "give the content for the new kind");
                None
            }
            (kind, Some(value)) => {
                match LessonContent::parse(kind.unwrap_or(lesson.summary.kind), value) {
                    Ok(content) => {
                        let before = lesson.content.media_key();
                        self.check_media(tx.as_mut(), &scope.course, &content, before, &mut errors)
                            .await?;
                        Some(content)
                    }
                    Err(content_errors) => {
                        errors.0.extend(content_errors.0);
                        None
                    }
                }
            }
            (None, None) => None,
        };
        errors.into_result()?;
        let required_before = lesson.summary.required;
        if let Some(title) = patch.title {
            lesson.summary.title = title.trim().to_string();
        }
        if let Some(content) = content {
            lesson.summary.kind = content.kind();
            lesson.content = content;
        }
        if let Some(free_preview) = patch.free_preview {
            lesson.summary.free_preview = free_preview;
        }
        if let Some(minutes) = patch.duration_minutes {
            lesson.summary.duration_minutes = minutes;
        }
        if let Some(required) = patch.required {
            lesson.summary.required = required;
        }
        if let Some(rule) = patch.release {
            lesson.summary.release = Release::normalized(rule);
        }
        tx.update_lesson(&lesson).await?;
        self.touch(tx.as_mut(), &scope.course).await?;
        if lesson.summary.required != required_before {
            self.curriculum_changed(tx.as_mut(), &scope.org, scope.course)
                .await?;
        }
        tx.commit().await?;
        Ok(lesson)
    }

    /// Deletes a lesson with its progress and attempts (its course's owner and admins).
    pub async fn delete_lesson(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
    ) -> Result<(), LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Write, actor, course).await?;
        tx.lock_course(scope.course.id).await?;
        tx.lesson(scope.course.id, lesson)
            .await?
            .ok_or(LmsError::NotFound("lesson"))?;
        tx.delete_lesson(lesson).await?;
        self.touch(tx.as_mut(), &scope.course).await?;
        self.curriculum_changed(tx.as_mut(), &scope.org, scope.course)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reorders modules and lessons (lessons may move between modules) in one transaction
    /// (its owner and admins). The layout must name exactly the course's modules and
    /// lessons, each once (else 422). Returns the new outline.
    pub async fn reorder_curriculum(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        layout: impl Into<Parsed<CurriculumLayout>>,
    ) -> Result<CourseOutline, LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Write, actor, course).await?;
        let layout = layout.into().into_result()?;
        tx.lock_course(scope.course.id).await?;
        let outline = load_outline(tx.as_mut(), scope.course).await?;
        layout.validate_against(&outline)?;
        tx.apply_layout(outline.course.id, &layout).await?;
        self.touch(tx.as_mut(), &outline.course).await?;
        let outline = load_outline(tx.as_mut(), outline.course).await?;
        tx.commit().await?;
        Ok(outline)
    }

    /// A lesson with its content: the author's form (answer keys included) for the course's
    /// owner and admins, the learner's form for enrolled learners and free-preview readers.
    /// Not enrolled: 401 anonymous, 402 paid course, 403 `not_enrolled` or
    /// `enrollment_revoked`; enrolled but held by a release rule: 403 `locked`.
    pub async fn lesson(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
    ) -> Result<LessonView, LmsError> {
        let mut tx = self.read().await?;
        let scope = self
            .course_scope(tx.as_mut(), actor, course, EnrollmentRead::Plain)
            .await?;
        allow(
            &scope.standing,
            Action::ViewCourse(&scope.course, scope.enrollment()),
        )?;
        let lesson = tx
            .lesson(scope.course.id, lesson)
            .await?
            .ok_or(LmsError::NotFound("lesson"))?;
        allow(
            &scope.standing,
            Action::ReadLesson(&scope.course, &lesson.summary, scope.enrollment()),
        )?;
        if !lesson.summary.free_preview && !scope.standing.manages(&scope.course) {
            let outline = self
                .cached_outline(tx.as_mut(), scope.course.clone())
                .await?;
            self.ensure_lesson_open(tx.as_mut(), &scope, &outline, lesson.summary.id)
                .await?;
        }
        Ok(if scope.standing.manages(&scope.course) {
            LessonView::Author(lesson)
        } else {
            let content = lesson.content.for_learner();
            LessonView::Learner(LearnerLesson {
                summary: lesson.summary,
                content,
            })
        })
    }

    /// Marks a curriculum change on the course (a newer `updated_at`, strictly), so that no
    /// instance serves an outline cached before it.
    async fn touch(&self, tx: &mut dyn StoreTx, course: &Course) -> Result<(), LmsError> {
        let at = self
            .now()
            .max(course.updated_at + chrono::Duration::microseconds(1));
        tx.touch_course(course.id, at).await?;
        Ok(())
    }

    /// After lessons were removed or changed between required and optional: recount every
    /// enrollment's rollup, record completion for those the change completed and issue
    /// their certificates.
    async fn curriculum_changed(
        &self,
        tx: &mut dyn StoreTx,
        org: &Org,
        course: Course,
    ) -> Result<(), LmsError> {
        tx.recount_rollups(course.id).await?;
        let outline = tx.outline(course.id).await?;
        if let Some(threshold) = progress::completion_threshold(progress::required_total(&outline))
        {
            let now = self.now();
            for learner in tx.record_completions(course.id, threshold, now).await? {
                let learner = certificates::issue(tx, org, &course, learner, now).await?;
                events::course_completed(tx, &course, &learner, now).await?;
            }
        }
        Ok(())
    }
}
