//! The routes of the contract this crate serves, by area, each a thin handler: parse, call
//! the service, shape the answer. Every area has a `routes()` with its piece of the router,
//! each route registered together with its OpenAPI description.

#[cfg(feature = "sign-in")]
mod account;
mod assignments;
#[cfg(feature = "sign-in")]
mod auth;
#[cfg(feature = "pdf")]
mod certificate_pdf;
mod certificates;
mod courses;
mod curriculum;
mod discussions;
mod enrollments;
mod events;
mod health;
mod invitations;
mod learning;
mod me;
#[cfg(feature = "media")]
pub(crate) mod media;
mod notifications;
mod orgs;
mod paths;
mod payments;
mod reports;
#[cfg(feature = "stripe")]
mod stripe_webhook;

use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;

/// What every handler returns: a response, or an error answered as problem+json.
type Answer = Result<Response, ApiError>;

/// The query string as text, for handlers that read it themselves so that a bad value is
/// answered as problem+json (400 or 422) rather than by the extractor.
type QueryParams = Query<HashMap<String, String>>;

/// 200 with `value` as JSON.
fn ok(value: impl serde::Serialize) -> Answer {
    Ok(Json(value).into_response())
}

/// 201 with `value` as JSON.
fn created(value: impl serde::Serialize) -> Answer {
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

/// 204, no body.
fn no_content() -> Answer {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Every route this crate serves, relative to where the host nests the router, each
/// registered together with its OpenAPI description.
pub fn all() -> OpenApiRouter<AppState> {
    let routes = OpenApiRouter::new()
        .merge(health::routes())
        .merge(me::routes())
        .merge(orgs::routes())
        .merge(invitations::routes())
        .merge(courses::routes())
        .merge(curriculum::routes())
        .merge(enrollments::routes())
        .merge(learning::routes())
        .merge(assignments::routes())
        .merge(reports::routes())
        .merge(certificates::routes())
        .merge(payments::routes())
        .merge(discussions::routes())
        .merge(notifications::routes())
        .merge(events::routes());
    #[cfg(feature = "pdf")]
    let routes = routes.merge(certificate_pdf::routes());
    #[cfg(feature = "media")]
    let routes = routes.merge(media::routes());
    #[cfg(feature = "stripe")]
    let routes = routes.merge(stripe_webhook::routes());
    #[cfg(feature = "sign-in")]
    let routes = routes.merge(account::routes());
    routes
}

/// `GET /openapi.json`.
pub fn openapi() -> OpenApiRouter<AppState> {
    health::openapi()
}

/// The built-in sign-in's routes.
#[cfg(feature = "sign-in")]
pub fn sign_in() -> OpenApiRouter<AppState> {
    auth::routes()
}
