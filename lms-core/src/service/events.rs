//! Events and notifications: who is notified of what (decided here, written to the outbox
//! by the transaction that made it happen), the dispatcher that tells subscribers, and the
//! reads behind the live streams and the inbox.
//!
//! Delivery: a committed event signals [`crate::Store::listen`] (in-process; on Postgres through
//! `LISTEN/NOTIFY`, so every instance hears it). The dispatcher then reads the new events'
//! heads from the outbox and broadcasts them; a stream whose course or user a head names
//! reads its events through [`Lms::course_events`] or [`Lms::notifications_after`], which
//! check the caller's rights each time. Replay is the same read from the client's
//! `Last-Event-ID`.

use super::{Actor, Lms};
use crate::assignment::Submission;
use crate::course::Course;
use crate::discussion::Post;
use crate::enrollment::Enrollment;
use crate::error::LmsError;
use crate::event::{
    Event, EventKind, EventSeq, MAX_MARK_READ_IDS, MarkRead, NewEvent, Notification,
    NotificationKind, Recipient,
};
use crate::feed::{EventFeed, EventHeads, EventHub};
use crate::ids::CourseRef;
use crate::ids::{CourseId, NotificationId, OrgId, PostId, UserId};
use crate::input::Parsed;
use crate::org::User;
use crate::page::{Page, PageRequest};
use crate::store::{StoreTx, TenantScope};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

impl Lms {
    /// Reads the outbox on a timer too (default 5 s), besides on the store's signals: the
    /// safety net for a signal lost while a listener reconnects, and the only path between
    /// processes that share a SQLite file.
    pub fn with_event_poll_interval(mut self, every: Duration) -> Self {
        self.events = Arc::new(EventHub::new(every));
        self
    }

    /// Subscribes to the heads of every event committed from now on (any org: decide from
    /// the head whether to read the event, through a call that checks the caller's rights).
    /// Asks the store to start the event feed on first use ([`crate::Store::start_event_feed`];
    /// the sqlx stores run it on Tokio).
    ///
    /// ```no_run
    /// # async fn demo(lms: lms_core::Lms, instructor: lms_core::Actor) -> Result<(), lms_core::LmsError> {
    /// let mut heads = lms.subscribe().await?;
    /// let mut seen = lms.latest_event().await?;
    /// while let Ok(head) = heads.recv().await {
    ///     if head.audience.iter().any(|user| Some(*user) == instructor.user_id()) {
    ///         for note in lms.notifications_after(&instructor, seen, 100).await? {
    ///             seen = note.seq;
    ///             println!("{}: {}", note.kind.as_str(), note.data);
    ///         }
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn subscribe(&self) -> Result<EventHeads, LmsError> {
        let receiver = self.events.subscribe();
        self.events
            .start_once(|| async {
                // Start after the newest event: the caller reads its own position after
                // subscribing, so nothing committed after that is missed.
                let last = self.store.last_event_seq().await?;
                let feed = EventFeed::new(&self.events, self.store.clone(), last);
                Ok::<_, LmsError>(self.store.start_event_feed(feed)?)
            })
            .await?;
        Ok(receiver)
    }

    /// The outbox's newest position: where a stream without `Last-Event-ID` starts.
    pub async fn latest_event(&self) -> Result<EventSeq, LmsError> {
        Ok(self.store.last_event_seq().await?)
    }

    /// Checks that the caller may follow a course's live events (whoever may read its
    /// discussions) and returns the course's id, to match against event heads.
    pub async fn watch_course(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
    ) -> Result<(OrgId, CourseId), LmsError> {
        actor.require_user()?;
        let mut tx = self.read().await?;
        let scope = self.discussed_course(tx.as_mut(), actor, course).await?;
        Ok((scope.org.id, scope.course.id))
    }

