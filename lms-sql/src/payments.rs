//! Provider events applied at most once, the payment ledger and membership subscriptions.

use crate::row::{SqlRow, all, id, one, parsed};
use crate::{Dialect, Query, SqlTx, after, limit};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::store::PaymentTx;
use lms_core::{
    OrgId, PageRequest, PaymentKind, PaymentRecord, StoreError, Subscription, SubscriptionStatus,
    SubscriptionVersion, UserId,
};

#[async_trait]
impl<C: Dialect> PaymentTx for SqlTx<C> {
    async fn insert_payment_event(
        &mut self,
        event_id: &str,
        kind: &str,
        received_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let q = Query::new(
            "INSERT INTO payment_events (event_id, kind, received_at) VALUES ($1, $2, $3)
             ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(kind)
        .bind(received_at);
        Ok(self.conn.execute(q).await? == 1)
    }

    async fn insert_payment(&mut self, p: &PaymentRecord) -> Result<bool, StoreError> {
        let q = Query::new(
            "INSERT INTO payments (id, org_id, user_id, course_id, kind, reference, amount,
                                   currency, event_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (kind, reference) DO NOTHING",
        )
        .bind(p.id.0)
        .bind(p.org_id.0)
        .bind(p.user_id.0)
        .bind(p.course_id.map(|c| c.0))
        .bind(p.kind.as_str())
        .bind(&p.reference)
        .bind(p.amount)
        .bind(&p.currency)
        .bind(&p.event_id)
        .bind(p.created_at);
        Ok(self.conn.execute(q).await? == 1)
    }

    async fn list_payments(
        &mut self,
        org: OrgId,
        page: &PageRequest,
    ) -> Result<Vec<PaymentRecord>, StoreError> {
        let q =
            Query::new("SELECT * FROM payments WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3")
                .bind(org.0)
                .bind(after(page))
                .bind(limit(page));
        all(&self.conn.fetch_all(q).await?, payment)
    }

    async fn subscription(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> Result<Option<Subscription>, StoreError> {
        let q = Query::new("SELECT * FROM plan_subscriptions WHERE org_id = $1 AND user_id = $2")
            .bind(org.0)
            .bind(user.0);
        one(self.conn.fetch_optional(q).await?, subscription)
    }

    async fn subscriptions_of(&mut self, user: UserId) -> Result<Vec<Subscription>, StoreError> {
        let q = Query::new("SELECT * FROM plan_subscriptions WHERE user_id = $1 ORDER BY org_id")
            .bind(user.0);
        all(&self.conn.fetch_all(q).await?, subscription)
    }

    async fn upsert_subscription(&mut self, s: &Subscription) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO plan_subscriptions (org_id, user_id, provider_id, status,
                                             current_period_end, cancel_at_period_end,
                                             past_due_since, event_created, object_updated,
                                             is_final)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (org_id, user_id) DO UPDATE SET
                provider_id = excluded.provider_id, status = excluded.status,
                current_period_end = excluded.current_period_end,
                cancel_at_period_end = excluded.cancel_at_period_end,
                past_due_since = excluded.past_due_since,
                event_created = excluded.event_created, object_updated = excluded.object_updated,
                is_final = excluded.is_final",
        )
        .bind(s.org_id.0)
        .bind(s.user_id.0)
        .bind(&s.provider_id)
        .bind(s.status.as_str())
        .bind(s.current_period_end)
        .bind(s.cancel_at_period_end)
        .bind(s.past_due_since)
        .bind(s.version.event_created)
        .bind(s.version.object_updated)
        .bind(s.version.is_final);
        self.conn.execute(q).await.map(drop)
    }

    async fn past_due_subscriptions(
        &mut self,
        org: OrgId,
        since_before: DateTime<Utc>,
    ) -> Result<Vec<Subscription>, StoreError> {
        let q = Query::new(
            "SELECT * FROM plan_subscriptions
             WHERE org_id = $1 AND status = 'past_due' AND past_due_since <= $2",
        )
        .bind(org.0)
        .bind(since_before);
        all(&self.conn.fetch_all(q).await?, subscription)
    }

    async fn revoke_subscription_enrollments(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> Result<u64, StoreError> {
        let q = Query::new(
            "UPDATE enrollments SET status = 'revoked', revoked_reason = 'membership_ended'
             WHERE user_id = $1 AND source = 'subscription' AND status = 'active'
               AND course_id IN (SELECT id FROM courses WHERE org_id = $2)",
        )
        .bind(user.0)
        .bind(org.0);
        self.conn.execute(q).await
    }
}

/// Reads a `payments` row.
pub fn payment(row: &impl SqlRow) -> Result<PaymentRecord, StoreError> {
    Ok(PaymentRecord {
        id: id(row, "id")?,
        org_id: id(row, "org_id")?,
        user_id: id(row, "user_id")?,
        course_id: row.opt_uuid("course_id")?.map(Into::into),
        kind: parsed(row, "kind", PaymentKind::parse)?,
        reference: row.text("reference")?,
        amount: row.int("amount")?,
        currency: row.text("currency")?,
        event_id: row.text("event_id")?,
        created_at: row.time("created_at")?,
    })
}

/// Reads a `plan_subscriptions` row.
pub fn subscription(row: &impl SqlRow) -> Result<Subscription, StoreError> {
    Ok(Subscription {
        org_id: id(row, "org_id")?,
        user_id: id(row, "user_id")?,
        provider_id: row.text("provider_id")?,
        status: parsed(row, "status", SubscriptionStatus::parse)?,
        current_period_end: row.opt_time("current_period_end")?,
        cancel_at_period_end: row.bool("cancel_at_period_end")?,
        past_due_since: row.opt_time("past_due_since")?,
        version: SubscriptionVersion {
            event_created: row.int("event_created")?,
            object_updated: row.int("object_updated")?,
            is_final: row.bool("is_final")?,
        },
    })
}
