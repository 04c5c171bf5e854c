//! Quizzes: grading a learner's attempt, and their attempts.
//!
//! An attempt takes the learner's path (`learner_path`): its facts — the enrollment, the
//! progress rows and the attempts made so far — read in one statement, graded by the core,
//! and stored with the progress it makes in one statement that re-checks them. The quiz
//! itself (questions and answer key) is cached by course version, as outlines are.

use super::gates::{self, LessonAtWork};
use super::learner_path::{LearnerFacts, OPTIMISTIC_ROUNDS, Optimistic};
use super::progress::Activity;
use super::{Actor, EnrollmentRead, Lms, allow};
use crate::course::{Course, Lesson, LessonContent};
use crate::enrollment::ProgressUpdate;
use crate::error::{ConflictKind, LmsError};
use crate::ids::{AttemptId, CourseRef, LessonId, UserId};
use crate::input::Parsed;
use crate::page::{Page, PageRequest};
use crate::policy::Action;
use crate::quiz::{Quiz, QuizAttempt};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Quiz lessons by id, with the course version (`updated_at`) they belong to.
pub(super) type QuizCache = HashMap<LessonId, (DateTime<Utc>, Arc<Lesson>)>;

/// Quizzes kept at most; past it the cache starts over.
const QUIZ_CACHE_CAPACITY: usize = 1024;

/// Who answers, where, and when: what an attempt records besides its grade.
struct Attempter {
    user: UserId,
    course: crate::ids::CourseId,
    now: DateTime<Utc>,
}

impl Lms {
    /// Grades the caller's answers to a quiz lesson (active enrollment needed) and stores
    /// the attempt. Past `max_attempts` it is `attempts_exhausted` (409); a lesson a
    /// release rule holds is 403 `locked`. A passing attempt
    /// completes the lesson, and the course when it was the last requirement.
    pub async fn submit_attempt(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        answers: impl Into<Parsed<Value>>,
    ) -> Result<QuizAttempt, LmsError> {
        let user = actor.require_user()?; // sign-in first: no store work for anonymous callers
        let answers = match answers.into().into_result() {
            Ok(answers) => answers,
            // Reported after the policy, which the locking path asks first.
            Err(unparsed) => {
                let failed = Parsed::failed(unparsed);
                return self
                    .submit_attempt_locked(actor, course, lesson, failed)
                    .await;
            }
        };
        for _ in 0..OPTIMISTIC_ROUNDS {
            match self
                .submit_attempt_optimistic(user, course, lesson, &answers)
                .await?
            {
                Optimistic::Done(attempt) => return Ok(attempt),
                Optimistic::Changed => continue,
                Optimistic::Unsuited => break,
            }
        }
        self.submit_attempt_locked(actor, course, lesson, answers.into())
            .await
    }

    /// One round of [`Lms::submit_attempt`] on the learner's path: `Unsuited` until this
    /// process has the org, the outline and the quiz cached at the course's version.
    async fn submit_attempt_optimistic(
        &self,
        user: UserId,
        course: CourseRef<'_>,
        lesson: LessonId,
        answers: &Value,
    ) -> Result<Optimistic<QuizAttempt>, LmsError> {
        let facts = self.learner_facts(user, course, Some(lesson)).await?;
        let Some(LearnerFacts {
            scope,
            rows,
            revision,
            attempts,
        }) = facts
        else {
            return Ok(Optimistic::Unsuited);
        };
        let (Some(outline), Some(quiz_lesson)) = (
            self.outline_if_cached(&scope.course),
            self.quiz_if_cached(&scope.course, lesson),
        ) else {
            return Ok(Optimistic::Unsuited);
        };
        // The locking path's checks, in its order (the answers must not depend on the path).
        allow(
            &scope.standing,
            Action::ViewCourse(&scope.course, scope.enrollment()),
        )?;
        allow(
            &scope.standing,
            Action::Learn(&scope.course, scope.enrollment()),
        )?;
        gates::ensure_open(&self.gates(&scope, &outline, &rows), &outline, lesson)?;
        let (quiz, answers) = quiz_and_answers(&quiz_lesson, answers)?;
        let by = Attempter {
            user,
            course: scope.course.id,
            now: self.now(),
        };
        let attempt = graded_attempt(quiz, lesson, answers, attempts, &by)?;
        let step = (lesson, progress_of(&attempt));
        let decision = self.decide_advance(&scope, &outline, step, rows, Activity::Always)?;
        let stored = Some(attempt.clone());
        if !(self.apply_decision((&scope, &outline), revision, &decision, stored)).await? {
            return Ok(Optimistic::Changed);
        }
        Ok(Optimistic::Done(attempt))
    }

