//! Progress: recording a learner's lesson progress, their course progress and lesson
//! states, and the learner's dashboard.

use super::EnrollmentRead;
use super::learner_path::{OPTIMISTIC_ROUNDS, Optimistic};
use super::{Actor, CourseScope, Lms, allow, certificates, events, gates, load_outline};
use crate::course::{Course, CourseOutline, LessonKind};
use crate::enrollment::{Enrollment, LessonProgress, LessonStatus, ProgressUpdate};
use crate::error::LmsError;
use crate::ids::{CourseRef, LessonId, UserId};
use crate::input::Parsed;
use crate::org::Org;
use crate::page::{Page, PageRequest};
use crate::policy::Action;
use crate::progress::{self, CourseProgress};
use crate::release::Gate;
use crate::store::{EnrollmentWithCourse, StoreTx, TenantScope};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a progress write returns: the lesson's new state and the course's.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProgressResult {
    /// The lesson's progress after the write.
    pub lesson: LessonProgress,
    /// The course's progress after the write.
    pub course: CourseProgress,
}

/// One course on the learner's dashboard.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DashboardItem {
    /// The enrollment.
    #[serde(flatten)]
    pub enrollment: Enrollment,
    /// The course.
    pub course: Course,
    /// The course's org slug.
    pub org: String,
    /// The learner's progress in it.
    pub progress: CourseProgress,
}

/// One lesson as a lesson viewer shows it: the learner's progress in it (`not_started`
/// where nothing was recorded) and whether a release rule holds it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LessonState {
    /// The lesson.
    pub lesson_id: LessonId,
    /// Not started, in progress or completed.
    pub status: LessonStatus,
    /// 0..=100.
    pub percent: u8,
    /// Where playback of a video lesson stopped, in seconds.
    pub position_seconds: Option<u32>,
    /// When the lesson was first completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// The last recorded change; null when nothing was recorded.
    pub updated_at: Option<DateTime<Utc>>,
    /// Whether a release rule still holds the lesson for this learner.
    pub locked: bool,
    /// When a date opens it, while it is locked.
    pub available_at: Option<DateTime<Utc>>,
}

/// Every lesson of the outline in curriculum order, with the learner's `rows` and `gates`.
pub(super) fn lesson_states(
    outline: &CourseOutline,
    rows: &[LessonProgress],
    gates: &[Gate],
) -> Vec<LessonState> {
    outline
        .lessons()
        .map(|lesson| {
            let row = rows.iter().find(|r| r.lesson_id == lesson.id);
            let gate = gates.iter().find(|g| g.lesson_id == lesson.id);
            LessonState {
                lesson_id: lesson.id,
                status: row.map_or(LessonStatus::NotStarted, |r| r.status),
                percent: row.map_or(0, |r| r.percent),
                position_seconds: row.and_then(|r| r.position_seconds),
                completed_at: row.and_then(|r| r.completed_at),
                updated_at: row.map(|r| r.updated_at),
                locked: gate.is_some_and(|g| g.locked),
                available_at: gate.and_then(|g| g.available_at),
            }
        })
        .collect()
}

/// What a progress step changes ([`Lms::decide_advance`]).
pub(super) struct Advance {
    /// The lesson's progress after the step.
    pub(super) lesson: LessonProgress,
    /// Whether the lesson's row must be written.
    pub(super) lesson_changed: bool,
    /// The enrollment after the step.
    pub(super) enrollment: Enrollment,
    /// Whether the enrollment's row must be written.
    pub(super) enrollment_changed: bool,
    /// Whether the step completes the course (a certificate and an event follow).
    pub(super) completes: bool,
    /// The course's progress after the step.
    pub(super) course: CourseProgress,
}

/// The kind of `lesson`, a lesson of the outline's course (404 otherwise) that the scope's
/// caller may learn (403 otherwise): what a progress write checks after `ViewCourse`, on
/// either path.
pub(super) fn lesson_to_learn(
    scope: &CourseScope,
    outline: &CourseOutline,
    lesson: LessonId,
) -> Result<LessonKind, LmsError> {
    let kind = outline
        .lessons()
        .find(|l| l.id == lesson)
        .map(|l| l.kind)
        .ok_or(LmsError::NotFound("lesson"))?;
    allow(
        &scope.standing,
        Action::Learn(&scope.course, scope.enrollment()),
    )?;
    Ok(kind)
}

