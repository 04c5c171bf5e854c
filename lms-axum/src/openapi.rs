//! The finishing touches of the served OpenAPI document that the route annotations cannot
//! say: how callers sign in (`securitySchemes`), and which operations need it.

use serde_json::{Value, json};

/// Operations that answer callers who are not signed in (public reads, free-preview
/// lessons, the sign-in routes themselves, webhooks and signed URLs): their security is
/// optional. Every other operation
/// needs a signed-in caller and answers 401 without one.
const OPEN: &[(&str, &str)] = &[
    ("get", "/health"),
    ("get", "/openapi.json"),
    ("get", "/orgs/{org}"),
    ("get", "/orgs/{org}/courses"),
    ("get", "/orgs/{org}/courses/{course}"),
    ("get", "/orgs/{org}/courses/{course}/lessons/{lesson}"),
    ("get", "/certificates/{code}"),
    ("get", "/certificates/{code}/pdf"),
    ("get", "/media/{media_key}"),
    ("post", "/auth/sign-up"),
    ("post", "/auth/sign-in"),
    ("post", "/webhooks/stripe"),
];

/// Whether `method` `path` (as the document writes them) answers anonymous callers.
pub(crate) fn is_open(method: &str, path: &str) -> bool {
    OPEN.iter()
        .any(|(m, p)| m.eq_ignore_ascii_case(method) && *p == path)
}

/// The document as served: security schemes (a bearer token, and the built-in sign-in's
/// session cookie when it is on), required on every operation but the open ones.
pub(crate) fn finish(document: utoipa::openapi::OpenApi) -> Value {
    let mut document = serde_json::to_value(&document).unwrap_or_default();
    let mut schemes = json!({
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "a session token from `POST /auth/sign-in`, or the host's token (a JWT)"
        }
    });
    if cfg!(feature = "sign-in") {
        schemes["cookie"] = json!({"type": "apiKey", "in": "cookie", "name": "lms_session"});
    }
    let required: Vec<Value> = schemes
        .as_object()
        .map(|schemes| schemes.keys().map(|name| json!({ name: [] })).collect())
        .unwrap_or_default();
    let optional: Vec<Value> = std::iter::once(json!({}))
        .chain(required.iter().cloned())
        .collect();
    document["components"]["securitySchemes"] = schemes;
    if let Some(paths) = document["paths"].as_object_mut() {
        for (path, operations) in paths {
            let Some(operations) = operations.as_object_mut() else {
                continue;
            };
            for (method, operation) in operations.iter_mut() {
                if operation.is_object() {
                    let security = if is_open(method, path) {
                        &optional
                    } else {
                        &required
                    };
                    operation["security"] = Value::from(security.clone());
                }
            }
        }
    }
    document
}
