//! `POST /webhooks/stripe` (feature `stripe`): a payment provider's events, verified and
//! applied by the service. The raw body is read, since the signature covers the exact bytes.

use super::{Answer, ok};
use crate::AppState;
use crate::error::Problem;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use lms_core::LmsError;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stripe_webhook))
}

#[utoipa::path(
    post,
    path = "/webhooks/stripe",
    tag = "Payments",
    request_body(content = String, description = "the event exactly as Stripe sent it", content_type = "application/json"),
    responses((status = 200, description = "verified and applied (also a duplicate or an ignored type)", body = crate::schemas::WebhookReceipt), (status = 400, description = "bad signature", body = Problem, content_type = "application/problem+json"), (status = "5XX", description = "applying failed: Stripe retries", body = Problem, content_type = "application/problem+json"))
)]
async fn stripe_webhook(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Answer {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(event) = s.lms.read_payment_webhook(&body, signature)? else {
        return ok(json!({"received": true, "applied": "ignored"}));
    };
    let id = event.id.clone();
    match s.lms.apply_payment_event(event).await {
        Ok(applied) => {
            let applied = format!("{applied:?}").to_lowercase();
            ok(json!({"received": true, "event": id, "applied": applied}))
        }
        // Whatever went wrong, the answer must be a 5xx so that Stripe retries; the
        // transaction rolled back, so a retry starts from a clean state.
        Err(error) if error.status() >= 500 => Err(error.into()),
        Err(error) => {
            tracing::error!(event = %id, %error, "applying a Stripe event failed");
            let failed = lms_core::StoreError::Backend(
                format!("applying event {id} failed: {error}").into(),
            );
            Err(LmsError::Store(failed).into())
        }
    }
}
