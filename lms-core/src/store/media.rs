//! The records of uploads, and which lessons use them.

use crate::error::StoreError;
use crate::ids::{CourseId, LessonId, OrgId, SubmissionId, UserId};
use crate::media::MediaRecord;
use crate::page::PageRequest;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The records of uploads, and which lessons use them (a lesson's `media_key`, stored
/// with its content).
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait MediaTx: Send {
    /// Records an upload.
    async fn insert_media(&mut self, media: &MediaRecord) -> Result<(), StoreError>;
    /// The upload stored under `key` in the org.
    async fn media(&mut self, org: OrgId, key: &str) -> Result<Option<MediaRecord>, StoreError>;
    /// A page of the course's uploads, ordered by id.
    async fn list_media(
        &mut self,
        course: CourseId,
        page: &PageRequest,
    ) -> Result<Vec<MediaRecord>, StoreError>;
    /// Forgets an upload.
    async fn delete_media(&mut self, org: OrgId, key: &str) -> Result<(), StoreError>;
    /// The bytes of every upload of the org together.
    async fn media_bytes(&mut self, org: OrgId) -> Result<u64, StoreError>;
    /// How many files `user` uploaded to the assignment `lesson` (attached or not).
    async fn count_uploads(&mut self, user: UserId, lesson: LessonId) -> Result<u32, StoreError>;
    /// The bytes of every file `user` uploaded to the assignments of `course`.
    async fn learner_upload_bytes(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<u64, StoreError>;
    /// Marks those of the uploads under `keys` that no submission took yet as attached to
    /// `submission`; returns how many it marked.
    async fn attach_media(
        &mut self,
        org: OrgId,
        keys: &[String],
        submission: SubmissionId,
    ) -> Result<u64, StoreError>;
    /// Forgets the learner's upload under `key` if no submission took it meanwhile;
    /// returns whether it did.
    async fn delete_unattached(&mut self, org: OrgId, key: &str) -> Result<bool, StoreError>;
    /// The org's learner uploads attached to no submission and made before `before`.
    async fn unattached_uploads(
        &mut self,
        org: OrgId,
        before: DateTime<Utc>,
    ) -> Result<Vec<MediaRecord>, StoreError>;
    /// The org's lessons whose content points at `key`, with their courses: its course's
    /// own, and those of the course's copies ([`crate::Lms::duplicate_course`]), which
    /// share its files.
    async fn lessons_using_media(
        &mut self,
        org: OrgId,
        key: &str,
    ) -> Result<Vec<(CourseId, LessonId)>, StoreError>;
}
