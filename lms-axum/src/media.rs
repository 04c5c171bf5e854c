//! Media: where uploads go and how their URLs are signed ([`MediaConfig`]), reading a
//! `Range` header so video can seek, and the signed `content.url` of video lessons. The
//! routes that upload and serve are [`crate::routes::media`]; this is what they share with
//! the lesson routes, and what is tested without a server.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::ApiBase;
use axum::http::HeaderValue;
use futures_util::StreamExt;
use lms_core::{LmsError, MEDIA_TYPES, StoreError};
use lms_media::{ByteStream, MediaError, MediaSigner, MediaStore};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The answer when a media route is called on a server without [`MediaConfig`] (503).
pub(crate) fn not_configured() -> ApiError {
    ApiError(
        StoreError::Unavailable("media storage is not configured on this server".into()).into(),
    )
}

/// Default of [`MediaConfig::max_bytes`]: 512 MiB.
pub const DEFAULT_MEDIA_MAX_BYTES: u64 = 512 * 1024 * 1024;

/// Where uploads go and how their URLs are signed ([`crate::ApiConfig::media`]).
#[derive(Clone)]
pub struct MediaConfig {
    /// The store (e.g. [`lms_media::LocalMediaStore`]).
    pub store: Arc<dyn MediaStore>,
    /// Signs and checks URLs; give every instance the same secret.
    pub signer: MediaSigner,
    /// Largest upload to a course, in bytes (413 past it).
    pub max_bytes: u64,
    /// Largest file a learner may attach to a submission, in bytes (413 past it; default
    /// [`lms_core::assignment::DEFAULT_SUBMISSION_FILE_BYTES`], 25 MiB).
    pub submission_max_bytes: u64,
    /// Content types accepted (415 otherwise): a subset of [`MEDIA_TYPES`], all by default.
    pub allowed_types: Vec<String>,
    /// The slowest an upload may arrive (408 `request_timeout` below it): uploads are
    /// exempt from [`crate::ApiConfig::request_timeout`], so this is what stops a client
    /// from holding a connection open by trickling bytes.
    pub min_upload_rate: MinUploadRate,
}

/// The slowest an upload may arrive ([`MediaConfig::min_upload_rate`]): after `grace`, on
/// average at least `bytes_per_second` since it began (so a pause is fine if the client
/// has sent ahead).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MinUploadRate {
    /// The lowest average rate, in bytes a second.
    pub bytes_per_second: u64,
    /// How long an upload may take before the rate counts (a slow start, a large
    /// request head).
    pub grace: Duration,
}

impl MinUploadRate {
    /// At least `bytes_per_second` on average once `grace` has passed.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rate = lms_axum::MinUploadRate::new(8 * 1024, Duration::from_secs(15));
    /// assert_eq!(rate, lms_axum::MinUploadRate::default());
    /// ```
    pub fn new(bytes_per_second: u64, grace: Duration) -> Self {
        Self {
            bytes_per_second,
            grace,
        }
    }
}

impl Default for MinUploadRate {
    /// 8 KiB a second (64 kbit/s, slower than any link one uploads video over) after 15 s.
    fn default() -> Self {
        Self::new(8 * 1024, Duration::from_secs(15))
    }
}

/// `body`, failing with [`MediaError::TooSlow`] as soon as it falls behind `rate`: each
/// chunk must arrive before `grace + received / rate` from the start.
pub(crate) fn min_rate(body: ByteStream, rate: MinUploadRate) -> ByteStream {
    let start = tokio::time::Instant::now();
    let per_second = rate.bytes_per_second.max(1);
    let state = (body, 0u64, false);
    let stream =
        futures_util::stream::unfold(state, move |(mut body, received, failed)| async move {
            if failed {
                return None;
            }
            let earned = Duration::from_secs_f64(received as f64 / per_second as f64);
            let deadline = start + rate.grace + earned;
            match tokio::time::timeout_at(deadline, body.next()).await {
                Ok(Some(Ok(chunk))) => {
                    let received = received + chunk.len() as u64;
                    Some((Ok(chunk), (body, received, false)))
                }
                Ok(Some(Err(e))) => Some((Err(e), (body, received, true))),
                Ok(None) => None,
                Err(_) => {
                    let slow = MediaError::TooSlow {
                        min_bytes_per_second: per_second,
                    };
                    Some((Err(slow), (body, received, true)))
                }
            }
        });
    stream.boxed()
}

