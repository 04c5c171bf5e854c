//! A course's curriculum: modules and lessons, their content and their order.

use crate::row::{SqlRow, all, count, id, one, parsed};
use crate::{Connection, Dialect, Query, SqlTx, expect_one};
use async_trait::async_trait;
use lms_core::course::{LessonContent, LessonKind, LessonSummary, OutlineModule};
use lms_core::release::Release;
use lms_core::store::CurriculumTx;
use lms_core::{CourseId, CurriculumLayout, Lesson, LessonId, Module, ModuleId, StoreError};
use std::collections::HashMap;

/// The curriculum part of a dialect.
#[async_trait]
pub trait CurriculumDialect: Connection {
    /// Rewrites module positions and lesson modules and positions to match `layout`
    /// (checked by the core: it names exactly the course's modules and lessons). The
    /// default parks every row at a negative position (positions are unique per parent)
    /// and then writes each row; a dialect may do it in fewer statements.
    async fn apply_layout(
        &mut self,
        course: CourseId,
        layout: &CurriculumLayout,
    ) -> Result<(), StoreError> {
        park_positions(self, course).await?;
        for (i, module) in layout.modules.iter().enumerate() {
            let q = Query::new("UPDATE modules SET position = $1 WHERE id = $2 AND course_id = $3")
                .bind(i as i64)
                .bind(module.id.0)
                .bind(course.0);
            self.execute(q).await?;
            for (j, lesson) in module.lessons.iter().enumerate() {
                let q = Query::new(
                    "UPDATE lessons SET module_id = $1, position = $2
                     WHERE id = $3 AND course_id = $4",
                )
                .bind(module.id.0)
                .bind(j as i64)
                .bind(lesson.0)
                .bind(course.0);
                self.execute(q).await?;
            }
        }
        Ok(())
    }
}

/// Moves every module and lesson of the course to a negative position, so that rewriting
/// positions one row at a time never collides with a unique (parent, position).
pub async fn park_positions(
    conn: &mut impl Connection,
    course: CourseId,
) -> Result<(), StoreError> {
    let q = Query::new("UPDATE modules SET position = -1 - position WHERE course_id = $1")
        .bind(course.0);
    conn.execute(q).await?;
    let q = Query::new("UPDATE lessons SET position = -1 - position WHERE course_id = $1")
        .bind(course.0);
    conn.execute(q).await.map(drop)
}