    /// Up to `limit` of the course's stream events after `after`, oldest first, as the
    /// caller may see them (hidden posts' bodies only for their authors and managers).
    /// Checks the caller's rights on every call, so a stream stops serving someone who lost
    /// them.
    pub async fn course_events(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        after: EventSeq,
        limit: u32,
    ) -> Result<Vec<Event>, LmsError> {
        let viewer = actor.require_user()?;
        let mut tx = self.read().await?;
        let scope = self.discussed_course(tx.as_mut(), actor, course).await?;
        let manages = scope.standing.manages(&scope.course);
        let mut events = Vec::new();
        let mut posts = HashMap::new();
        let mut position = after;
        // Other kinds share the outbox: read on until `limit` stream events or the end.
        loop {
            let batch = tx.course_events(scope.course.id, position, limit).await?;
            let exhausted = batch.len() < limit as usize;
            for mut event in batch {
                position = event.seq;
                if event.kind.on_course_stream() && events.len() < limit as usize {
                    if matches!(event.kind, EventKind::PostCreated | EventKind::PostUpdated) {
                        as_it_is_now(tx.as_mut(), event.course_id, &mut event.data, &mut posts)
                            .await?;
                    }
                    events.push(seen_by(event, viewer, manages));
                }
            }
            if exhausted || events.len() >= limit as usize {
                return Ok(events);
            }
        }
    }

    /// Up to `limit` of the caller's notifications after `after`, oldest first (what
    /// `/me/events` sends, and replays from `Last-Event-ID`).
    pub async fn notifications_after(
        &self,
        actor: &Actor,
        after: EventSeq,
        limit: u32,
    ) -> Result<Vec<Notification>, LmsError> {
        let user = actor.require_user()?;
        let mut tx = self.read().await?;
        tx.set_scope(TenantScope {
            org: None,
            user: Some(user),
        })
        .await?;
        let mut notes = tx.notifications_after(user, after, limit).await?;
        notifications_as_they_are_now(tx.as_mut(), user, &mut notes).await?;
        Ok(notes)
    }