/// Whether a write records activity on the enrollment even when it changed no progress
/// row (an attempt or a submission is activity whatever it scored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Activity {
    /// Only when the progress row changed.
    IfChanged,
    /// Always.
    Always,
    /// Never: someone else's write on the learner's behalf (a grade).
    Never,
}

impl Lms {
    /// Records the caller's progress in a lesson (active enrollment needed). Progress never
    /// goes backwards; the course's completion is recorded once, in the same transaction,
    /// when the last required lesson is completed. A quiz or an assignment is completed
    /// only by a passing attempt or grade, so a progress write on one is 422; a lesson a
    /// release rule holds is 403 `locked`.
    ///
    /// Its facts are read in one statement and its decision applied in one that re-checks
    /// them (see `learner_path`); a write whose facts moved meanwhile is decided again,
    /// and after a few rounds takes the locking path.
    pub async fn record_progress(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        update: impl Into<Parsed<ProgressUpdate>>,
    ) -> Result<ProgressResult, LmsError> {
        let user = actor.require_user()?; // sign-in first: no store work for anonymous callers
        let update = match update.into().into_result() {
            Ok(update) => update,
            // Reported after the policy, which the locking path asks first.
            Err(unparsed) => {
                let failed = Parsed::failed(unparsed);
                return self
                    .record_progress_locked(actor, course, lesson, failed)
                    .await;
            }
        };
        for _ in 0..OPTIMISTIC_ROUNDS {
            match self
                .record_progress_optimistic(user, course, lesson, update)
                .await?
            {
                Optimistic::Done(result) => return Ok(result),
                Optimistic::Changed => continue,
                Optimistic::Unsuited => break,
            }
        }
        self.record_progress_locked(actor, course, lesson, update.into())
            .await
    }

    /// [`Lms::record_progress`] under row locks: the course shared, the enrollment held.
    async fn record_progress_locked(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        update: Parsed<ProgressUpdate>,
    ) -> Result<ProgressResult, LmsError> {
        let mut tx = self.write().await?;
        let scope = self
            .course_scope(tx.as_mut(), actor, course, EnrollmentRead::Locked)
            .await?;
        allow(
            &scope.standing,
            Action::ViewCourse(&scope.course, scope.enrollment()),
        )?;
        // The outline (needed for the rollup anyway) tells whether the lesson is the course's.
        let outline = load_outline(tx.as_mut(), scope.course.clone()).await?;
        let kind = lesson_to_learn(&scope, &outline, lesson)?;
        let update = update.into_result()?;
        // All of the learner's rows in the course at once: what release rules read, the
        // row to change, and the rest for the rollup.
        let rows = self.learner_rows(tx.as_mut(), &scope).await?;
        gates::ensure_open(&self.gates(&scope, &outline, &rows), &outline, lesson)?;
        update.validate(kind)?;
        let (lesson_progress, course_progress) = self
            .advance(
                tx.as_mut(),
                scope,
                &outline,
                (lesson, update),
                rows,
                Activity::IfChanged,
            )
            .await?;
        tx.commit().await?;
        Ok(ProgressResult {
            lesson: lesson_progress,
            course: course_progress,
        })
    }

    /// The caller's progress rows in the scope's course (none without an enrollment).
    pub(super) async fn learner_rows(
        &self,
        tx: &mut dyn StoreTx,
        scope: &CourseScope,
    ) -> Result<Vec<LessonProgress>, LmsError> {
        Ok(match &scope.enrollment {
            Some(e) => tx.course_progress_rows(e.user_id, e.course_id).await?,
            None => Vec::new(),
        })
    }

    /// Applies `update` to the learner's progress in a lesson (`rows` are all of theirs in
    /// the course), records activity on the enrollment, then refreshes its rollup and
    /// records completion when the course became complete. The enrollment row is locked
    /// (by `course_scope`), so concurrent writes of one learner apply one by one.
    pub(super) async fn advance(
        &self,
        tx: &mut dyn StoreTx,
        scope: CourseScope,
        outline: &CourseOutline,
        step: (LessonId, ProgressUpdate),
        rows: Vec<LessonProgress>,
        activity: Activity,
    ) -> Result<(LessonProgress, CourseProgress), LmsError> {
        let decision = self.decide_advance(&scope, outline, step, rows, activity)?;
        if decision.lesson_changed {
            tx.upsert_lesson_progress(&decision.lesson).await?;
        }
        self.record_completion(tx, &scope.org, outline, &decision)
            .await?;
        if decision.enrollment_changed {
            tx.update_enrollment(&decision.enrollment).await?;
        }
        Ok((decision.lesson, decision.course))
    }

