//! Reports, read from the per-enrollment rollups: a course report costs one row per
//! enrollment on the page plus one per distinct completed count, never a scan of progress.

use super::{Actor, Lms, allow, org_scope};
use crate::course::CourseStatus;
use crate::error::LmsError;
use crate::ids::CourseRef;
use crate::ids::{CourseId, OrgId, UserId};
use crate::page::{Page, PageRequest};
use crate::policy::Action;
use crate::progress;
use crate::report::{self, PERCENT_BINS, WeekCompletions};
use crate::store::{Access, CourseKey, StoreTx, TenantScope};
use crate::store::{CourseFilter, RollupBucket};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// Enrollment and completion figures of one course (active enrollments).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CourseSummary {
    /// Active enrollments.
    pub enrolled: u64,
    /// Of those, how many completed the course.
    pub completed: u64,
    /// The mean of the learners' percentages (0 when nobody is enrolled).
    pub average_percent: f64,
    /// Active learners per tenth of the course: 0–9 %, 10–19 %, … 90–99 %, then 100 %.
    pub distribution: [u64; PERCENT_BINS],
    /// Completions of active enrollments in each of the last 26 ISO weeks, oldest first
    /// (filled by [`Lms::course_report`]; empty in sums that do not read it).
    pub completions_by_week: Vec<WeekCompletions>,
}

impl CourseSummary {
    /// Sums the rollup buckets of one course whose curriculum has `required_total`
    /// required lessons.
    pub fn from_buckets<'a>(
        buckets: impl IntoIterator<Item = &'a RollupBucket>,
        required_total: u32,
    ) -> Self {
        let (mut enrolled, mut completed, mut percent_sum) = (0u64, 0u64, 0u64);
        let mut learners_at = Vec::new();
        for b in buckets {
            learners_at.push((b.completed_required, b.enrollments));
            enrolled += b.enrollments;
            completed += b.completed;
            percent_sum +=
                u64::from(progress::percent(b.completed_required, required_total)) * b.enrollments;
        }
        let average_percent = if enrolled == 0 {
            0.0
        } else {
            percent_sum as f64 / enrolled as f64
        };
        Self {
            enrolled,
            completed,
            average_percent,
            distribution: report::distribution(learners_at, required_total),
            completions_by_week: Vec::new(),
        }
    }
}

/// One learner's line of a course report.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CourseReportItem {
    /// The learner.
    pub user_id: UserId,
    /// The learner's display name.
    pub name: String,
    /// Their course percent.
    pub percent: u8,
    /// When they completed the course.
    pub completed_at: Option<DateTime<Utc>>,
}

/// A course report: the summary and a page of learners.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CourseReport {
    /// Figures over every active enrollment.
    pub summary: CourseSummary,
    /// This page's learners, by enrollment order.
    pub items: Vec<CourseReportItem>,
    /// The cursor of the next page.
    pub next_cursor: Option<String>,
}

/// One course's line of the org report.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OrgReportRow {
    /// The course.
    pub course_id: CourseId,
    /// Its slug.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Draft, published or archived.
    pub status: CourseStatus,
    /// Active enrollments.
    pub enrolled: u64,
    /// Completed enrollments.
    pub completed: u64,
    /// Mean learner percent.
    pub average_percent: f64,
}

/// One enrollment whose stored rollup disagrees with its progress rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollupMismatch {
    /// The learner.
    pub user_id: UserId,
    /// The stored count of completed required lessons.
    pub stored: u32,
    /// The count recomputed from the progress rows.
    pub recomputed: u32,
}

/// The result of [`Lms::check_rollups`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RollupCheck {
    /// Enrollments checked.
    pub checked: u64,
    /// Those whose rollup is wrong (empty when all is well).
    pub mismatches: Vec<RollupMismatch>,
    /// Whether the stored course summary (enrollments per completed count, which reports
    /// read) agrees with a count of the enrollment rows.
    pub summary_matches: bool,
}

impl RollupCheck {
    /// No rollup and no summary differs from its recomputation.
    pub fn is_exact(&self) -> bool {
        self.mismatches.is_empty() && self.summary_matches
    }
}

impl Lms {
    /// The course report (its owner and admins): the summary over every active enrollment
    /// and a page of learners with their percent. The caller is authorized on the primary;
    /// on a store with a replica ([`crate::Store::begin_replica`]) the report's rows are
    /// read there, and may lag the latest writes by a moment.
    pub async fn course_report(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        page: PageRequest,
    ) -> Result<CourseReport, LmsError> {
        let (mut tx, scope) = self.managed_course(Access::Read, actor, course).await?;
        let course_id = scope.course.id;
        let outline = self.cached_outline(tx.as_mut(), scope.course).await?;
        let total = progress::required_total(&outline.modules);
        let mut tx = self.lagging_rows(tx, scope.org.id, actor).await?;
        let buckets = tx.rollup_buckets(&[course_id]).await?;
        let now = self.now();
        let per_day = tx
            .completions_per_day(course_id, report::completions_since(now))
            .await?;
        let rows = tx.report_rows(course_id, &page).await?;
        let page = Page::from_rows(rows, &page, |r| r.enrollment.id.0);
        Ok(CourseReport {
            summary: CourseSummary {
                completions_by_week: report::completions_by_week(per_day, now.date_naive()),
                ..CourseSummary::from_buckets(&buckets, total)
            },
            items: page
                .items
                .into_iter()
                .map(|r| CourseReportItem {
                    user_id: r.enrollment.user_id,
                    name: r.name,
                    percent: progress::percent(r.enrollment.completed_required, total),
                    completed_at: r.enrollment.completed_at,
                })
                .collect(),
            next_cursor: page.next_cursor,
        })
    }

