//! Orgs: creating one as the contract says, and its members managed by admins.

use crate::api::{Api, assert_problem};
use crate::common::Backend;
use axum::http::StatusCode;
use serde_json::{Value, json};

pub async fn creating_an_org_follows_the_contract(backend: Backend) {
    let api = Api::new(backend).await;
    let who = Some(api.w.outsider);
    let new = json!({"slug": "beta", "name": "Beta"});
    assert_problem(
        &api.call("POST", "/orgs", None, Some(new.clone())).await,
        401,
        "unauthenticated",
    );
    assert_problem(
        &api.raw(
            "POST",
            "/orgs",
            api.w.outsider,
            Some("application/json"),
            "{nope",
        )
        .await,
        400,
        "malformed_request",
    );
    assert_problem(
        &api.raw("POST", "/orgs", api.w.outsider, None, &new.to_string())
            .await,
        415,
        "unsupported_media_type",
    );
    let missing = api
        .call("POST", "/orgs", who, Some(json!({"name": "Beta"})))
        .await;
    assert_problem(&missing, 422, "validation_failed");
    assert_eq!(missing.body["errors"][0]["field"], "slug");
    let wrong_type = api
        .call(
            "POST",
            "/orgs",
            who,
            Some(json!({"slug": "beta", "name": 5})),
        )
        .await;
    assert_eq!(wrong_type.body["errors"][0]["field"], "name");
    let created = api.call("POST", "/orgs", who, Some(new.clone())).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(
        (
            created.body["slug"].clone(),
            created.body["membership"].clone()
        ),
        (json!("beta"), Value::Null)
    );
    assert_problem(
        &api.call("POST", "/orgs", who, Some(new)).await,
        409,
        "slug_taken",
    );
    assert_eq!(
        api.call("GET", "/orgs/beta", None, None).await.body["name"],
        "Beta"
    );
    let hostile = json!({"settings": {"brand": {"primary_color": "red; background: url(x)"}}});
    let branded = api.call("PATCH", "/orgs/beta", who, Some(hostile)).await;
    assert_problem(&branded, 422, "validation_failed");
    assert_eq!(
        branded.body["errors"][0]["field"],
        "settings.brand.primary_color"
    );
    let brand = json!({"display_name": "Beta Academy", "primary_color": "#112233", "logo_url": "https://cdn.example.com/b.png"});
    let branded = api
        .call(
            "PATCH",
            "/orgs/beta",
            who,
            Some(json!({"settings": {"brand": brand}})),
        )
        .await;
    assert_eq!(branded.status, StatusCode::OK, "{}", branded.body);
    assert_eq!(branded.body["settings"]["brand"], brand);
    assert_problem(
        &api.call("GET", "/orgs/nope", None, None).await,
        404,
        "not_found",
    );
    assert_problem(
        &api.call("GET", "/no/such/route", None, None).await,
        404,
        "not_found",
    );
}

