//! Reading requests: JSON bodies, page parameters, ids in paths, the base URL of the links
//! the API hands out and the client's address.
//!
//! Body problems (not JSON: 400, no JSON content type: 415, too large: 413, wrong shape:
//! 422 naming the field) are handed to the service as a failed [`Parsed`], which reports
//! them only once the caller is allowed to make the call.

use crate::AppState;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use lms_core::{LmsError, PageRequest, Parsed, ValidationErrors};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::convert::Infallible;
use std::str::FromStr;

/// A JSON request body of type `T`, parsed or not.
pub struct Input<T>(pub Parsed<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Input<T> {
    type Rejection = Infallible;

    async fn from_request(request: Request, state: &S) -> Result<Self, Infallible> {
        Ok(Input(
            match json_body(request, state)
                .await
                .and_then(|bytes| parse_json::<T>(&bytes))
            {
                Ok(value) => value.into(),
                Err(error) => Parsed::failed(error),
            },
        ))
    }
}

/// The body of a JSON request (415 without a JSON content type, 413 over the limit).
pub async fn json_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, LmsError> {
    if !is_json(request.headers()) {
        return Err(LmsError::UnsupportedMediaType(
            "send the body as JSON with Content-Type: application/json".into(),
        ));
    }
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                LmsError::PayloadTooLarge("the body is larger than 1 MiB".into())
            } else {
                LmsError::Malformed(rejection.body_text())
            }
        })
}

/// Whether the request says its body is JSON (`application/json` or `application/*+json`).
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
        .is_some_and(|mime| {
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
}

/// Parses JSON text into `T`: text that is not JSON is malformed (400); JSON of the wrong
/// shape is a validation error (422) naming the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, LmsError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| LmsError::Malformed(format!("the body is not JSON: {e}")))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let field = match path.as_str() {
            // "missing field `title`" is reported at the parent: name the field itself.
            "." => message.split('`').nth(1).unwrap_or("body").to_string(),
            _ => path,
        };
        let mut errors = ValidationErrors::default();
        errors.add(field, message);
        LmsError::Validation(errors)
    })
}

/// `?limit=` and `?cursor=`: a limit that is not a number is malformed (400); one outside
/// 1..=200 is invalid (422); a cursor this API did not hand out is malformed (400).
pub fn page(query: &HashMap<String, String>) -> Result<PageRequest, ApiError> {
    let limit = match query.get("limit") {
        None => None,
        Some(text) => Some(
            text.parse::<i64>()
                .map_err(|_| LmsError::Malformed("limit must be a whole number".into()))?,
        ),
    };
    Ok(PageRequest::parse(
        limit,
        query.get("cursor").map(String::as_str),
    )?)
}

/// An id from the path; one that is not a UUID is malformed (400).
pub fn id<T: FromStr>(text: &str, what: &str) -> Result<T, ApiError> {
    text.parse()
        .map_err(|_| ApiError(LmsError::Malformed(format!("{what} must be a UUID"))))
}

/// Where links the API hands out start: the router's [`crate::PublicUrl`] (absolute, e.g.
/// `https://lms.example.com/api/v1`). Never the request's `Host`: a client writes that
/// header, and a link built from it points wherever the client likes.
pub struct ApiBase(pub String);

impl FromRequestParts<AppState> for ApiBase {
    type Rejection = Infallible;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(Self(state.public_url.to_string()))
    }
}
