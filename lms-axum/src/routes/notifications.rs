//! The caller's notifications: the inbox and marking it read (the live stream of it is
//! among the [event streams](super::events)).

use super::{Answer, QueryParams, no_content, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::ClientErrors;
use crate::extract::{Input, page};
use axum::extract::{Query, State};
use lms_core::MarkRead;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `GET /me/notifications` and `POST /me/notifications/read`.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(notifications))
        .routes(routes!(mark_read))
}

#[utoipa::path(
    get,
    path = "/me/notifications",
    tag = "Me",
    params(("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "paginated notifications, newest first", body = lms_core::Page<lms_core::Notification>), ClientErrors)
)]
async fn notifications(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(query): QueryParams,
) -> Answer {
    let page = page(&query)?;
    ok(s.lms.notifications(&actor, page).await?)
}

#[utoipa::path(
    post,
    path = "/me/notifications/read",
    tag = "Me",
    request_body = MarkRead,
    responses((status = 204, description = "marked read"), ClientErrors)
)]
async fn mark_read(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Input(input): Input<MarkRead>,
) -> Answer {
    s.lms.mark_notifications_read(&actor, input).await?;
    no_content()
}