    /// What a progress step changes, decided on the facts alone (no store work): the
    /// lesson's new state, the enrollment's (activity, rollup, completion) and the course's.
    pub(super) fn decide_advance(
        &self,
        scope: &CourseScope,
        outline: &CourseOutline,
        (lesson, update): (LessonId, ProgressUpdate),
        mut rows: Vec<LessonProgress>,
        activity: Activity,
    ) -> Result<Advance, LmsError> {
        let Some(mut enrollment) = scope.enrollment.clone() else {
            return Err(LmsError::NotFound("enrollment"));
        };
        let now = self.now();
        let index = rows.iter().position(|r| r.lesson_id == lesson);
        let before = match index {
            Some(i) => rows[i].clone(),
            None => {
                LessonProgress::not_started(enrollment.user_id, enrollment.course_id, lesson, now)
            }
        };
        let mut lesson_progress = before.clone();
        lesson_progress.apply(update, now);
        let lesson_changed = !lesson_progress.same_state(&before);
        if lesson_changed {
            match index {
                Some(i) => rows[i] = lesson_progress.clone(),
                None => rows.push(lesson_progress.clone()),
            }
        } else {
            lesson_progress = before;
        }
        // A repeated or lower report changes nothing and writes nothing, so that retries
        // stay free; a change is the learner's activity.
        let active = match activity {
            Activity::IfChanged => lesson_changed,
            Activity::Always => true,
            Activity::Never => false,
        };
        if active {
            enrollment.last_activity_at = Some(now);
        }
        let completed = progress::completed_required(&outline.modules, &rows);
        let total = progress::required_total(&outline.modules);
        let rollup_changed = completed != enrollment.completed_required;
        enrollment.completed_required = completed;
        let completes =
            enrollment.completed_at.is_none() && progress::is_complete(completed, total);
        if completes {
            enrollment.completed_at = Some(now);
        }
        let scope = CourseScope {
            enrollment: Some(enrollment.clone()),
            ..scope.clone()
        };
        let gates = self.gates(&scope, outline, &rows);
        let course = progress::evaluate(&outline.modules, &rows, enrollment.completed_at, &gates);
        Ok(Advance {
            lesson: lesson_progress,
            lesson_changed,
            // A changed row always writes the enrollment too, so that its revision moves
            // with every change of the learner's rows (what optimistic writes re-check).
            enrollment_changed: lesson_changed || active || rollup_changed || completes,
            enrollment,
            completes,
            course,
        })
    }

    /// When `decision` completes the course: its certificate and its event, in the
    /// write's transaction.
    pub(super) async fn record_completion(
        &self,
        tx: &mut dyn StoreTx,
        org: &Org,
        outline: &CourseOutline,
        decision: &Advance,
    ) -> Result<(), LmsError> {
        if !decision.completes {
            return Ok(());
        }
        let now = decision
            .enrollment
            .completed_at
            .unwrap_or_else(|| self.now());
        let user = decision.enrollment.user_id;
        let learner = certificates::issue(tx, org, &outline.course, user, now).await?;
        events::course_completed(tx, &outline.course, &learner, now).await
    }

    /// The caller's progress in a course (any enrollment of theirs, active or revoked).
    pub async fn course_progress(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
    ) -> Result<CourseProgress, LmsError> {
        let (outline, rows, scope) = self.own_progress(actor, course).await?;
        let gates = self.gates(&scope, &outline, &rows);
        let completed_at = scope.enrollment.and_then(|e| e.completed_at);
        Ok(progress::evaluate(
            &outline.modules,
            &rows,
            completed_at,
            &gates,
        ))
    }

    /// Every lesson of a course in curriculum order with the caller's progress in it and
    /// whether a release rule holds it (any enrollment of theirs, active or revoked).
    pub async fn lesson_states(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
    ) -> Result<Vec<LessonState>, LmsError> {
        let (outline, rows, scope) = self.own_progress(actor, course).await?;
        let gates = self.gates(&scope, &outline, &rows);
        Ok(lesson_states(&outline, &rows, &gates))
    }

