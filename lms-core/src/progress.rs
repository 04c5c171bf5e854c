//! Course completion rules: what makes a course complete, its percent, the next lesson,
//! and what still stands in the way. Stores keep only the counts these rules read.

use crate::course::{LessonKind, LessonSummary, OutlineModule};
use crate::enrollment::{LessonProgress, LessonStatus};
use crate::ids::LessonId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashSet;

/// What still stands between a learner and completion.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmetRule {
    /// A required lesson is not completed.
    LessonIncomplete,
    /// A required quiz is not passed.
    QuizNotPassed,
    /// The course has no required lessons, so it cannot be completed yet.
    NoRequiredLessons,
}

/// One reason a course is not complete, in words.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unmet {
    /// The rule that is not met.
    pub rule: UnmetRule,
    /// What to do about it, e.g. `Lesson 'Ownership' is not completed`.
    pub detail: String,
}

/// A learner's progress through a course.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CourseProgress {
    /// Completed required lessons over required lessons, rounded down; 100 only when all
    /// are complete.
    pub percent: u8,
    /// Required lessons completed.
    pub completed_lessons: u32,
    /// Required lessons in the current curriculum.
    pub total_lessons: u32,
    /// The first lesson in curriculum order that is not completed.
    pub next_lesson_id: Option<LessonId>,
    /// Whether completion has been recorded (it stays when lessons are added later).
    pub completed: bool,
    /// When completion was recorded.
    pub completed_at: Option<DateTime<Utc>>,
    /// What is still missing, in curriculum order.
    pub unmet: Vec<Unmet>,
}

/// `completed * 100 / total`, rounded down; 0 for a course without required lessons.
///
/// ```
/// assert_eq!(lms_core::progress::percent(2, 3), 66);
/// assert_eq!(lms_core::progress::percent(0, 0), 0);
/// ```
pub fn percent(completed: u32, total: u32) -> u8 {
    if total == 0 {
        return 0;
    }
    (u64::from(completed.min(total)) * 100 / u64::from(total)) as u8
}

/// Whether `completed` of `total` required lessons make the course complete. A course
/// without required lessons is never complete (it has nothing to certify).
pub fn is_complete(completed: u32, total: u32) -> bool {
    total > 0 && completed >= total
}

/// How many required lessons an enrollment must have completed to complete the course;
/// `None` when no count can (a course without required lessons).
pub fn completion_threshold(total: u32) -> Option<u32> {
    (total > 0).then_some(total)
}

fn lessons(outline: &[OutlineModule]) -> impl Iterator<Item = &LessonSummary> {
    outline.iter().flat_map(|m| m.lessons.iter())
}

/// Required lessons in the curriculum.
pub fn required_total(outline: &[OutlineModule]) -> u32 {
    lessons(outline).filter(|l| l.required).count() as u32
}

/// The rollup of one enrollment: required lessons of the curriculum the learner completed.
pub fn completed_required(outline: &[OutlineModule], progress: &[LessonProgress]) -> u32 {
    let done = completed_set(progress);
    lessons(outline)
        .filter(|l| l.required && done.contains(&l.id))
        .count() as u32
}

fn completed_set(progress: &[LessonProgress]) -> HashSet<LessonId> {
    progress
        .iter()
        .filter(|p| p.status == LessonStatus::Completed)
        .map(|p| p.lesson_id)
        .collect()
}

/// Evaluates a learner's progress: `progress` holds their lesson rows for the course (in
/// any order; rows of lessons no longer in the course are ignored), `completed_at` the
/// recorded completion of their enrollment.
pub fn evaluate(
    outline: &[OutlineModule],
    progress: &[LessonProgress],
    completed_at: Option<DateTime<Utc>>,
) -> CourseProgress {
    let done = completed_set(progress);
    let is_done = |l: &LessonSummary| done.contains(&l.id);
    let total = required_total(outline);
    let completed = lessons(outline)
        .filter(|l| l.required && is_done(l))
        .count() as u32;
    let mut unmet: Vec<Unmet> = lessons(outline)
        .filter(|l| l.required && !is_done(l))
        .map(|l| match l.kind {
            LessonKind::Quiz => Unmet {
                rule: UnmetRule::QuizNotPassed,
                detail: format!("Quiz '{}' is not passed", l.title),
            },
            _ => Unmet {
                rule: UnmetRule::LessonIncomplete,
                detail: format!("Lesson '{}' is not completed", l.title),
            },
        })
        .collect();
    if total == 0 {
        unmet.push(Unmet {
            rule: UnmetRule::NoRequiredLessons,
            detail: "The course has no required lessons yet".into(),
        });
    }
    CourseProgress {
        percent: percent(completed, total),
        completed_lessons: completed,
        total_lessons: total,
        next_lesson_id: lessons(outline).find(|l| !is_done(l)).map(|l| l.id),
        completed: completed_at.is_some(),
        completed_at,
        unmet,
    }
}