#[async_trait]
impl<C: Dialect> CurriculumTx for SqlTx<C> {
    async fn outline(&mut self, course: CourseId) -> Result<Vec<OutlineModule>, StoreError> {
        let q = Query::new("SELECT * FROM modules WHERE course_id = $1 ORDER BY position")
            .bind(course.0);
        let modules = self.conn.fetch_all(q).await?;
        let q = Query::new(
            "SELECT id, course_id, module_id, title, kind, position, duration_minutes,
                    free_preview, required, release
             FROM lessons WHERE course_id = $1 ORDER BY position",
        )
        .bind(course.0);
        let lessons = self.conn.fetch_all(q).await?;
        let mut outline = modules
            .iter()
            .map(|row| {
                Ok(OutlineModule {
                    module: module(row)?,
                    lessons: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let index: HashMap<ModuleId, usize> = outline
            .iter()
            .enumerate()
            .map(|(i, m)| (m.module.id, i))
            .collect();
        for row in &lessons {
            let lesson = lesson_summary(row)?;
            let slot = index.get(&lesson.module_id).ok_or_else(|| {
                StoreError::Corrupt(format!("lesson {} has no module", lesson.id))
            })?;
            outline[*slot].lessons.push(lesson);
        }
        Ok(outline)
    }

    async fn insert_module(&mut self, m: &Module) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO modules (id, {org_id, }course_id, title, position, release)
             SELECT $1, {org_id, }id, $3, $4, $5 FROM courses WHERE id = $2",
        )
        .bind(m.id.0)
        .bind(m.course_id.0)
        .bind(&m.title)
        .bind(m.position)
        .bind(release_json(m.release.as_ref()));
        expect_one(self.conn.execute(q).await?, "module's course")
    }

    async fn update_module(&mut self, m: &Module) -> Result<(), StoreError> {
        let q = Query::new("UPDATE modules SET title = $1, release = $2 WHERE id = $3")
            .bind(&m.title)
            .bind(release_json(m.release.as_ref()))
            .bind(m.id.0);
        self.conn.execute(q).await.map(drop)
    }

    async fn delete_module(&mut self, module: ModuleId) -> Result<(), StoreError> {
        // The submissions go with their lessons: their files become unattached, for the
        // sweep to delete (no foreign key reaches media, whose bytes live elsewhere).
        let q = Query::new(
            "UPDATE media SET submission_id = NULL
             WHERE uploaded_by IS NOT NULL
               AND lesson_id IN (SELECT id FROM lessons WHERE module_id = $1)",
        )
        .bind(module.0);
        self.conn.execute(q).await?;
        let q = Query::new("DELETE FROM modules WHERE id = $1").bind(module.0);
        self.conn.execute(q).await.map(drop)
    }

    async fn lesson(
        &mut self,
        course: CourseId,
        lesson_id: LessonId,
    ) -> Result<Option<Lesson>, StoreError> {
        let q = Query::new("SELECT * FROM lessons WHERE course_id = $1 AND id = $2")
            .bind(course.0)
            .bind(lesson_id.0);
        one(self.conn.fetch_optional(q).await?, lesson)
    }

    async fn lessons(&mut self, course: CourseId) -> Result<Vec<Lesson>, StoreError> {
        let q = Query::new("SELECT * FROM lessons WHERE course_id = $1").bind(course.0);
        all(&self.conn.fetch_all(q).await?, lesson)
    }

    async fn insert_lesson(&mut self, l: &Lesson) -> Result<(), StoreError> {
        let s = &l.summary;
        let q = Query::new(
            "INSERT INTO lessons (id, {org_id, }course_id, module_id, title, kind, position,
                                  duration_minutes, free_preview, required, content, media_key,
                                  release)
             SELECT $1, {org_id, }id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
             FROM courses WHERE id = $2",
        )
        .bind(s.id.0)
        .bind(s.course_id.0)
        .bind(s.module_id.0)
        .bind(&s.title)
        .bind(s.kind.as_str())
        .bind(s.position)
        .bind(s.duration_minutes)
        .bind(s.free_preview)
        .bind(s.required)
        .bind(l.content.to_inner_json())
        .bind(l.content.media_key())
        .bind(release_json(s.release.as_ref()));
        expect_one(self.conn.execute(q).await?, "lesson's course")
    }

    async fn update_lesson(&mut self, l: &Lesson) -> Result<(), StoreError> {
        let s = &l.summary;
        let q = Query::new(
            "UPDATE lessons SET title = $1, kind = $2, duration_minutes = $3, free_preview = $4,
                                required = $5, content = $6, media_key = $7, release = $8
             WHERE id = $9",
        )
        .bind(&s.title)
        .bind(s.kind.as_str())
        .bind(s.duration_minutes)
        .bind(s.free_preview)
        .bind(s.required)
        .bind(l.content.to_inner_json())
        .bind(l.content.media_key())
        .bind(release_json(s.release.as_ref()))
        .bind(s.id.0);
        self.conn.execute(q).await.map(drop)
    }

    async fn delete_lesson(&mut self, lesson: LessonId) -> Result<(), StoreError> {
        // As in `delete_module`: the lesson's submission files become unattached.
        let q = Query::new(
            "UPDATE media SET submission_id = NULL WHERE uploaded_by IS NOT NULL AND lesson_id = $1",
        )
            .bind(lesson.0);
        self.conn.execute(q).await?;
        let q = Query::new("DELETE FROM lessons WHERE id = $1").bind(lesson.0);
        self.conn.execute(q).await.map(drop)
    }

    async fn apply_layout(
        &mut self,
        course: CourseId,
        layout: &CurriculumLayout,
    ) -> Result<(), StoreError> {
        self.conn.apply_layout(course, layout).await
    }
}

/// Reads a `modules` row.
pub fn module(row: &impl SqlRow) -> Result<Module, StoreError> {
    Ok(Module {
        id: id(row, "id")?,
        course_id: id(row, "course_id")?,
        title: row.text("title")?,
        position: count(row, "position")?,
        release: release(row)?,
    })
}

/// The JSON stored for a release rule (NULL: always open).
fn release_json(rule: Option<&Release>) -> Option<serde_json::Value> {
    rule.map(|r| serde_json::to_value(r).expect("a release rule always serializes"))
}

/// Reads a row's release rule.
fn release(row: &impl SqlRow) -> Result<Option<Release>, StoreError> {
    let rule = row
        .opt_json("release")?
        .map(serde_json::from_value)
        .transpose();
    rule.map_err(|e| StoreError::Corrupt(format!("column release: {e}")))
}

/// Reads a `lessons` row without its content.
pub fn lesson_summary(row: &impl SqlRow) -> Result<LessonSummary, StoreError> {
    let duration_minutes = match row.opt_int("duration_minutes")? {
        None => None,
        Some(_) => Some(count(row, "duration_minutes")?),
    };
    Ok(LessonSummary {
        id: id(row, "id")?,
        course_id: id(row, "course_id")?,
        module_id: id(row, "module_id")?,
        title: row.text("title")?,
        kind: parsed(row, "kind", LessonKind::parse)?,
        position: count(row, "position")?,
        duration_minutes,
        free_preview: row.bool("free_preview")?,
        required: row.bool("required")?,
        release: release(row)?,
    })
}

/// Reads a `lessons` row with its content.
pub fn lesson(row: &impl SqlRow) -> Result<Lesson, StoreError> {
    let summary = lesson_summary(row)?;
    let content = LessonContent::parse(summary.kind, row.json("content")?)
        .map_err(|e| StoreError::Corrupt(format!("lesson {} content: {e}", summary.id)))?;
    Ok(Lesson { summary, content })
}
