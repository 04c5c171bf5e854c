//! Writes that ride on the session cookie must come from the site's own pages. A browser
//! attaches the `lms_session` cookie to requests that another site's page starts (a form
//! post, SameSite=Lax lets same-site ones through), so a write authenticated by the cookie
//! alone is refused when the browser says it was started elsewhere: its `Origin` is not the
//! API's, the app's or a CORS-allowed one, or, without an `Origin`, its `Sec-Fetch-Site` is
//! `cross-site` or `same-site`. Bearer tokens, which a page cannot attach by itself, and
//! requests without the cookie pass untouched.

use crate::auth::session_token;
use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lms_core::{ForbiddenReason, LmsError};
use std::sync::Arc;

/// The origins (`scheme://host[:port]`) whose pages may write with the session cookie.
#[derive(Clone, Debug)]
pub(crate) struct TrustedOrigins(Arc<[String]>);

impl TrustedOrigins {
    /// The origins of `urls` (the API's public URL, the app's URL, CORS-allowed origins);
    /// those that do not parse are left out.
    pub(crate) fn of<'a>(urls: impl IntoIterator<Item = &'a str>) -> Self {
        let origins = urls
            .into_iter()
            .filter_map(|url| url::Url::parse(url).ok())
            .map(|url| url.origin().ascii_serialization())
            .filter(|origin| origin != "null")
            .collect();
        Self(origins)
    }

    fn trust(&self, origin: &str) -> bool {
        self.0
            .iter()
            .any(|trusted| trusted.eq_ignore_ascii_case(origin))
    }
}

/// Whether the request is a write that only the session cookie authenticates, started by a
/// page of a site that is not trusted.
fn cross_site_cookie_write(request: &Request<Body>, trusted: &TrustedOrigins) -> bool {
    let headers = request.headers();
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let bearer = headers.contains_key(header::AUTHORIZATION);
    if safe || bearer || session_token(headers).is_none() {
        return false;
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        return !origin.to_str().is_ok_and(|origin| trusted.trust(origin));
    }
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site == "cross-site" || site == "same-site")
}

/// The layer: refuses such a write with 403 before any handler runs.
pub(crate) async fn refuse_cross_site_writes(
    State(trusted): State<TrustedOrigins>,
    request: Request<Body>,
    next: Next,
) -> Response {
    if cross_site_cookie_write(&request, &trusted) {
        let refused = LmsError::Forbidden {
            reason: ForbiddenReason::Role,
            message: "a write with the session cookie came from another site's page: make it \
                      from this site, or send the token as `Authorization: Bearer`"
                .into(),
        };
        return ApiError(refused).into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, headers: &[(&str, &str)]) -> Request<Body> {
        let mut builder = Request::builder()
            .method(method)
            .uri("/orgs/demo/membership/cancel");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn only_cookie_writes_from_untrusted_pages_are_refused() {
        let trusted =
            TrustedOrigins::of(["https://lms.example.com/api/v1", "https://app.example.com"]);
        let cookie = ("cookie", "lms_session=abc");
        let refused = |method, headers: &[(&str, &str)]| {
            cross_site_cookie_write(&request(method, headers), &trusted)
        };
        // Another site's form, by its Origin or by the browser's word.
        assert!(refused(
            Method::POST,
            &[cookie, ("origin", "https://evil.example")]
        ));
        assert!(refused(Method::DELETE, &[cookie, ("origin", "null")]));
        assert!(refused(
            Method::POST,
            &[cookie, ("sec-fetch-site", "same-site")]
        ));
        assert!(refused(
            Method::PUT,
            &[cookie, ("sec-fetch-site", "cross-site")]
        ));
        // The site's own pages, the app's origin, and clients that are not browsers.
        assert!(!refused(
            Method::POST,
            &[cookie, ("origin", "https://lms.example.com")]
        ));
        assert!(!refused(
            Method::POST,
            &[cookie, ("origin", "https://APP.example.com")]
        ));
        assert!(!refused(
            Method::POST,
            &[cookie, ("sec-fetch-site", "same-origin")]
        ));
        assert!(!refused(Method::POST, &[cookie]));
        // A bearer token, no cookie, or a read: nothing to refuse.
        let bearer = ("authorization", "Bearer abc");
        assert!(!refused(
            Method::POST,
            &[cookie, bearer, ("origin", "https://evil.example")]
        ));
        assert!(!refused(
            Method::POST,
            &[("origin", "https://evil.example")]
        ));
        assert!(!refused(
            Method::GET,
            &[cookie, ("origin", "https://evil.example")]
        ));
    }
}