    /// The facts of the caller's own progress in a course: its outline, their rows, and
    /// the scope (their enrollment is in it).
    async fn own_progress(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
    ) -> Result<(CourseOutline, Vec<LessonProgress>, CourseScope), LmsError> {
        let user = actor.require_user()?; // sign-in first: no store work for anonymous callers
        // One statement when the caller's org and the course's outline are known and the
        // caller is enrolled.
        if let Some(facts) = self.learner_facts(user, course, None).await?
            && let Some(outline) = self.outline_if_cached(&facts.scope.course)
        {
            let scope = facts.scope;
            allow(
                &scope.standing,
                Action::ViewOwnProgress(&scope.course, scope.enrollment()),
            )?;
            return Ok((outline, facts.rows, scope));
        }
        // Else everything in one transaction, the outline read after the course row.
        let mut tx = self.read().await?;
        let read = EnrollmentRead::Plain;
        let scope = self.course_scope(tx.as_mut(), actor, course, read).await?;
        allow(
            &scope.standing,
            Action::ViewOwnProgress(&scope.course, scope.enrollment()),
        )?;
        if scope.enrollment.is_none() {
            return Err(LmsError::NotFound("enrollment"));
        }
        let rows = self.learner_rows(tx.as_mut(), &scope).await?;
        let outline = self
            .cached_outline(tx.as_mut(), scope.course.clone())
            .await?;
        Ok((outline, rows, scope))
    }

    /// A page of the caller's enrollments, each with its course and progress.
    pub async fn my_courses(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<DashboardItem>, LmsError> {
        let user = actor.require_user()?;
        // One statement when every course's outline is cached at its version.
        let rows = self.store.dashboard_page(user, &page).await?;
        let cached: Option<Vec<CourseOutline>> = rows
            .iter()
            .map(|(row, _)| self.outline_if_cached(&row.course))
            .collect();
        let (rows, outlines) = match cached {
            Some(outlines) => (rows, outlines),
            None => self.dashboard_in_one_transaction(user, &page).await?,
        };
        let page = Page::from_rows(
            rows.into_iter().zip(outlines).collect(),
            &page,
            |((r, _), _)| r.enrollment.id.0,
        );
        let mut items = Vec::with_capacity(page.items.len());
        for ((row, progress_rows), outline) in page.items {
            // The dashboard reads no roles: only a course's owner is known to be exempt.
            let gates = match outline.course.owner_id == user {
                true => Vec::new(),
                false => {
                    gates::learner_gates(&row.enrollment, &outline, &progress_rows, self.now())
                }
            };
            let progress = progress::evaluate(
                &outline.modules,
                &progress_rows,
                row.enrollment.completed_at,
                &gates,
            );
            items.push(DashboardItem {
                enrollment: row.enrollment,
                course: outline.course,
                org: row.org_slug,
                progress,
            });
        }
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
        })
    }

    /// The dashboard page's rows and their outlines read in one transaction, the outlines
    /// after the course rows (see `cached_outline`), each in its org's scope.
    async fn dashboard_in_one_transaction(
        &self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<(Vec<DashboardRow>, Vec<CourseOutline>), LmsError> {
        let mut tx = self.read().await?;
        tx.set_scope(TenantScope {
            org: None,
            user: Some(user),
        })
        .await?;
        let rows = tx.dashboard_page(user, page).await?;
        let mut outlines = Vec::with_capacity(rows.len());
        for (row, _) in &rows {
            let outline = match self.outline_if_cached(&row.course) {
                Some(outline) => outline,
                None => {
                    // Outlines are the org's rows: read them in its scope.
                    let scope = TenantScope {
                        org: Some(row.course.org_id),
                        user: Some(user),
                    };
                    tx.set_scope(scope).await?;
                    self.cached_outline(tx.as_mut(), row.course.clone()).await?
                }
            };
            outlines.push(outline);
        }
        tx.commit().await?;
        Ok((rows, outlines))
    }
}

/// A dashboard row as the store reads it: the enrollment with its course, and the
/// learner's progress rows there.
type DashboardRow = (EnrollmentWithCourse, Vec<LessonProgress>);
