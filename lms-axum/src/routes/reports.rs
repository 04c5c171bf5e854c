//! Reports for those who run courses: one course's learners, and an org's courses.

use super::paths::{CoursePath, OrgPath};
use super::{Answer, QueryParams, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::ClientErrors;
use crate::extract::page;
use axum::extract::{Path, Query, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `…/courses/{course}/report` and `/orgs/{org}/reports/courses`.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(org_report))
        .routes(routes!(course_report))
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