    /// The org report (admins): a page of the org's courses, every status, each with its
    /// summary (read on the store's replica, if it has one, as [`Lms::course_report`]'s).
    pub async fn org_report(
        &self,
        actor: &Actor,
        org: &str,
        page: PageRequest,
    ) -> Result<Page<OrgReportRow>, LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.read().await?;
        let scope = org_scope(tx.as_mut(), actor, org).await?;
        allow(&scope.standing, Action::ViewOrgReport)?;
        let mut tx = self.lagging_rows(tx, scope.org.id, actor).await?;
        org_report_page(tx.as_mut(), scope.org.id, &page).await
    }

    /// Recomputes every enrollment rollup of a course from its raw progress rows with the
    /// core's rules and compares it with the stored one. An operator's (and the test
    /// suite's) check; it reads every progress row of the course, so do not serve it.
    pub async fn check_rollups(&self, course: CourseRef<'_>) -> Result<RollupCheck, LmsError> {
        let mut tx = self.read().await?;
        let org = tx
            .org_by_slug(course.org)
            .await?
            .ok_or(LmsError::NotFound("org"))?;
        tx.set_scope(TenantScope {
            org: Some(org.id),
            user: None,
        })
        .await?;
        let course = tx
            .course(org.id, CourseKey::parse(course.course))
            .await?
            .ok_or(LmsError::NotFound("course"))?
            .id;
        check_rollups_in(tx.as_mut(), course).await
    }
}

/// [`Lms::check_rollups`] in `tx` (an import checks what it wrote before it commits).
pub(super) async fn check_rollups_in(
    tx: &mut dyn StoreTx,
    course: CourseId,
) -> Result<RollupCheck, LmsError> {
    let outline = tx.outline(course).await?;
    let mut check = RollupCheck::default();
    // (completed count) → (active enrollments, of which completed), from the rows.
    let mut counted: std::collections::BTreeMap<u32, (u64, u64)> =
        std::collections::BTreeMap::new();
    let mut page = PageRequest::first(crate::page::MAX_LIMIT);
    loop {
        let enrollments = tx.list_enrollments(course, &page).await?;
        let more = enrollments.len() > page.limit as usize;
        let users: Vec<UserId> = enrollments
            .iter()
            .take(page.limit as usize)
            .map(|e| e.user_id)
            .collect();
        let mut by_user: std::collections::HashMap<UserId, Vec<crate::enrollment::LessonProgress>> =
            std::collections::HashMap::new();
        for row in tx.progress_rows(&users, &[course]).await? {
            by_user.entry(row.user_id).or_default().push(row);
        }
        for e in enrollments.iter().take(page.limit as usize) {
            if e.is_active() {
                let bucket = counted.entry(e.completed_required).or_default();
                bucket.0 += 1;
                bucket.1 += u64::from(e.completed_at.is_some());
            }
            let rows = by_user.remove(&e.user_id).unwrap_or_default();
            let recomputed = progress::completed_required(&outline, &rows);
            check.checked += 1;
            if recomputed != e.completed_required {
                check.mismatches.push(RollupMismatch {
                    user_id: e.user_id,
                    stored: e.completed_required,
                    recomputed,
                });
            }
        }
        match enrollments.get(page.limit as usize - 1) {
            Some(last) if more => page.after = Some(last.id.0),
            _ => break,
        }
    }
    let stored: std::collections::BTreeMap<u32, (u64, u64)> = tx
        .rollup_buckets(&[course])
        .await?
        .into_iter()
        .filter(|b| b.enrollments > 0)
        .map(|b| (b.completed_required, (b.enrollments, b.completed)))
        .collect();
    check.summary_matches = stored == counted;
    Ok(check)
}

/// A page of the org's courses (every status), each with its summary from the rollups.
pub(super) async fn org_report_page(
    tx: &mut dyn StoreTx,
    org: OrgId,
    page: &PageRequest,
) -> Result<Page<OrgReportRow>, LmsError> {
    let every_course = CourseFilter {
        status: None,
        owner: None,
    };
    let courses = tx.list_courses(org, every_course, page).await?;
    let page = Page::from_rows(courses, page, |c| c.id.0);
    let ids: Vec<CourseId> = page.items.iter().map(|c| c.id).collect();
    let totals: HashMap<CourseId, u32> = tx.required_totals(&ids).await?.into_iter().collect();
    let mut buckets: HashMap<CourseId, Vec<RollupBucket>> = HashMap::new();
    for b in tx.rollup_buckets(&ids).await? {
        buckets.entry(b.course_id).or_default().push(b);
    }
    Ok(page.map(|c| {
        let summary = CourseSummary::from_buckets(
            buckets.get(&c.id).into_iter().flatten(),
            totals.get(&c.id).copied().unwrap_or(0),
        );
        OrgReportRow {
            course_id: c.id,
            slug: c.slug,
            title: c.title,
            status: c.status,
            enrolled: summary.enrolled,
            completed: summary.completed,
            average_percent: summary.average_percent,
        }
    }))
}
