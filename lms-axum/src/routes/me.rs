//! The caller: who they are, their profile, and the courses they are enrolled in.

use super::{Answer, QueryParams, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::ClientErrors;
use crate::extract::{Input, page};
use crate::views;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `GET /me`, `PATCH /me` and `GET /me/courses`.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me, update_profile))
        .routes(routes!(my_courses))
        .routes(routes!(resend_verification))
}

#[utoipa::path(
    post,
    path = "/me/verify-email",
    tag = "Me",
    responses((status = 202, description = "the verification link is mailed again"), ClientErrors)
)]
async fn resend_verification(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Answer {
    s.lms.resend_email_verification(&actor).await?;
    Ok(axum::http::StatusCode::ACCEPTED.into_response())
}

#[utoipa::path(
    get,
    path = "/me",
    tag = "Me",
    responses((status = 200, description = "success", body = lms_core::Me), ClientErrors)
)]
async fn me(State(s): State<AppState>, CurrentActor(actor): CurrentActor) -> Answer {
    ok(s.lms.me(&actor).await?)
}

#[utoipa::path(
    patch,
    path = "/me",
    tag = "Me",
    request_body = lms_core::ProfilePatch,
    responses((status = 200, description = "the user, changed", body = lms_core::User), ClientErrors)
)]
async fn update_profile(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Input(patch): Input<lms_core::ProfilePatch>,
) -> Answer {
    ok(s.lms.update_profile(&actor, patch).await?)
}

#[utoipa::path(
    get,
    path = "/me/courses",
    tag = "Me",
    params(("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "my enrollments, each with `course` and `progress`", body = crate::schemas::MyCoursesPage), ClientErrors)
)]
async fn my_courses(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): QueryParams,
) -> Answer {
    let page = s.lms.my_courses(&actor, page(&q)?).await?;
    ok(page.map(|item| views::dashboard_item(&item)))
}
