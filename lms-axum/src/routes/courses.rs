//! The catalog: an org's courses, a course with its outline, and a course's copy.

use super::paths::{CoursePath, OrgPath};
use super::{Answer, QueryParams, created, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::{ApiError, ClientErrors};
use crate::extract::{Input, page};
use crate::views;
use axum::extract::{Path, Query, State};
use lms_core::{CourseCopy, CoursePatch, CourseStatus, LmsError, NewCourse};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/orgs/{org}/courses` and `/orgs/{org}/courses/{course}`.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(courses, create_course))
        .routes(routes!(course_outline, update_course))
        .routes(routes!(duplicate_course))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses",
    tag = "Catalog",
    params(OrgPath, ("status" = Option<lms_core::CourseStatus>, Query), ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "success", body = lms_core::Page<lms_core::Course>), ClientErrors)
)]
async fn courses(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(OrgPath { org }): Path<OrgPath>,
    Query(q): QueryParams,
) -> Answer {
    let status = match q.get("status").map(String::as_str) {
        None => None,
        Some(text) => Some(CourseStatus::parse(text).ok_or_else(|| {
            ApiError(LmsError::Malformed(
                "status must be draft, published or archived".into(),
            ))
        })?),
    };
    let page = s.lms.courses(&actor, &org, status, page(&q)?).await?;
    ok(page.map(|c| views::course(&c, &org)))
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses",
    tag = "Catalog",
    params(OrgPath),
    request_body = NewCourse,
    responses((status = 201, description = "success", body = lms_core::Course), ClientErrors)
)]
async fn create_course(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(OrgPath { org }): Path<OrgPath>,
    Input(new): Input<NewCourse>,
) -> Answer {
    created(views::course(
        &s.lms.create_course(&actor, &org, new).await?,
        &org,
    ))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}",
    tag = "Catalog",
    params(CoursePath),
    responses((status = 200, description = "success", body = lms_core::CourseOutline), ClientErrors)
)]
async fn course_outline(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
) -> Answer {
    ok(views::outline(
        &s.lms.course(&actor, path.course()).await?,
        &path.org,
    ))
}

#[utoipa::path(
    patch,
    path = "/orgs/{org}/courses/{course}",
    tag = "Catalog",
    params(CoursePath),
    request_body = CoursePatch,
    responses((status = 200, description = "success", body = lms_core::Course), ClientErrors)
)]
async fn update_course(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
    Input(patch): Input<CoursePatch>,
) -> Answer {
    ok(views::course(
        &s.lms.update_course(&actor, path.course(), patch).await?,
        &path.org,
    ))
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/duplicate",
    tag = "Catalog",
    params(CoursePath),
    request_body = CourseCopy,
    responses((status = 201, description = "the copy: a draft of the same curriculum, owned by the caller, without learners (409 `slug_taken`)", body = lms_core::Course), ClientErrors)
)]
async fn duplicate_course(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
    Input(copy): Input<CourseCopy>,
) -> Answer {
    created(views::course(
        &s.lms.duplicate_course(&actor, path.course(), copy).await?,
        &path.org,
    ))
}
