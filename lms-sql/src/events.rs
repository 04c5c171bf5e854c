//! The event outbox and the notifications written with it. Writing events is dialect work
//! (they are written at commit, in commit order, and signalled): see each store.

use crate::row::{SqlRow, all, id, parsed};
use crate::{Connection, Dialect, Query, SqlTx, limit};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::store::EventTx;
use lms_core::{
    CourseId, Event, EventHead, EventKind, EventSeq, NewEvent, Notification, NotificationId,
    NotificationKind, OrgId, PageRequest, StoreError, UserId,
};

/// The event part of a dialect.
#[async_trait]
pub trait EventDialect: Connection {
    /// Keeps an event to write at commit, last, so that positions follow commit order; a
    /// rolled-back transaction leaves none. The commit then signals listeners.
    async fn append_event(&mut self, event: NewEvent) -> Result<(), StoreError>;
    /// Marks the user's unread notifications with these ids (all of them when `None`)
    /// read at `at`.
    async fn mark_notifications_read(
        &mut self,
        user: UserId,
        ids: Option<&[NotificationId]>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// See [`EventTx::rename_in_events`] (the JSON functions differ).
    async fn rename_in_events(
        &mut self,
        org: OrgId,
        user: UserId,
        name: &str,
    ) -> Result<(), StoreError>;
}

/// A notification's columns: its own, and its event's course, data and time.
macro_rules! notification_sql {
    ($rest:literal) => {
        concat!(
            "SELECT n.id, n.seq, n.user_id, n.kind, n.read_at, e.org_id, e.course_id, e.data,
                    e.created_at
             FROM notifications n JOIN events e ON e.seq = n.seq ",
            $rest
        )
    };
}

#[async_trait]
impl<C: Dialect> EventTx for SqlTx<C> {
    async fn append_event(&mut self, event: NewEvent) -> Result<(), StoreError> {
        self.conn.append_event(event).await
    }

    async fn course_events(
        &mut self,
        course: CourseId,
        after: EventSeq,
        limit: u32,
    ) -> Result<Vec<Event>, StoreError> {
        let q = Query::new(
            "SELECT * FROM events WHERE course_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(course.0)
        .bind(after)
        .bind(limit);
        all(&self.conn.fetch_all(q).await?, event)
    }

    async fn notifications_after(
        &mut self,
        user: UserId,
        after: EventSeq,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        let q = Query::new(notification_sql!(
            "WHERE n.user_id = $1 AND n.seq > $2 ORDER BY n.seq LIMIT $3"
        ))
        .bind(user.0)
        .bind(after)
        .bind(limit);
        all(&self.conn.fetch_all(q).await?, notification)
    }

    async fn list_notifications(
        &mut self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<Notification>, StoreError> {
        // Newest first: a page continues below the cursor's id.
        let q = Query::new(notification_sql!(
            "WHERE n.user_id = $1 AND ($2 IS NULL OR n.id < $2) ORDER BY n.id DESC LIMIT $3"
        ))
        .bind(user.0)
        .bind(page.after)
        .bind(limit(page));
        all(&self.conn.fetch_all(q).await?, notification)
    }

    async fn mark_notifications_read<'a>(
        &mut self,
        user: UserId,
        ids: Option<&'a [NotificationId]>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if ids.is_some_and(<[_]>::is_empty) {
            return Ok(());
        }
        self.conn.mark_notifications_read(user, ids, at).await
    }

    async fn rename_in_events(
        &mut self,
        org: OrgId,
        user: UserId,
        name: &str,
    ) -> Result<(), StoreError> {
        self.conn.rename_in_events(org, user, name).await
    }
}

/// Reads an `events` row.
pub fn event(row: &impl SqlRow) -> Result<Event, StoreError> {
    Ok(Event {
        seq: row.int("seq")?,
        org_id: id(row, "org_id")?,
        course_id: id(row, "course_id")?,
        kind: parsed(row, "kind", EventKind::parse)?,
        data: row.json("data")?,
        created_at: row.time("created_at")?,
    })
}

/// Reads an event's head (`seq, org_id, course_id, kind, audience`).
pub fn event_head(row: &impl SqlRow) -> Result<EventHead, StoreError> {
    Ok(EventHead {
        seq: row.int("seq")?,
        org_id: id(row, "org_id")?,
        course_id: id(row, "course_id")?,
        kind: parsed(row, "kind", EventKind::parse)?,
        audience: row.uuids("audience")?.into_iter().map(Into::into).collect(),
    })
}

/// Reads a notification joined with its event.
pub fn notification(row: &impl SqlRow) -> Result<Notification, StoreError> {
    Ok(Notification {
        id: id(row, "id")?,
        seq: row.int("seq")?,
        user_id: id(row, "user_id")?,
        org_id: id(row, "org_id")?,
        kind: parsed(row, "kind", NotificationKind::parse)?,
        course_id: id(row, "course_id")?,
        data: row.json("data")?,
        created_at: row.time("created_at")?,
        read_at: row.opt_time("read_at")?,
    })
}
