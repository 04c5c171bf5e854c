//! Streamed report exports: the caller is authorized once, then rows flow from one query
//! (a course's enrollments) or one page of courses at a time (an org's courses) to whoever
//! reads the stream, in constant memory whatever the course's size.

use super::reports::{OrgReportRow, org_report_page};
use super::{Actor, Lms, allow, org_scope};
use crate::course::Course;
use crate::enrollment::EnrollmentStatus;
use crate::error::LmsError;
use crate::ids::{CourseRef, OrgId, UserId};
use crate::page::{MAX_LIMIT, PageRequest};
use crate::policy::Action;
use crate::progress;
use crate::store::{Access, ExportRow, StoreTx};
use chrono::{DateTime, Utc};
use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt, stream};
use serde::Serialize;
use std::pin::Pin;
use std::sync::Arc;

/// Records of an export, read as they are produced; dropping the stream ends its
/// transaction.
pub type ExportStream<T> = Pin<Box<dyn Stream<Item = Result<T, LmsError>> + Send>>;

/// Exports one [`Lms`] streams at once unless told otherwise
/// ([`Lms::with_concurrent_exports`]).
pub const DEFAULT_CONCURRENT_EXPORTS: usize = 2;

/// How long a caller turned away for want of an export slot is asked to wait.
const EXPORT_RETRY_SECS: u64 = 30;

impl Lms {
    /// Streams at most `exports` exports (course reports, org reports, whole orgs) at once
    /// (default [`DEFAULT_CONCURRENT_EXPORTS`]; at least 1). Each holds a database
    /// connection — and on Postgres an org export's snapshot — for as long as its reader
    /// takes, so without a bound a few slow readers could hold every connection. Past it
    /// an export is refused with 503 `unavailable` (`Retry-After`) at once, after the
    /// sign-in check and before anything is read: a refused export takes no connection.
    pub fn with_concurrent_exports(mut self, exports: usize) -> Self {
        self.export_slots = Arc::new(tokio::sync::Semaphore::new(exports.max(1)));
        self
    }

    /// A slot for one more export, or 503 when every slot is taken.
    pub(super) fn export_slot(&self) -> Result<ExportSlot, LmsError> {
        let slot = self.export_slots.clone().try_acquire_owned();
        slot.map(ExportSlot).map_err(|_| LmsError::Overloaded {
            retry_after_secs: EXPORT_RETRY_SECS,
        })
    }
}

/// One export's place among those streaming at once, held until its stream is dropped.
pub(super) struct ExportSlot(tokio::sync::OwnedSemaphorePermit);

impl ExportSlot {
    /// `rows`, holding this slot until the stream is dropped.
    pub(super) fn hold<T: Send + 'static>(self, rows: ExportStream<T>) -> ExportStream<T> {
        Box::pin(rows.map(move |row| {
            let _held = &self.0;
            row
        }))
    }
}

/// One enrollment's line of a course report export.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CourseExportRow {
    /// The learner.
    pub user_id: UserId,
    /// Their display name.
    pub name: String,
    /// Their email address.
    pub email: String,
    /// Active or revoked.
    pub status: EnrollmentStatus,
    /// When they (last) enrolled.
    pub enrolled_at: DateTime<Utc>,
    /// Their course percent.
    pub percent: u8,
    /// Required lessons they completed (what `percent` counts).
    pub completed_lessons: u32,
    /// The course's required lessons.
    pub total_lessons: u32,
    /// When they completed the course.
    pub completed_at: Option<DateTime<Utc>>,
    /// Their last progress write, attempt or submission.
    pub last_activity_at: Option<DateTime<Utc>>,
}

impl CourseExportRow {
    fn new(row: ExportRow, total_lessons: u32) -> Self {
        Self {
            user_id: row.user_id,
            name: row.name,
            email: row.email,
            status: row.status,
            enrolled_at: row.enrolled_at,
            percent: progress::percent(row.completed_required, total_lessons),
            completed_lessons: row.completed_required,
            total_lessons,
            completed_at: row.completed_at,
            last_activity_at: row.last_activity_at,
        }
    }
}

