//! Bulk import, for migrating from another LMS: users, then enrollments with their lesson
//! progress, many rows per transaction, with the rollups and completions computed by the same
//! rules as live writes.

use super::{Actor, Lms, allow, certificates, load_outline, org_scope};
use crate::course::CourseOutline;
use crate::enrollment::{
    Enrollment, EnrollmentSource, EnrollmentStatus, LessonProgress, LessonStatus,
};
use crate::error::LmsError;
use crate::ids::{CourseId, EnrollmentId, LessonId, UserId};
use crate::org::{NewUser, User};
use crate::policy::Action;
use crate::progress;
use crate::store::CourseKey;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// One learner's enrollment in a course, with their progress, as another LMS recorded it.
#[derive(Clone, Debug)]
pub struct ImportedEnrollment {
    /// The learner (imported before, see [`Lms::import_users`]).
    pub user_id: UserId,
    /// The course, in the org imported into.
    pub course_id: CourseId,
    /// How the learner got in.
    pub source: EnrollmentSource,
    /// When they enrolled.
    pub enrolled_at: DateTime<Utc>,
    /// Their progress, at most one entry per lesson of the course.
    pub progress: Vec<ImportedProgress>,
}

/// Progress in one lesson.
#[derive(Clone, Copy, Debug)]
pub struct ImportedProgress {
    /// The lesson.
    pub lesson_id: LessonId,
    /// 0..=100; 100 means completed.
    pub percent: u8,
    /// When it was completed (defaults to the enrollment time) or last touched.
    pub at: DateTime<Utc>,
}

/// What an import wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Enrollments inserted.
    pub enrollments: usize,
    /// Progress rows inserted.
    pub progress_rows: usize,
    /// Of the enrollments, how many are complete (their certificates were issued).
    pub completed: usize,
}

impl Lms {
    /// Refreshes the store's planner statistics: call it once after importing (the
    /// database would get there on its own, but only after queries planned for small tables).
    pub async fn refresh_statistics(&self) -> Result<(), LmsError> {
        Ok(self.store.refresh_statistics().await?)
    }

    /// Inserts users in one transaction (host-level, like [`Lms::create_user`]); any invalid
    /// or duplicate email fails the whole batch.
    pub async fn import_users(&self, users: Vec<NewUser>) -> Result<Vec<User>, LmsError> {
        let now = self.now();
        let users: Vec<User> = users
            .into_iter()
            .map(|u| u.into_user(now))
            .collect::<Result<_, _>>()?;
        let mut tx = self.write().await?;
        tx.insert_users(&users).await?;
        tx.commit().await?;
        Ok(users)
    }

    /// Imports enrollments and their progress into the org's courses in one transaction (the
    /// org's admins). Each enrollment's rollup and completion come from the same rules as a
    /// live progress write; complete ones get their certificates. Quizzes may be imported as
    /// completed (the attempts happened in the other LMS). A course of another org, a lesson of
    /// another course, or an enrollment that exists already fails the whole batch (422 / 409)
    /// and writes nothing.
    pub async fn import_enrollments(
        &self,
        actor: &Actor,
        org: &str,
        batch: Vec<ImportedEnrollment>,
    ) -> Result<ImportReport, LmsError> {
        actor.require_user()?;
        let mut tx = self.write().await?;
        let scope = org_scope(tx.as_mut(), actor, org).await?;
        allow(&scope.standing, Action::ManageOrg)?;
        let mut outlines: HashMap<CourseId, CourseOutline> = HashMap::new();
        let mut enrollments = Vec::with_capacity(batch.len());
        let mut rows = Vec::new();
        let mut completed = Vec::new();
        for (index, imported) in batch.into_iter().enumerate() {
            if !outlines.contains_key(&imported.course_id) {
                let course = tx
                    .course(scope.org.id, CourseKey::Id(imported.course_id))
                    .await?
                    .ok_or_else(|| {
                        LmsError::invalid(
                            &format!("[{index}].course_id"),
                            "no such course in this org",
                        )
                    })?;
                outlines.insert(course.id, load_outline(tx.as_mut(), course).await?);
            }
            let outline = &outlines[&imported.course_id];
            let lessons: std::collections::HashSet<LessonId> = outline
                .modules
                .iter()
                .flat_map(|m| &m.lessons)
                .map(|l| l.id)
                .collect();
            let first = rows.len();
            for p in &imported.progress {
                if !lessons.contains(&p.lesson_id) {
                    return Err(LmsError::invalid(
                        &format!("[{index}].progress"),
                        "a lesson of another course",
                    ));
                }
                let done = p.percent >= 100;
                rows.push(LessonProgress {
                    user_id: imported.user_id,
                    lesson_id: p.lesson_id,
                    course_id: imported.course_id,
                    status: if done {
                        LessonStatus::Completed
                    } else {
                        LessonStatus::InProgress
                    },
                    percent: p.percent.min(100),
                    position_seconds: None,
                    completed_at: done.then_some(p.at),
                    updated_at: p.at,
                });
            }
            let mine = &rows[first..];
            let completed_required = progress::completed_required(&outline.modules, mine);
            let complete = progress::is_complete(
                completed_required,
                progress::required_total(&outline.modules),
            );
            let completed_at = complete.then(|| {
                mine.iter()
                    .filter_map(|r| r.completed_at)
                    .max()
                    .unwrap_or(imported.enrolled_at)
            });
            let enrollment = Enrollment {
                id: EnrollmentId::new(),
                user_id: imported.user_id,
                course_id: imported.course_id,
                source: imported.source,
                status: EnrollmentStatus::Active,
                revoked_reason: None,
                enrolled_at: imported.enrolled_at,
                completed_at,
                completed_required,
                // The import's own progress writes are the learner's activity.
                last_activity_at: mine.iter().map(|r| r.updated_at).max(),
                unlocked: Default::default(),
            };
            if let Some(at) = completed_at {
                completed.push((imported.course_id, imported.user_id, at));
            }
            enrollments.push(enrollment);
        }
        tx.insert_enrollments(&enrollments).await?;
        tx.insert_progress_rows(&rows).await?;
        for (course, user, at) in &completed {
            certificates::issue(
                tx.as_mut(),
                &scope.org,
                &outlines[course].course,
                *user,
                *at,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ImportReport {
            enrollments: enrollments.len(),
            progress_rows: rows.len(),
            completed: completed.len(),
        })
    }
}
