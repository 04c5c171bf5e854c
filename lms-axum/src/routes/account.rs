//! The caller's account with the built-in sign-in: password, address, sessions, erasure. Users whose
//! identity comes from the host have no built-in password: for them the password and
//! address routes are `conflict` (409), and they have no sessions here.

use super::{Answer, no_content, ok};
use crate::AppState;
use crate::auth::{CurrentActor, session_token};
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ClientErrors};
use crate::extract::{Input, id};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use lms_core::{ConflictKind, LmsError, SessionId};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `PUT /me/password`, `POST /me/email`, `DELETE /me` and `/me/sessions…`.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(change_password))
        .routes(routes!(delete_account))
        .routes(routes!(change_email))
        .routes(routes!(my_sessions, end_other_sessions))
        .routes(routes!(end_session))
}

/// The built-in sign-in, or `conflict` for a router whose users all come from the host.
fn builtin(s: &AppState) -> Result<&crate::BuiltInAuth, ApiError> {
    s.builtin.as_ref().ok_or_else(|| {
        ApiError(LmsError::Conflict {
            kind: ConflictKind::Conflict,
            message: "accounts here sign in through the host, which manages their password, \
                      address and erasure"
                .into(),
        })
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PasswordChange {
    current_password: String,
    /// 10..=128 characters.
    new_password: String,
}

#[utoipa::path(
    put,
    path = "/me/password",
    tag = "Me",
    request_body = PasswordChange,
    responses((status = 204, description = "changed; every other session ended"), ClientErrors)
)]
async fn change_password(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    client: ClientAddr,
    headers: HeaderMap,
    Input(body): Input<PasswordChange>,
) -> Answer {
    let user = actor.user_id().ok_or(LmsError::Unauthenticated)?;
    let body = body.into_result()?;
    builtin(&s)?
        .change_password(
            user,
            session_token(&headers),
            &body.current_password,
            &body.new_password,
            Some(client.0),
        )
        .await?;
    no_content()
}

#[derive(Deserialize, utoipa::ToSchema)]
struct EmailChange {
    /// The new address.
    email: String,
    /// The account's password.
    password: String,
}

#[utoipa::path(
    post,
    path = "/me/email",
    tag = "Me",
    request_body = EmailChange,
    responses((status = 202, description = "a link is mailed to the new address, which replaces the old one once opened"), ClientErrors)
)]
async fn change_email(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    client: ClientAddr,
    Input(body): Input<EmailChange>,
) -> Answer {
    let user = actor.user_id().ok_or(LmsError::Unauthenticated)?;
    let body = body.into_result()?;
    builtin(&s)?
        .change_email(user, &body.password, &body.email, Some(client.0))
        .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

#[utoipa::path(
    get,
    path = "/me/sessions",
    tag = "Me",
    responses((status = 200, description = "`{items}`: my sessions, newest first; `current` marks this one", body = crate::schemas::SessionList), ClientErrors)
)]
async fn my_sessions(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
) -> Answer {
    let user = actor.user_id().ok_or(LmsError::Unauthenticated)?;
    let items = match &s.builtin {
        Some(auth) => auth.sessions(user, session_token(&headers)).await?,
        None => Vec::new(),
    };
    ok(json!({ "items": items }))
}

#[utoipa::path(
    delete,
    path = "/me/sessions",
    tag = "Me",
    responses((status = 204, description = "every session but this one ended"), ClientErrors)
)]
async fn end_other_sessions(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
) -> Answer {
    let user = actor.user_id().ok_or(LmsError::Unauthenticated)?;
    if let Some(auth) = &s.builtin {
        auth.end_other_sessions(user, session_token(&headers))
            .await?;
    }
    no_content()
}

#[utoipa::path(
    delete,
    path = "/me/sessions/{id}",
    tag = "Me",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 204, description = "that session ended"), ClientErrors)
)]
async fn end_session(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(session): Path<String>,
) -> Answer {
    let user = actor.user_id().ok_or(LmsError::Unauthenticated)?;
    let session: SessionId = id(&session, "the session id")?;
    let Some(auth) = &s.builtin else {
        return Err(LmsError::NotFound("session").into());
    };
    auth.end_session(user, session).await?;
    no_content()
}

#[derive(Deserialize, utoipa::ToSchema)]
struct Erasure {
    /// The account's password.
    password: String,
}

#[utoipa::path(
    delete,
    path = "/me",
    tag = "Me",
    request_body = Erasure,
    responses((status = 204, description = "the account is erased: sessions end, name and address removed, enrollments and certificates revoked"), ClientErrors)
)]
async fn delete_account(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    client: ClientAddr,
    Input(body): Input<Erasure>,
) -> Answer {
    let user = actor.user_id().ok_or(LmsError::Unauthenticated)?;
    let body = body.into_result()?;
    builtin(&s)?
        .delete_account(user, &body.password, Some(client.0))
        .await?;
    no_content()
}
