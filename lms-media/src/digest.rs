//! The SHA-256 of bytes as they stream past: taken while an upload is stored, or while a
//! file is copied to another store, without reading the bytes twice.

use crate::ByteStream;
use futures_util::StreamExt;
use lms_core::Sha256Digest;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// The digest of a stream [`hashing`] wrapped, read once the stream has been consumed.
#[derive(Clone)]
pub struct StreamDigest(Arc<Mutex<Sha256>>);

impl StreamDigest {
    /// The SHA-256 of every chunk that has passed. Read it after the stream ended well:
    /// before, or after an error, it covers only part of the bytes.
    pub fn finish(&self) -> Sha256Digest {
        let hasher = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Sha256Digest::from_bytes(hasher.finalize().into())
    }
}

/// `body`, unchanged, with the digest of what passes through it.
///
/// ```
/// use futures_util::StreamExt;
/// # async fn demo() {
/// let body = futures_util::stream::iter([Ok(bytes::Bytes::from_static(b"abc"))]);
/// let (mut body, digest) = lms_media::hashing(Box::pin(body));
/// while body.next().await.is_some() {}
/// assert_eq!(
///     digest.finish().as_str(),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// # }
/// ```
pub fn hashing(body: ByteStream) -> (ByteStream, StreamDigest) {
    let digest = StreamDigest(Arc::default());
    let hasher = digest.0.clone();
    let body = body.map(move |chunk| {
        if let Ok(bytes) = &chunk {
            hasher
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .update(bytes);
        }
        chunk
    });
    (body.boxed(), digest)
}
