//! Media in any `object_store` backend: Amazon S3 and S3-compatible services (feature `s3`),
//! or the in-memory and local-file stores `object_store` ships.

use crate::{ByteStream, MediaError, MediaStore};
use async_trait::async_trait;
use futures_util::StreamExt;
use lms_core::MediaKey;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use std::ops::Range;
use std::sync::Arc;

/// Uploads in parallel at most this many parts per upload.
const PARTS_IN_FLIGHT: usize = 4;

/// Media in an `object_store` backend, under an optional prefix.
///
/// ```no_run
/// # #[cfg(feature = "s3")]
/// # fn demo() -> Result<(), object_store::Error> {
/// use object_store::aws::AmazonS3Builder;
/// use lms_media::ObjectMediaStore;
/// // Credentials and region from AWS_* variables; for MinIO or R2 also set the endpoint.
/// let s3 = AmazonS3Builder::from_env().with_bucket_name("lms-media").build()?;
/// let media = ObjectMediaStore::new(std::sync::Arc::new(s3));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ObjectMediaStore {
    store: Arc<dyn ObjectStore>,
    prefix: Option<Path>,
}

impl ObjectMediaStore {
    /// Media at the root of `store`.
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self {
            store,
            prefix: None,
        }
    }

    /// Keeps media under `prefix` (a "folder" of a shared bucket).
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = Some(Path::from(prefix));
        self
    }

    fn path(&self, key: &MediaKey) -> Path {
        let key = Path::from(key.as_str());
        match &self.prefix {
            Some(prefix) => prefix.parts().chain(key.parts()).collect(),
            None => key,
        }
    }
}

fn object_error(error: object_store::Error) -> MediaError {
    match error {
        object_store::Error::NotFound { .. } => MediaError::NotFound,
        e => MediaError::backend(e),
    }
}

#[async_trait]
impl MediaStore for ObjectMediaStore {
    async fn put(&self, key: &MediaKey, mut body: ByteStream) -> Result<u64, MediaError> {
        let upload = self
            .store
            .put_multipart(&self.path(key))
            .await
            .map_err(object_error)?;
        let mut writer = WriteMultipart::new(upload);
        let mut size = 0;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    // Nothing becomes visible until finish: aborting drops the parts.
                    let _ = writer.abort().await;
                    return Err(e);
                }
            };
            if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                let _ = writer.abort().await;
                return Err(object_error(e));
            }
            size += chunk.len() as u64;
            writer.put(chunk);
        }
        writer.finish().await.map_err(object_error)?;
        Ok(size)
    }

    async fn size(&self, key: &MediaKey) -> Result<u64, MediaError> {
        Ok(self
            .store
            .head(&self.path(key))
            .await
            .map_err(object_error)?
            .size)
    }

    async fn read(&self, key: &MediaKey, range: Range<u64>) -> Result<ByteStream, MediaError> {
        if range.is_empty() {
            return Ok(futures_util::stream::empty().boxed());
        }
        let options = GetOptions::new().with_range(Some(GetRange::Bounded(range)));
        let result = self
            .store
            .get_opts(&self.path(key), options)
            .await
            .map_err(object_error)?;
        Ok(result
            .into_stream()
            .map(|chunk| chunk.map_err(object_error))
            .boxed())
    }

    async fn delete(&self, key: &MediaKey) -> Result<(), MediaError> {
        match self.store.delete(&self.path(key)).await {
            Err(e) if !matches!(e, object_store::Error::NotFound { .. }) => {
                Err(MediaError::backend(e))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_object_store_passes_the_store_cases() {
        let memory = Arc::new(object_store::memory::InMemory::new());
        crate::tests::store_conformance(&ObjectMediaStore::new(memory.clone())).await;
        crate::tests::store_conformance(&ObjectMediaStore::new(memory).with_prefix("tenant-media"))
            .await;
    }
}
