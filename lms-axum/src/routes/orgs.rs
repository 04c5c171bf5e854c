//! Orgs, their members, and an org's export.

use super::paths::{MemberPath, OrgPath};
use super::{Answer, QueryParams, created, no_content, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::ClientErrors;
use crate::export::streamed_ndjson;
use crate::extract::{Input, id, page};
use crate::views;
use axum::extract::{Path, Query, State};
use lms_core::{NewOrg, OrgPatch, Role, UserId};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/orgs`, `/orgs/{org}` and `/orgs/{org}/members…`.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_org))
        .routes(routes!(org, update_org))
        .routes(routes!(members))
        .routes(routes!(set_member_role, remove_member))
        .routes(routes!(org_export))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/export",
    tag = "Orgs",
    params(OrgPath),
    responses(
        (status = 200, description = "the whole org in the versioned export format (docs/export-format.md in the repository), streamed: one JSON record a line, the header first and the end last; never a password, session or token",
         content((String = "application/x-ndjson"))),
        ClientErrors
    )
)]
async fn org_export(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(OrgPath { org }): Path<OrgPath>,
) -> Answer {
    let export = s.lms.export_org(&actor, &org).await?;
    let stem = format!("{}-export", export.org().slug);
    Ok(streamed_ndjson(export.into_records(), &stem))
}

#[utoipa::path(
    post,
    path = "/orgs",
    tag = "Orgs",
    request_body = NewOrg,
    responses((status = 201, description = "success", body = lms_core::Org), ClientErrors)
)]
async fn create_org(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Input(new): Input<NewOrg>,
) -> Answer {
    created(views::org(&s.lms.create_org(&actor, new).await?))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}",
    tag = "Orgs",
    params(OrgPath),
    responses((status = 200, description = "success", body = lms_core::Org), ClientErrors)
)]
async fn org(State(s): State<AppState>, Path(OrgPath { org }): Path<OrgPath>) -> Answer {
    ok(views::org(&s.lms.org(&org).await?))
}

#[utoipa::path(
    patch,
    path = "/orgs/{org}",
    tag = "Orgs",
    params(OrgPath),
    request_body = OrgPatch,
    responses((status = 200, description = "success", body = lms_core::Org), ClientErrors)
)]
async fn update_org(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(OrgPath { org }): Path<OrgPath>,
    Input(patch): Input<OrgPatch>,
) -> Answer {
    ok(views::org(&s.lms.update_org(&actor, &org, patch).await?))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/members",
    tag = "Orgs",
    params(OrgPath, ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "success", body = lms_core::Page<lms_core::Member>), ClientErrors)
)]
async fn members(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(OrgPath { org }): Path<OrgPath>,
    Query(q): QueryParams,
) -> Answer {
    ok(s.lms.members(&actor, &org, page(&q)?).await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RoleBody {
    role: Role,
}

#[utoipa::path(
    put,
    path = "/orgs/{org}/members/{user_id}",
    tag = "Orgs",
    params(MemberPath),
    request_body = RoleBody,
    responses((status = 200, description = "the member, with the new role (existing members only: nobody is added without their consent)", body = lms_core::Member), ClientErrors)
)]
async fn set_member_role(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(MemberPath { org, user_id }): Path<MemberPath>,
    Input(body): Input<RoleBody>,
) -> Answer {
    let user: UserId = id(&user_id, "user_id")?;
    ok(s.lms
        .change_member_role(&actor, &org, user, body.map(|b| b.role))
        .await?)
}

#[utoipa::path(
    delete,
    path = "/orgs/{org}/members/{user_id}",
    tag = "Orgs",
    params(MemberPath),
    responses((status = 204, description = "done"), ClientErrors)
)]
async fn remove_member(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(MemberPath { org, user_id }): Path<MemberPath>,
) -> Answer {
    s.lms
        .remove_member(&actor, &org, id(&user_id, "user_id")?)
        .await?;
    no_content()
}