    /// [`Lms::submit_attempt`] under row locks: the course shared, the enrollment held.
    async fn submit_attempt_locked(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        answers: Parsed<Value>,
    ) -> Result<QuizAttempt, LmsError> {
        let user = actor.require_user()?;
        let mut tx = self.write().await?;
        let read = EnrollmentRead::Locked;
        let LessonAtWork {
            scope,
            lesson,
            outline,
            rows,
        } = self
            .lesson_at_work(tx.as_mut(), actor, course, lesson, read)
            .await?;
        let answers = answers.into_result()?;
        let (quiz, answers) = quiz_and_answers(&lesson, &answers)?;
        // The version was read before the locks, the lesson after them: if an edit
        // committed in between, this files the new quiz under the old version. Only a call
        // that read the old version is served it, and its write then fails the version
        // check and decides again; a refusal it answers first (exhausted, invalid) follows
        // the quiz as committed.
        self.remember_quiz(&scope.course, &lesson);
        let made = tx.count_attempts(user, lesson.summary.id).await?;
        let by = Attempter {
            user,
            course: scope.course.id,
            now: self.now(),
        };
        let attempt = graded_attempt(quiz, lesson.summary.id, answers, made, &by)?;
        tx.insert_attempt(&attempt).await?;
        let step = (lesson.summary.id, progress_of(&attempt));
        self.advance(tx.as_mut(), scope, &outline, step, rows, Activity::Always)
            .await?;
        tx.commit().await?;
        Ok(attempt)
    }

    /// The quiz lesson if the cache holds it at this version of its course.
    fn quiz_if_cached(&self, course: &Course, lesson: LessonId) -> Option<Arc<Lesson>> {
        let cache = self.quizzes.lock().unwrap_or_else(|p| p.into_inner());
        let (version, quiz) = cache.get(&lesson)?;
        (*version == course.updated_at && quiz.summary.course_id == course.id).then(|| quiz.clone())
    }

    /// Keeps a quiz lesson read at `course`'s version for [`Lms::quiz_if_cached`].
    fn remember_quiz(&self, course: &Course, lesson: &Lesson) {
        let mut cache = self.quizzes.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= QUIZ_CACHE_CAPACITY {
            cache.clear();
        }
        let entry = (course.updated_at, Arc::new(lesson.clone()));
        cache.insert(lesson.summary.id, entry);
    }

    /// A page of the caller's attempts at a quiz, oldest first.
    pub async fn attempts(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        page: PageRequest,
    ) -> Result<Page<QuizAttempt>, LmsError> {
        let user = actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.read().await?;
        let scope = self
            .course_scope(tx.as_mut(), actor, course, EnrollmentRead::Plain)
            .await?;
        allow(
            &scope.standing,
            Action::ViewCourse(&scope.course, scope.enrollment()),
        )?;
        tx.lesson(scope.course.id, lesson)
            .await?
            .ok_or(LmsError::NotFound("lesson"))?;
        allow(
            &scope.standing,
            Action::ViewOwnProgress(&scope.course, scope.enrollment()),
        )?;
        let rows = tx.list_attempts(user, lesson, &page).await?;
        Ok(Page::from_rows(rows, &page, |a| a.id.0))
    }
}

/// The lesson's quiz and the answers as a map of question id → answer: 422 for a lesson
/// that is not a quiz, or answers that are not an object.
fn quiz_and_answers<'a>(
    lesson: &'a Lesson,
    answers: &'a Value,
) -> Result<(&'a Quiz, &'a Map<String, Value>), LmsError> {
    let LessonContent::Quiz(quiz) = &lesson.content else {
        return Err(LmsError::invalid("lesson", "the lesson is not a quiz"));
    };
    let Some(answers) = answers.as_object() else {
        return Err(LmsError::invalid(
            "answers",
            "must be an object of question id → answer",
        ));
    };
    Ok((quiz, answers))
}

/// The graded attempt after `made` earlier ones: 409 `attempts_exhausted` past the quiz's
/// `max_attempts`, 422 for answers no question takes.
fn graded_attempt(
    quiz: &Quiz,
    lesson: LessonId,
    answers: &Map<String, Value>,
    made: u32,
    by: &Attempter,
) -> Result<QuizAttempt, LmsError> {
    if quiz.max_attempts.is_some_and(|max| made >= max) {
        return Err(LmsError::conflict(
            ConflictKind::AttemptsExhausted,
            "no attempts left at this quiz",
        ));
    }
    // Only what grading reads is stored, and no answer longer than a real one.
    let kept = quiz.kept_answers(answers).map_err(LmsError::Validation)?;
    let grade = quiz.grade(&kept);
    Ok(QuizAttempt {
        id: AttemptId::new(),
        user_id: by.user,
        lesson_id: lesson,
        course_id: by.course,
        attempt_number: made + 1,
        score_percent: grade.score_percent,
        passed: grade.passed,
        answers: Value::Object(kept),
        submitted_at: by.now,
    })
}

/// What an attempt does to its lesson's progress: a pass completes it; a failure changes
/// nothing but is activity all the same.
fn progress_of(attempt: &QuizAttempt) -> ProgressUpdate {
    match attempt.passed {
        true => ProgressUpdate::completed(),
        false => ProgressUpdate::default(),
    }
}
