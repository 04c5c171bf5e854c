//! Quizzes: grading a learner's attempt, and their attempts.

use super::gates::LessonAtWork;
use super::progress::Activity;
use super::{Actor, EnrollmentRead, Lms, allow};
use crate::course::LessonContent;
use crate::enrollment::ProgressUpdate;
use crate::error::{ConflictKind, LmsError};
use crate::ids::{AttemptId, CourseRef, LessonId};
use crate::input::Parsed;
use crate::page::{Page, PageRequest};
use crate::policy::Action;
use crate::quiz::QuizAttempt;

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
        answers: impl Into<Parsed<serde_json::Value>>,
    ) -> Result<QuizAttempt, LmsError> {
        let user = actor.require_user()?; // sign-in first: no store work for anonymous callers
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
        let answers = answers.into().into_result()?;
        let LessonContent::Quiz(quiz) = &lesson.content else {
            return Err(LmsError::invalid("lesson", "the lesson is not a quiz"));
        };
        let Some(answer_map) = answers.as_object() else {
            return Err(LmsError::invalid(
                "answers",
                "must be an object of question id → answer",
            ));
        };
        let made = tx.count_attempts(user, lesson.summary.id).await?;
        if quiz.max_attempts.is_some_and(|max| made >= max) {
            return Err(LmsError::conflict(
                ConflictKind::AttemptsExhausted,
                "no attempts left at this quiz",
            ));
        }
        // Only what grading reads is stored, and no answer longer than a real one.
        let kept = quiz
            .kept_answers(answer_map)
            .map_err(LmsError::Validation)?;
        let grade = quiz.grade(&kept);
        let answers = serde_json::Value::Object(kept);
        let attempt = QuizAttempt {
            id: AttemptId::new(),
            user_id: user,
            lesson_id: lesson.summary.id,
            course_id: scope.course.id,
            attempt_number: made + 1,
            score_percent: grade.score_percent,
            passed: grade.passed,
            answers,
            submitted_at: self.now(),
        };
        tx.insert_attempt(&attempt).await?;
        // A failed attempt changes no progress but is activity all the same.
        let update = match grade.passed {
            true => ProgressUpdate::completed(),
            false => ProgressUpdate::default(),
        };
        let step = (lesson.summary.id, update);
        self.advance(tx.as_mut(), scope, &outline, step, rows, Activity::Always)
            .await?;
        tx.commit().await?;
        Ok(attempt)
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
