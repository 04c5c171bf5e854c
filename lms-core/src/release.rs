//! Release rules: when a module or lesson opens to a learner (drip after enrollment, a fixed
//! date, the previous lesson first), the lessons an owner or admin opened early for one
//! learner, and the gate each lesson is behind. Pure: the service passes in the facts.

use crate::course::{LessonSummary, OutlineModule};
use crate::error::ValidationErrors;
use crate::ids::LessonId;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Longest drip delay, in days (ten years).
pub const MAX_AFTER_DAYS: u32 = 3650;

/// When a module or lesson opens; every given condition must hold.
///
/// ```
/// use lms_core::release::Release;
/// let rule: Release = serde_json::from_str(r#"{"after_days": 7}"#).unwrap();
/// assert_eq!(rule.after_days, Some(7));
/// assert!(!rule.requires_previous);
/// ```
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// Opens this many days after the learner's `enrolled_at` (0..=3650).
    #[serde(default)]
    pub after_days: Option<u32>,
    /// Opens at this time, for everyone.
    #[serde(default)]
    pub available_from: Option<DateTime<Utc>>,
    /// Opens once the previous required lesson in curriculum order is completed (for a
    /// module: every required lesson of the modules before it).
    #[serde(default)]
    pub requires_previous: bool,
}

impl Release {
    /// Checks the rule; problems are reported under `field`.
    pub fn validate(&self, field: &str, errors: &mut ValidationErrors) {
        if self.after_days.is_some_and(|days| days > MAX_AFTER_DAYS) {
            errors.add(
                format!("{field}.after_days"),
                format!("must be 0 to {MAX_AFTER_DAYS}"),
            );
        }
    }

    /// `None` for a rule that holds nothing back, so that `{}` and `null` are stored alike.
    pub fn normalized(rule: Option<Self>) -> Option<Self> {
        rule.filter(|r| *r != Self::default())
    }

    /// When the rule's dates are met for a learner enrolled at `enrolled_at`.
    fn opens_at(&self, enrolled_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let drip = self
            .after_days
            .map(|days| enrolled_at + Duration::days(i64::from(days)));
        drip.max(self.available_from)
    }
}

/// Lessons an owner or admin opened early for one learner, whatever their release rules.
///
/// Serializes as `"all"` or as a list of lesson ids.
///
/// ```
/// use lms_core::release::Unlocked;
/// assert_eq!(serde_json::to_string(&Unlocked::All).unwrap(), r#""all""#);
/// assert_eq!(serde_json::to_string(&Unlocked::default()).unwrap(), "[]");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unlocked {
    /// Every lesson, those added later included.
    All,
    /// These lessons.
    Lessons(Vec<LessonId>),
}

impl Serialize for Unlocked {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::All => s.serialize_str("all"),
            Self::Lessons(ids) => ids.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Unlocked {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            Word(String),
            Lessons(Vec<LessonId>),
        }
        match Stored::deserialize(d)? {
            Stored::Word(word) if word == "all" => Ok(Self::All),
            Stored::Word(word) => Err(serde::de::Error::custom(format!(
                "expected \"all\" or a list of lesson ids, got {word:?}"
            ))),
            Stored::Lessons(ids) => Ok(Self::Lessons(ids)),
        }
    }
}

/// How the OpenAPI document describes [`Unlocked`]: `"all"` or a list of lesson ids.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[schema(as = Unlocked)]
#[serde(untagged)]
#[allow(dead_code)]
pub(crate) enum UnlockedSchema {
    /// Every lesson, those added later included.
    All(AllLessons),
    /// These lessons.
    Lessons(Vec<LessonId>),
}

/// The word `all`.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub(crate) enum AllLessons {
    /// Every lesson.
    All,
}

impl Default for Unlocked {
    fn default() -> Self {
        Self::Lessons(Vec::new())
    }
}

impl Unlocked {
    /// Whether `lesson` was opened early.
    pub fn contains(&self, lesson: LessonId) -> bool {
        match self {
            Self::All => true,
            Self::Lessons(ids) => ids.contains(&lesson),
        }
    }

    /// Adds `more` (kept once each, in the order first given); `All` stays `All`.
    pub fn add(&mut self, more: &[LessonId]) {
        if let Self::Lessons(ids) = self {
            for id in more {
                if !ids.contains(id) {
                    ids.push(*id);
                }
            }
        }
    }
}

