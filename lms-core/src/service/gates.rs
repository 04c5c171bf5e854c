//! Release rules at work: which lessons hold a learner back and why, opening lessons early
//! for one learner, and course prerequisites at enrollment.

use super::{Actor, CourseScope, EnrollmentRead, Lms, allow, load_outline};
use crate::course::{Course, CourseOutline, CourseStatus, Lesson};
use crate::enrollment::{Enrollment, LessonProgress};
use crate::error::{LmsError, ValidationErrors};
use crate::ids::{CourseId, CourseRef, LessonId, UserId};
use crate::input::Parsed;
use crate::policy::Action;
use crate::progress::{self, Unmet};
use crate::release::{self, Gate, Learner, Unlocked};
use crate::store::{Access, CourseKey, StoreTx};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Most lessons one unlock may name.
const MAX_UNLOCK_LESSONS: usize = 1000;

/// Input of [`Lms::unlock_lessons`]: `{lesson_ids: [...]}` or `{all: true}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnlockRequest {
    /// Lessons of the course to open for the learner.
    #[serde(default)]
    pub lesson_ids: Option<Vec<LessonId>>,
    /// `true` opens every lesson, those added later included.
    #[serde(default)]
    pub all: Option<bool>,
}

/// The gates of every lesson for the learner of `enrollment`; none at all (every lesson
/// open) when the course has no release rule, as most have, so that the hot reads and writes
/// pay nothing for rules they do not use.
pub(super) fn learner_gates(
    enrollment: &Enrollment,
    outline: &CourseOutline,
    rows: &[LessonProgress],
    now: DateTime<Utc>,
) -> Vec<Gate> {
    if !release::has_rules(&outline.modules) {
        return Vec::new();
    }
    let completed = progress::completed_set(rows);
    let learner = Learner {
        enrolled_at: enrollment.enrolled_at,
        unlocked: &enrollment.unlocked,
        completed: &completed,
    };
    release::gates(&outline.modules, learner, now)
}

/// `Ok` when `lesson` is open by `gates`, else 403 `locked` saying what holds it.
pub(super) fn ensure_open(
    gates: &[Gate],
    outline: &CourseOutline,
    lesson: LessonId,
) -> Result<(), LmsError> {
    let Some(gate) = gates.iter().find(|g| g.lesson_id == lesson && g.locked) else {
        return Ok(());
    };
    let summary = outline.lessons().find(|l| l.id == lesson);
    let unmet = summary
        .map(|l| Unmet::locked(l, gate))
        .into_iter()
        .collect();
    Err(LmsError::Locked {
        available_at: gate.available_at,
        unmet,
    })
}

/// A lesson a learner is about to work on (a progress write, an attempt, a file, a
/// submission), with what deciding on it needs.
pub(super) struct LessonAtWork {
    /// The course, the caller's standing and enrollment.
    pub scope: CourseScope,
    /// The lesson, content included.
    pub lesson: Lesson,
    /// The course's outline, read from the store.
    pub outline: CourseOutline,
    /// The caller's progress rows in the course.
    pub rows: Vec<LessonProgress>,
}

