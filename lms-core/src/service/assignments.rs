//! Assignments: a learner's files and submissions, the course's grading queue, and grades
//! that complete the lesson through the same path as a passing quiz.

use super::gates::LessonAtWork;
use super::progress::Activity;
use super::{Actor, EnrollmentRead, Lms, allow, events};
use crate::assignment::{
    self, Attachment, MAX_FILES_PER_LEARNER, NewSubmission, SUBMISSION_TYPES, Submission,
    SubmissionStatus,
};
use crate::course::{AssignmentContent, LessonContent};
use crate::enrollment::ProgressUpdate;
use crate::error::{ConflictKind, LmsError, ValidationErrors};
use crate::ids::{CourseRef, LessonId, OrgId, SubmissionId};
use crate::input::Parsed;
use crate::media::{LearnerFile, MediaKey, MediaRecord, StoredFile, UploadPermit};
use crate::page::{Page, PageRequest};
use crate::policy::Action;
use crate::store::{Access, StoreTx, SubmissionFilter, TenantScope};

impl Lms {
    /// Lets one learner's files for the assignments of one course take at most `bytes`
    /// together (default [`crate::assignment::DEFAULT_LEARNER_FILE_BYTES`], 100 MiB); past
    /// it an upload is 413 `quota_exceeded`. They count towards the org's quota as well.
    pub fn with_learner_file_quota(mut self, bytes: u64) -> Self {
        self.learner_file_quota = bytes;
        self
    }

