//! Enrollment: joining a course (or being enrolled by its owner), the list of enrollments,
//! and revoking one.

use super::paths::{CoursePath, EnrollmentPath};
use super::{Answer, QueryParams, created, no_content, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::ClientErrors;
use crate::extract::{Input, id, json_body, page, parse_json};
use axum::extract::{Path, Query, Request, State};
use lms_core::{Parsed, UserId};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `…/enrollments` and `…/enrollments/{user_id}` of a course.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(enrollments, enroll))
        .routes(routes!(revoke_enrollment))
        .routes(routes!(unlock_lessons))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct EnrollBody {
    user_id: Option<UserId>,
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/enrollments",
    tag = "Enrollment",
    params(CoursePath),
    request_body = Option<EnrollBody>,
    responses((status = 201, description = "success", body = lms_core::Enrollment), ClientErrors)
)]
/// `POST …/enrollments`: without a body (or with `null` or `{}`) the caller enrolls; with
/// `{user_id}` an owner or admin enrolls that user.
async fn enroll(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
    request: Request,
) -> Answer {
    let has_body = request
        .headers()
        .contains_key(axum::http::header::CONTENT_TYPE)
        || request
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .is_some_and(|v| v != "0");
    let body: Option<Parsed<Option<UserId>>> = if has_body {
        let parsed = match json_body(request, &s)
            .await
            // `null`, as the document allows, is the caller enrolling, like `{}` or no body.
            .and_then(|bytes| parse_json::<Option<EnrollBody>>(&bytes))
        {
            Ok(body) => Parsed::from(body.and_then(|body| body.user_id)),
            Err(error) => Parsed::failed(error),
        };
        Some(parsed)
    } else {
        None
    };
    let enrollment = match body.map(|b| b.into_result()) {
        None | Some(Ok(None)) => s.lms.enroll(&actor, path.course()).await?,
        Some(Ok(Some(user))) => s.lms.enroll_user(&actor, path.course(), user).await?,
        Some(Err(error)) => {
            s.lms
                .enroll_user(&actor, path.course(), Parsed::failed(error))
                .await?
        }
    };
    created(enrollment)
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/enrollments",
    tag = "Enrollment",
    params(CoursePath, ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "success", body = lms_core::Page<lms_core::Enrollment>), ClientErrors)
)]
async fn enrollments(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
    Query(q): QueryParams,
) -> Answer {
    ok(s.lms.enrollments(&actor, path.course(), page(&q)?).await?)
}

#[utoipa::path(
    delete,
    path = "/orgs/{org}/courses/{course}/enrollments/{user_id}",
    tag = "Enrollment",
    params(EnrollmentPath),
    responses((status = 204, description = "done"), ClientErrors)
)]
async fn revoke_enrollment(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<EnrollmentPath>,
) -> Answer {
    s.lms
        .revoke_enrollment(&actor, path.course(), id(&path.user_id, "user_id")?)
        .await?;
    no_content()
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/enrollments/{user_id}/unlock",
    tag = "Enrollment",
    params(EnrollmentPath),
    request_body = lms_core::UnlockRequest,
    responses((status = 200, description = "the enrollment, with the lessons opened for this learner", body = lms_core::Enrollment), ClientErrors)
)]
async fn unlock_lessons(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<EnrollmentPath>,
    Input(request): Input<lms_core::UnlockRequest>,
) -> Answer {
    let user = id(&path.user_id, "user_id")?;
    ok(s.lms
        .unlock_lessons(&actor, path.course(), user, request)
        .await?)
}
