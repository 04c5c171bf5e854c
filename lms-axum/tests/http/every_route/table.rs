//! The table of routes [`super::check`] drives: for each route-method, who may call it with
//! which body and answer, who may not, and a body with invalid values.

use serde_json::{Value, json};

/// Who makes a request, relative to the world.
#[derive(Clone, Copy, Debug)]
pub(super) enum Who {
    Nobody,
    Admin,
    Owner,
    Learner,
    Outsider,
}

pub(super) struct Route {
    pub(super) method: &'static str,
    /// `{lesson}`, `{quiz}`, `{module}`, `{learner}`, `{post}` are filled from the world.
    pub(super) path: &'static str,
    /// The caller who may, the body, and the status they get.
    pub(super) ok: (Who, Option<Value>, u16),
    /// A caller who may not, and the status they get.
    pub(super) denied: Option<(Who, u16)>,
    /// A body of the right JSON type with invalid values (422), for routes with a body.
    pub(super) invalid: Option<Value>,
}

pub(super) fn routes() -> Vec<Route> {
    let r = |method, path, ok, denied, invalid| Route {
        method,
        path,
        ok,
        denied,
        invalid,
    };
    use Who::*;
    vec![
        r(
            "GET",
            "/me",
            (Learner, None, 200),
            Some((Nobody, 401)),
            None,
        ),
        r(
            "PATCH",
            "/me",
            (
                Learner,
                Some(json!({"name": "Lea L.", "avatar_url": "https://cdn.test/lea.png"})),
                200,
            ),
            Some((Nobody, 401)),
            Some(json!({"name": " ", "avatar_url": "javascript:alert(1)"})),
        ),
        r(
            "DELETE",
            "/me/memberships/acme",
            (Learner, None, 204),
            Some((Nobody, 401)),
            None,
        ),
        r(
            "POST",
            "/orgs/acme/invitations",
            (
                Admin,
                Some(json!({"email": "new@example.test", "role": "instructor"})),
                201,
            ),
            Some((Learner, 403)),
            Some(json!({"email": "not an address", "role": "learner"})),
        ),
        r(
            "GET",
            "/orgs/acme/invitations",
            (Admin, None, 200),
            Some((Owner, 403)),
            None,
        ),
        r(
            "DELETE",
            "/orgs/acme/invitations/{invitation}",
            (Admin, None, 204),
            Some((Learner, 403)),
            None,
        ),
        r(
            "POST",
            "/me/verify-email",
            (Learner, None, 202),
            Some((Nobody, 401)),
            None,
        ),
        r(
            "GET",
            "/me/courses",
            (Learner, None, 200),
            Some((Nobody, 401)),
            None,
        ),
        r(
            "POST",
            "/orgs",
            (
                Outsider,
                Some(json!({"slug": "fresh", "name": "Fresh"})),
                201,
            ),
            Some((Nobody, 401)),
            Some(json!({"slug": "-x-", "name": ""})),
        ),
        r("GET", "/orgs/acme", (Nobody, None, 200), None, None),
        r(
            "PATCH",
            "/orgs/acme",
            (Admin, Some(json!({"name": "Acme 2"})), 200),
            Some((Owner, 403)),
            Some(json!({"settings": [1]})),
        ),
        r(
            "GET",
            "/orgs/acme/members",
            (Admin, None, 200),
            Some((Learner, 403)),
            None,
        ),
        r(
            "PUT",
            "/orgs/acme/members/{learner}",
            (Admin, Some(json!({"role": "instructor"})), 200),
            Some((Learner, 403)),
            Some(json!({"role": "emperor"})),
        ),
        r(
            "DELETE",
            "/orgs/acme/members/{learner}",
            (Admin, None, 204),
            Some((Owner, 403)),
            None,
        ),
        r("GET", "/orgs/acme/courses", (Nobody, None, 200), None, None),
        r(
            "POST",
            "/orgs/acme/courses",
            (Owner, Some(json!({"slug": "new", "title": "New"})), 201),
            Some((Learner, 403)),
            Some(json!({"slug": "new", "title": "", "price": {"amount": -1, "currency": "usd"}})),
        ),
        r(
            "GET",
            "/orgs/acme/courses/c",
            (Nobody, None, 200),
            None,
            None,
        ),
        r(
            "PATCH",
            "/orgs/acme/courses/c",
            (Owner, Some(json!({"title": "Renamed"})), 200),
            Some((Learner, 403)),
            Some(json!({"title": ""})),
        ),
        r(
            "POST",
            "/orgs/acme/courses/c/modules",
            (Owner, Some(json!({"title": "More"})), 201),
            Some((Learner, 403)),
            Some(json!({"title": ""})),
        ),
        r(
            "PATCH",
            "/orgs/acme/courses/c/modules/{module}",
            (Owner, Some(json!({"title": "Renamed"})), 200),
            Some((Learner, 403)),
            Some(json!({"title": ""})),
        ),
        r(
            "DELETE",
            "/orgs/acme/courses/c/modules/{module}",
            (Admin, None, 204),
            Some((Learner, 403)),
            None,
        ),
        r(
            "POST",
            "/orgs/acme/courses/c/modules/{module}/lessons",
            (
                Owner,
                Some(json!({"title": "T", "kind": "text", "content": {"markdown": "m"}})),
                201,
            ),
            Some((Learner, 403)),
            Some(json!({"title": "T", "kind": "video", "content": {}})),
        ),
        r(
            "GET",
            "/orgs/acme/courses/c/lessons/{lesson}",
            (Learner, None, 200),
            Some((Outsider, 403)),
            None,
        ),
        r(
            "PATCH",
            "/orgs/acme/courses/c/lessons/{lesson}",
            (Owner, Some(json!({"free_preview": true})), 200),
            Some((Learner, 403)),
            Some(json!({"duration_minutes": 100000000})),
        ),
        r(
            "DELETE",
            "/orgs/acme/courses/c/lessons/{lesson}",
            (Owner, None, 204),
            Some((Learner, 403)),
            None,
        ),
        r(
            "PUT",
            "/orgs/acme/courses/c/curriculum",
            (Owner, None, 200),
            Some((Learner, 403)),
            Some(json!({"modules": []})),
        ),
        r(
            "POST",
            "/orgs/acme/courses/c/enrollments",
            (Outsider, None, 201),
            Some((Nobody, 401)),
            Some(json!({"user_id": "nope"})),
        ),
        r(
            "GET",
            "/orgs/acme/courses/c/enrollments",
            (Owner, None, 200),
            Some((Learner, 403)),
            None,
        ),
        r(
            "DELETE",
            "/orgs/acme/courses/c/enrollments/{learner}",
            (Admin, None, 204),
            Some((Owner, 403)),
            None,
        ),
        r(
            "PUT",
            "/orgs/acme/courses/c/lessons/{lesson}/progress",
            (Learner, Some(json!({"percent": 50})), 200),
            Some((Outsider, 403)),
            Some(json!({"percent": 101})),
        ),
        r(
            "GET",
            "/orgs/acme/courses/c/progress",
            (Learner, None, 200),
            Some((Outsider, 403)),
            None,
        ),
        r(
            "GET",
            "/orgs/acme/courses/c/report",
            (Owner, None, 200),
            Some((Learner, 403)),
            None,
        ),
        r(
            "GET",
            "/orgs/acme/reports/courses",
            (Admin, None, 200),
            Some((Owner, 403)),
            None,
        ),
        r(
            "POST",
            "/orgs/acme/courses/c/lessons/{quiz}/attempts",
            (Learner, Some(json!({"answers": {"q1": "b"}})), 201),
            Some((Outsider, 403)),
            Some(json!({"answers": ["b"]})),
        ),
        r(
            "GET",
            "/orgs/acme/courses/c/lessons/{quiz}/attempts",
            (Learner, None, 200),
            Some((Outsider, 403)),
            None,
        ),
        r("GET", "/health", (Nobody, None, 200), None, None),
        r("GET", "/openapi.json", (Nobody, None, 200), None, None),
        r(
            "GET",
            "/me/notifications",
            (Learner, None, 200),
            Some((Nobody, 401)),
            None,
        ),
        r(
            "POST",
            "/me/notifications/read",
            (Learner, Some(json!({"all": true})), 204),
            Some((Nobody, 401)),
            Some(json!({"all": true, "ids": ["not-an-id"]})),
        ),
        r(
            "GET",
            "/orgs/acme/courses/c/lessons/{lesson}/posts",
            (Learner, None, 200),
            Some((Outsider, 403)),
            None,
        ),
        r(
            "POST",
            "/orgs/acme/courses/c/lessons/{lesson}/posts",
            (Learner, Some(json!({"body": "Hello"})), 201),
            Some((Outsider, 403)),
            Some(json!({"body": "   "})),
        ),
        r(
            "PATCH",
            "/orgs/acme/courses/c/posts/{post}",
            (Learner, Some(json!({"body": "Edited"})), 200),
            Some((Owner, 403)),
            Some(json!({"body": ""})),
        ),
        r(
            "DELETE",
            "/orgs/acme/courses/c/posts/{post}",
            (Learner, None, 204),
            Some((Outsider, 403)),
            None,
        ),
    ]
}
