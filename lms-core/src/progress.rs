//! Course completion rules: what makes a course complete, its percent, the next lesson,
//! and what still stands in the way. Stores keep only the counts these rules read.

use crate::course::{LessonKind, LessonSummary, OutlineModule};
use crate::enrollment::{LessonProgress, LessonStatus};
use crate::ids::{CourseId, LessonId};
use crate::release::Gate;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What still stands between a learner and completion.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmetRule {
    /// A required lesson is not completed.
    LessonIncomplete,
    /// A required quiz is not passed.
    QuizNotPassed,
    /// A required assignment has no passing grade.
    AssignmentNotPassed,
    /// A required lesson is held by a release rule (`available_at` says when a date opens
    /// it).
    LessonLocked,
    /// A course this one requires is not completed (`course_id` names it).
    PrerequisiteIncomplete,
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
    /// The lesson it is about, for the rules about one lesson.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lesson_id: Option<LessonId>,
    /// For `lesson_locked`: when a date opens the lesson (absent when none will by itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_at: Option<DateTime<Utc>>,
    /// For `prerequisite_incomplete`: the course to complete first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub course_id: Option<CourseId>,
}

impl Unmet {
    /// A rule about one lesson.
    fn lesson(rule: UnmetRule, lesson: &LessonSummary, detail: String) -> Self {
        Self {
            rule,
            detail,
            lesson_id: Some(lesson.id),
            available_at: None,
            course_id: None,
        }
    }

    /// What a lesson's gate holds it for, when it is locked.
    pub fn locked(lesson: &LessonSummary, gate: &Gate) -> Self {
        Self {
            available_at: gate.available_at,
            ..Self::lesson(UnmetRule::LessonLocked, lesson, gate.detail(&lesson.title))
        }
    }

    /// A course the learner must complete first.
    pub fn prerequisite(course: CourseId, title: &str) -> Self {
        Self {
            rule: UnmetRule::PrerequisiteIncomplete,
            detail: format!("Course '{title}' is not completed"),
            lesson_id: None,
            available_at: None,
            course_id: Some(course),
        }
    }
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

/// The lessons a learner completed, from their progress rows.
pub fn completed_set(progress: &[LessonProgress]) -> HashSet<LessonId> {
    progress
        .iter()
        .filter(|p| p.status == LessonStatus::Completed)
        .map(|p| p.lesson_id)
        .collect()
}

/// Evaluates a learner's progress: `progress` holds their lesson rows for the course (in
/// any order; rows of lessons no longer in the course are ignored), `completed_at` the
/// recorded completion of their enrollment, `gates` what release rules hold (from
/// [`crate::release::gates`]; empty when none apply to the caller).
///
/// A locked required lesson is listed as `lesson_locked`; `next_lesson_id` is the first
/// lesson not completed that is open, or the first not completed when all are locked.
pub fn evaluate(
    outline: &[OutlineModule],
    progress: &[LessonProgress],
    completed_at: Option<DateTime<Utc>>,
    gates: &[Gate],
) -> CourseProgress {
    let done = completed_set(progress);
    let locked: HashMap<LessonId, &Gate> = gates
        .iter()
        .filter(|g| g.locked)
        .map(|g| (g.lesson_id, g))
        .collect();
    let is_done = |l: &LessonSummary| done.contains(&l.id);
    let total = required_total(outline);
    let completed = lessons(outline)
        .filter(|l| l.required && is_done(l))
        .count() as u32;
    let mut unmet: Vec<Unmet> = lessons(outline)
        .filter(|l| l.required && !is_done(l))
        .map(|l| match (locked.get(&l.id), l.kind) {
            (Some(gate), _) => Unmet::locked(l, gate),
            (None, LessonKind::Quiz) => Unmet::lesson(
                UnmetRule::QuizNotPassed,
                l,
                format!("Quiz '{}' is not passed", l.title),
            ),
            (None, LessonKind::Assignment) => Unmet::lesson(
                UnmetRule::AssignmentNotPassed,
                l,
                format!("Assignment '{}' is not passed", l.title),
            ),
            (None, _) => Unmet::lesson(
                UnmetRule::LessonIncomplete,
                l,
                format!("Lesson '{}' is not completed", l.title),
            ),
        })
        .collect();
    if total == 0 {
        unmet.push(Unmet {
            rule: UnmetRule::NoRequiredLessons,
            detail: "The course has no required lessons yet".into(),
            lesson_id: None,
            available_at: None,
            course_id: None,
        });
    }
    let next_open = lessons(outline).find(|l| !is_done(l) && !locked.contains_key(&l.id));
    CourseProgress {
        percent: percent(completed, total),
        completed_lessons: completed,
        total_lessons: total,
        next_lesson_id: next_open
            .or_else(|| lessons(outline).find(|l| !is_done(l)))
            .map(|l| l.id),
        completed: completed_at.is_some(),
        completed_at,
        unmet,
    }
}
