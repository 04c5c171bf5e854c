//! Uploaded media (lesson videos and their files): the types accepted and the keys they are
//! stored under. A key names the org that uploaded it, so that a lesson can only point at
//! its own org's uploads.

use crate::ids::OrgId;
use uuid::Uuid;

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
];

/// Where an upload is stored: `{org id}/{media id}.{extension}`.
///
/// ```
/// use lms_core::{MediaKey, OrgId};
/// let org = OrgId::new();
/// let key = MediaKey::new(org, "video/mp4").unwrap();
/// assert_eq!(key.org(), org);
/// assert_eq!(key.content_type(), "video/mp4");
/// assert_eq!(MediaKey::parse(key.as_str()), Some(key));
/// assert!(MediaKey::new(org, "text/html").is_none());
/// assert!(MediaKey::parse("../etc/passwd").is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MediaKey {
    key: String,
    org: OrgId,
    content_type: &'static str,
}

impl MediaKey {
    /// A fresh key for an upload of `content_type` by `org`; `None` for a type not in
    /// [`MEDIA_TYPES`].
    pub fn new(org: OrgId, content_type: &str) -> Option<Self> {
        let (content_type, extension) = MEDIA_TYPES.iter().find(|(t, _)| *t == content_type)?;
        let key = format!("{}/{}.{extension}", org.0, Uuid::now_v7());
        Some(Self {
            key,
            org,
            content_type,
        })
    }

    /// Reads a key; `None` unless it has exactly the form [`MediaKey::new`] makes (so no
    /// path tricks reach a store).
    pub fn parse(text: &str) -> Option<Self> {
        let (org, file) = text.split_once('/')?;
        let (id, extension) = file.split_once('.')?;
        let org = Uuid::try_parse(org)
            .ok()
            .filter(|u| u.hyphenated().to_string() == org)?;
        Uuid::try_parse(id)
            .ok()
            .filter(|u| u.hyphenated().to_string() == id)?;
        let (content_type, _) = MEDIA_TYPES.iter().find(|(_, e)| *e == extension)?;
        Some(Self {
            key: text.to_owned(),
            org: OrgId(org),
            content_type,
        })
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
