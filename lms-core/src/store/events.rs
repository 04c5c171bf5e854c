//! The event outbox and the notifications written with it.
use crate::error::StoreError;
use crate::event::{Event, EventSeq, NewEvent, Notification};
use crate::ids::{CourseId, NotificationId, OrgId, UserId};
use crate::page::PageRequest;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The event outbox and the notifications written with it.
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait EventTx: Send {
    /// Appends an event to the outbox with a notification for each of its recipients.
    /// They are written when the transaction commits, last, so that positions follow
    /// commit order (a reader that saw position `n` has missed nothing below it); a
    /// rolled-back transaction leaves none. Signals [`Store::listen`] on commit.
    async fn append_event(&mut self, event: NewEvent) -> Result<(), StoreError>;
    /// Up to `limit` of the course's events after `after`, oldest first.
    async fn course_events(
        &mut self,
        course: CourseId,
        after: EventSeq,
        limit: u32,
    ) -> Result<Vec<Event>, StoreError>;
    /// Up to `limit` of the user's notifications after `after`, oldest first.
    async fn notifications_after(
        &mut self,
        user: UserId,
        after: EventSeq,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError>;
    /// A page of the user's notifications, newest first (by id, descending).
    async fn list_notifications(
        &mut self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<Notification>, StoreError>;
    /// Marks the user's notifications read (`None`: all of them); others' are untouched,
    /// and one read before keeps its time.
    async fn mark_notifications_read<'a>(
        &mut self,
        user: UserId,
        ids: Option<&'a [NotificationId]>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Replaces the name of `user` wherever the org's events carry it (`user.name` of an
    /// enrollment or completion, `author.name` of a post): an erased person's old name is
    /// kept nowhere, and the notifications that show those events show the new one.
    async fn rename_in_events(
        &mut self,
        org: OrgId,
        user: UserId,
        name: &str,
    ) -> Result<(), StoreError>;
}
