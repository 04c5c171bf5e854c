//! Provider events applied at most once, the payment ledger and membership subscriptions.
use crate::error::StoreError;
use crate::ids::{OrgId, UserId};
use crate::page::PageRequest;
use crate::payment::{PaymentRecord, Subscription};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Provider events applied at most once, the payment ledger and membership subscriptions.
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait PaymentTx: Send {
    /// Records that a provider event is being applied; `false` when it was recorded
    /// before (a redelivery). On a server database a concurrent delivery of the same event
    /// waits here until the first one's transaction ends.
    async fn insert_payment_event(
        &mut self,
        event_id: &str,
        kind: &str,
        received_at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Appends a payment record unless one of the same kind and reference exists; returns
    /// whether it was appended. Records are never updated or deleted.
    async fn insert_payment(&mut self, record: &PaymentRecord) -> Result<bool, StoreError>;
    /// A page of the org's payment records, ordered by id.
    async fn list_payments(
        &mut self,
        org: OrgId,
        page: &PageRequest,
    ) -> Result<Vec<PaymentRecord>, StoreError>;
    /// The user's subscription to the org's membership plan.
    async fn subscription(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> Result<Option<Subscription>, StoreError>;
    /// Every subscription `user` holds, in any org (read in the user's own scope).
    async fn subscriptions_of(&mut self, user: UserId) -> Result<Vec<Subscription>, StoreError>;
    /// Inserts or replaces the user's subscription to the org's plan.
    async fn upsert_subscription(&mut self, subscription: &Subscription) -> Result<(), StoreError>;
    /// The org's subscriptions that have been `past_due` since `since_before` or earlier.
    async fn past_due_subscriptions(
        &mut self,
        org: OrgId,
        since_before: DateTime<Utc>,
    ) -> Result<Vec<Subscription>, StoreError>;
    /// Revokes the user's active enrollments with source `subscription` in the org's
    /// courses (their membership ended); returns how many.
    async fn revoke_subscription_enrollments(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> Result<u64, StoreError>;
}
