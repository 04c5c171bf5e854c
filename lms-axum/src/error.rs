//! Every error leaves as RFC 9457 problem details (`application/problem+json`) carrying the
//! contract's `code`, so clients branch on one field whatever went wrong.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use lms_core::{FieldError, LmsError, StoreError, Unmet};
use serde::Serialize;

/// An error answered to the client: the service's typed error, as problem+json.
#[derive(Debug)]
pub struct ApiError(pub LmsError);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.0.status(), self.0.code(), self.0)
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl From<LmsError> for ApiError {
    fn from(error: LmsError) -> Self {
        Self(error)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        Self(error.into())
    }
}

/// RFC 9457 problem details, as every error is answered.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Problem {
    /// Always `about:blank`: `code` says what happened.
    #[serde(rename = "type")]
    kind: &'static str,
    /// The HTTP status's phrase.
    title: &'static str,
    /// The HTTP status.
    status: u16,
    /// What went wrong, in words.
    detail: String,
    /// The contract's machine-readable code (`not_found`, `slug_taken`, …).
    code: &'static str,
    /// For `validation_failed`: each field and what is wrong with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<FieldError>>,
    /// For `locked`: when a date opens the lesson, or null when none will by itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    available_at: Option<Option<DateTime<Utc>>>,
    /// For `locked` and `prerequisites_unmet`: what still stands in the way, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    unmet: Option<Vec<Unmet>>,
}

/// How a route documents its 4XX answers, as [`ApiError`] gives them: problem details.
#[derive(utoipa::IntoResponses)]
#[response(
    status = "4XX",
    description = "problem details",
    content_type = "application/problem+json"
)]
#[expect(
    dead_code,
    reason = "only its OpenAPI description is used, in `responses(…, ClientErrors)`"
)]
pub(crate) struct ClientErrors(Problem);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = self.0;
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            // The client hears only "failed inside the server": the cause goes to the log,
            // inside the request's span (its x-request-id), with every source it has.
            let mut cause = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(inner) = source {
                cause.push_str(": ");
                cause.push_str(&inner.to_string());
                source = inner.source();
            }
            tracing::error!(code = error.code(), %cause, "request failed");
        }
        let detail = match &error {
            // A store failure's text may name tables or hosts: it stays in the server's logs.
            LmsError::Store(StoreError::Unavailable(_)) => {
                "a backend is not answering; try again".to_string()
            }
            LmsError::Store(_) => "the request failed inside the server".to_string(),
            other => other.to_string(),
        };
        let problem = Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail,
            code: error.code(),
            errors: match &error {
                LmsError::Validation(errors) => Some(errors.0.clone()),
                _ => None,
            },
            available_at: match &error {
                LmsError::Locked { available_at, .. } => Some(*available_at),
                _ => None,
            },
            unmet: match &error {
                LmsError::Locked { unmet, .. } | LmsError::PrerequisitesUnmet { unmet } => {
                    Some(unmet.clone())
                }
                _ => None,
            },
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        let retry_after = match error {
            LmsError::RateLimited { retry_after_secs }
            | LmsError::Overloaded { retry_after_secs } => Some(retry_after_secs),
            // A database that is down or restarting: a moment is usually enough.
            LmsError::Store(StoreError::Unavailable(_)) => Some(2),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
