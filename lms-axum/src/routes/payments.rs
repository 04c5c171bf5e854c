//! Selling routes: checkouts, the caller's membership and the payment ledger (the Stripe
//! webhook is in `stripe_webhook`, feature `stripe`).

use super::paths::{CoursePath, OrgPath};
use super::{Answer, QueryParams, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::{ClientErrors, Problem};
use crate::extract::{Input, page};
use axum::extract::{Path, Query, State};
use lms_core::{CheckoutUrls, Subscription};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Checkouts, the caller's membership and the payment ledger.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(course_checkout))
        .routes(routes!(membership_checkout))
        .routes(routes!(membership))
        .routes(routes!(cancel_membership))
        .routes(routes!(payments))
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
    responses((status = 200, description = "`{status, current_period_end, cancel_at_period_end}` of my plan, or `{status: \"none\"}`", body = crate::schemas::MembershipBody), ClientErrors)
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
    responses((status = 200, description = "the plan, ending at the period end", body = crate::schemas::MembershipBody), ClientErrors)
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
    responses((status = 200, description = "paginated payment records (append-only)", body = lms_core::Page<lms_core::PaymentRecord>), ClientErrors)
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
