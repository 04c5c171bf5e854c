//! # lms-media
//!
//! Where uploaded lesson media lives, and how it is handed out.
//!
//! - [`MediaStore`]: the seam. Uploads are streamed in (never held whole in memory) and read
//!   back by byte range, so video can seek. [`LocalMediaStore`] keeps files in a directory
//!   (the default); [`ObjectMediaStore`] (feature `object-store`, and `s3` for Amazon S3 and
//!   S3-compatible services) keeps them in any `object_store` backend.
//! - [`hashing`]: the SHA-256 of bytes as they stream into a store, recorded with the
//!   upload so that copies can be checked.
//! - [`MediaSigner`]: signed URLs. A URL carries its expiry and an HMAC-SHA256 over the key
//!   and the expiry; checking it is constant-time. Whoever holds a valid URL may read the
//!   file until it expires, so the API hands URLs only to callers who may read the lesson.
//!
//! Keys come from [`lms_core::MediaKey`]: `{org id}/{course id}/{media id}.{extension}`.

mod digest;
mod local;
#[cfg(feature = "object-store")]
mod object;
mod signer;

pub use digest::{StreamDigest, hashing};
pub use local::LocalMediaStore;
#[cfg(feature = "object-store")]
pub use object::ObjectMediaStore;
pub use signer::{MediaSigner, SignedUrlError, URL_LIFETIME_SECS};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use lms_core::MediaKey;
use std::ops::Range;

/// Bytes as they arrive or are read.
pub type ByteStream = BoxStream<'static, Result<Bytes, MediaError>>;

/// What went wrong storing or reading media.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// No file under this key.
    #[error("no media under this key")]
    NotFound,
    /// The upload passed the size limit; nothing was kept.
    #[error("the upload is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The client sent the upload too slowly (a transport's minimum rate); nothing was
    /// kept.
    #[error("the upload was sent slower than {min_bytes_per_second} bytes a second")]
    TooSlow {
        /// The minimum rate, in bytes a second.
        min_bytes_per_second: u64,
    },
    /// The upload's body failed (the client went away, say); nothing was kept.
    #[error("the upload was interrupted: {0}")]
    Interrupted(String),
    /// The storage backend failed: check its configuration and health.
    #[error("media storage failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl MediaError {
    /// Wraps a backend failure.
    pub fn backend(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(error))
    }
}

/// Storage for uploaded media.
///
/// ```
/// use lms_media::{LocalMediaStore, MediaStore};
/// use lms_core::{CourseId, MediaKey, OrgId};
/// # async fn demo() -> Result<(), lms_media::MediaError> {
/// let store = LocalMediaStore::new(std::env::temp_dir().join("lms-media-doc"));
/// let key = MediaKey::new(OrgId::new(), CourseId::new(), "video/mp4").expect("an accepted type");
/// let body = futures_util::stream::iter([Ok(bytes::Bytes::from_static(b"0123456789"))]);
/// assert_eq!(store.put(&key, Box::pin(body)).await?, 10);
/// assert_eq!(store.size(&key).await?, 10);
/// # Ok(()) }
/// ```
#[async_trait]
pub trait MediaStore: Send + Sync + 'static {
    /// Stores `body` under `key` and returns its size. If `body` yields an error (or the
    /// backend fails), nothing is left under `key`.
    async fn put(&self, key: &MediaKey, body: ByteStream) -> Result<u64, MediaError>;

    /// The size of the file under `key`.
    async fn size(&self, key: &MediaKey) -> Result<u64, MediaError>;

    /// The bytes `range` of the file under `key` (`range` lies within its size).
    async fn read(&self, key: &MediaKey, range: Range<u64>) -> Result<ByteStream, MediaError>;

    /// Deletes the file under `key` (deleting a missing one is not an error).
    async fn delete(&self, key: &MediaKey) -> Result<(), MediaError>;
}

/// Ends `body` with [`MediaError::TooLarge`] as soon as it passes `limit` bytes, so that a
/// store discards the upload without reading the rest.
pub fn limited(body: ByteStream, limit: u64) -> ByteStream {
    let mut seen: u64 = 0;
    body.map(move |chunk| {
        let chunk = chunk?;
        seen += chunk.len() as u64;
        if seen > limit {
            Err(MediaError::TooLarge { limit })
        } else {
            Ok(chunk)
        }
    })
    .boxed()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use lms_core::{CourseId, OrgId};

    pub(crate) fn chunks(parts: &[&'static [u8]]) -> ByteStream {
        futures_util::stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p)))
                .collect::<Vec<_>>(),
        )
        .boxed()
    }

    pub(crate) async fn collect(stream: ByteStream) -> Vec<u8> {
        let parts: Vec<_> = stream.collect().await;
        parts
            .into_iter()
            .flat_map(|p| p.expect("chunk").to_vec())
            .collect()
    }

    /// What every store must do: the same cases for each.
    pub(crate) async fn store_conformance(store: &dyn MediaStore) {
        let key = MediaKey::new(OrgId::new(), CourseId::new(), "video/mp4").unwrap();
        assert!(matches!(store.size(&key).await, Err(MediaError::NotFound)));
        let size = store
            .put(&key, chunks(&[b"0123", b"456789"]))
            .await
            .unwrap();
        assert_eq!((size, store.size(&key).await.unwrap()), (10, 10));
        assert_eq!(
            collect(store.read(&key, 0..10).await.unwrap()).await,
            b"0123456789"
        );
        assert_eq!(
            collect(store.read(&key, 3..7).await.unwrap()).await,
            b"3456"
        );
        assert_eq!(collect(store.read(&key, 9..10).await.unwrap()).await, b"9");

        // Too large, or interrupted: nothing is kept, not even a part.
        let big = MediaKey::new(OrgId::new(), CourseId::new(), "video/mp4").unwrap();
        let refused = store
            .put(&big, limited(chunks(&[b"0123", b"4567", b"89"]), 6))
            .await;
        assert!(
            matches!(refused, Err(MediaError::TooLarge { limit: 6 })),
            "{refused:?}"
        );
        assert!(matches!(store.size(&big).await, Err(MediaError::NotFound)));
        let broken = futures_util::stream::iter([
            Ok(Bytes::from_static(b"0123")),
            Err(MediaError::Interrupted("client went away".into())),
        ])
        .boxed();
        let interrupted = store.put(&big, broken).await;
        assert!(
            matches!(interrupted, Err(MediaError::Interrupted(_))),
            "{interrupted:?}"
        );
        assert!(matches!(store.size(&big).await, Err(MediaError::NotFound)));

        store.delete(&key).await.unwrap();
        assert!(matches!(store.size(&key).await, Err(MediaError::NotFound)));
        store.delete(&key).await.unwrap();
    }
}