/// An upload's failure as an answer: past a limit lower than the size limit — what the
/// org's quota left it — it is 413 `quota_exceeded`.
pub(crate) fn upload_error(error: MediaError, max_bytes: u64) -> ApiError {
    match error {
        MediaError::TooLarge { limit } if limit < max_bytes => quota_exceeded(limit),
        other => media_error(other),
    }
}

/// 413 `quota_exceeded`, with what an upload could still have written.
pub(crate) fn quota_exceeded(left: u64) -> ApiError {
    ApiError(LmsError::QuotaExceeded(format!(
        "{left} bytes of the org's storage quota are left for this upload: delete unused files first"
    )))
}

/// What uploads in flight on this server may still write, by org. Each upload reserves what
/// it may write before it starts, so that uploads running together cannot write more than
/// what is left of the org's quota between them before any of them is recorded (the quota
/// itself is enforced when an upload is recorded, across servers).
#[derive(Debug, Default)]
pub(crate) struct UploadsInFlight(Mutex<HashMap<lms_core::OrgId, u64>>);

/// Bytes one upload may write; dropping it returns them.
#[derive(Debug)]
pub(crate) struct Reservation {
    uploads: Arc<UploadsInFlight>,
    org: lms_core::OrgId,
    /// The bytes reserved.
    pub(crate) bytes: u64,
}

impl UploadsInFlight {
    /// Reserves up to `wanted` bytes of the `quota_left` the store saw, less what other
    /// uploads of the org hold; `None` when nothing is left.
    pub(crate) fn reserve(
        self: &Arc<Self>,
        org: lms_core::OrgId,
        quota_left: u64,
        wanted: u64,
    ) -> Option<Reservation> {
        let mut held = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let by_others = held.get(&org).copied().unwrap_or(0);
        let bytes = quota_left.saturating_sub(by_others).min(wanted);
        if bytes == 0 {
            return None;
        }
        *held.entry(org).or_default() += bytes;
        Some(Reservation {
            uploads: self.clone(),
            org,
            bytes,
        })
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut held = self.uploads.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bytes) = held.get_mut(&self.org) {
            *bytes = bytes.saturating_sub(self.bytes);
            if *bytes == 0 {
                held.remove(&self.org);
            }
        }
    }
}

impl MediaConfig {
    /// Media in `store`, URLs signed with `secret`, the default limit and every known type.
    ///
    /// ```
    /// use lms_axum::MediaConfig;
    /// use lms_media::LocalMediaStore;
    /// let media = MediaConfig::new(LocalMediaStore::new("lms-media"), b"a long random shared secret");
    /// assert_eq!(media.max_bytes, 512 * 1024 * 1024);
    /// ```
    pub fn new(store: impl MediaStore, secret: &[u8]) -> Self {
        Self {
            store: Arc::new(store),
            signer: MediaSigner::new(secret),
            max_bytes: DEFAULT_MEDIA_MAX_BYTES,
            submission_max_bytes: lms_core::assignment::DEFAULT_SUBMISSION_FILE_BYTES,
            allowed_types: MEDIA_TYPES.iter().map(|(t, _)| (*t).to_string()).collect(),
            min_upload_rate: MinUploadRate::default(),
        }
    }
}

impl std::fmt::Debug for MediaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaConfig")
            .field("max_bytes", &self.max_bytes)
            .field("submission_max_bytes", &self.submission_max_bytes)
            .field("allowed_types", &self.allowed_types)
            .field("min_upload_rate", &self.min_upload_rate)
            .finish_non_exhaustive()
    }
}
pub(crate) fn media_error(error: MediaError) -> ApiError {
    ApiError(match error {
        MediaError::TooLarge { limit } => {
            LmsError::PayloadTooLarge(format!("uploads are limited to {limit} bytes"))
        }
        MediaError::NotFound => LmsError::NotFound("media"),
        MediaError::TooSlow {
            min_bytes_per_second,
        } => LmsError::RequestTimeout(format!(
            "the upload arrived slower than {min_bytes_per_second} bytes a second"
        )),
        MediaError::Interrupted(detail) => {
            LmsError::Malformed(format!("the upload was interrupted: {detail}"))
        }
        MediaError::Backend(e) => StoreError::Unavailable(e).into(),
        other => StoreError::Backend(Box::new(other)).into(),
    })
}
pub(crate) fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).expect("ASCII digits and punctuation")
}

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Range {
    /// The whole file: no usable range (another unit, several ranges, or unreadable), which
    /// RFC 9110 lets a server answer with 200 and everything.
    Whole,
    /// These bytes.
    Part(std::ops::Range<u64>),
    /// A range that starts past the end (416).
    Unsatisfiable,
}

