//! The curriculum on Postgres: a new layout in two `UPDATE … FROM unnest(…)` statements
//! instead of one per row.

use super::PgConn;
use async_trait::async_trait;
use lms_core::{CourseId, CurriculumLayout, StoreError};
use lms_sql::{CurriculumDialect, park_positions};

#[async_trait]
impl CurriculumDialect for PgConn {
    async fn apply_layout(
        &mut self,
        course: CourseId,
        layout: &CurriculumLayout,
    ) -> Result<(), StoreError> {
        park_positions(self, course).await?;
        let module_ids = super::ids(&layout.modules, |m| m.id.0);
        let module_positions: Vec<i32> = (0..layout.modules.len() as i32).collect();
        let q = sqlx::query(
            "UPDATE modules m SET position = v.position
             FROM unnest($1::uuid[], $2::int[]) AS v(id, position)
             WHERE m.id = v.id AND m.course_id = $3",
        )
        .bind(module_ids)
        .bind(module_positions)
        .bind(course.0);
        self.run(q).await?;
        let (mut lesson_ids, mut lesson_modules, mut lesson_positions) =
            (Vec::new(), Vec::new(), Vec::new());
        for module in &layout.modules {
            for (position, lesson) in module.lessons.iter().enumerate() {
                lesson_ids.push(lesson.0);
                lesson_modules.push(module.id.0);
                lesson_positions.push(position as i32);
            }
        }
        let q = sqlx::query(
            "UPDATE lessons l SET module_id = v.module_id, position = v.position
             FROM unnest($1::uuid[], $2::uuid[], $3::int[]) AS v(id, module_id, position)
             WHERE l.id = v.id AND l.course_id = $4",
        )
        .bind(lesson_ids)
        .bind(lesson_modules)
        .bind(lesson_positions)
        .bind(course.0);
        self.run(q).await.map(drop)
    }
}
