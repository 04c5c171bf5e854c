//! The storage seam: what a backend must do, and nothing it may decide.
//!
//! A [`Store`] opens transactions; a [`StoreTx`] reads and writes rows inside one. The
//! [`crate::Lms`] service runs every use-case in a single transaction: it loads facts,
//! asks the policy and the domain rules, writes, and commits. Dropping a `StoreTx` without
//! [`StoreTx::commit`] rolls everything back, so an error never leaves a half-written state.
//!
//! Backends prove themselves with the shared conformance suite (`lms-core` feature
//! `testing`, [`crate::conformance_tests!`]).

mod accounts;
mod assessments;
mod certificates;
mod courses;
mod curriculum;
mod discussions;
mod enrollments;
mod events;
mod export;
mod invitations;
mod media;
mod members;
#[cfg(test)]
mod mock;
mod orgs;
mod payments;
mod progress;
mod reports;
mod submissions;
mod users;

pub use accounts::{AccountToken, AccountTx, AuthSession, TokenPurpose};
pub use assessments::AssessmentTx;
pub use certificates::CertificateTx;
pub use courses::{CourseContext, CourseFilter, CourseKey, CourseTx};
pub use curriculum::CurriculumTx;
pub use discussions::DiscussionTx;
pub use enrollments::{EnrollmentTx, EnrollmentWithCourse};
pub use events::EventTx;
pub use export::{ExportTx, OrgRow};
pub use invitations::{InvitationFilter, InvitationTx};
pub use media::MediaTx;
pub use members::MemberTx;
#[cfg(test)]
pub use mock::MockStoreTx;
pub use orgs::OrgTx;
pub use payments::PaymentTx;
pub use progress::{LearnerContext, LearnerWrite, ProgressTx};
pub use reports::{ExportRow, ReportRow, ReportTx, RollupBucket, RowStream};
pub use submissions::{GradingContext, SubmissionFilter, SubmissionTx};
pub use users::UserTx;

use crate::enrollment::LessonProgress;
use crate::error::StoreError;
use crate::event::{EventHead, EventSeq};
use crate::feed::EventFeed;
use crate::ids::{LessonId, OrgId, UserId};
use crate::page::PageRequest;
use async_trait::async_trait;

/// Whether a transaction will write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Reads only (a backend may use a read-only or deferred transaction).
    Read,
    /// Reads and writes (SQLite takes its write lock up front).
    Write,
    /// Reads only, every statement seeing the store at one moment, however long the
    /// transaction lasts (an org's export: Postgres's `REPEATABLE READ`; a SQLite read
    /// transaction already is one).
    Snapshot,
}

/// Whose rows a transaction works on: the org the call is about and the signed-in user.
///
/// The service states it as soon as it knows it. Backends that enforce tenant isolation
/// themselves (Postgres row-level security) then limit the transaction to that org's rows,
/// plus the user's own memberships and enrollments elsewhere; other backends ignore it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TenantScope {
    /// The org whose rows the transaction reads and writes.
    pub org: Option<OrgId>,
    /// The caller, whose own memberships and enrollments are readable across orgs.
    pub user: Option<UserId>,
}

