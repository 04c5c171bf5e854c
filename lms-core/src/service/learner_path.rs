//! The learner's own path: their progress read in one statement, and written in two — its
//! facts read in one ([`crate::store::Store::learner_context`]: the org, the course, the
//! caller's role, enrollment and progress rows), the core's decision applied in one
//! ([`crate::store::Store::apply_learner_write`]) whose conditions re-check what the
//! decision relied on — the course's version (its outline) and the enrollment's revision
//! (its status, unlocks, rollup and the learner's rows). If either moved in between, the
//! write changes nothing and the call decides again on fresh facts; after a few such
//! rounds it takes the locking path ([`Lms::record_progress`]'s), which always finishes.
//!
//! Each of the two statements is a transaction of its own: nothing between them needs one,
//! since the write re-checks everything the read told. On Postgres each is then one round
//! trip, with no `BEGIN`, scope or `COMMIT` around it (the statement sets its own scope). A
//! write that completes the course also issues the certificate and appends the event, so
//! it runs in a transaction with them.
//!
//! The one-statement path steps aside, before deciding anything, for what it cannot settle
//! in its statements: an org (or, for a write, an outline) this process has not cached yet,
//! a caller with no enrollment (the general path says which error applies), and an active
//! enrollment a membership plan opened (whose plan must be read).

use super::progress::{Activity, Advance, lesson_to_learn};
use super::{CourseScope, Lms, ProgressResult, allow, gates};
use crate::course::{Course, CourseOutline};
use crate::enrollment::{EnrollmentSource, LessonProgress, ProgressUpdate};
use crate::error::LmsError;
use crate::ids::{CourseRef, LessonId, OrgId, UserId};
use crate::org::Org;
use crate::policy::{Action, Standing};
use crate::quiz::QuizAttempt;
use crate::store::{Access, CourseKey, LearnerWrite, TenantScope};

/// Rounds of reading and deciding again before the locking path.
pub(super) const OPTIMISTIC_ROUNDS: usize = 3;

/// How an optimistic attempt ended.
pub(super) enum Optimistic<T> {
    /// Applied and committed (or refused with a final answer, as an `Err`).
    Done(T),
    /// What the decision relied on changed before it applied: decide again.
    Changed,
    /// Not a case for this path: take the locking one.
    Unsuited,
}

/// What an optimistic round decides on, read in one statement.
pub(super) struct LearnerFacts {
    /// The org, the caller's standing, the course and their enrollment.
    pub scope: CourseScope,
    /// Their progress rows in the course.
    pub rows: Vec<LessonProgress>,
    /// The enrollment's revision, which the write re-checks.
    pub revision: i64,
    /// Their attempts at the quiz the read asked about.
    pub attempts: u32,
}

/// Orgs kept at most by slug; past it the cache starts over.
const ORG_CACHE_CAPACITY: usize = 4096;

impl Lms {
    /// The id of the org with this slug, if this process has seen it. Every use re-checks
    /// the slug in the database, so a stale entry only sends a call down the general path.
    pub(super) fn known_org(&self, slug: &str) -> Option<OrgId> {
        let cache = self.org_ids.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(slug).copied()
    }

    /// Remembers an org's slug for [`Lms::known_org`].
    pub(super) fn remember_org(&self, org: &Org) {
        let mut cache = self.org_ids.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= ORG_CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(org.slug.clone(), org.id);
    }

    /// The course's outline if the cache holds this version of it; never reads the store.
    pub(super) fn outline_if_cached(&self, course: &Course) -> Option<CourseOutline> {
        let cache = self.outlines.lock().unwrap_or_else(|p| p.into_inner());
        let (version, modules) = cache.get(&course.id)?;
        (*version == course.updated_at).then(|| CourseOutline {
            course: course.clone(),
            modules: modules.as_ref().clone(),
        })
    }

