//! Media routes: uploads to a course (streamed into the [`MediaStore`](lms_media::MediaStore)
//! within the org's quota and at a minimum rate), the course's list of uploads, deleting an
//! unused one, and serving through signed URLs, with byte ranges so video can seek.

use super::paths::{CoursePath, LessonPath, MediaPath};
use super::{Answer, QueryParams, created, no_content, ok};
use crate::AppState;
use crate::MediaConfig;
use crate::auth::CurrentActor;
use crate::error::{ApiError, ClientErrors, Problem};
use crate::extract::page;
use crate::media::{
    Range, Reservation, byte_range, header_value, media_error, min_rate, not_configured,
    quota_exceeded, upload_error,
};
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, TryStreamExt};
use lms_core::{ForbiddenReason, LessonId, LmsError, MediaKey, StoreError, StoredFile};
use lms_media::{ByteStream, MediaError, SignedUrlError, limited};
use serde_json::json;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `POST` and `GET …/courses/{course}/media`, `DELETE …/media/{media_key}` and
/// `GET /media/{media_key}`.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    // A key contains slashes, so the serving route is a wildcard; its description is added
    // to the document by hand, under the contract's path.
    OpenApiRouter::with_openapi(ServeDoc::openapi())
        .routes(routes!(upload, list))
        .routes(routes!(submission_file))
        .routes(routes!(delete))
        .route("/media/{*media_key}", axum::routing::get(serve))
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/media",
    tag = "Media",
    params(CoursePath),
    request_body(content = Vec<u8>, description = "the file, with its Content-Type", content_type = "application/octet-stream"),
    responses((status = 201, description = "`{media_key, size, content_type}`", body = crate::schemas::UploadedMedia), (status = "4XX", description = "problem details (413 past the limit, 415 for other types)", body = Problem, content_type = "application/problem+json"))
)]
async fn upload(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
    request: Request,
) -> Answer {
    let (parts, body) = request.into_parts();
    let content_type = content_type(&parts.headers);
    // Who may upload comes first (401, 404, 403), then what is uploaded.
    let permit = s
        .lms
        .new_upload(&actor, path.course(), &content_type)
        .await?;
    let media = s.media.as_ref().ok_or_else(not_configured)?;
    let permit = permit.filter(|p| {
        media
            .allowed_types
            .iter()
            .any(|t| t == p.key.content_type())
    });
    let allowed = media.allowed_types.join(", ");
    receive(
        s,
        actor,
        &parts.headers,
        body,
        permit,
        UploadTo::Course(path),
        allowed,
    )
    .await
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}/files",
    tag = "Assignments",
    params(LessonPath),
    request_body(content = Vec<u8>, description = "the file, with its Content-Type", content_type = "application/octet-stream"),
    responses((status = 201, description = "`{media_key, size, content_type}`, to attach to a submission", body = crate::schemas::UploadedMedia), (status = "4XX", description = "problem details (413 past the submission limit, 415 for other types)", body = Problem, content_type = "application/problem+json"))
)]
/// A learner's file for an assignment, to attach to a submission.
async fn submission_file(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<LessonPath>,
    request: Request,
) -> Answer {
    let (parts, body) = request.into_parts();
    let content_type = content_type(&parts.headers);
    let lesson = crate::extract::id(&path.lesson, "lesson")?;
    let permit = s
        .lms
        .new_submission_upload(&actor, path.course(), lesson, &content_type)
        .await?;
    let allowed = lms_core::assignment::SUBMISSION_TYPES.join(", ");
    let to = UploadTo::Lesson(path, lesson);
    receive(s, actor, &parts.headers, body, permit, to, allowed).await
}

/// Where an upload goes, which says how it is recorded and how large it may be.
pub(super) enum UploadTo {
    /// A course's own media (its owner and admins).
    Course(CoursePath),
    /// A learner's file for an assignment lesson.
    Lesson(LessonPath, LessonId),
}