    /// Opens a write (or read) transaction on an assignment lesson the caller may work on:
    /// an active enrollment (403 otherwise), open to them (403 `locked`), an assignment
    /// (422).
    async fn assignment_at_work(
        &self,
        access: Access,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
    ) -> Result<(Box<dyn StoreTx>, LessonAtWork, AssignmentContent), LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.store.begin(access).await?;
        let read = match access {
            Access::Write => EnrollmentRead::Locked,
            Access::Read | Access::Snapshot => EnrollmentRead::Plain,
        };
        let work = self
            .lesson_at_work(tx.as_mut(), actor, course, lesson, read)
            .await?;
        let LessonContent::Assignment(content) = work.lesson.content.clone() else {
            return Err(LmsError::invalid(
                "lesson",
                "the lesson is not an assignment",
            ));
        };
        Ok((tx, work, content))
    }

    /// Allows a learner's file for an assignment (enrolled learners) and names where it
    /// goes. `None` for a type learners may not attach ([`SUBMISSION_TYPES`]); 409 past
    /// [`MAX_FILES_PER_LEARNER`] files on the lesson; 413 `quota_exceeded` when the org's
    /// quota is used up.
    pub async fn new_submission_upload(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        content_type: &str,
    ) -> Result<Option<UploadPermit>, LmsError> {
        let (mut tx, LessonAtWork { scope, lesson, .. }, _) = self
            .assignment_at_work(Access::Read, actor, course, lesson)
            .await?;
        if !SUBMISSION_TYPES.contains(&content_type) {
            return Ok(None);
        }
        let user = actor.require_user()?;
        ensure_files_left(tx.as_mut(), user, lesson.summary.id).await?;
        let Some(key) = MediaKey::new(scope.org.id, scope.course.id, content_type) else {
            return Ok(None);
        };
        let org_left = self.org_quota_left(tx.as_mut(), scope.org.id).await?;
        let mine = tx.learner_upload_bytes(user, scope.course.id).await?;
        let learner_left = self.learner_file_quota.saturating_sub(mine);
        if learner_left == 0 {
            return Err(self.learner_quota_exceeded(mine));
        }
        let quota_left = org_left.min(learner_left);
        Ok(Some(UploadPermit { key, quota_left }))
    }

    /// Records a learner's stored file under a key from [`Lms::new_submission_upload`]
    /// (its size, and its digest if taken, as for [`Lms::record_upload`]), counted in the
    /// org's quota (413 when it no longer fits: the caller deletes the file).
    pub async fn record_submission_upload(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        key: &MediaKey,
        file: impl Into<StoredFile>,
    ) -> Result<MediaRecord, LmsError> {
        let StoredFile { size, sha256 } = file.into();
        let (mut tx, LessonAtWork { scope, lesson, .. }, _) = self
            .assignment_at_work(Access::Write, actor, course, lesson)
            .await?;
        let user = actor.require_user()?;
        if key.org() != scope.org.id || key.course() != Some(scope.course.id) {
            return Err(LmsError::NotFound("media"));
        }
        tx.lock_org(scope.org.id).await?;
        ensure_files_left(tx.as_mut(), user, lesson.summary.id).await?;
        self.ensure_org_quota_fits(tx.as_mut(), scope.org.id, size)
            .await?;
        let mine = tx.learner_upload_bytes(user, scope.course.id).await?;
        if mine.saturating_add(size) > self.learner_file_quota {
            return Err(self.learner_quota_exceeded(mine));
        }
        let media = MediaRecord {
            key: key.clone(),
            course_id: scope.course.id,
            size,
            created_at: self.now(),
            learner_file: Some(LearnerFile {
                uploaded_by: user,
                lesson_id: lesson.summary.id,
                submission_id: None,
            }),
            sha256,
        };
        tx.insert_media(&media).await?;
        tx.commit().await?;
        Ok(media)
    }

    /// Submits work to an assignment lesson (active enrollment needed): a body, files the
    /// caller uploaded to this lesson, or both. 409 while an earlier submission awaits
    /// grading or once one passed; `attempts_exhausted` past `max_submissions`; 403
    /// `locked` while a release rule holds the lesson. The course's owner is notified.
    pub async fn submit_assignment(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        new: impl Into<Parsed<NewSubmission>>,
    ) -> Result<Submission, LmsError> {
        let (mut tx, work, content) = self
            .assignment_at_work(Access::Write, actor, course, lesson)
            .await?;
        let LessonAtWork {
            scope,
            lesson,
            outline,
            rows,
        } = work;
        let user = actor.require_user()?;
        let new = new.into().into_result()?;
        new.validate()?;
        let keys = dedup(new.attachments.unwrap_or_default());
        let mut attachments = Vec::with_capacity(keys.len());
        let mut errors = ValidationErrors::default();
        for key in &keys {
            let mine = tx.media(scope.org.id, key).await?.filter(|m| {
                m.learner_file.is_some_and(|f| {
                    f.uploaded_by == user
                        && f.lesson_id == lesson.summary.id
                        && f.submission_id.is_none()
                })
            });
            match mine {
                Some(media) => attachments.push(Attachment {
                    media_key: media.key.as_str().to_owned(),
                    content_type: media.key.content_type().to_owned(),
                    size: media.size,
                    url: None,
                }),
                None => errors.add(
                    "attachments",
                    format!(
                        "{key} is not a file you uploaded to this lesson and did not attach yet"
                    ),
                ),
            }
        }
        errors.into_result()?;
        let earlier = tx.submissions_of(user, lesson.summary.id).await?;
        assignment::check_can_submit(&earlier, content.max_submissions)?;
        let now = self.now();
        let submission = Submission {
            id: SubmissionId::new(),
            lesson_id: lesson.summary.id,
            course_id: scope.course.id,
            user_id: user,
            attempt_number: earlier.len() as u32 + 1,
            body: new
                .body
                .map(|b| b.trim().to_owned())
                .filter(|b| !b.is_empty()),
            attachments,
            status: SubmissionStatus::Submitted,
            score: None,
            max_score: content.max_score(),
            pass_percent: content.pass_percent(),
            passed: None,
            feedback: None,
            submitted_at: now,
            graded_at: None,
            graded_by: None,
        };
        tx.insert_submission(&submission).await?;
        // A file another submission took meanwhile is not taken twice.
        let attached = tx.attach_media(scope.org.id, &keys, submission.id).await?;
        if attached != keys.len() as u64 {
            return Err(LmsError::conflict(
                ConflictKind::Conflict,
                "an attachment was just attached to another submission",
            ));
        }
        let learner = tx.user(user).await?.ok_or(LmsError::Unauthenticated)?;
        events::submission_created(tx.as_mut(), &scope.course, &learner, &submission).await?;
        // A submission is the learner's activity; it completes nothing by itself.
        let step = (lesson.summary.id, ProgressUpdate::default());
        self.advance(tx.as_mut(), scope, &outline, step, rows, Activity::Always)
            .await?;
        tx.commit().await?;
        Ok(submission)
    }

    /// A page of an assignment's submissions, newest first: the caller's own, or — for the
    /// course's owner and admins — everyone's. `status` keeps those in that state.
    pub async fn lesson_submissions(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        status: impl Into<Parsed<Option<SubmissionStatus>>>,
        page: PageRequest,
    ) -> Result<Page<Submission>, LmsError> {
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
        let manages = scope.standing.manages(&scope.course);
        if !manages {
            allow(
                &scope.standing,
                Action::ViewOwnProgress(&scope.course, scope.enrollment()),
            )?;
        }
        let filter = SubmissionFilter {
            course: scope.course.id,
            lesson: Some(lesson),
            user: (!manages).then_some(user),
            status: status.into().into_result()?,
            newest_first: true,
        };
        let rows = tx.list_submissions(filter, &page).await?;
        Ok(Page::from_rows(rows, &page, |s| s.id.0))
    }

    /// The course's grading queue (its owner and admins), oldest first: submissions
    /// awaiting grading, or — with `status` graded — those graded.
    pub async fn grading_queue(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        status: impl Into<Parsed<Option<SubmissionStatus>>>,
        page: PageRequest,
    ) -> Result<Page<Submission>, LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Read, actor, course).await?;
        let status = status.into().into_result()?;
        let filter = SubmissionFilter {
            course: scope.course.id,
            lesson: None,
            user: None,
            status: Some(status.unwrap_or(SubmissionStatus::Submitted)),
            newest_first: false,
        };
        let rows = tx.list_submissions(filter, &page).await?;
        Ok(Page::from_rows(rows, &page, |s| s.id.0))
    }

    /// Forgets the learners' files that no submission took within
    /// [`UNATTACHED_UPLOAD_LIFETIME`] of their upload, in every org, and returns their keys
    /// for the caller to delete the files (the example server runs it hourly). An org that
    /// fails is reported and skipped; the keys of the others are returned all the same.
    pub async fn sweep_unattached_uploads(&self) -> Result<SweptUploads, LmsError> {
        let (keys, failed) = self.each_org(|org| self.sweep_org(org)).await?;
        let keys = keys.into_iter().flatten().collect();
        Ok(SweptUploads { keys, failed })
    }

    async fn sweep_org(&self, org: OrgId) -> Result<Vec<MediaKey>, LmsError> {
        let mut tx = self.write().await?;
        tx.set_scope(TenantScope {
            org: Some(org),
            user: None,
        })
        .await?;
        let before = self.now() - UNATTACHED_UPLOAD_LIFETIME;
        let mut keys = Vec::new();
        for media in tx.unattached_uploads(org, before).await? {
            // Only if no submission took it since it was read.
            if tx.delete_unattached(org, media.key.as_str()).await? {
                keys.push(media.key);
            }
        }
        tx.commit().await?;
        Ok(keys)
    }

    fn learner_quota_exceeded(&self, used: u64) -> LmsError {
        LmsError::QuotaExceeded(format!(
            "your files for this course take {used} of the {} bytes a learner may upload: attach fewer or smaller files",
            self.learner_file_quota
        ))
    }
}

