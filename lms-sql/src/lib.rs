//! # lms-sql
//!
//! The SQL that lms-rs's stores share, written once. [`SqlTx`] implements every part of
//! [`lms_core::StoreTx`] with statements both SQLite and Postgres accept, and decodes rows
//! into domain values with one set of decoders, so the two stores cannot drift apart.
//! What genuinely differs between databases — row locks, bulk inserts (`UNNEST` or
//! chunked `VALUES`), lists of ids (`= ANY($1)` or `IN (…)`), the event outbox's ordering
//! and signals, the tenant scope — is a small dialect seam: [`Connection`] plus one
//! `…Dialect` trait per aggregate that needs one, which each store implements in its own
//! file per aggregate.
//!
//! This crate is internal to `lms-sqlite` and `lms-postgres` (its API may change with
//! them); a store for another sqlx database could implement the same seam.
//!
//! A reader looking for how an aggregate is stored opens `lms-sql/src/<aggregate>.rs` for
//! the statements and decoders, and `lms-<store>/src/tx/<aggregate>.rs` for that store's
//! dialect part, if it has one.
#![warn(missing_docs)]

mod accounts;
mod assessments;
mod certificates;
mod courses;
mod curriculum;
mod discussions;
mod enrollments;
mod events;
mod export;
mod feed;
mod invitations;
mod media;
mod members;
pub mod migrations;
mod orgs;
mod payments;
mod progress;
mod query;
mod reports;
pub mod row;
mod submissions;
mod users;

pub use assessments::insert_attempt;
pub use certificates::CertificateDialect;
pub use courses::CourseDialect;
pub use curriculum::{CurriculumDialect, park_positions};
pub use enrollments::{EnrollmentDialect, find_enrollment};
pub use events::EventDialect;
pub use feed::spawn_event_feed;
pub use invitations::InvitationDialect;
pub use orgs::OrgDialect;
pub use progress::{ProgressDialect, ProgressFields, upsert_progress};
pub use query::{Arg, Query};
pub use reports::ReportDialect;
pub use row::SqlRow;
pub use submissions::update_grade;
pub use users::UserDialect;

/// Row decoders, one per stored value: what each store's dialect part uses to read the
/// rows of its own statements.
pub mod decode {
    pub use crate::accounts::session;
    pub use crate::assessments::attempt;
    pub use crate::certificates::certificate;
    pub use crate::courses::{course, course_context};
    pub use crate::curriculum::{lesson, lesson_summary, module};
    pub use crate::discussions::post;
    pub use crate::enrollments::enrollment;
    pub use crate::events::{event, event_head, notification};
    pub use crate::members::{member, membership};
    pub use crate::orgs::org;
    pub use crate::payments::{payment, subscription};
    pub use crate::progress::{dashboard_item, learner_context, lesson_progress};
    pub use crate::reports::{day_count, export_row, report_row, required_total, rollup_bucket};
    pub use crate::users::user;
}

use async_trait::async_trait;
use futures_core::Stream;
use lms_core::store::{AccountTx, StoreTx, TenantScope};
use lms_core::{PageRequest, StoreError};
use std::pin::Pin;
use uuid::Uuid;

/// One open transaction of a sqlx store, as the shared statements use it.
///
/// Errors are already the store's ([`StoreError::Duplicate`] for a broken unique key,
/// [`StoreError::Unavailable`] for a lost connection).
#[async_trait]
pub trait Connection: Send + Sized + 'static {
    /// The driver's result row.
    type Row: SqlRow;

    /// Whether tenant rows carry their org (`{org_id, }` in a [`Query`] is kept).
    const TENANT_COLUMNS: bool;

    /// Runs a statement; returns how many rows it changed.
    async fn execute(&mut self, query: Query<'_>) -> Result<u64, StoreError>;
    /// Runs a query and returns every row.
    async fn fetch_all(&mut self, query: Query<'_>) -> Result<Vec<Self::Row>, StoreError>;
    /// Runs a query and returns its first row, if any.
    async fn fetch_optional(&mut self, query: Query<'_>) -> Result<Option<Self::Row>, StoreError>;
    /// Runs a query and hands out its rows as the database sends them (exports).
    fn fetch_stream<'a>(&'a mut self, query: Query<'a>) -> RowsAsTheyCome<'a, Self::Row>;
    /// Writes what waits for the commit (the event outbox), then commits.
    async fn commit(self) -> Result<(), StoreError>;
    /// Limits the rest of the transaction to `scope` (see [`TenantScope`]).
    async fn set_scope(&mut self, scope: TenantScope) -> Result<(), StoreError>;
}

/// The rows of [`Connection::fetch_stream`], borrowing the transaction.
pub type RowsAsTheyCome<'a, R> = Pin<Box<dyn Stream<Item = Result<R, StoreError>> + Send + 'a>>;

/// Everything a store's transaction must provide for [`SqlTx`] to implement
/// [`StoreTx`]: the connection and each aggregate's dialect part.
pub trait Dialect:
    Connection
    + OrgDialect
    + UserDialect
    + CourseDialect
    + CurriculumDialect
    + EnrollmentDialect
    + ProgressDialect
    + CertificateDialect
    + ReportDialect
    + EventDialect
    + InvitationDialect
{
}

impl<C> Dialect for C where
    C: Connection
        + OrgDialect
        + UserDialect
        + CourseDialect
        + CurriculumDialect
        + EnrollmentDialect
        + ProgressDialect
        + CertificateDialect
        + ReportDialect
        + EventDialect
        + InvitationDialect
{
}

/// A store transaction made of a dialect's connection and the shared statements: what
/// `lms-sqlite` and `lms-postgres` hand out from `Store::begin`.
pub struct SqlTx<C> {
    conn: C,
}

impl<C: Dialect> SqlTx<C> {
    /// Wraps an open transaction.
    pub fn new(conn: C) -> Self {
        Self { conn }
    }
}

#[async_trait]
impl<C: Dialect> StoreTx for SqlTx<C> {
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.conn.commit().await
    }

    async fn set_scope(&mut self, scope: TenantScope) -> Result<(), StoreError> {
        self.conn.set_scope(scope).await
    }

    fn accounts(&mut self) -> Option<&mut dyn AccountTx> {
        Some(self)
    }
}

/// The sort key after which a page starts: nil (before every v7 id) for the first page.
pub fn after(page: &PageRequest) -> Uuid {
    page.after.unwrap_or(Uuid::nil())
}

/// How many rows to read for a page (one more than it shows, to tell whether it is last).
pub fn limit(page: &PageRequest) -> i64 {
    i64::from(page.fetch_limit())
}

/// An `INSERT … SELECT … FROM courses` writes nothing when the course is gone.
fn expect_one(affected: u64, what: &str) -> Result<(), StoreError> {
    if affected == 1 {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!("the {what} does not exist")))
    }
}
