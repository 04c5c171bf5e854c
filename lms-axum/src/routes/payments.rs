//! Selling routes: checkouts, the caller's membership, the payment ledger, and the Stripe
//! webhook (raw body: the signature covers the exact bytes).

use super::paths::{CoursePath, OrgPath};
use super::{Answer, QueryParams, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::{ClientErrors, Problem};
use crate::extract::{Input, page};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use lms_core::{CheckoutUrls, LmsError, Subscription};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Checkouts, the caller's membership, the payment ledger and the Stripe webhook.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(course_checkout))
        .routes(routes!(membership_checkout))
        .routes(routes!(membership))
        .routes(routes!(cancel_membership))
        .routes(routes!(payments))
        .routes(routes!(stripe_webhook))
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/checkout",
    tag = "Payments",
    params(CoursePath),
    request_body = lms_core::CheckoutUrls,
    responses((status = 200, description = "the provider's payment page", body = lms_core::CheckoutSession), ClientErrors, (status = 503, description = "payments not configured", body = Problem, content_type = "application/problem+json"))
)]
async fn course_checkout(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
    Input(urls): Input<CheckoutUrls>,
) -> Answer {
    ok(s.lms.checkout(&actor, path.course(), urls).await?)
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/membership/checkout",
    tag = "Payments",
    params(OrgPath),
    request_body = lms_core::CheckoutUrls,
    responses((status = 200, description = "the provider's payment page for the org's plan", body = lms_core::CheckoutSession), ClientErrors, (status = 503, description = "payments not configured", body = Problem, content_type = "application/problem+json"))
)]
async fn membership_checkout(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(OrgPath { org }): Path<OrgPath>,
    Input(urls): Input<CheckoutUrls>,
) -> Answer {
    ok(s.lms.membership_checkout(&actor, &org, urls).await?)
}

/// The caller's plan as the contract shows it.
fn membership_view(subscription: Option<Subscription>) -> serde_json::Value {
    match subscription {
        None => json!({"status": "none"}),
        Some(s) => json!({
            "status": s.status,
            "current_period_end": s.current_period_end,
            "cancel_at_period_end": s.cancel_at_period_end,
        }),
    }
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/membership",
    tag = "Payments",
    params(OrgPath),
    responses((status = 200, description = "`{status, current_period_end, cancel_at_period_end}` of my plan, or `{status: \"none\"}`", body = Object), ClientErrors)
)]
async fn membership(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(OrgPath { org }): Path<OrgPath>,
) -> Answer {
    ok(membership_view(s.lms.membership(&actor, &org).await?))
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/membership/cancel",
    tag = "Payments",
    params(OrgPath),
    responses((status = 200, description = "the plan, ending at the period end", body = Object), ClientErrors)
)]
async fn cancel_membership(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(OrgPath { org }): Path<OrgPath>,
) -> Answer {
    ok(membership_view(Some(
        s.lms.cancel_membership(&actor, &org).await?,
    )))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/payments",
    tag = "Payments",
    params(OrgPath, ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "paginated payment records (append-only)", body = Object), ClientErrors)
)]
async fn payments(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(OrgPath { org }): Path<OrgPath>,
    Query(query): QueryParams,
) -> Answer {
    let page = page(&query)?;
    ok(s.lms.payments(&actor, &org, page).await?)
}

#[utoipa::path(
    post,
    path = "/webhooks/stripe",
    tag = "Payments",
    request_body(content = String, description = "the event exactly as Stripe sent it", content_type = "application/json"),
    responses((status = 200, description = "verified and applied (also a duplicate or an ignored type)", body = Object), (status = 400, description = "bad signature", body = Problem, content_type = "application/problem+json"), (status = "5XX", description = "applying failed: Stripe retries", body = Problem, content_type = "application/problem+json"))
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
