//! Media files in a local directory (the default store): `{root}/{org id}/{media id}.{ext}`.

use crate::{ByteStream, MediaError, MediaStore};
use async_trait::async_trait;
use futures_util::StreamExt;
use lms_core::MediaKey;
use std::io::SeekFrom;
use std::ops::Range;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio_util::io::ReaderStream;

/// Media files under a directory, created on first upload. Several instances may share it
/// over a network file system; otherwise use [`crate::ObjectMediaStore`].
#[derive(Clone, Debug)]
pub struct LocalMediaStore {
    root: PathBuf,
}

impl LocalMediaStore {
    /// Files under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &MediaKey) -> PathBuf {
        // MediaKey::parse admits only `{uuid}/{uuid}/{uuid}.{ext}` (or the older
        // `{uuid}/{uuid}.{ext}`): no `..`, no absolute paths.
        self.root.join(key.as_str())
    }
}

#[async_trait]
impl MediaStore for LocalMediaStore {
    async fn put(&self, key: &MediaKey, mut body: ByteStream) -> Result<u64, MediaError> {
        let path = self.path(key);
        let dir = path.parent().unwrap_or(&self.root);
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(MediaError::backend)?;
        // Written beside its place and renamed when complete: readers never see a part.
        let partial = dir.join(format!(".{}.part", uuid::Uuid::now_v7()));
        let written = write_all(&partial, &mut body).await;
        match written {
            Ok(size) => {
                tokio::fs::rename(&partial, &path)
                    .await
                    .map_err(MediaError::backend)?;
                Ok(size)
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&partial).await;
                Err(e)
            }
        }
    }

    async fn size(&self, key: &MediaKey) -> Result<u64, MediaError> {
        match tokio::fs::metadata(self.path(key)).await {
            Ok(meta) => Ok(meta.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(MediaError::NotFound),
            Err(e) => Err(MediaError::backend(e)),
        }
    }

    async fn read(&self, key: &MediaKey, range: Range<u64>) -> Result<ByteStream, MediaError> {
        let mut file = match tokio::fs::File::open(self.path(key)).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(MediaError::NotFound),
            Err(e) => return Err(MediaError::backend(e)),
        };
        file.seek(SeekFrom::Start(range.start))
            .await
            .map_err(MediaError::backend)?;
        let part = file.take(range.end.saturating_sub(range.start));
        Ok(ReaderStream::new(part)
            .map(|chunk| chunk.map_err(MediaError::backend))
            .boxed())
    }

    async fn delete(&self, key: &MediaKey) -> Result<(), MediaError> {
        match tokio::fs::remove_file(self.path(key)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(MediaError::backend(e)),
            _ => Ok(()),
        }
    }
}

async fn write_all(path: &Path, body: &mut ByteStream) -> Result<u64, MediaError> {
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(MediaError::backend)?;
    let mut size = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        file.write_all(&chunk).await.map_err(MediaError::backend)?;
        size += chunk.len() as u64;
    }
    file.sync_all().await.map_err(MediaError::backend)?;
    Ok(size)
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn local_files_pass_the_store_cases() {
        let dir = tempfile::tempdir().unwrap();
        crate::tests::store_conformance(&super::LocalMediaStore::new(dir.path())).await;
        let leftovers = files_under(dir.path());
        assert!(leftovers.is_empty(), "no partial files left: {leftovers:?}");
    }

    /// Every file below `dir`, at any depth (the org and course directories stay).
    fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            match path.is_dir() {
                true => files.extend(files_under(&path)),
                false => files.push(path),
            }
        }
        files
    }
}
