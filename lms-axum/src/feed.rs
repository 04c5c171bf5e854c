//! Live events: one open server-sent event stream (a [`Feed`]), following a course's
//! discussion or the caller's notifications.
//!
//! A stream subscribes to the dispatcher's heads, then reads its own events through the
//! service whenever a head concerns it (the service checks the caller's rights on every
//! read). Replay after `Last-Event-ID` is the same read from that position. Every
//! [`crate::ApiConfig::event_keep_alive`] the stream sends `: keep-alive` and checks that
//! the caller is still signed in and still allowed; a stream that is not ends.

use crate::AppState;
use crate::error::ApiError;
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use lms_core::CourseRef;
use lms_core::{Actor, EventHeads, EventSeq, LmsError, UserId};
use std::collections::VecDeque;
use std::convert::Infallible;
use tokio::sync::broadcast::error::RecvError;

/// Events read from the outbox at a time.
const BATCH: u32 = 100;

/// Events a stream's task may have ready before its client reads them.
const SENT_AHEAD: usize = 16;

/// What a stream follows.
pub(crate) enum Watch {
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
pub(crate) struct Feed {
    state: AppState,
    actor: Actor,
    /// The request's head, to ask the authenticator again whether the caller is still
    /// signed in.
    request: Parts,
    watch: Watch,
    heads: EventHeads,
    /// The last event sent (or the position the stream started at).
    position: EventSeq,
    ready: VecDeque<SseEvent>,
    /// Whether the last read filled its batch: more history waits in the outbox, read one
    /// batch at a time as the client takes them (a replay from 0 never loads it all).
    behind: bool,
    recheck: tokio::time::Interval,
    /// Its place among the open streams, freed when the stream is dropped.
    _place: crate::stream_caps::StreamPermit,
}

impl Feed {
    /// Subscribes first, then fixes the starting position: nothing committed after the
    /// position can be missed. With `resume`, the missed events are sent first.
    pub(crate) async fn start(
        state: AppState,
        actor: Actor,
        request: Parts,
        watch: Watch,
        resume: Option<EventSeq>,
    ) -> Result<Self, ApiError> {
        let place = state.streams.admit(actor.user_id())?;
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
            request,
            watch,
            heads,
            position,
            ready: VecDeque::new(),
            behind: false,
            recheck,
            _place: place,
        };
        if resume.is_some() {
            feed.read().await?;
        }
        Ok(feed)
    }

    pub(crate) fn into_response(self) -> Response {
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

    /// The feed's work (reads, rechecks) runs in a task of its own, not in the response
    /// body: a body runs only while the client reads it, so a client that stops reading
    /// mid-check would hold a store transaction (on an in-memory SQLite store, its only
    /// connection) for as long as it likes. The task hands finished events over a small
    /// channel and ends when the stream does or the client goes away.
    fn into_stream(self) -> impl Stream<Item = Result<SseEvent, Infallible>> + Send {
        let (sender, receiver) = tokio::sync::mpsc::channel(SENT_AHEAD);
        tokio::spawn(self.run(sender));
        stream::unfold(receiver, |mut receiver| async move {
            let event = receiver.recv().await?;
            Some((Ok(event), receiver))
        })
    }

    async fn run(mut self, sender: tokio::sync::mpsc::Sender<SseEvent>) {
        loop {
            let event = tokio::select! {
                event = self.next() => event,
                () = sender.closed() => return,
            };
            let Some(event) = event else { return };
            // Waiting here for a slow client holds no transaction: `next` has finished. A
            // client that stops reading altogether would hold its place among the open
            // streams for as long as its connection lives: two keep-alives, then it ends.
            let patience = self.state.event_keep_alive * 2;
            if !matches!(
                tokio::time::timeout(patience, sender.send(event)).await,
                Ok(Ok(()))
            ) {
                return;
            }
        }
    }

    /// The next event to send; `None` ends the stream.
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            if self.behind {
                if self.read().await.is_err() {
                    return None;
                }
                continue;
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

    /// Reads the next batch after the position, as the caller may see it now, and notes
    /// whether more waits.
    async fn read(&mut self) -> Result<(), LmsError> {
        let count = match &self.watch {
            Watch::Course { org, course, .. } => {
                let events = self
                    .state
                    .lms
                    .course_events(&self.actor, CourseRef { org, course }, self.position, BATCH)
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
        self.behind = count == BATCH as usize;
        Ok(())
    }

    /// The authenticator still vouches for the same caller (not signed out, not expired).
    async fn still_signed_in(&self) -> Result<(), LmsError> {
        match self.state.auth.recheck(&self.request).await {
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
                .watch_course(&self.actor, CourseRef { org, course })
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