/// Reads one `bytes=` range: `a-b`, `a-` or `-n` (the last n bytes).
pub(crate) fn byte_range(header: &str, size: u64) -> Range {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return Range::Whole;
    };
    let number = |text: &str| text.trim().parse::<u64>().ok();
    match (start.trim().is_empty(), number(start), number(end)) {
        (true, _, Some(last)) if last == 0 || size == 0 => Range::Unsatisfiable,
        (true, _, Some(last)) => Range::Part(size.saturating_sub(last)..size),
        (false, Some(start), _) if start >= size => Range::Unsatisfiable,
        (false, Some(start), None) if end.trim().is_empty() => Range::Part(start..size),
        // An end past the file is cut to its last byte first: `end + 1` on `u64::MAX`
        // would wrap (start < size here, so size - 1 is safe).
        (false, Some(start), Some(end)) if end >= start => {
            Range::Part(start..end.min(size - 1) + 1)
        }
        _ => Range::Whole,
    }
}

/// Adds `content.url` (an absolute signed URL, valid for an hour) to a lesson whose video is
/// an upload. Called only on lessons the service let the caller read.
pub(crate) fn with_signed_url(mut lesson: Value, state: &AppState, base: &ApiBase) -> Value {
    let Some(media) = &state.media else {
        return lesson;
    };
    let Some(content) = lesson.get_mut("content").and_then(Value::as_object_mut) else {
        return lesson;
    };
    let Some(key) = content
        .get("media_key")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return lesson;
    };
    let (expires, signature) = media.signer.sign(&key, chrono::Utc::now().timestamp());
    let url = format!("{}/media/{key}?exp={expires}&sig={signature}", base.0);
    content.insert("url".into(), Value::String(url));
    lesson
}

/// Adds a signed `url` (valid for an hour) to every attachment of a submission. Called only
/// on submissions the service showed the caller: theirs, or their course's.
pub(crate) fn with_signed_attachments(
    mut submission: Value,
    state: &AppState,
    base: &ApiBase,
) -> Value {
    let Some(media) = &state.media else {
        return submission;
    };
    let attachments = submission
        .get_mut("attachments")
        .and_then(Value::as_array_mut);
    for attachment in attachments.into_iter().flatten() {
        let Some(key) = attachment.get("media_key").and_then(Value::as_str) else {
            continue;
        };
        let (expires, signature) = media.signer.sign(key, chrono::Utc::now().timestamp());
        let url = format!("{}/media/{key}?exp={expires}&sig={signature}", base.0);
        attachment["url"] = Value::String(url);
    }
    submission
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        let part = |r: std::ops::Range<u64>| Range::Part(r);
        assert_eq!(byte_range("bytes=0-3", 10), part(0..4));
        assert_eq!(byte_range("bytes=4-", 10), part(4..10));
        assert_eq!(byte_range("bytes=-3", 10), part(7..10));
        assert_eq!(byte_range("bytes=-30", 10), part(0..10));
        assert_eq!(byte_range("bytes=8-100", 10), part(8..10));
        assert_eq!(byte_range("bytes=10-", 10), Range::Unsatisfiable);
        assert_eq!(byte_range("bytes=-0", 10), Range::Unsatisfiable);
        assert_eq!(byte_range("bytes=5-2", 10), Range::Whole);
        assert_eq!(byte_range("bytes=0-1,4-5", 10), Range::Whole);
        assert_eq!(byte_range("items=0-1", 10), Range::Whole);
        assert_eq!(byte_range("bytes=x-y", 10), Range::Whole);
        // The end of the range-overflow attack: cut to the file, never wrapped.
        let max = u64::MAX;
        assert_eq!(byte_range(&format!("bytes=5-{max}"), 10), part(5..10));
        assert_eq!(
            byte_range(&format!("bytes={max}-{max}"), 10),
            Range::Unsatisfiable
        );
        assert_eq!(byte_range(&format!("bytes=-{max}"), 10), part(0..10));
    }
}
