//! Media routes: uploads to a course (streamed into the [`MediaStore`]) and serving through
//! signed URLs, with byte ranges so video can seek; and the signed `content.url` of video
//! lessons.

use crate::AppState;
use crate::auth::Caller;
use crate::certificates::ApiBase;
use crate::error::{ApiError, Problem};
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, TryStreamExt};
use lms_core::{ForbiddenReason, LmsError, MEDIA_TYPES, MediaKey, StoreError};
use lms_media::{MediaError, MediaSigner, MediaStore, SignedUrlError, limited};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Default of [`MediaConfig::max_bytes`]: 512 MiB.
pub const DEFAULT_MEDIA_MAX_BYTES: u64 = 512 * 1024 * 1024;

/// Where uploads go and how their URLs are signed ([`crate::ApiConfig::media`]).
#[derive(Clone)]
pub struct MediaConfig {
    /// The store (e.g. [`lms_media::LocalMediaStore`]).
    pub store: Arc<dyn MediaStore>,
    /// Signs and checks URLs; give every instance the same secret.
    pub signer: MediaSigner,
    /// Largest upload, in bytes (413 past it).
    pub max_bytes: u64,
    /// Content types accepted (415 otherwise): a subset of [`MEDIA_TYPES`], all by default.
    pub allowed_types: Vec<String>,
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
            allowed_types: MEDIA_TYPES.iter().map(|(t, _)| (*t).to_string()).collect(),
        }
    }
}

impl std::fmt::Debug for MediaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaConfig")
            .field("max_bytes", &self.max_bytes)
            .field("allowed_types", &self.allowed_types)
            .finish_non_exhaustive()
    }
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    // A key contains a slash, so the serving route is a wildcard; its description is added to
    // the document by hand (`ApiDoc`), under the contract's path.
    OpenApiRouter::new()
        .routes(routes!(upload))
        .route("/media/{*media_key}", axum::routing::get(serve))
}

fn not_configured() -> ApiError {
    ApiError(
        StoreError::Unavailable("media storage is not configured on this server".into()).into(),
    )
}

fn media_error(error: MediaError) -> ApiError {
    ApiError(match error {
        MediaError::TooLarge { limit } => {
            LmsError::PayloadTooLarge(format!("uploads are limited to {limit} bytes"))
        }
        MediaError::NotFound => LmsError::NotFound("media"),
        MediaError::Interrupted(detail) => {
            LmsError::Malformed(format!("the upload was interrupted: {detail}"))
        }
        MediaError::Backend(e) => StoreError::Unavailable(e).into(),
    })
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/media",
    tag = "Media",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug")),
    request_body(content = Vec<u8>, description = "the file, with its Content-Type", content_type = "application/octet-stream"),
    responses((status = 201, description = "`{media_key, size, content_type}`", body = Object), (status = "4XX", description = "problem details (413 past the limit, 415 for other types)", body = Problem, content_type = "application/problem+json"))
)]
async fn upload(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    // Who may upload comes first (401, 404, 403), then what is uploaded.
    let key = s
        .lms
        .new_upload(&actor, &org, &course, &content_type)
        .await?;
    let media = s.media.as_ref().ok_or_else(not_configured)?;
    let key = key
        .filter(|k| media.allowed_types.iter().any(|t| t == k.content_type()))
        .ok_or_else(|| {
            ApiError(LmsError::UnsupportedMediaType(format!(
                "uploads may be {}",
                media.allowed_types.join(", ")
            )))
        })?;
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > media.max_bytes) {
        return Err(media_error(MediaError::TooLarge {
            limit: media.max_bytes,
        }));
    }
    let body = body
        .into_data_stream()
        .map_err(|e| MediaError::Interrupted(e.to_string()))
        .boxed();
    let size = media
        .store
        .put(&key, limited(body, media.max_bytes))
        .await
        .map_err(media_error)?;
    if size == 0 {
        media.store.delete(&key).await.map_err(media_error)?;
        return Err(LmsError::invalid("body", "the file is empty").into());
    }
    let created =
        json!({"media_key": key.as_str(), "size": size, "content_type": key.content_type()});
    Ok((StatusCode::CREATED, axum::Json(created)).into_response())
}

#[utoipa::path(
    get,
    path = "/media/{media_key}",
    tag = "Media",
    params(("media_key" = String, Path, description = "the key (it contains a slash)"), ("exp" = i64, Query, description = "expiry, unix seconds"), ("sig" = String, Query, description = "the signature"), ("Range" = Option<String>, Header, description = "bytes=start-end")),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"), (status = 206, description = "the requested range", content_type = "application/octet-stream"), (status = "4XX", description = "problem details (403 expired or tampered)", body = Problem, content_type = "application/problem+json"))
)]
pub(crate) async fn serve(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let media = s.media.as_ref().ok_or_else(not_configured)?;
    let refused = |why: SignedUrlError| {
        ApiError(LmsError::Forbidden {
            reason: ForbiddenReason::Role,
            message: why.to_string(),
        })
    };
    let expires = query.get("exp").and_then(|e| e.parse::<i64>().ok());
    let (Some(expires), Some(signature)) = (expires, query.get("sig")) else {
        return Err(refused(SignedUrlError::Invalid));
    };
    let now = chrono::Utc::now().timestamp();
    media
        .signer
        .verify(&key, expires, signature, now)
        .map_err(refused)?;
    // Only keys the server signed get here, and it signs only well-formed ones.
    let key = MediaKey::parse(&key).ok_or(ApiError(LmsError::NotFound("media")))?;
    let size = media.store.size(&key).await.map_err(media_error)?;
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => None,
        Some(text) => match byte_range(text, size) {
            Range::Whole => None,
            Range::Part(range) => Some(range),
            Range::Unsatisfiable => {
                let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
                response.headers_mut().insert(
                    header::CONTENT_RANGE,
                    header_value(&format!("bytes */{size}")),
                );
                return Ok(response);
            }
        },
    };
    let (status, part) = match &range {
        Some(range) => (StatusCode::PARTIAL_CONTENT, range.clone()),
        None => (StatusCode::OK, 0..size),
    };
    let body = media
        .store
        .read(&key, part.clone())
        .await
        .map_err(media_error)?;
    let mut response = Response::new(Body::from_stream(body));
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(key.content_type()),
    );
    h.insert(
        header::CONTENT_LENGTH,
        header_value(&(part.end - part.start).to_string()),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Cacheable by the browser only, and no longer than the URL is valid.
    h.insert(
        header::CACHE_CONTROL,
        header_value(&format!("private, max-age={}", (expires - now).max(0))),
    );
    if range.is_some() {
        h.insert(
            header::CONTENT_RANGE,
            header_value(&format!("bytes {}-{}/{size}", part.start, part.end - 1)),
        );
    }
    Ok(response)
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).expect("ASCII digits and punctuation")
}

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Range {
    /// The whole file: no usable range (another unit, several ranges, or unreadable), which
    /// RFC 9110 lets a server answer with 200 and everything.
    Whole,
    /// These bytes.
    Part(std::ops::Range<u64>),
    /// A range that starts past the end (416).
    Unsatisfiable,
}

/// Reads one `bytes=` range: `a-b`, `a-` or `-n` (the last n bytes).
fn byte_range(header: &str, size: u64) -> Range {
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
        (false, Some(start), Some(end)) if end >= start => Range::Part(start..(end + 1).min(size)),
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
    }
}
