//! Notifications and live events: the inbox routes, and the two server-sent event streams
//! (a course's discussion, and the caller's notifications).
//!
//! A stream subscribes to the dispatcher's heads, then reads its own events through the
//! service whenever a head concerns it (the service checks the caller's rights on every
//! read). Replay after `Last-Event-ID` is the same read from that position. Every
//! [`crate::ApiConfig::event_keep_alive`] the stream sends `: keep-alive` and checks that
//! the caller is still signed in and still allowed; a stream that is not ends.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{Input, page};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use lms_core::{Actor, EventHeads, EventSeq, LmsError, MarkRead, UserId};
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use tokio::sync::broadcast::error::RecvError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Events read from the outbox at a time.
const BATCH: u32 = 100;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(notifications))
        .routes(routes!(mark_read))
        .routes(routes!(my_events))
        .routes(routes!(course_events))
}

#[utoipa::path(
    get,
    path = "/me/notifications",
    tag = "Me",
    params(("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "paginated notifications, newest first", body = Object), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn notifications(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let page = page(&query)?;
    Ok(Json(s.lms.notifications(&actor, page).await?).into_response())
}

#[utoipa::path(
    post,
    path = "/me/notifications/read",
    tag = "Me",
    request_body = MarkRead,
    responses((status = 204, description = "marked read"), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn mark_read(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Input(input): Input<MarkRead>,
) -> Result<Response, ApiError> {
    s.lms.mark_notifications_read(&actor, input).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    get,
    path = "/me/events",
    tag = "Me",
    params(("Last-Event-ID" = Option<i64>, Header, description = "resume after this event"), ("last_event_id" = Option<i64>, Query, description = "the same, for clients that cannot set headers")),
    responses((status = 200, description = "text/event-stream of the caller's notifications", content_type = "text/event-stream"), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn my_events(
    State(s): State<AppState>,
    Caller(actor): Caller,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let user = actor.user_id().ok_or(LmsError::Unauthenticated)?;
    let resume = last_event_id(&headers, &query)?;
    let feed = Feed::start(s, actor, headers, Watch::Inbox { user }, resume).await?;
    Ok(feed.into_response())
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/events",
    tag = "Discussions",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("Last-Event-ID" = Option<i64>, Header, description = "resume after this event"), ("last_event_id" = Option<i64>, Query, description = "the same, for clients that cannot set headers")),
    responses((status = 200, description = "text/event-stream of post.created, post.updated and post.deleted", content_type = "text/event-stream"), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn course_events(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let resume = last_event_id(&headers, &query)?;
    let (_, course_id) = s.lms.watch_course(&actor, &org, &course).await?;
    let watch = Watch::Course {
        org,
        course,
        course_id,
    };
    let feed = Feed::start(s, actor, headers, watch, resume).await?;
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

/// What a stream follows.
enum Watch {
    /// A course's discussion (anyone who may read it).
    Course {
        org: String,
        course: String,
        course_id: lms_core::CourseId,
    },
    /// The caller's notifications.
    Inbox { user: UserId },
}

/// One open stream.
struct Feed {
    state: AppState,
    actor: Actor,
    /// The request's headers, to ask the authenticator again whether the caller is still
    /// signed in.
    headers: HeaderMap,
    watch: Watch,
    heads: EventHeads,
    /// The last event sent (or the position the stream started at).
    position: EventSeq,
    ready: VecDeque<SseEvent>,
    recheck: tokio::time::Interval,
}

impl Feed {
    /// Subscribes first, then fixes the starting position: nothing committed after the
    /// position can be missed. With `resume`, the missed events are sent first.
    async fn start(
        state: AppState,
        actor: Actor,
        headers: HeaderMap,
        watch: Watch,
        resume: Option<EventSeq>,
    ) -> Result<Self, ApiError> {
        let heads = state.lms.subscribe().await?;
        let position = match resume {
            Some(seq) => seq,
            None => state.lms.latest_event().await?,
        };
        let every = state.event_keep_alive;
        let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut feed = Self {
            state,
            actor,
            headers,
            watch,
            heads,
            position,
            ready: VecDeque::new(),
            recheck,
        };
        if resume.is_some() {
            feed.read().await?;
        }
        Ok(feed)
    }

    fn into_response(self) -> Response {
        let keep_alive = KeepAlive::new()
            .interval(self.state.event_keep_alive)
            .text("keep-alive");
        let mut response = Sse::new(self.into_stream())
            .keep_alive(keep_alive)
            .into_response();
        // Proxies such as nginx buffer responses unless told not to.
        response
            .headers_mut()
            .insert("x-accel-buffering", HeaderValue::from_static("no"));
        response
    }

    fn into_stream(self) -> impl Stream<Item = Result<SseEvent, Infallible>> + Send {
        stream::unfold(self, |mut feed| async move {
            let event = feed.next().await?;
            Some((Ok(event), feed))
        })
    }

    /// The next event to send; `None` ends the stream.
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            tokio::select! {
                head = self.heads.recv() => match head {
                    Ok(head) if !self.concerns(&head) => continue,
                    // Lagged: heads were dropped for this slow stream; the outbox has them.
                    Ok(_) | Err(RecvError::Lagged(_)) => {
                        if self.still_signed_in().await.is_err() || self.read().await.is_err() {
                            return None;
                        }
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = self.recheck.tick() => {
                    if self.still_signed_in().await.is_err() || self.still_allowed().await.is_err() {
                        return None;
                    }
                }
            }
        }
    }

    fn concerns(&self, head: &lms_core::EventHead) -> bool {
        match &self.watch {
            Watch::Course { course_id, .. } => {
                head.course_id == *course_id && head.kind.on_course_stream()
            }
            Watch::Inbox { user } => head.audience.contains(user),
        }
    }

    /// Reads everything after the position, as the caller may see it now.
    async fn read(&mut self) -> Result<(), LmsError> {
        loop {
            let count = match &self.watch {
                Watch::Course { org, course, .. } => {
                    let events = self
                        .state
                        .lms
                        .course_events(&self.actor, org, course, self.position, BATCH)
                        .await?;
                    for event in &events {
                        self.position = event.seq;
                        self.ready
                            .push_back(sse(event.seq, event.kind.as_str(), &event.data));
                    }
                    events.len()
                }
                Watch::Inbox { .. } => {
                    let notes = self
                        .state
                        .lms
                        .notifications_after(&self.actor, self.position, BATCH)
                        .await?;
                    for note in &notes {
                        self.position = note.seq;
                        self.ready
                            .push_back(sse(note.seq, note.kind.as_str(), note));
                    }
                    notes.len()
                }
            };
            if count < BATCH as usize {
                return Ok(());
            }
        }
    }

    /// The authenticator still vouches for the same caller (not signed out, not expired).
    async fn still_signed_in(&self) -> Result<(), LmsError> {
        match self.state.auth.actor(&self.headers).await {
            Ok(actor) if actor == self.actor => Ok(()),
            _ => Err(LmsError::Unauthenticated),
        }
    }

    /// The caller may still follow what this stream follows (an inbox is theirs as long as
    /// they are signed in).
    async fn still_allowed(&self) -> Result<(), LmsError> {
        match &self.watch {
            Watch::Course { org, course, .. } => self
                .state
                .lms
                .watch_course(&self.actor, org, course)
                .await
                .map(drop),
            Watch::Inbox { .. } => Ok(()),
        }
    }
}

fn sse(seq: EventSeq, kind: &str, data: &impl serde::Serialize) -> SseEvent {
    let data = serde_json::to_string(data).unwrap_or_else(|_| "{}".into());
    SseEvent::default()
        .id(seq.to_string())
        .event(kind)
        .data(data)
}