pub async fn members_are_managed_by_admins(backend: Backend) {
    let api = Api::new(backend).await;
    let bea = api.w.new_user("bea@acme.test").await.user_id().unwrap();
    // v2: nobody is added by id or email over HTTP, only by invitation.
    let add = api
        .call(
            "POST",
            "/orgs/acme/members",
            Some(api.w.admin),
            Some(json!({"email": "bea@acme.test", "role": "learner"})),
        )
        .await;
    assert_eq!(add.status, StatusCode::METHOD_NOT_ALLOWED);
    let stranger = api
        .call(
            "PUT",
            &format!("/orgs/acme/members/{bea}"),
            Some(api.w.admin),
            Some(json!({"role": "learner"})),
        )
        .await;
    assert_problem(&stranger, 404, "not_found");
    assert!(stranger.body.get("email").is_none());
    // The host adds people it vouches for through the library.
    api.w
        .lms
        .set_member_role(&api.w.admin, "acme", bea, lms_core::Role::Learner)
        .await
        .unwrap();
    assert_problem(
        &api.call("GET", "/orgs/acme/members", Some(api.w.learner), None)
            .await,
        403,
        "forbidden",
    );
    let role = api
        .call(
            "PUT",
            &format!("/orgs/acme/members/{bea}"),
            Some(api.w.admin),
            Some(json!({"role": "instructor"})),
        )
        .await;
    assert_eq!(
        (role.status, role.body["role"].clone()),
        (StatusCode::OK, json!("instructor"))
    );
    let bad_role = api
        .call(
            "PUT",
            &format!("/orgs/acme/members/{bea}"),
            Some(api.w.admin),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_problem(&bad_role, 422, "validation_failed");
    let removed = api
        .call(
            "DELETE",
            &format!("/orgs/acme/members/{bea}"),
            Some(api.w.admin),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let admin = api.w.admin.user_id().unwrap();
    assert_problem(
        &api.call(
            "DELETE",
            &format!("/orgs/acme/members/{admin}"),
            Some(api.w.admin),
            None,
        )
        .await,
        409,
        "conflict",
    );
}

/// Issue 17, item 1: anyone could learn anyone's email, and add anyone to their org, with a
/// user id from the public catalog or a post.
pub async fn nobody_is_added_or_looked_up_by_id(backend: Backend) {
    let api = Api::new(backend).await;
    let attacker = api.w.outsider;
    let new = json!({"slug": "evil", "name": "Evil"});
    let made = api.call("POST", "/orgs", Some(attacker), Some(new)).await;
    assert_eq!(made.status, StatusCode::CREATED);
    let victim = api.w.learner.user_id().unwrap();
    let role = Some(json!({"role": "learner"}));
    let put = format!("/orgs/evil/members/{victim}");
    let reply = api.call("PUT", &put, Some(attacker), role).await;
    assert_problem(&reply, 404, "not_found");
    assert!(!reply.body.to_string().contains("learner@acme.test"));
    let by_email = json!({"email": "learner@acme.test", "role": "learner"});
    let reply = api
        .call("POST", "/orgs/evil/members", Some(attacker), Some(by_email))
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    // The same attack by enrollment: a course of the attacker's org, the victim's id.
    let course = json!({"slug": "bait", "title": "Bait"});
    let made = api
        .call("POST", "/orgs/evil/courses", Some(attacker), Some(course))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let publish = json!({"status": "published"});
    api.call(
        "PATCH",
        "/orgs/evil/courses/bait",
        Some(attacker),
        Some(publish),
    )
    .await;
    let enroll = json!({"user_id": victim});
    let reply = api
        .call(
            "POST",
            "/orgs/evil/courses/bait/enrollments",
            Some(attacker),
            Some(enroll),
        )
        .await;
    assert_problem(&reply, 404, "not_found");
    let me = api.call("GET", "/me", Some(api.w.learner), None).await;
    assert_eq!(
        me.body["memberships"],
        json!([{"org": "acme", "role": "learner"}])
    );
}

/// Issue 17, item 3: after a member's removal they still read lessons and post, and after
/// an admin revoked a free enrollment the learner enrolled again (201).
pub async fn removal_removes_and_revocation_holds(backend: Backend) {
    let api = Api::new(backend).await;
    let outline = api.w.published("c", None).await;
    let (learner, admin) = (Some(api.w.learner), Some(api.w.admin));
    let enrollments = "/orgs/acme/courses/c/enrollments";
    let made = api.call("POST", enrollments, learner, None).await;
    assert_eq!(made.status, StatusCode::CREATED);
    let lesson = outline.modules[0].lessons[0].id;
    let read = format!("/orgs/acme/courses/c/lessons/{lesson}");
    assert_eq!(
        api.call("GET", &read, learner, None).await.status,
        StatusCode::OK
    );

    // An admin's revocation: the learner cannot undo it.
    let id = api.w.learner.user_id().unwrap();
    let revoke = format!("{enrollments}/{id}");
    let revoked = api.call("DELETE", &revoke, admin, None).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let again = api.call("POST", enrollments, learner, None).await;
    assert_problem(&again, 403, "enrollment_revoked");
    let listed = api.call("GET", enrollments, admin, None).await;
    assert_eq!(listed.body["items"][0]["revoked_reason"], "admin");
    // The admin restores it; then removes the member.
    let restore = Some(json!({"user_id": id}));
    let restored = api.call("POST", enrollments, admin, restore).await;
    assert_eq!(restored.status, StatusCode::CREATED, "{}", restored.body);
    assert_eq!(restored.body["revoked_reason"], Value::Null);
    let remove = format!("/orgs/acme/members/{id}");
    let removed = api.call("DELETE", &remove, admin, None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_problem(
        &api.call("GET", &read, learner, None).await,
        403,
        "enrollment_revoked",
    );
    let post = Some(json!({"body": "still here?"}));
    let posted = api
        .call("POST", &format!("{read}/posts"), learner, post)
        .await;
    assert_problem(&posted, 403, "enrollment_revoked");
    let again = api.call("POST", enrollments, learner, None).await;
    assert_problem(&again, 403, "enrollment_revoked");
    let listed = api.call("GET", enrollments, admin, None).await;
    assert_eq!(listed.body["items"][0]["revoked_reason"], "removed");
}
