//! Events on SQLite: written at commit one by one (SQLite commits one writer at a time, so
//! `seq` follows commit order by itself), signalled in-process after the commit.

use super::{SqliteConn, map_error};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::{NewEvent, NotificationId, OrgId, StoreError, UserId};
use lms_sql::{Connection, EventDialect, Query, SqlRow};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[async_trait]
impl EventDialect for SqliteConn {
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
        let Some(ids) = ids else {
            let q = Query::new(
                "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
            )
            .bind(at)
            .bind(user.0);
            return self.execute(q).await.map(drop);
        };
        // Bounded chunks: SQLite limits the parameters of one statement.
        for chunk in ids.chunks(500) {
            let mut query = QueryBuilder::new("UPDATE notifications SET read_at = ");
            query
                .push_bind(at)
                .push(" WHERE read_at IS NULL AND user_id = ")
                .push_bind(user.0)
                .push(" AND id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(id.0);
            }
            query.push(")");
            let done = query.build().execute(&mut *self.tx).await;
            done.map_err(map_error)?;
        }
        Ok(())
    }

    async fn rename_in_events(
        &mut self,
        org: OrgId,
        user: UserId,
        name: &str,
    ) -> Result<(), StoreError> {
        let id = user.0.to_string();
        for q in [
            Query::new(
                "UPDATE events SET data = json_set(data, '$.user.name', $1)
                 WHERE org_id = $2 AND json_extract(data, '$.user.id') = $3",
            ),
            Query::new(
                "UPDATE events SET data = json_set(data, '$.author.name', $1)
                 WHERE org_id = $2 AND json_extract(data, '$.author.id') = $3",
            ),
        ] {
            self.execute(q.bind(name).bind(org.0).bind(id.as_str()))
                .await?;
        }
        Ok(())
    }
}

/// Writes the appended events and their notifications (the last writes before commit).
pub(super) async fn write_events(conn: &mut SqliteConn) -> Result<(), StoreError> {
    for event in std::mem::take(&mut conn.events) {
        // The audience as a JSON array (SQLite has no arrays; `SqlRow::uuids` reads it).
        let audience: Vec<Uuid> = event.recipients.iter().map(|r| r.user_id.0).collect();
        let q = Query::new(
            "INSERT INTO events (org_id, course_id, kind, data, audience, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
        )
        .bind(event.org_id.0)
        .bind(event.course_id.0)
        .bind(event.kind.as_str())
        .bind(&event.data)
        .bind(serde_json::json!(audience))
        .bind(event.created_at);
        let row = conn.fetch_optional(q).await?;
        let seq = row
            .ok_or_else(|| StoreError::Corrupt("no event seq".into()))?
            .int("seq")?;
        for recipient in &event.recipients {
            let q = Query::new(
                "INSERT INTO notifications (id, seq, user_id, kind) VALUES ($1, $2, $3, $4)",
            )
            .bind(recipient.id.0)
            .bind(seq)
            .bind(recipient.user_id.0)
            .bind(recipient.kind.as_str());
            conn.execute(q).await?;
        }
    }
    Ok(())
}