/// A storage backend: opens transactions.
///
/// Held as `Arc<dyn Store>` by [`crate::Lms`], so it must be `Send + Sync`.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Opens a transaction.
    async fn begin(&self, access: Access) -> Result<Box<dyn StoreTx>, StoreError>;

    /// Opens a read transaction on a replica of the store, if it has one (`None`: the call
    /// reads in its own transaction instead). A replica may lag the latest commits by a
    /// moment, so the core reads only rows there that may be that old — reports, exports,
    /// the catalog — and never authorization (roles, enrollments) or anything that follows
    /// the caller's own writes. A store that wraps another forwards this call.
    async fn begin_replica(&self) -> Result<Option<Box<dyn StoreTx>>, StoreError> {
        Ok(None)
    }

    /// [`ProgressTx::learner_context`] in a transaction of its own, in the scope of `org`
    /// and `user`: the read a learner's own progress read or write begins with. A backend
    /// that can run it in one round trip overrides this (Postgres: one statement that sets
    /// its scope itself); the default opens a read transaction for it.
    async fn learner_context<'k>(
        &self,
        org: OrgId,
        slug: &str,
        course: CourseKey<'k>,
        user: UserId,
        attempts_at: Option<LessonId>,
    ) -> Result<Option<LearnerContext>, StoreError> {
        let mut tx = self.begin(Access::Read).await?;
        tx.set_scope(TenantScope {
            org: Some(org),
            user: Some(user),
        })
        .await?;
        let context = tx
            .learner_context(org, slug, course, user, attempts_at)
            .await?;
        tx.commit().await?;
        Ok(context)
    }

    /// [`ProgressTx::dashboard_page`] in a transaction of its own, in `user`'s scope (as
    /// [`Store::learner_context`]).
    async fn dashboard_page(
        &self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<(EnrollmentWithCourse, Vec<LessonProgress>)>, StoreError> {
        let mut tx = self.begin(Access::Read).await?;
        tx.set_scope(TenantScope {
            org: None,
            user: Some(user),
        })
        .await?;
        let rows = tx.dashboard_page(user, page).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// [`ProgressTx::apply_learner_write`] in a transaction of its own, in the scope of
    /// the write's org and learner (as [`Store::learner_context`]); committed when it
    /// applied.
    async fn apply_learner_write(&self, write: &LearnerWrite) -> Result<bool, StoreError> {
        let mut tx = self.begin(Access::Write).await?;
        tx.set_scope(TenantScope {
            org: Some(write.org),
            user: Some(write.enrollment.user_id),
        })
        .await?;
        let applied = tx.apply_learner_write(write).await?;
        if applied {
            tx.commit().await?;
        }
        Ok(applied)
    }

    /// [`AccountTx::session`] on its own: the lookup every request signed in by a built-in
    /// session token begins with. A backend that can answer in one round trip overrides
    /// this (Postgres: one statement in autocommit); the default opens a read transaction
    /// for it, and fails with [`StoreError::Backend`] for a store that keeps no accounts
    /// ([`StoreTx::accounts`] is `None`).
    async fn session(&self, token_hash: &str) -> Result<Option<AuthSession>, StoreError> {
        let mut tx = self.begin(Access::Read).await?;
        let accounts = tx.accounts().ok_or_else(|| {
            StoreError::Backend(
                "the built-in sign-in needs a store that keeps accounts (StoreTx::accounts \
                 is None): use lms-sqlite or lms-postgres, or bring your own Authenticate"
                    .into(),
            )
        })?;
        let session = accounts.session(token_hash).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// Checks that the backend answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Refreshes the database's planner statistics, after a bulk import changed the tables'
    /// sizes by orders of magnitude (until then a server may pick plans made for empty
    /// tables). Does nothing by default.
    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// The outbox's newest position (0 when empty).
    async fn last_event_seq(&self) -> Result<EventSeq, StoreError>;

    /// Up to `limit` events after `after`, oldest first, as heads: what the dispatcher
    /// tells subscribers. Reads every org's events (heads carry ids only), so backends
    /// that isolate tenants in the database answer it with the owner's rights.
    async fn event_heads(&self, after: EventSeq, limit: u32) -> Result<Vec<EventHead>, StoreError>;

    /// Signals, as they come, that a transaction appended events — from this process,
    /// and on a server database from every process using it. `None` when the backend
    /// cannot tell (the dispatcher then polls).
    async fn listen(&self) -> Result<Option<Box<dyn EventSignals>>, StoreError> {
        Ok(None)
    }

    /// Starts the background task that keeps `feed` current: it waits on the signals of
    /// [`EventFeed::store`]'s [`Store::listen`] (and reads anyway every
    /// [`EventFeed::poll_interval`]), reads new heads with [`Store::event_heads`] after
    /// [`EventFeed::position`], and [`EventFeed::publish`]es them, until `publish` returns
    /// `false`. A store that wraps another forwards this call. The core has no
    /// runtime: the store runs this on its own (`lms_sql::spawn_event_feed` on Tokio).
    /// Called once per [`crate::Lms`], on its first subscriber.
    fn start_event_feed(&self, feed: EventFeed) -> Result<(), StoreError>;
}

/// A stream of "events were committed" signals from [`Store::listen`].
#[async_trait]
pub trait EventSignals: Send {
    /// Waits for the next signal. Signals may be merged or, after an error, lost: the
    /// dispatcher reads the outbox after each one, and also on a timer.
    async fn next(&mut self) -> Result<(), StoreError>;
}

/// One transaction: the union of the per-aggregate parts below, plus `commit` and the
/// tenant scope. Every method runs inside it; nothing is visible to others before
/// [`StoreTx::commit`], and dropping it rolls back.
///
/// Each aggregate's methods live in their own trait (at most 20 methods each), so that a
/// reader — or a new backend — finds one concern in one place: [`OrgTx`], [`MemberTx`],
/// [`UserTx`], [`CourseTx`], [`CurriculumTx`], [`EnrollmentTx`], [`ProgressTx`],
/// [`AssessmentTx`], [`CertificateTx`], [`ReportTx`], [`DiscussionTx`], [`EventTx`],
/// [`PaymentTx`], [`InvitationTx`], [`MediaTx`] and [`SubmissionTx`]. A `dyn StoreTx` answers all of their methods.
///
/// Methods named `lock_*` read a row and hold it until the transaction ends, so that a
/// read-decide-write sequence on it cannot interleave with another.
/// Inserts report a broken unique key as [`StoreError::Duplicate`].
#[async_trait]
pub trait StoreTx:
    OrgTx
    + MemberTx
    + UserTx
    + CourseTx
    + CurriculumTx
    + EnrollmentTx
    + ProgressTx
    + AssessmentTx
    + CertificateTx
    + ReportTx
    + DiscussionTx
    + EventTx
    + PaymentTx
    + InvitationTx
    + MediaTx
    + SubmissionTx
    + ExportTx
    + Send
{
    /// Makes every write of the transaction durable and visible.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;

    /// Limits the rest of the transaction to `scope` (see [`TenantScope`]); may be called
    /// again to move to another org.
    async fn set_scope(&mut self, scope: TenantScope) -> Result<(), StoreError>;

    /// The credentials and sessions of an authentication front end, in this same
    /// transaction (sign-up writes a user and a password together). `None` (the default)
    /// for a store that keeps none: a host that signs users in itself need not implement
    /// [`AccountTx`].
    fn accounts(&mut self) -> Option<&mut dyn AccountTx> {
        None
    }
}
