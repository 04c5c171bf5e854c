//! The two server-sent event streams: a course's discussion, and the caller's notifications.
//! How a stream follows its events is [`crate::feed`]'s job.

use super::paths::CoursePath;
use super::{Answer, QueryParams};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::{ApiError, ClientErrors};
use crate::feed::{Feed, Watch};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use lms_core::{EventSeq, LmsError};
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `GET /me/events` and `GET /orgs/{org}/courses/{course}/events`.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_events))
        .routes(routes!(course_events))
}

#[utoipa::path(
    get,
    path = "/me/events",
    tag = "Me",
    params(("Last-Event-ID" = Option<i64>, Header, description = "resume after this event"), ("last_event_id" = Option<i64>, Query, description = "the same, for clients that cannot set headers")),
    responses((status = 200, description = "text/event-stream of the caller's notifications", content_type = "text/event-stream"), ClientErrors)
)]
async fn my_events(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    request: Parts,
    Query(query): QueryParams,
) -> Answer {
    let user = actor.user_id().ok_or(LmsError::Unauthenticated)?;
    let resume = last_event_id(&request.headers, &query)?;
    let feed = Feed::start(s, actor, request, Watch::Inbox { user }, resume).await?;
    Ok(feed.into_response())
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/events",
    tag = "Discussions",
    params(CoursePath, ("Last-Event-ID" = Option<i64>, Header, description = "resume after this event"), ("last_event_id" = Option<i64>, Query, description = "the same, for clients that cannot set headers")),
    responses((status = 200, description = "text/event-stream of post.created, post.updated and post.deleted", content_type = "text/event-stream"), ClientErrors)
)]
async fn course_events(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
    request: Parts,
    Query(query): QueryParams,
) -> Answer {
    let resume = last_event_id(&request.headers, &query)?;
    let (_, course_id) = s.lms.watch_course(&actor, path.course()).await?;
    let watch = Watch::Course {
        org: path.org,
        course: path.course,
        course_id,
    };
    let feed = Feed::start(s, actor, request, watch, resume).await?;
    Ok(feed.into_response())
}

/// `Last-Event-ID` (or `?last_event_id=`): a position, or malformed (400).
fn last_event_id(
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<Option<EventSeq>, ApiError> {
    let header = headers
        .get("last-event-id")
        .map(|v| v.to_str().unwrap_or("-"));
    let Some(text) = header.or(query.get("last_event_id").map(String::as_str)) else {
        return Ok(None);
    };
    match text.trim().parse::<EventSeq>() {
        Ok(seq) if seq >= 0 => Ok(Some(seq)),
        _ => Err(
            LmsError::Malformed("Last-Event-ID must be an event id from this stream".into()).into(),
        ),
    }
}
