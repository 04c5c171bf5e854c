//! Invitations: admins invite, list and revoke; the invitee sees, accepts or declines them
//! (in the app, or with the mailed token); members leave.

use super::paths::{InvitationPath, OrgPath};
use super::{Answer, QueryParams, created, no_content, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::{ApiError, ClientErrors};
use crate::extract::{Input, id, page};
use axum::extract::{Path, Query, State};
use lms_core::{InvitationId, InvitationStatus, LmsError, NewMember};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/orgs/{org}/invitations…`, `/me/invitations…`, `/invitations/accept` and
/// `/me/memberships/{org}`.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(invite, invitations))
        .routes(routes!(revoke_invitation))
        .routes(routes!(my_invitations))
        .routes(routes!(accept_invitation))
        .routes(routes!(decline_invitation))
        .routes(routes!(accept_with_token))
        .routes(routes!(leave_org))
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/invitations",
    tag = "Orgs",
    params(OrgPath),
    request_body = NewMember,
    responses((status = 201, description = "the invitation; its link is mailed to the address, which need not have an account yet", body = lms_core::Invitation), ClientErrors)
)]
async fn invite(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(OrgPath { org }): Path<OrgPath>,
    Input(new): Input<NewMember>,
) -> Answer {
    created(s.lms.invite(&actor, &org, new).await?)
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/invitations",
    tag = "Orgs",
    params(OrgPath, ("status" = Option<InvitationStatus>, Query, description = "only invitations in this state"), ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "the org's invitations, newest first", body = lms_core::Page<lms_core::Invitation>), ClientErrors)
)]
async fn invitations(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(OrgPath { org }): Path<OrgPath>,
    Query(q): QueryParams,
) -> Answer {
    let status = match q.get("status") {
        None => None,
        Some(status) => Some(InvitationStatus::parse(status).ok_or_else(|| {
            ApiError(LmsError::Malformed(
                "status must be pending, accepted, declined, revoked or expired".into(),
            ))
        })?),
    };
    let page = page(&q)?;
    ok(s.lms.invitations(&actor, &org, status, page).await?)
}

#[utoipa::path(
    delete,
    path = "/orgs/{org}/invitations/{id}",
    tag = "Orgs",
    params(InvitationPath),
    responses((status = 204, description = "revoked: its link stops working"), ClientErrors)
)]
async fn revoke_invitation(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(InvitationPath {
        org,
        id: invitation,
    }): Path<InvitationPath>,
) -> Answer {
    let invitation: InvitationId = id(&invitation, "the invitation id")?;
    s.lms.revoke_invitation(&actor, &org, invitation).await?;
    no_content()
}

#[utoipa::path(
    get,
    path = "/me/invitations",
    tag = "Me",
    responses((status = 200, description = "`{items}`: pending invitations to my (verified) address", body = crate::schemas::InvitationList), ClientErrors)
)]
async fn my_invitations(State(s): State<AppState>, CurrentActor(actor): CurrentActor) -> Answer {
    ok(json!({ "items": s.lms.my_invitations(&actor).await? }))
}

#[utoipa::path(
    post,
    path = "/me/invitations/{id}/accept",
    tag = "Me",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, description = "`{org, role}`: I am a member now", body = lms_core::Joined), ClientErrors)
)]
async fn accept_invitation(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(invitation): Path<String>,
) -> Answer {
    let invitation: InvitationId = id(&invitation, "the invitation id")?;
    ok(s.lms.accept_invitation(&actor, invitation).await?)
}

#[utoipa::path(
    post,
    path = "/me/invitations/{id}/decline",
    tag = "Me",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 204, description = "declined"), ClientErrors)
)]
async fn decline_invitation(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(invitation): Path<String>,
) -> Answer {
    let invitation: InvitationId = id(&invitation, "the invitation id")?;
    s.lms.decline_invitation(&actor, invitation).await?;
    no_content()
}

#[derive(Deserialize, utoipa::ToSchema)]
struct InvitationToken {
    /// The token of the mailed link.
    token: String,
}

#[utoipa::path(
    post,
    path = "/invitations/accept",
    tag = "Me",
    request_body = InvitationToken,
    responses((status = 200, description = "`{org, role}`: a member now, and the address verified", body = lms_core::Joined), ClientErrors)
)]
async fn accept_with_token(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Input(body): Input<InvitationToken>,
) -> Answer {
    actor.user_id().ok_or(LmsError::Unauthenticated)?;
    let body = body.into_result()?;
    ok(s.lms.accept_invitation_token(&actor, &body.token).await?)
}

#[utoipa::path(
    delete,
    path = "/me/memberships/{org}",
    tag = "Me",
    params(OrgPath),
    responses((status = 204, description = "I left the org"), ClientErrors)
)]
async fn leave_org(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(OrgPath { org }): Path<OrgPath>,
) -> Answer {
    s.lms.leave_org(&actor, &org).await?;
    no_content()
}
