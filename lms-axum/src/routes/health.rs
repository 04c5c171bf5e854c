//! Whether the server answers, and the OpenAPI document of the routes it serves.

use super::{Answer, ok};
use crate::AppState;
use crate::error::{ClientErrors, Problem};
use crate::extract::ApiBase;
use axum::extract::State;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `GET /health`.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

/// `GET /openapi.json`.
pub(super) fn openapi() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_document))
}

#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "Health",
    responses((status = 200, description = "the OpenAPI 3.1 document of these routes", body = crate::schemas::OpenApiDocument))
)]
async fn openapi_document(State(s): State<AppState>, base: ApiBase) -> Answer {
    let mut document = s.openapi.get().cloned().unwrap_or_default();
    // Where this router is: the configured public URL, or the path it is nested under.
    let url = if base.0.is_empty() { "/" } else { &base.0 };
    document["servers"] = json!([{ "url": url }]);
    ok(document)
}

#[utoipa::path(
    get,
    path = "/health",
    tag = "Health",
    responses((status = 200, description = "the store answers", body = crate::schemas::HealthBody), (status = 503, description = "the store does not answer", body = Problem), ClientErrors)
)]
async fn health(State(s): State<AppState>) -> Answer {
    s.lms.health().await?;
    ok(json!({"status": "ok"}))
}
