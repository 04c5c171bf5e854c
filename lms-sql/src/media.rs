//! The records of uploads, and which lessons use them.

use crate::row::{SqlRow, all, big_count, count, id, one};
use crate::{Dialect, Query, SqlTx, after, limit};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::store::MediaTx;
use lms_core::{
    CourseId, LearnerFile, LessonId, MediaKey, MediaRecord, OrgId, PageRequest, Sha256Digest,
    StoreError, SubmissionId, UserId,
};

#[async_trait]
impl<C: Dialect> MediaTx for SqlTx<C> {
    async fn insert_media(&mut self, m: &MediaRecord) -> Result<(), StoreError> {
        let size = i64::try_from(m.size)
            .map_err(|_| StoreError::Corrupt(format!("media size {} out of range", m.size)))?;
        let q = Query::new(
            "INSERT INTO media (id, key, org_id, course_id, content_type, size, created_at,
                                uploaded_by, lesson_id, submission_id, sha256)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(m.key.id())
        .bind(m.key.as_str())
        .bind(m.key.org().0)
        .bind(m.course_id.0)
        .bind(m.key.content_type())
        .bind(size)
        .bind(m.created_at)
        .bind(m.learner_file.map(|f| f.uploaded_by.0))
        .bind(m.learner_file.map(|f| f.lesson_id.0))
        .bind(m.learner_file.and_then(|f| f.submission_id).map(|s| s.0))
        .bind(m.sha256.as_ref().map(Sha256Digest::as_str));
        self.conn.execute(q).await.map(drop)
    }

    async fn media(&mut self, org: OrgId, key: &str) -> Result<Option<MediaRecord>, StoreError> {
        let q = Query::new("SELECT * FROM media WHERE org_id = $1 AND key = $2")
            .bind(org.0)
            .bind(key);
        one(self.conn.fetch_optional(q).await?, media)
    }

    async fn list_media(
        &mut self,
        course: CourseId,
        page: &PageRequest,
    ) -> Result<Vec<MediaRecord>, StoreError> {
        let q =
            Query::new("SELECT * FROM media WHERE course_id = $1 AND id > $2 ORDER BY id LIMIT $3")
                .bind(course.0)
                .bind(after(page))
                .bind(limit(page));
        all(&self.conn.fetch_all(q).await?, media)
    }

    async fn delete_media(&mut self, org: OrgId, key: &str) -> Result<(), StoreError> {
        let q = Query::new("DELETE FROM media WHERE org_id = $1 AND key = $2")
            .bind(org.0)
            .bind(key);
        self.conn.execute(q).await.map(drop)
    }

    async fn media_bytes(&mut self, org: OrgId) -> Result<u64, StoreError> {
        let q = Query::new(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes FROM media WHERE org_id = $1",
        )
        .bind(org.0);
        let row = self.conn.fetch_optional(q).await?;
        row.map_or(Ok(0), |row| big_count(&row, "bytes"))
    }

    async fn count_uploads(&mut self, user: UserId, lesson: LessonId) -> Result<u32, StoreError> {
        let q =
            Query::new("SELECT COUNT(*) AS n FROM media WHERE uploaded_by = $1 AND lesson_id = $2")
                .bind(user.0)
                .bind(lesson.0);
        let row = self.conn.fetch_optional(q).await?;
        row.map_or(Ok(0), |row| count(&row, "n"))
    }

    async fn learner_upload_bytes(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<u64, StoreError> {
        let q = Query::new(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes FROM media
             WHERE uploaded_by = $1 AND course_id = $2",
        )
        .bind(user.0)
        .bind(course.0);
        let row = self.conn.fetch_optional(q).await?;
        row.map_or(Ok(0), |row| big_count(&row, "bytes"))
    }

    async fn attach_media(
        &mut self,
        org: OrgId,
        keys: &[String],
        submission: SubmissionId,
    ) -> Result<u64, StoreError> {
        // A submission carries at most a few files: one statement each.
        let mut attached = 0;
        for key in keys {
            let q = Query::new(
                "UPDATE media SET submission_id = $1
                 WHERE org_id = $2 AND key = $3 AND submission_id IS NULL",
            )
            .bind(submission.0)
            .bind(org.0)
            .bind(key.as_str());
            attached += self.conn.execute(q).await?;
        }
        Ok(attached)
    }

    async fn delete_unattached(&mut self, org: OrgId, key: &str) -> Result<bool, StoreError> {
        let q = Query::new(
            "DELETE FROM media
             WHERE org_id = $1 AND key = $2 AND uploaded_by IS NOT NULL AND submission_id IS NULL",
        )
        .bind(org.0)
        .bind(key);
        Ok(self.conn.execute(q).await? == 1)
    }

    async fn unattached_uploads(
        &mut self,
        org: OrgId,
        before: DateTime<Utc>,
    ) -> Result<Vec<MediaRecord>, StoreError> {
        let q = Query::new(
            "SELECT * FROM media
             WHERE org_id = $1 AND uploaded_by IS NOT NULL AND submission_id IS NULL
               AND created_at < $2
             ORDER BY id",
        )
        .bind(org.0)
        .bind(before);
        all(&self.conn.fetch_all(q).await?, media)
    }

    async fn lessons_using_media(
        &mut self,
        org: OrgId,
        key: &str,
    ) -> Result<Vec<(CourseId, LessonId)>, StoreError> {
        let q = Query::new(
            "SELECT l.course_id, l.id FROM courses c
             JOIN lessons l ON l.course_id = c.id AND l.media_key = $2
             WHERE c.org_id = $1 ORDER BY l.id",
        )
        .bind(org.0)
        .bind(key);
        all(&self.conn.fetch_all(q).await?, |row| {
            Ok((id(row, "course_id")?, id(row, "id")?))
        })
    }
}

/// Reads a `media` row.
pub fn media(row: &impl SqlRow) -> Result<MediaRecord, StoreError> {
    let text = row.text("key")?;
    let key = MediaKey::parse(&text)
        .ok_or_else(|| StoreError::Corrupt(format!("column key: {text} is not a media key")))?;
    Ok(MediaRecord {
        key,
        course_id: id(row, "course_id")?,
        size: big_count(row, "size")?,
        created_at: row.time("created_at")?,
        learner_file: match row.opt_uuid("uploaded_by")? {
            None => None,
            Some(uploaded_by) => Some(LearnerFile {
                uploaded_by: uploaded_by.into(),
                lesson_id: id(row, "lesson_id")?,
                submission_id: row.opt_uuid("submission_id")?.map(Into::into),
            }),
        },
        sha256: match row.opt_text("sha256")? {
            None => None,
            Some(hex) => Some(Sha256Digest::parse(&hex).ok_or_else(|| {
                StoreError::Corrupt(format!("column sha256: {hex:?} is not a SHA-256 digest"))
            })?),
        },
    })
}
