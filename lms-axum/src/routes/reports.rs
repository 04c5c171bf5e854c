//! Reports for those who run courses: one course's learners, and an org's courses, as
//! pages or as streamed exports.

use super::paths::{CoursePath, OrgPath};
use super::{Answer, QueryParams, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::ClientErrors;
use crate::export::{ExportFormat, streamed};
use crate::extract::page;
use axum::extract::{Path, Query, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `…/courses/{course}/report` and `/orgs/{org}/reports/courses`, and their `/export`s.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(org_report))
        .routes(routes!(org_report_export))
        .routes(routes!(course_report))
        .routes(routes!(course_report_export))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/report",
    tag = "Progress",
    params(CoursePath, ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "success", body = lms_core::CourseReport), ClientErrors)
)]
async fn course_report(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
    Query(q): QueryParams,
) -> Answer {
    ok(s.lms
        .course_report(&actor, path.course(), page(&q)?)
        .await?)
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/reports/courses",
    tag = "Progress",
    params(OrgPath, ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "success", body = lms_core::Page<lms_core::OrgReportRow>), ClientErrors)
)]
async fn org_report(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(OrgPath { org }): Path<OrgPath>,
    Query(q): QueryParams,
) -> Answer {
    ok(s.lms.org_report(&actor, &org, page(&q)?).await?)
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/report/export",
    tag = "Progress",
    params(CoursePath, ("format" = Option<String>, Query, description = "csv (the default) or ndjson")),
    responses(
        (status = 200, description = "every enrollment (active and revoked), streamed: CSV with a header row (cells a spreadsheet would run as a formula start with '), or one JSON object a line",
         content((String = "text/csv"), (lms_core::CourseExportRow = "application/x-ndjson"))),
        ClientErrors
    )
)]
async fn course_report_export(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
    Query(q): QueryParams,
) -> Answer {
    // Authorization answers first (401, 404, 403), the format after (422).
    let format = ExportFormat::from_query(&q);
    let export = s.lms.export_course_report(&actor, path.course()).await?;
    let stem = format!("{}-report", export.course().slug);
    Ok(streamed(export.into_rows(), format?, &stem))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/reports/courses/export",
    tag = "Progress",
    params(OrgPath, ("format" = Option<String>, Query, description = "csv (the default) or ndjson")),
    responses(
        (status = 200, description = "every course of the org with its summary, streamed, in the course report export's formats",
         content((String = "text/csv"), (lms_core::OrgReportRow = "application/x-ndjson"))),
        ClientErrors
    )
)]
async fn org_report_export(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(OrgPath { org }): Path<OrgPath>,
    Query(q): QueryParams,
) -> Answer {
    let format = ExportFormat::from_query(&q);
    let export = s.lms.export_org_report(&actor, &org).await?;
    Ok(streamed(
        export.into_rows(),
        format?,
        &format!("{org}-courses"),
    ))
}
