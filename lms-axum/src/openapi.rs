//! The finishing touches of the served OpenAPI document that the route annotations cannot
//! say: how callers sign in (`securitySchemes`), and which operations need it.

use serde_json::{Value, json};

/// Operations that never look at who calls (health, this document, verifying a
/// certificate, the sign-in routes themselves, webhooks and signed URLs): no `security`,
/// so that generated clients call them without credentials.
const PUBLIC: &[(&str, &str)] = &[
    ("get", "/health"),
    ("get", "/openapi.json"),
    ("get", "/certificates/{code}"),
    ("get", "/certificates/{code}/pdf"),
    ("get", "/media/{media_key}"),
    ("post", "/auth/sign-up"),
    ("post", "/auth/sign-in"),
    ("post", "/auth/verify-email"),
    ("post", "/auth/password-reset"),
    ("post", "/auth/password-reset/confirm"),
    ("post", "/webhooks/stripe"),
];

/// Operations that answer anonymous callers but answer a signed-in one differently (public
/// reads that show owners their drafts, free-preview lessons): their security is optional.
/// Every other operation needs a signed-in caller and answers 401 without one.
const OPTIONAL: &[(&str, &str)] = &[
    ("get", "/orgs/{org}"),
    ("get", "/orgs/{org}/courses"),
    ("get", "/orgs/{org}/courses/{course}"),
    ("get", "/orgs/{org}/courses/{course}/lessons/{lesson}"),
];

fn listed(list: &[(&str, &str)], method: &str, path: &str) -> bool {
    list.iter()
        .any(|(m, p)| m.eq_ignore_ascii_case(method) && *p == path)
}

/// The document as served: security schemes (a bearer token, and the built-in sign-in's
/// session cookie when it is on), required on every operation but the open ones, and
/// absent from those that never look at the caller.
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
                let Some(operation) = operation.as_object_mut() else {
                    continue;
                };
                if listed(PUBLIC, method, path) {
                    operation.remove("security");
                } else if listed(OPTIONAL, method, path) {
                    operation.insert("security".into(), Value::from(optional.clone()));
                } else {
                    operation.insert("security".into(), Value::from(required.clone()));
                }
            }
        }
    }
    document
}