/// The facts about one learner that release rules read.
#[derive(Clone, Copy, Debug)]
pub struct Learner<'a> {
    /// When the learner (last) enrolled: drips count from it.
    pub enrolled_at: DateTime<Utc>,
    /// Lessons opened early for them.
    pub unlocked: &'a Unlocked,
    /// The lessons they completed.
    pub completed: &'a HashSet<LessonId>,
}

/// Whether a lesson is open to a learner, and if not, what holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gate {
    /// The lesson.
    pub lesson_id: LessonId,
    /// Whether a rule still holds it.
    pub locked: bool,
    /// When its dates are met, while they still hold it (if it also waits for a lesson,
    /// that date alone will not open it).
    pub available_at: Option<DateTime<Utc>>,
    /// The title of the lesson that must be completed first, while that holds it.
    pub waits_for: Option<String>,
}

impl Gate {
    fn open(lesson_id: LessonId) -> Self {
        Self {
            lesson_id,
            locked: false,
            available_at: None,
            waits_for: None,
        }
    }

    /// Says in words what holds the lesson, e.g. `Lesson 'Ownership' opens on 2026-12-03`.
    pub fn detail(&self, title: &str) -> String {
        match (&self.waits_for, self.available_at) {
            (Some(previous), Some(at)) => format!(
                "Lesson '{title}' opens on {} once '{previous}' is completed",
                at.format("%Y-%m-%d")
            ),
            (Some(previous), None) => {
                format!("Lesson '{title}' opens once '{previous}' is completed")
            }
            (None, Some(at)) => format!("Lesson '{title}' opens on {}", at.format("%Y-%m-%d")),
            (None, None) => format!("Lesson '{title}' is not open yet"),
        }
    }
}

fn rules(outline: &[OutlineModule]) -> impl Iterator<Item = &Release> {
    outline.iter().flat_map(|m| {
        let lessons = m.lessons.iter().filter_map(|l| l.release.as_ref());
        m.module.release.iter().chain(lessons)
    })
}

/// Whether any module or lesson of the outline has a release rule (none: every lesson is
/// open, and nothing needs computing).
pub fn has_rules(outline: &[OutlineModule]) -> bool {
    rules(outline).next().is_some()
}

/// Whether a rule of the outline depends on what the learner completed
/// (`requires_previous`), so that gates need their progress.
pub fn reads_progress(outline: &[OutlineModule]) -> bool {
    rules(outline).any(|r| r.requires_previous)
}

/// The gate of every lesson of the outline for `learner` at `now`, in curriculum order.
///
/// A lesson is open when it is a free preview, when it was opened early for the learner,
/// or when its own rule and its module's rule both hold.
pub fn gates(outline: &[OutlineModule], learner: Learner<'_>, now: DateTime<Utc>) -> Vec<Gate> {
    let mut gates = Vec::new();
    // The last required lesson seen, and whether every required lesson so far is done.
    let mut previous_required: Option<&LessonSummary> = None;
    let mut first_missing: Option<&LessonSummary> = None;
    for module in outline {
        // A module waits for every required lesson of the modules before it.
        let module_waits_for = first_missing;
        for lesson in &module.lessons {
            let lesson_waits_for = previous_required.filter(|p| !learner.completed.contains(&p.id));
            gates.push(gate(
                lesson,
                [
                    (module.module.release.as_ref(), module_waits_for),
                    (lesson.release.as_ref(), lesson_waits_for),
                ],
                learner,
                now,
            ));
            if lesson.required {
                previous_required = Some(lesson);
                if first_missing.is_none() && !learner.completed.contains(&lesson.id) {
                    first_missing = Some(lesson);
                }
            }
        }
    }
    gates
}

fn gate(
    lesson: &LessonSummary,
    rules: [(Option<&Release>, Option<&LessonSummary>); 2],
    learner: Learner<'_>,
    now: DateTime<Utc>,
) -> Gate {
    if lesson.free_preview || learner.unlocked.contains(lesson.id) {
        return Gate::open(lesson.id);
    }
    let mut opens_at: Option<DateTime<Utc>> = None;
    let mut waits_for = None;
    for (rule, blocker) in rules {
        let Some(rule) = rule else { continue };
        opens_at = opens_at.max(rule.opens_at(learner.enrolled_at));
        if rule.requires_previous && waits_for.is_none() {
            waits_for = blocker.map(|l| l.title.clone());
        }
    }
    let dates_pending = opens_at.filter(|at| *at > now);
    if dates_pending.is_none() && waits_for.is_none() {
        return Gate::open(lesson.id);
    }
    Gate {
        lesson_id: lesson.id,
        locked: true,
        available_at: dates_pending,
        waits_for,
    }
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