    /// A page of the caller's notifications, newest first.
    pub async fn notifications(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<Notification>, LmsError> {
        let user = actor.require_user()?;
        let mut tx = self.read().await?;
        tx.set_scope(TenantScope {
            org: None,
            user: Some(user),
        })
        .await?;
        let rows = tx.list_notifications(user, &page).await?;
        let mut page = Page::from_rows(rows, &page, |n| n.id.0);
        notifications_as_they_are_now(tx.as_mut(), user, &mut page.items).await?;
        Ok(page)
    }

    /// Marks some of the caller's notifications read (`{"ids": [...]}`), or all of them
    /// (`{"all": true}`). Ids that are not the caller's are ignored.
    pub async fn mark_notifications_read(
        &self,
        actor: &Actor,
        input: impl Into<Parsed<MarkRead>>,
    ) -> Result<(), LmsError> {
        let user = actor.require_user()?;
        let input = input.into().into_result()?;
        let ids: Option<Vec<NotificationId>> = match (input.ids, input.all) {
            (Some(_), Some(_)) => {
                return Err(LmsError::invalid("all", "give ids or all, not both"));
            }
            (Some(ids), None) if ids.len() > MAX_MARK_READ_IDS => {
                return Err(LmsError::invalid(
                    "ids",
                    format!("at most {MAX_MARK_READ_IDS} at a time"),
                ));
            }
            (Some(ids), None) => Some(ids),
            (None, Some(true)) => None,
            (None, Some(false)) => {
                return Err(LmsError::invalid("all", "must be true (or give ids)"));
            }
            (None, None) => return Err(LmsError::invalid("ids", "give ids, or all: true")),
        };
        let mut tx = self.write().await?;
        tx.set_scope(TenantScope {
            org: None,
            user: Some(user),
        })
        .await?;
        tx.mark_notifications_read(user, ids.as_deref(), self.now())
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A post event's data with the post as it is now, not as it was then: an event must not
/// bring back what was since hidden, edited or deleted. A deleted post's events keep only
/// where it was (`id`, `lesson_id`, `parent_id`) and say `deleted: true`. `posts`
/// remembers the posts read for one batch.
async fn as_it_is_now(
    tx: &mut dyn StoreTx,
    course: CourseId,
    data: &mut serde_json::Value,
    posts: &mut HashMap<PostId, Option<Post>>,
) -> Result<(), LmsError> {
    let id = data.get("id").and_then(|v| v.as_str());
    let Some(id) = id.and_then(|id| id.parse::<PostId>().ok()) else {
        return Ok(());
    };
    let post = match posts.get(&id) {
        Some(post) => post.clone(),
        None => {
            let post = tx.post(course, id).await?;
            posts.insert(id, post.clone());
            post
        }
    };
    *data = match post {
        Some(post) => post_data(&post),
        None => {
            let kept = |key: &str| data.get(key).cloned().unwrap_or_default();
            json!({"id": id, "lesson_id": kept("lesson_id"), "parent_id": kept("parent_id"), "deleted": true})
        }
    };
    Ok(())
}

/// Notifications of posts as their posts are now (see [`as_it_is_now`]), each read in its
/// org's scope; a hidden post's body only for its author.
async fn notifications_as_they_are_now(
    tx: &mut dyn StoreTx,
    user: UserId,
    notifications: &mut [Notification],
) -> Result<(), LmsError> {
    let mut posts = HashMap::new();
    for note in notifications.iter_mut() {
        if !matches!(
            note.kind,
            NotificationKind::PostCreated | NotificationKind::PostReplied
        ) {
            continue;
        }
        tx.set_scope(TenantScope {
            org: Some(note.org_id),
            user: Some(user),
        })
        .await?;
        as_it_is_now(tx, note.course_id, &mut note.data, &mut posts).await?;
        let author = note.data.pointer("/author/id").and_then(|v| v.as_str());
        let mine = author.is_some_and(|a| a == user.to_string());
        let hidden = note.data.get("hidden").and_then(|v| v.as_bool()) == Some(true);
        if hidden
            && !mine
            && let Some(body) = note.data.get_mut("body")
        {
            *body = json!("");
        }
    }
    Ok(())
}

/// An event as `viewer` may see it: a hidden post's body only for its author and managers.
fn seen_by(mut event: Event, viewer: UserId, manages: bool) -> Event {
    let author = event
        .data
        .pointer("/author/id")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse().ok());
    let hidden = event
        .data
        .get("hidden")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if !Post::body_visible(hidden, author.map(UserId), Some(viewer), manages)
        && let Some(body) = event.data.get_mut("body")
    {
        *body = json!("");
    }
    event
}

/// The notification for the course's owner, unless the owner did it themselves.
fn owner(course: &Course, actor: UserId, kind: NotificationKind) -> Vec<Recipient> {
    if course.owner_id == actor {
        return Vec::new();
    }
    vec![Recipient {
        id: NotificationId::new(),
        user_id: course.owner_id,
        kind,
    }]
}

/// `enrollment.created`, for the course's owner.
pub(super) async fn enrollment_created(
    tx: &mut dyn StoreTx,
    course: &Course,
    learner: &User,
    enrollment: &Enrollment,
) -> Result<(), LmsError> {
    let data = json!({
        "course_id": course.id,
        "user": {"id": learner.id, "name": learner.name},
        "source": enrollment.source.as_str(),
        "enrolled_at": enrollment.enrolled_at,
    });
    let recipients = owner(course, learner.id, NotificationKind::EnrollmentCreated);
    append(
        tx,
        course,
        EventKind::EnrollmentCreated,
        data,
        enrollment.enrolled_at,
        recipients,
    )
    .await
}

/// `course.completed`, for the course's owner.
pub(super) async fn course_completed(
    tx: &mut dyn StoreTx,
    course: &Course,
    learner: &User,
    at: DateTime<Utc>,
) -> Result<(), LmsError> {
    let data = json!({
        "course_id": course.id,
        "user": {"id": learner.id, "name": learner.name},
        "completed_at": at,
    });
    let recipients = owner(course, learner.id, NotificationKind::CourseCompleted);
    append(tx, course, EventKind::CourseCompleted, data, at, recipients).await
}

/// What a submission's events say of it: where it is and how it stands, never its body.
fn submission_data(submission: &Submission, learner: &User) -> serde_json::Value {
    json!({
        "id": submission.id,
        "course_id": submission.course_id,
        "lesson_id": submission.lesson_id,
        "user": {"id": learner.id, "name": learner.name},
        "attempt_number": submission.attempt_number,
        "status": submission.status.as_str(),
        "score": submission.score,
        "max_score": submission.max_score,
        "passed": submission.passed,
    })
}

/// `submission.created`, for the course's owner.
pub(super) async fn submission_created(
    tx: &mut dyn StoreTx,
    course: &Course,
    learner: &User,
    submission: &Submission,
) -> Result<(), LmsError> {
    let data = submission_data(submission, learner);
    let recipients = owner(course, learner.id, NotificationKind::SubmissionCreated);
    let at = submission.submitted_at;
    append(
        tx,
        course,
        EventKind::SubmissionCreated,
        data,
        at,
        recipients,
    )
    .await
}

/// `submission.graded`, for the learner who submitted.
pub(super) async fn submission_graded(
    tx: &mut dyn StoreTx,
    course: &Course,
    learner: &User,
    submission: &Submission,
) -> Result<(), LmsError> {
    let data = submission_data(submission, learner);
    let recipients = vec![Recipient {
        id: NotificationId::new(),
        user_id: learner.id,
        kind: NotificationKind::SubmissionGraded,
    }];
    let at = submission.graded_at.unwrap_or(submission.submitted_at);
    append(
        tx,
        course,
        EventKind::SubmissionGraded,
        data,
        at,
        recipients,
    )
    .await
}

/// `post.created`: the course's owner is notified, and a reply's parent author gets
/// `post.replied` (one notification each; nobody is notified of their own post).
pub(super) async fn post_created(
    tx: &mut dyn StoreTx,
    course: &Course,
    post: &Post,
    parent_author: Option<UserId>,
) -> Result<(), LmsError> {
    let mut recipients = Vec::new();
    if let Some(parent_author) = parent_author.filter(|a| *a != post.author.id) {
        recipients.push(Recipient {
            id: NotificationId::new(),
            user_id: parent_author,
            kind: NotificationKind::PostReplied,
        });
    }
    if parent_author != Some(course.owner_id) {
        recipients.extend(owner(course, post.author.id, NotificationKind::PostCreated));
    }
    append(
        tx,
        course,
        EventKind::PostCreated,
        post_data(post),
        post.created_at,
        recipients,
    )
    .await
}

/// `post.updated` (edited, hidden or shown) or `post.deleted`, on the course stream only.
pub(super) async fn post_changed(
    tx: &mut dyn StoreTx,
    course: &Course,
    kind: EventKind,
    post: &Post,
    at: DateTime<Utc>,
) -> Result<(), LmsError> {
    let data = match kind {
        EventKind::PostDeleted => {
            json!({"id": post.id, "lesson_id": post.lesson_id, "parent_id": post.parent_id})
        }
        _ => post_data(post),
    };
    append(tx, course, kind, data, at, Vec::new()).await
}

/// A post as the API shows it, with the lesson it is under.
fn post_data(post: &Post) -> serde_json::Value {
    let mut data = serde_json::to_value(post).unwrap_or_default();
    if let Some(object) = data.as_object_mut() {
        object.insert("lesson_id".into(), json!(post.lesson_id));
    }
    data
}

async fn append(
    tx: &mut dyn StoreTx,
    course: &Course,
    kind: EventKind,
    data: serde_json::Value,
    created_at: DateTime<Utc>,
    recipients: Vec<Recipient>,
) -> Result<(), LmsError> {
    let event = NewEvent {
        org_id: course.org_id,
        course_id: course.id,
        kind,
        data,
        created_at,
        recipients,
    };
    Ok(tx.append_event(event).await?)
}
