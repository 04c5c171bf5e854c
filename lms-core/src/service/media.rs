//! Uploads to a course: allowed and recorded within the org's quota, listed with the
//! lessons that use them, deleted once none does; and the rule that a lesson plays only
//! its own course's uploads.
//!
//! The bytes live in a media store the transport writes to; the core decides who may
//! upload, where the file goes, whether it fits the quota, and when it may be deleted.

use super::{Actor, Lms};
use crate::course::{Course, LessonContent};
use crate::error::{ConflictKind, LmsError, ValidationErrors};
use crate::ids::{CourseRef, OrgId};
use crate::media::{MediaItem, MediaKey, MediaRecord, StoredFile, UploadPermit};
use crate::page::{Page, PageRequest};
use crate::store::{Access, StoreTx};

impl Lms {
    /// Lets each org keep at most `bytes` of uploads (default
    /// [`crate::DEFAULT_MEDIA_QUOTA_BYTES`], 5 GiB); an upload past it is 413
    /// `quota_exceeded`.
    pub fn with_media_quota(mut self, bytes: u64) -> Self {
        self.media_quota = bytes;
        self
    }

    /// Allows an upload to a course (its owner and admins) and names where it goes: a
    /// fresh key in the course, with what is left of the org's quota. `None` when
    /// `content_type` is not a media type this LMS accepts ([`crate::MEDIA_TYPES`]; the
    /// caller may accept fewer). 413 `quota_exceeded` when nothing is left.
    pub async fn new_upload(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        content_type: &str,
    ) -> Result<Option<UploadPermit>, LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Read, actor, course).await?;
        let Some(key) = MediaKey::new(scope.org.id, scope.course.id, content_type) else {
            return Ok(None);
        };
        let quota_left = self.org_quota_left(tx.as_mut(), scope.org.id).await?;
        Ok(Some(UploadPermit { key, quota_left }))
    }

    /// Records a stored upload under a key from [`Lms::new_upload`]: its size, and the
    /// digest of its bytes when they were hashed on the way in (a bare size records none).
    /// 413 `quota_exceeded` when uploads that finished meanwhile used up the quota: the
    /// caller then deletes the file.
    pub async fn record_upload(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        key: &MediaKey,
        file: impl Into<StoredFile>,
    ) -> Result<MediaRecord, LmsError> {
        let StoredFile { size, sha256 } = file.into();
        let (mut tx, scope) = self.managed_course(Access::Write, actor, course).await?;
        if key.org() != scope.org.id || key.course() != Some(scope.course.id) {
            return Err(LmsError::NotFound("media"));
        }
        // One upload of the org is counted at a time, so two cannot both fit the last bytes.
        tx.lock_org(scope.org.id).await?;
        self.ensure_org_quota_fits(tx.as_mut(), scope.org.id, size)
            .await?;
        let media = MediaRecord {
            key: key.clone(),
            course_id: scope.course.id,
            size,
            created_at: self.now(),
            learner_file: None,
            sha256,
        };
        tx.insert_media(&media).await?;
        tx.commit().await?;
        Ok(media)
    }

    /// A page of the course's uploads with the course's lessons that use each (its owner
    /// and admins). A copy's lessons share the files too ([`Lms::duplicate_course`]):
    /// they are not listed here, but keep a file from being deleted.
    pub async fn course_media(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        page: PageRequest,
    ) -> Result<Page<MediaItem>, LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Read, actor, course).await?;
        let rows = tx.list_media(scope.course.id, &page).await?;
        let mut items = Vec::with_capacity(rows.len());
        for media in rows {
            let used_by = tx
                .lessons_using_media(scope.org.id, media.key.as_str())
                .await?
                .into_iter()
                .filter(|(course, _)| *course == scope.course.id)
                .map(|(_, lesson)| lesson)
                .collect();
            items.push(MediaItem { media, used_by });
        }
        Ok(Page::from_rows(items, &page, |item| item.media.key.id()))
    }

    /// Forgets an upload of the course that no lesson uses (its owner and admins) and
    /// returns its key, for the caller to delete the file. 404 for a key that is not this
    /// course's; 409 while a lesson uses it (the course's own, or a copy's: see
    /// [`Lms::duplicate_course`]).
    pub async fn delete_media(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        key: &str,
    ) -> Result<MediaKey, LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Write, actor, course).await?;
        // Lessons take the course's lock to point at an upload, and a copy of this course
        // takes it to share one (a copy of a copy shares files only its source's lessons
        // already use): none can start to now.
        tx.lock_course(scope.course.id).await?;
        let media = tx
            .media(scope.org.id, key)
            .await?
            .filter(|media| media.course_id == scope.course.id)
            .ok_or(LmsError::NotFound("media"))?;
        if media
            .learner_file
            .is_some_and(|f| f.submission_id.is_some())
        {
            return Err(LmsError::conflict(
                ConflictKind::Conflict,
                "a submission uses this file: it stays with the submission",
            ));
        }
        let used_by = tx.lessons_using_media(scope.org.id, key).await?;
        if !used_by.is_empty() {
            let own = used_by
                .iter()
                .filter(|(course, _)| *course == scope.course.id)
                .count();
            let copies = used_by.len() - own;
            return Err(LmsError::conflict(
                ConflictKind::Conflict,
                format!(
                    "{own} lesson(s) of this course and {copies} of copies of it use this file: \
                     point them elsewhere first"
                ),
            ));
        }
        tx.delete_media(scope.org.id, key).await?;
        tx.commit().await?;
        Ok(media.key)
    }

    /// A video's `media_key` must be an upload recorded in the lesson's own course, so
    /// that no lesson hands out signed URLs to another course's files (a paid lesson's,
    /// say). A key the lesson already had stays (uploads from before keys named a course).
    pub(super) async fn check_media(
        &self,
        tx: &mut dyn StoreTx,
        course: &Course,
        content: &LessonContent,
        before: Option<&str>,
        errors: &mut ValidationErrors,
    ) -> Result<(), LmsError> {
        let Some(key) = content.media_key() else {
            return Ok(());
        };
        if before == Some(key) {
            return Ok(());
        }
        let recorded = match MediaKey::parse(key) {
            // A learner's file for an assignment is theirs, not the course's to play.
            Some(parsed) if parsed.course() == Some(course.id) => tx
                .media(course.org_id, key)
                .await?
                .is_some_and(|media| media.learner_file.is_none()),
            _ => false,
        };
        if !recorded {
            errors.add(
                "content.media_key",
                "not an upload of this course: upload the file with POST …/media first",
            );
        }
        Ok(())
    }

    /// What is left of the org's quota; 413 `quota_exceeded` when nothing is.
    pub(super) async fn org_quota_left(
        &self,
        tx: &mut dyn StoreTx,
        org: OrgId,
    ) -> Result<u64, LmsError> {
        let used = tx.media_bytes(org).await?;
        match self.media_quota.saturating_sub(used) {
            0 => Err(self.quota_exceeded(used)),
            left => Ok(left),
        }
    }

    /// 413 `quota_exceeded` unless `size` more bytes fit the org's quota (under the org's
    /// lock, so that two uploads cannot both fit the last bytes).
    pub(super) async fn ensure_org_quota_fits(
        &self,
        tx: &mut dyn StoreTx,
        org: OrgId,
        size: u64,
    ) -> Result<(), LmsError> {
        let used = tx.media_bytes(org).await?;
        if used.saturating_add(size) > self.media_quota {
            return Err(self.quota_exceeded(used));
        }
        Ok(())
    }

    fn quota_exceeded(&self, used: u64) -> LmsError {
        LmsError::QuotaExceeded(format!(
            "the org stores {used} of its {} bytes of uploads: delete unused files first",
            self.media_quota
        ))
    }
}