impl Lms {
    /// Loads `lesson` of `course` for the caller to work on, in the API's order: 404 for
    /// what they may not see, 403 without an active enrollment, then 403 `locked` while a
    /// release rule holds it. The enrollment is read as `read` says.
    pub(super) async fn lesson_at_work(
        &self,
        tx: &mut dyn StoreTx,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        read: EnrollmentRead,
    ) -> Result<LessonAtWork, LmsError> {
        let scope = self.course_scope(tx, actor, course, read).await?;
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
            Action::Learn(&scope.course, scope.enrollment()),
        )?;
        // From the store, after the locks: the course version `scope` read came before
        // them, and a curriculum change may have committed in between.
        let outline = load_outline(tx, scope.course.clone()).await?;
        let rows = self.learner_rows(tx, &scope).await?;
        let gates = self.gates(&scope, &outline, &rows);
        ensure_open(&gates, &outline, lesson.summary.id)?;
        Ok(LessonAtWork {
            scope,
            lesson,
            outline,
            rows,
        })
    }

    /// What release rules hold for the caller of `scope`: nothing for the course's owner
    /// and the org's admins, nor for a caller without an enrollment (free previews ignore
    /// release rules, and nothing else is open to them anyway).
    pub(super) fn gates(
        &self,
        scope: &CourseScope,
        outline: &CourseOutline,
        rows: &[LessonProgress],
    ) -> Vec<Gate> {
        match &scope.enrollment {
            Some(enrollment) if !scope.standing.manages(&scope.course) => {
                learner_gates(enrollment, outline, rows, self.now())
            }
            _ => Vec::new(),
        }
    }

    /// 403 `locked` when a release rule holds `lesson` for the caller of `scope`. Reads
    /// the learner's progress only when a `requires_previous` rule needs it.
    pub(super) async fn ensure_lesson_open(
        &self,
        tx: &mut dyn StoreTx,
        scope: &CourseScope,
        outline: &CourseOutline,
        lesson: LessonId,
    ) -> Result<(), LmsError> {
        if !release::has_rules(&outline.modules) {
            return Ok(());
        }
        let rows = match release::reads_progress(&outline.modules) {
            true => self.learner_rows(tx, scope).await?,
            false => Vec::new(),
        };
        ensure_open(&self.gates(scope, outline, &rows), outline, lesson)
    }

    /// Opens lessons of a course early for one learner, whatever their release rules (the
    /// course's owner and admins): `{lesson_ids}` adds to what was opened, `{all: true}`
    /// opens every lesson, later ones included. 404 for someone never enrolled; 422 for
    /// lessons that are not the course's.
    pub async fn unlock_lessons(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        user: UserId,
        request: impl Into<Parsed<UnlockRequest>>,
    ) -> Result<Enrollment, LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Write, actor, course).await?;
        let mut enrollment = tx
            .lock_enrollment(user, scope.course.id)
            .await?
            .ok_or(LmsError::NotFound("enrollment"))?;
        let request = request.into().into_result()?;
        let outline = super::load_outline(tx.as_mut(), scope.course).await?;
        match (request.all, request.lesson_ids) {
            (Some(true), None) => enrollment.unlocked = Unlocked::All,
            (None, Some(ids)) => {
                let mut errors = ValidationErrors::default();
                if ids.is_empty() || ids.len() > MAX_UNLOCK_LESSONS {
                    errors.add(
                        "lesson_ids",
                        format!("give 1 to {MAX_UNLOCK_LESSONS} lesson ids"),
                    );
                }
                if let Some(stranger) = ids
                    .iter()
                    .find(|id| outline.lessons().all(|l| l.id != **id))
                {
                    errors.add(
                        "lesson_ids",
                        format!("lesson {stranger} is not a lesson of this course"),
                    );
                }
                errors.into_result()?;
                enrollment.unlocked.add(&ids);
            }
            _ => {
                return Err(LmsError::invalid(
                    "lesson_ids",
                    "give either lesson_ids or all: true",
                ));
            }
        }
        tx.update_enrollment(&enrollment).await?;
        tx.commit().await?;
        Ok(enrollment)
    }

    /// Checks that `proposed` may be `course`'s prerequisites: courses of its org, not
    /// itself, no cycle. Returns them once each, in the order given.
    pub(super) async fn checked_prerequisites(
        &self,
        tx: &mut dyn StoreTx,
        course: &Course,
        proposed: &[CourseId],
    ) -> Result<Vec<CourseId>, LmsError> {
        // One change of an org's prerequisites at a time: two that each pass the check
        // alone could otherwise close a cycle together.
        tx.lock_org(course.org_id).await?;
        let graph = tx.prerequisite_graph(course.org_id).await?;
        crate::course::check_prerequisites(course.id, proposed, &graph)
            .map_err(LmsError::Validation)
    }
}

/// 409 `prerequisites_unmet` unless `user` completed every prerequisite of `course` (an
/// active enrollment with a recorded completion).
pub(super) async fn ensure_prerequisites_met(
    tx: &mut dyn StoreTx,
    course: &Course,
    user: UserId,
) -> Result<(), LmsError> {
    let mut unmet = Vec::new();
    for prerequisite in &course.prerequisites {
        let done = tx
            .enrollment(user, *prerequisite)
            .await?
            .is_some_and(|e| e.is_active() && e.completed_at.is_some());
        if done {
            continue;
        }
        // A course not published yet is named only by its id: its title is its authors'.
        let title = tx
            .course(course.org_id, CourseKey::Id(*prerequisite))
            .await?
            .filter(|c| c.status != CourseStatus::Draft)
            .map_or_else(|| "(not published yet)".to_string(), |c| c.title);
        unmet.push(Unmet::prerequisite(*prerequisite, &title));
    }
    match unmet.is_empty() {
        true => Ok(()),
        false => Err(LmsError::PrerequisitesUnmet { unmet }),
    }
}
