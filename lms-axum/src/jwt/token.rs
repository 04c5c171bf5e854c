//! Which requests carry a JWT: the `Authorization: Bearer` value, when it has a JWT's shape.
//! Everything else (no header, another scheme, the built-in sign-in's session tokens, the
//! `lms_session` cookie) is not this authenticator's business, so another one may take it.

use axum::http::{HeaderMap, header};

/// The bearer token of `headers` when it is shaped like a JWS in compact form: three
/// base64url segments joined by dots (the signature may be empty, the header and payload
/// may not). Whether it decodes, let alone verifies, is checked later.
pub(super) fn bearer_jwt(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && is_jwt_shaped(token)).then_some(token)
}

fn is_jwt_shaped(token: &str) -> bool {
    let segments: Vec<&str> = token.split('.').collect();
    let base64url = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    matches!(segments[..], [header, payload, _] if !header.is_empty() && !payload.is_empty())
        && segments.iter().all(|s| base64url(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn bearer(value: &str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        bearer_jwt(&headers).map(str::to_string)
    }

    #[test]
    fn only_jwt_shaped_bearer_tokens_are_taken() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln";
        assert_eq!(bearer(&format!("Bearer {jwt}")).as_deref(), Some(jwt));
        assert_eq!(bearer(&format!("bearer  {jwt} ")).as_deref(), Some(jwt));
        // An unsigned shape is still a JWT (and will be refused, not passed on).
        assert!(bearer("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.").is_some());
        // The built-in sign-in's tokens: 43 base64url characters, no dots.
        assert_eq!(
            bearer("Bearer 3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            None
        );
        // A UUID, another scheme, two or four segments, characters outside base64url.
        assert_eq!(bearer("Bearer 0190c2a4-6f1e-7cc1-9a55-1d4f6c1b2e3f"), None);
        assert_eq!(bearer(&format!("Basic {jwt}")), None);
        assert_eq!(bearer("Bearer a.b"), None);
        assert_eq!(bearer("Bearer a.b.c.d"), None);
        assert_eq!(bearer("Bearer a+b.c/d.e="), None);
        assert_eq!(bearer("Bearer .b.c"), None);
        assert_eq!(bearer("Bearer"), None);
        assert_eq!(bearer_jwt(&HeaderMap::new()), None);
    }
}
