//! Events on Postgres: written at commit under a transaction-scoped advisory lock, so
//! outbox positions follow commit order across connections, then announced with `NOTIFY`
//! (which Postgres delivers only if the transaction commits).

use super::{PgConn, ids};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::{NewEvent, NotificationId, OrgId, StoreError, UserId};
use lms_sql::EventDialect;
use uuid::Uuid;

/// The channel every instance LISTENs on; a committed event NOTIFYs it.
pub(crate) const EVENTS_CHANNEL: &str = "lms_events";

/// The transaction-scoped advisory lock that orders outbox positions by commit.
pub(crate) const EVENTS_LOCK: i64 = 0x6c6d_735f_6576_7473; // "lms_evts"

#[async_trait]
impl EventDialect for PgConn {
    async fn append_event(&mut self, event: NewEvent) -> Result<(), StoreError> {
        self.events.push(event);
        Ok(())
    }

    async fn mark_notifications_read(
        &mut self,
        user: UserId,
        ids: Option<&[NotificationId]>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let q = sqlx::query(
            "UPDATE notifications SET read_at = $1
             WHERE user_id = $2 AND read_at IS NULL AND ($3::uuid[] IS NULL OR id = ANY($3))",
        )
        .bind(at)
        .bind(user.0)
        .bind(ids.map(|ids| ids.iter().map(|id| id.0).collect::<Vec<_>>()));
        self.run(q).await.map(drop)
    }

    async fn rename_in_events(
        &mut self,
        org: OrgId,
        user: UserId,
        name: &str,
    ) -> Result<(), StoreError> {
        let id = user.0.to_string();
        for sql in [
            "UPDATE events SET data = jsonb_set(data, '{user,name}', to_jsonb($1::text))
             WHERE org_id = $2 AND data->'user'->>'id' = $3",
            "UPDATE events SET data = jsonb_set(data, '{author,name}', to_jsonb($1::text))
             WHERE org_id = $2 AND data->'author'->>'id' = $3",
        ] {
            let q = sqlx::query(sql).bind(name).bind(org.0).bind(id.as_str());
            self.run(q).await?;
        }
        Ok(())
    }
}

/// Writes the appended events and their notifications, and NOTIFYs: the last writes
/// before COMMIT, a statement per event after the advisory lock. The lock is held to the
/// end of the transaction, so positions are taken in commit order (held briefly: nothing
/// else is locked after it). Postgres delivers one NOTIFY of a payload per transaction,
/// however many events signal it.
pub(super) async fn write_events(conn: &mut PgConn) -> Result<(), StoreError> {
    let events = std::mem::take(&mut conn.events);
    if events.is_empty() {
        return Ok(());
    }
    conn.run(sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(EVENTS_LOCK))
        .await?;
    for event in events {
        let audience: Vec<Uuid> = event.recipients.iter().map(|r| r.user_id.0).collect();
        let q = sqlx::query(
            "WITH event AS (
                 INSERT INTO events (org_id, course_id, kind, data, audience, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq
             ), notified AS (
                 INSERT INTO notifications (id, seq, org_id, user_id, kind)
                 SELECT r.id, event.seq, $1, r.user_id, r.kind
                 FROM event, UNNEST($7::uuid[], $5::uuid[], $8::text[]) AS r (id, user_id, kind)
             )
             SELECT pg_notify($9, '') FROM event",
        )
        .bind(event.org_id.0)
        .bind(event.course_id.0)
        .bind(event.kind.as_str())
        .bind(&event.data)
        .bind(&audience)
        .bind(event.created_at)
        .bind(ids(&event.recipients, |r| r.id.0))
        .bind(
            event
                .recipients
                .iter()
                .map(|r| r.kind.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(EVENTS_CHANNEL);
        if conn.rows(q).await?.len() != 1 {
            return Err(StoreError::Corrupt("an event was not written".into()));
        }
    }
    Ok(())
}