    /// The caller's facts in a course of an org this process knows by slug, read in one
    /// statement of their own ([`crate::store::Store::learner_context`]), when this path
    /// suits the call (`None`: take the general path); with `attempts_at`, their attempts
    /// at that quiz too.
    pub(super) async fn learner_facts(
        &self,
        user: UserId,
        course: CourseRef<'_>,
        attempts_at: Option<LessonId>,
    ) -> Result<Option<LearnerFacts>, LmsError> {
        let Some(org) = self.known_org(course.org) else {
            return Ok(None);
        };
        let key = CourseKey::parse(course.course);
        let context = self
            .store
            .learner_context(org, course.org, key, user, attempts_at);
        let Some(facts) = context.await? else {
            return Ok(None);
        };
        let e = &facts.enrollment;
        if e.source == EnrollmentSource::Subscription && e.is_active() {
            return Ok(None); // the membership rule reads the plan
        }
        let scope = CourseScope {
            org: facts.org,
            standing: Standing {
                user: Some(user),
                role: facts.role,
            },
            course: facts.course,
            enrollment: Some(facts.enrollment),
        };
        Ok(Some(LearnerFacts {
            scope,
            rows: facts.rows,
            revision: facts.revision,
            attempts: facts.attempts,
        }))
    }

    /// Applies `decision`, made on facts read at `revision` of the enrollment (and the
    /// course version in `scope`), if they still hold; returns whether it applied. One
    /// statement of its own ([`crate::store::Store::apply_learner_write`]), unless the
    /// decision completes the course: then the certificate and the event go with it, in
    /// one transaction.
    pub(super) async fn apply_decision(
        &self,
        (scope, outline): (&CourseScope, &CourseOutline),
        revision: i64,
        decision: &Advance,
        attempt: Option<QuizAttempt>,
    ) -> Result<bool, LmsError> {
        let write = learner_write(scope, revision, decision, attempt);
        if !decision.completes {
            return Ok(self.store.apply_learner_write(&write).await?);
        }
        let mut tx = self.store.begin(Access::Write).await?;
        tx.set_scope(TenantScope {
            org: Some(scope.org.id),
            user: Some(write.enrollment.user_id),
        })
        .await?;
        if !tx.apply_learner_write(&write).await? {
            return Ok(false); // dropping `tx` rolls back
        }
        self.record_completion(tx.as_mut(), &scope.org, outline, decision)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// One optimistic round of [`Lms::record_progress`] for `user`.
    pub(super) async fn record_progress_optimistic(
        &self,
        user: UserId,
        course: CourseRef<'_>,
        lesson: LessonId,
        update: ProgressUpdate,
    ) -> Result<Optimistic<ProgressResult>, LmsError> {
        let facts = self.learner_facts(user, course, None).await?;
        let Some(LearnerFacts {
            scope,
            rows,
            revision,
            ..
        }) = facts
        else {
            return Ok(Optimistic::Unsuited);
        };
        let Some(outline) = self.outline_if_cached(&scope.course) else {
            return Ok(Optimistic::Unsuited);
        };
        // The locking path's checks, in its order (the answers must not depend on the path).
        allow(
            &scope.standing,
            Action::ViewCourse(&scope.course, scope.enrollment()),
        )?;
        let kind = lesson_to_learn(&scope, &outline, lesson)?;
        gates::ensure_open(&self.gates(&scope, &outline, &rows), &outline, lesson)?;
        update.validate(kind)?;
        let step = (lesson, update);
        let decision = self.decide_advance(&scope, &outline, step, rows, Activity::IfChanged)?;
        if (decision.lesson_changed || decision.enrollment_changed)
            && !(self.apply_decision((&scope, &outline), revision, &decision, None)).await?
        {
            return Ok(Optimistic::Changed);
        }
        Ok(Optimistic::Done(ProgressResult {
            lesson: decision.lesson,
            course: decision.course,
        }))
    }
}

/// The store write of `decision`, made on facts read at `revision` of the enrollment and the
/// course version in `scope`: it applies only while both still hold.
pub(super) fn learner_write(
    scope: &CourseScope,
    revision: i64,
    decision: &Advance,
    attempt: Option<QuizAttempt>,
) -> LearnerWrite {
    LearnerWrite {
        org: scope.org.id,
        course: scope.course.id,
        course_version: scope.course.updated_at,
        revision,
        enrollment: decision.enrollment.clone(),
        progress: decision.lesson_changed.then(|| decision.lesson.clone()),
        attempt,
        graded: None,
    }
}
