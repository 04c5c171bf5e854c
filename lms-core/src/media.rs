//! Uploaded media (lesson videos and their files): the types accepted, the keys they are
//! stored under, and the record of each upload. A key names the org and the course it was
//! uploaded to, so that a lesson can only point at its own course's uploads.

use crate::ids::{CourseId, LessonId, OrgId, SubmissionId, UserId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Default of [`crate::Lms::with_media_quota`]: 5 GiB of uploads per org.
pub const DEFAULT_MEDIA_QUOTA_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// The content types an upload may have, with the file extension its key gets.
pub const MEDIA_TYPES: &[(&str, &str)] = &[
    ("video/mp4", "mp4"),
    ("video/webm", "webm"),
    ("video/quicktime", "mov"),
    ("audio/mpeg", "mp3"),
    ("audio/mp4", "m4a"),
    ("image/png", "png"),
    ("image/jpeg", "jpg"),
    ("image/webp", "webp"),
    ("application/pdf", "pdf"),
    ("text/vtt", "vtt"),
    ("text/plain", "txt"),
    ("application/zip", "zip"),
];

/// Where an upload is stored: `{org id}/{course id}/{media id}.{extension}`.
///
/// ```
/// use lms_core::{CourseId, MediaKey, OrgId};
/// let (org, course) = (OrgId::new(), CourseId::new());
/// let key = MediaKey::new(org, course, "video/mp4").unwrap();
/// assert_eq!((key.org(), key.course()), (org, Some(course)));
/// assert_eq!(key.content_type(), "video/mp4");
/// assert_eq!(MediaKey::parse(key.as_str()), Some(key));
/// assert!(MediaKey::new(org, course, "text/html").is_none());
/// assert!(MediaKey::parse("../etc/passwd").is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MediaKey {
    key: String,
    org: OrgId,
    course: Option<CourseId>,
    id: Uuid,
    content_type: &'static str,
}

impl MediaKey {
    /// A fresh key for an upload of `content_type` to `course` of `org`; `None` for a type
    /// not in [`MEDIA_TYPES`].
    pub fn new(org: OrgId, course: CourseId, content_type: &str) -> Option<Self> {
        let (content_type, extension) = MEDIA_TYPES.iter().find(|(t, _)| *t == content_type)?;
        let id = Uuid::now_v7();
        let key = format!("{}/{}/{id}.{extension}", org.0, course.0);
        Some(Self {
            key,
            org,
            course: Some(course),
            id,
            content_type,
        })
    }

    /// Reads a key; `None` unless it has exactly the form [`MediaKey::new`] makes (so no
    /// path tricks reach a store). Keys of uploads made before keys named their course
    /// (`{org}/{media id}.{extension}`) still read, with no course: they are served, and
    /// stay in the lessons that use them, but no lesson can newly point at one.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('/');
        let (org, course, file) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(org), Some(file), None, None) => (org, None, file),
            (Some(org), Some(course), Some(file), None) => (org, Some(course), file),
            _ => return None,
        };
        let (id, extension) = file.split_once('.')?;
        let (content_type, _) = MEDIA_TYPES.iter().find(|(_, e)| *e == extension)?;
        let course = match course {
            Some(course) => Some(CourseId(canonical_uuid(course)?)),
            None => None,
        };
        Some(Self {
            key: text.to_owned(),
            org: OrgId(canonical_uuid(org)?),
            course,
            id: canonical_uuid(id)?,
            content_type,
        })
    }

    /// The course it was uploaded to (`None` for a key from before keys named it).
    pub fn course(&self) -> Option<CourseId> {
        self.course
    }

    /// The upload's own id (the file name without its extension).
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// The org that uploaded it.
    pub fn org(&self) -> OrgId {
        self.org
    }

    /// Its content type.
    pub fn content_type(&self) -> &'static str {
        self.content_type
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.key
    }
}

impl std::fmt::Display for MediaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key)
    }
}

/// A UUID in exactly the hyphenated lower-case form keys are written in, so that one file
/// has one key.
fn canonical_uuid(text: &str) -> Option<Uuid> {
    Uuid::try_parse(text)
        .ok()
        .filter(|u| u.hyphenated().to_string() == text)
}

/// The record of an upload: whose it is and how large (it counts towards its org's quota).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaRecord {
    /// Where it is stored.
    pub key: MediaKey,
    /// The course it was uploaded to.
    pub course_id: CourseId,
    /// Its size in bytes.
    pub size: u64,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
    /// For a learner's file for an assignment: who uploaded it, to which lesson, and the
    /// submission it is attached to once it is. `None` for a course's own media.
    pub learner_file: Option<LearnerFile>,
    /// The SHA-256 of its bytes, taken as they were stored (lms-axum's upload routes take
    /// it); `None` for files recorded without one, such as uploads older than checksums.
    pub sha256: Option<Sha256Digest>,
}

/// A SHA-256 digest, as 64 lower-case hex digits: what an upload's bytes must hash to, so
/// that a copy (a backup, a move to another store) can be checked.
///
/// ```
/// use lms_core::Sha256Digest;
/// let digest = Sha256Digest::from_bytes([0xab; 32]);
/// assert_eq!(Sha256Digest::parse(digest.as_str()), Some(digest.clone()));
/// assert_eq!(Sha256Digest::parse("AB"), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sha256Digest(String);

impl Sha256Digest {
    /// The digest written as `hex`, if it is 64 lower-case hex digits.
    pub fn parse(hex: &str) -> Option<Self> {
        let digit = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
        (hex.len() == 64 && hex.chars().all(digit)).then(|| Self(hex.into()))
    }

    /// The digest of these 32 bytes (a hasher's output).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A file a media store has kept, as its uploader records it ([`crate::Lms::record_upload`]):
/// its size, and the digest of its bytes if they were hashed on the way in. A bare size
/// converts into one without a digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its bytes, if taken.
    pub sha256: Option<Sha256Digest>,
}

impl From<u64> for StoredFile {
    fn from(size: u64) -> Self {
        Self { size, sha256: None }
    }
}

/// Whose a learner's upload is, and where it belongs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LearnerFile {
    /// The learner who uploaded it.
    pub uploaded_by: UserId,
    /// The assignment lesson it was uploaded to.
    pub lesson_id: LessonId,
    /// The submission it is attached to, once it is.
    pub submission_id: Option<SubmissionId>,
}

/// An upload in a course's media list, with the lessons that use it (it can be deleted
/// only when none does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaItem {
    /// The upload.
    pub media: MediaRecord,
    /// The lessons whose content points at it (a learner's file: see
    /// [`MediaRecord::learner_file`] for its submission).
    pub used_by: Vec<LessonId>,
}

/// What [`crate::Lms::new_upload`] allows: where the file goes, and how many bytes the
/// org may still store (the transport stops reading past that).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadPermit {
    /// The key to store the file under.
    pub key: MediaKey,
    /// Bytes left in the org's quota when the upload began.
    pub quota_left: u64,
}