/// The upload's `Content-Type`, without parameters, lower-cased ("" when absent).
pub(super) fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// Streams an allowed upload into the media store within its size limit, the org's
/// quota and the minimum rate, then records it: 201 `{media_key, size, content_type}`.
/// `permit` is `None` for a type the route does not take (415, listing `allowed`).
pub(super) async fn receive(
    s: AppState,
    actor: lms_core::Actor,
    headers: &HeaderMap,
    body: Body,
    permit: Option<lms_core::UploadPermit>,
    to: UploadTo,
    allowed: String,
) -> Answer {
    let media = s.media.as_ref().ok_or_else(not_configured)?;
    let permit = permit.ok_or_else(|| {
        ApiError(LmsError::UnsupportedMediaType(format!(
            "uploads may be {allowed}"
        )))
    })?;
    let max_bytes = match to {
        UploadTo::Course(_) => media.max_bytes,
        UploadTo::Lesson(..) => media.submission_max_bytes,
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let too_large = MediaError::TooLarge { limit: max_bytes };
    if declared.is_some_and(|length| length > max_bytes) {
        return Err(media_error(too_large));
    }
    // What this upload may write: its declared length, or the size limit, within what the
    // org's quota leaves beside the org's other uploads in flight.
    let wanted = declared.unwrap_or(max_bytes);
    let reservation = s
        .uploads
        .reserve(permit.key.org(), permit.quota_left, wanted)
        .ok_or_else(|| quota_exceeded(0))?;
    if declared.is_some_and(|length| length > reservation.bytes) {
        return Err(quota_exceeded(reservation.bytes));
    }
    let limit = reservation.bytes;
    let body = body
        .into_data_stream()
        .map_err(|e| MediaError::Interrupted(e.to_string()))
        .boxed();
    let body = min_rate(limited(body, limit), media.min_upload_rate);
    // In a task of its own: a client that goes away mid-request drops this handler, and a
    // store write or a record cut off half-way would leave a file nothing counts or lists.
    let upload = Upload {
        lms: s.lms,
        actor,
        to,
        media: media.clone(),
        key: permit.key.clone(),
        max_bytes,
    };
    let stored = tokio::spawn(upload.store_and_record(body, reservation));
    let size = stored
        .await
        .map_err(|panicked| ApiError(LmsError::Store(StoreError::Backend(Box::new(panicked)))))??;
    let key = &permit.key;
    created(json!({"media_key": key.as_str(), "size": size, "content_type": key.content_type()}))
}

/// An upload on its way into the media store.
struct Upload {
    lms: lms_core::Lms,
    actor: lms_core::Actor,
    to: UploadTo,
    media: Arc<MediaConfig>,
    key: MediaKey,
    max_bytes: u64,
}

impl Upload {
    /// Stores the upload, then records it; a file the LMS does not record is deleted.
    /// Runs to its end even when the client goes away (the body then fails, and nothing is
    /// kept). `_reservation` holds the upload's share of the quota until then.
    async fn store_and_record(
        self,
        body: ByteStream,
        _reservation: Reservation,
    ) -> Result<u64, ApiError> {
        let Self {
            lms,
            actor,
            to,
            media,
            key,
            max_bytes,
        } = self;
        let (body, digest) = lms_media::hashing(body);
        let size = media
            .store
            .put(&key, body)
            .await
            .map_err(|e| upload_error(e, max_bytes))?;
        let file = StoredFile {
            size,
            sha256: Some(digest.finish()),
        };
        let recorded = match (size, &to) {
            (0, _) => Err(LmsError::invalid("body", "the file is empty")),
            (_, UploadTo::Course(path)) => lms
                .record_upload(&actor, path.course(), &key, file)
                .await
                .map(drop),
            (_, UploadTo::Lesson(path, lesson)) => lms
                .record_submission_upload(&actor, path.course(), *lesson, &key, file)
                .await
                .map(drop),
        };
        match recorded {
            Ok(()) => Ok(size),
            // Whether a record cut off at its commit was written is unknown: keep the file
            // rather than leave a record without one.
            Err(LmsError::Store(StoreError::Unavailable(e))) => {
                tracing::error!("recording the upload {key}: {e}; the file is kept");
                Err(ApiError(LmsError::Store(StoreError::Unavailable(e))))
            }
            Err(refused) => {
                if let Err(e) = media.store.delete(&key).await {
                    tracing::error!("deleting the unrecorded upload {key}: {e}");
                }
                Err(refused.into())
            }
        }
    }
}

/// An upload in a course's list.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct MediaView {
    media_key: String,
    /// Bytes.
    size: u64,
    content_type: String,
    created_at: chrono::DateTime<chrono::Utc>,
    /// The lessons that use it, or the submission it is attached to (it can be deleted
    /// only when none does).
    used_by: Vec<uuid::Uuid>,
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/media",
    tag = "Media",
    params(CoursePath, ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "the course's uploads, oldest first", body = lms_core::Page<MediaView>), ClientErrors)
)]
async fn list(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
    Query(q): QueryParams,
) -> Answer {
    let items = s.lms.course_media(&actor, path.course(), page(&q)?).await?;
    ok(items.map(|item| MediaView {
        media_key: item.media.key.to_string(),
        size: item.media.size,
        content_type: item.media.key.content_type().to_string(),
        created_at: item.media.created_at,
        used_by: item
            .used_by
            .into_iter()
            .map(|l| l.0)
            .chain(
                item.media
                    .learner_file
                    .and_then(|f| f.submission_id)
                    .map(|s| s.0),
            )
            .collect(),
    }))
}

#[utoipa::path(
    delete,
    path = "/orgs/{org}/courses/{course}/media/{media_key}",
    tag = "Media",
    params(MediaPath),
    responses((status = 204, description = "deleted"), ClientErrors)
)]
async fn delete(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<MediaPath>,
) -> Answer {
    // Without media storage the file could not follow its record.
    let media = s.media.as_ref().ok_or_else(not_configured)?;
    let key = s
        .lms
        .delete_media(&actor, path.course(), &path.media_key)
        .await?;
    // The record is gone, so no one can point at the file any more; a file left behind
    // by a failure here is unreachable, and logged.
    if let Err(e) = media.store.delete(&key).await {
        tracing::error!("deleting the file of {key}: {e}");
    }
    no_content()
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(serve))]
struct ServeDoc;

#[utoipa::path(
    get,
    path = "/media/{media_key}",
    tag = "Media",
    params(("media_key" = String, Path, description = "the key (it contains a slash)"), ("exp" = i64, Query, description = "expiry, unix seconds"), ("sig" = String, Query, description = "the signature"), ("Range" = Option<String>, Header, description = "bytes=start-end")),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"), (status = 206, description = "the requested range", content_type = "application/octet-stream"), (status = "4XX", description = "problem details (403 expired or tampered)", body = Problem, content_type = "application/problem+json"))
)]
async fn serve(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Query(query): QueryParams,
    headers: HeaderMap,
) -> Answer {
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
                let unsatisfiable = ApiError(LmsError::RangeNotSatisfiable { size });
                let mut response = unsatisfiable.into_response();
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
    // Uploads are served from the API's origin: opened directly (a PDF, say) they must not
    // run as a page of it. Players and <img> still embed them: disposition only changes
    // what a navigation does.
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
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