/// What [`Lms::sweep_unattached_uploads`] did: the keys whose files to delete, and the orgs
/// it could not sweep (tried again next time).
#[derive(Debug, Default)]
pub struct SweptUploads {
    /// The uploads forgotten: delete their files.
    pub keys: Vec<MediaKey>,
    /// The orgs whose sweep failed, with why.
    pub failed: Vec<(OrgId, LmsError)>,
}

/// How long a learner's file may wait for a submission to attach it before
/// [`Lms::sweep_unattached_uploads`] deletes it: a day.
pub const UNATTACHED_UPLOAD_LIFETIME: chrono::Duration = chrono::Duration::hours(24);

/// 409 once the learner has uploaded [`MAX_FILES_PER_LEARNER`] files to the lesson.
async fn ensure_files_left(
    tx: &mut dyn StoreTx,
    user: crate::ids::UserId,
    lesson: LessonId,
) -> Result<(), LmsError> {
    if tx.count_uploads(user, lesson).await? >= MAX_FILES_PER_LEARNER {
        return Err(LmsError::conflict(
            ConflictKind::Conflict,
            format!("{MAX_FILES_PER_LEARNER} files uploaded to this assignment already"),
        ));
    }
    Ok(())
}

/// The keys once each, in the order given.
fn dedup(keys: Vec<String>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::with_capacity(keys.len());
    for key in keys {
        if !kept.contains(&key) {
            kept.push(key);
        }
    }
    kept
}
