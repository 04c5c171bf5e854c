//! The built-in sign-in's routes: sign-up, sign-in and sign-out, each answering with the
//! session cookie, and the mailed links that verify an address or reset a password.

use super::Answer;
use crate::AppState;
use crate::auth::CurrentActor;
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ClientErrors};
use crate::extract::Input;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use lms_core::{Actor, LmsError};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `POST /auth/sign-up`, `/auth/sign-in` and `/auth/sign-out`.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(sign_in_user))
        .routes(routes!(sign_out))
        .routes(routes!(verify_email))
        .routes(routes!(request_password_reset))
        .routes(routes!(confirm_password_reset))
}

/// Where the request comes from, for the session it opens.
fn device(client: &ClientAddr, headers: &HeaderMap) -> crate::Device {
    let agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|agent| agent.to_str().ok());
    crate::Device::new(Some(client.0), agent)
}

/// The built-in sign-in; a router with the host's auth has none, and these routes are not
/// mounted there, so its absence answers like an unknown route.
fn builtin(s: &AppState) -> Result<&crate::BuiltInAuth, ApiError> {
    s.builtin
        .as_ref()
        .ok_or(ApiError(LmsError::NotFound("route")))
}

/// `{user, token}` with the session cookie set.
fn signed_in(auth: &crate::BuiltInAuth, status: StatusCode, signed_in: crate::SignedIn) -> Answer {
    let cookie = auth.cookie(&signed_in.token);
    let body = Json(json!({"user": signed_in.user, "token": signed_in.token}));
    Ok((status, [(axum::http::header::SET_COOKIE, cookie)], body).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct SignUp {
    email: String,
    password: String,
    name: String,
    /// The token of an invitation mailed to `email`: opens a closed sign-up, and proves the
    /// address.
    invitation_token: Option<String>,
}

#[utoipa::path(
    post,
    path = "/auth/sign-up",
    tag = "Auth",
    request_body = SignUp,
    responses((status = 201, description = "`{user, token}` and the session cookie", body = crate::schemas::SignedInBody), ClientErrors)
)]
async fn sign_up(
    State(s): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    Input(body): Input<SignUp>,
) -> Answer {
    let auth = builtin(&s)?;
    // Closed, only an invitation opens it: 403 comes before any complaint about the body.
    let body = match (auth.config().open_sign_up, body.into_result()) {
        (true, body) => body?,
        (false, Ok(body)) if body.invitation_token.is_some() => body,
        (false, _) => return Err(crate::builtin::sign_up_closed().into()),
    };
    let new = lms_core::NewUser {
        email: body.email,
        name: body.name,
    };
    let device = device(&client, &headers);
    let done = match &body.invitation_token {
        Some(token) => {
            auth.sign_up_invited(new, &body.password, token, device)
                .await?
        }
        None => auth.sign_up_from(new, &body.password, device).await?,
    };
    signed_in(auth, StatusCode::CREATED, done)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct SignIn {
    email: String,
    password: String,
}

#[utoipa::path(
    post,
    path = "/auth/sign-in",
    tag = "Auth",
    request_body = SignIn,
    responses((status = 200, description = "`{user, token}` and the session cookie", body = crate::schemas::SignedInBody), ClientErrors)
)]
async fn sign_in_user(
    State(s): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    Input(body): Input<SignIn>,
) -> Answer {
    let auth = builtin(&s)?;
    let body = body.into_result()?;
    signed_in(
        auth,
        StatusCode::OK,
        auth.sign_in(&body.email, &body.password, device(&client, &headers))
            .await?,
    )
}

#[utoipa::path(
    post,
    path = "/auth/sign-out",
    tag = "Auth",
    responses((status = 204, description = "done"), ClientErrors)
)]
async fn sign_out(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    headers: axum::http::HeaderMap,
) -> Answer {
    let auth = builtin(&s)?;
    let (Actor::User(_), Some(token)) = (actor, crate::session_token(&headers)) else {
        return Err(ApiError(LmsError::Unauthenticated));
    };
    auth.sign_out(token).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(axum::http::header::SET_COOKIE, auth.expired_cookie())],
    )
        .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct TokenBody {
    /// The token of the mailed link (its `token` query parameter).
    token: String,
}

#[utoipa::path(
    post,
    path = "/auth/verify-email",
    tag = "Auth",
    request_body = TokenBody,
    responses((status = 200, description = "the user, with the address proven (the new one, for a change of address)", body = lms_core::User), ClientErrors)
)]
async fn verify_email(State(s): State<AppState>, Input(body): Input<TokenBody>) -> Answer {
    let body = body.into_result()?;
    super::ok(s.lms.verify_email(&body.token).await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ResetRequest {
    email: String,
}

#[utoipa::path(
    post,
    path = "/auth/password-reset",
    tag = "Auth",
    request_body = ResetRequest,
    responses((status = 202, description = "accepted, whether or not the address has an account; a reset link is mailed when it has"), ClientErrors)
)]
async fn request_password_reset(
    State(s): State<AppState>,
    client: ClientAddr,
    Input(body): Input<ResetRequest>,
) -> Answer {
    let auth = builtin(&s)?;
    let body = body.into_result()?;
    auth.request_password_reset(&body.email, Some(client.0))
        .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ResetConfirm {
    /// The token of the mailed link.
    token: String,
    /// The new password, 10..=128 characters.
    password: String,
}

#[utoipa::path(
    post,
    path = "/auth/password-reset/confirm",
    tag = "Auth",
    request_body = ResetConfirm,
    responses((status = 200, description = "`{user, token}` and the session cookie; every other session of the user ended", body = crate::schemas::SignedInBody), ClientErrors)
)]
async fn confirm_password_reset(
    State(s): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    Input(body): Input<ResetConfirm>,
) -> Answer {
    let auth = builtin(&s)?;
    let body = body.into_result()?;
    let done = auth
        .reset_password(&body.token, &body.password, device(&client, &headers))
        .await?;
    signed_in(auth, StatusCode::OK, done)
}