/// A course report export the caller may read, not yet started: its course (for a file
/// name) and its rows.
pub struct CourseReportExport {
    course: Course,
    rows: ExportStream<CourseExportRow>,
}

impl CourseReportExport {
    /// The exported course.
    pub fn course(&self) -> &Course {
        &self.course
    }

    /// Every enrollment of the course (active and revoked), in no particular order.
    pub fn into_rows(self) -> ExportStream<CourseExportRow> {
        self.rows
    }
}

/// An org report export the caller may read, not yet started.
pub struct OrgReportExport {
    rows: ExportStream<OrgReportRow>,
}

impl OrgReportExport {
    /// Every course of the org (every status) with its summary, by creation order.
    pub fn into_rows(self) -> ExportStream<OrgReportRow> {
        self.rows
    }
}

impl Lms {
    /// Authorizes an export of a course's report (its owner and admins) and prepares it:
    /// errors (401, 403, 404) come from this call, before any row; the rows then stream
    /// from one query in one read transaction, whatever the course's size (on the store's
    /// replica, if it has one: see [`Lms::course_report`]).
    ///
    /// ```no_run
    /// # async fn demo(lms: lms_core::Lms, admin: lms_core::Actor) -> Result<(), lms_core::LmsError> {
    /// use futures_util::TryStreamExt;
    /// use lms_core::CourseRef;
    ///
    /// let export = lms.export_course_report(&admin, CourseRef { org: "acme", course: "rust-101" }).await?;
    /// let mut rows = export.into_rows();
    /// while let Some(row) = rows.try_next().await? {
    ///     println!("{} {}%", row.email, row.percent);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn export_course_report(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
    ) -> Result<CourseReportExport, LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let slot = self.export_slot()?;
        let (mut tx, scope) = self.managed_course(Access::Read, actor, course).await?;
        let outline = self
            .cached_outline(tx.as_mut(), scope.course.clone())
            .await?;
        let total = progress::required_total(&outline.modules);
        let tx = self.lagging_rows(tx, scope.org.id, actor).await?;
        let rows = tx
            .into_export_rows(scope.course.id)
            .map(move |row| Ok(CourseExportRow::new(row?, total)));
        Ok(CourseReportExport {
            course: scope.course,
            rows: slot.hold(Box::pin(rows)),
        })
    }

    /// Authorizes an export of the org report (admins) and prepares it: every course of
    /// the org with its summary, read a page of courses at a time in one read transaction.
    pub async fn export_org_report(
        &self,
        actor: &Actor,
        org: &str,
    ) -> Result<OrgReportExport, LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let slot = self.export_slot()?;
        let mut tx = self.read().await?;
        let scope = org_scope(tx.as_mut(), actor, org).await?;
        allow(&scope.standing, Action::ViewOrgReport)?;
        let tx = self.lagging_rows(tx, scope.org.id, actor).await?;
        let pages = stream::try_unfold(
            (tx, scope.org.id, Some(PageRequest::first(MAX_LIMIT))),
            next_courses,
        );
        let rows = pages
            .map_ok(|rows| stream::iter(rows.into_iter().map(Ok)))
            .try_flatten();
        Ok(OrgReportExport {
            rows: slot.hold(Box::pin(rows)),
        })
    }
}

type CoursePages = (Box<dyn StoreTx>, OrgId, Option<PageRequest>);

/// The next page of an org export's courses, and where the one after starts.
async fn next_courses(
    (mut tx, org, page): CoursePages,
) -> Result<Option<(Vec<OrgReportRow>, CoursePages)>, LmsError> {
    let Some(page) = page else {
        return Ok(None);
    };
    let rows = org_report_page(tx.as_mut(), org, &page).await?;
    let next = rows.next_cursor.as_deref().map(|_| PageRequest {
        after: rows.items.last().map(|r| r.course_id.0),
        ..page
    });
    Ok(Some((rows.items, (tx, org, next))))
}
