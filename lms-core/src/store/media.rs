//! The records of uploads, and which lessons use them.

use crate::error::StoreError;
use crate::ids::{CourseId, LessonId, OrgId};
use crate::media::MediaRecord;
use crate::page::PageRequest;
use async_trait::async_trait;

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
    /// The course's lessons whose content points at `key`.
    async fn lessons_using_media(
        &mut self,
        course: CourseId,
        key: &str,
    ) -> Result<Vec<LessonId>, StoreError>;
}
