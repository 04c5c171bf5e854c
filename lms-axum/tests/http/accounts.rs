//! Accounts over HTTP with the built-in sign-in: the verification link, password reset and
//! change, a new address, and the list of sessions. Mail goes through the core's
//! [`CommitCheckingMailer`], which also proves that no link is mailed before its token is
//! committed.

use crate::api::{Api, Reply, assert_problem};
use crate::common::{Backend, lms_on};
use axum::http::{StatusCode, header};
use lms_axum::{AuthConfig, LmsRouter};
use lms_core::testing::{CommitCheckingMailer, World, link_token};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

async fn api(backend: Backend) -> (Api, CommitCheckingMailer) {
    let lms = lms_on(backend).await;
    let mail = CommitCheckingMailer::new(lms.store().clone());
    let lms = lms.with_mail(mail.clone(), "https://app.test/".parse().unwrap());
    let w = World::new(lms.clone()).await;
    let app = LmsRouter::new(lms, crate::common::public_url())
        .sign_in(AuthConfig::default())
        .build();
    (Api { app, w }, mail)
}

async fn sign_up(api: &Api, email: &str) -> (Value, String) {
    let up = json!({"email": email, "password": PASSWORD, "name": "Zoë"});
    let reply = api.call("POST", "/auth/sign-up", None, Some(up)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let token = reply.body["token"].as_str().unwrap().to_string();
    (reply.body["user"].clone(), token)
}

async fn sign_in(api: &Api, email: &str, password: &str) -> Reply {
    let body = json!({"email": email, "password": password});
    api.call("POST", "/auth/sign-in", None, Some(body)).await
}

fn token_of(reply: &Reply) -> String {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["token"].as_str().unwrap().to_string()
}

async fn status(api: &Api, token: &str) -> u16 {
    api.call_as("GET", "/me", Some(token), None)
        .await
        .status
        .as_u16()
}

pub async fn sign_up_mails_a_link_that_verifies(backend: Backend) {
    let (api, mail) = api(backend).await;
    let (user, token) = sign_up(&api, "zoe@example.com").await;
    assert_eq!(user["email_verified"], false);
    let sent = mail.take();
    assert_eq!(sent.len(), 1, "one verification mail");
    assert_eq!(sent[0].to, "zoe@example.com");
    let link = link_token(&sent[0]).unwrap();
    assert!(
        sent[0]
            .text
            .contains(&format!("https://app.test/verify-email?token={link}"))
    );

    let verified = api
        .call(
            "POST",
            "/auth/verify-email",
            None,
            Some(json!({"token": link})),
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    assert_eq!(verified.body["email_verified"], true);
    let again = api
        .call(
            "POST",
            "/auth/verify-email",
            None,
            Some(json!({"token": link})),
        )
        .await;
    assert_problem(&again, 400, "invalid_token");
    let me = api.call_as("GET", "/me", Some(&token), None).await;
    assert_eq!(me.body["user"]["email_verified"], true);
    // Verified: nothing to send again.
    let resend = api
        .call_as("POST", "/me/verify-email", Some(&token), None)
        .await;
    assert_problem(&resend, 409, "conflict");
    let malformed = api
        .call(
            "POST",
            "/auth/verify-email",
            None,
            Some(json!({"token": 7})),
        )
        .await;
    assert_problem(&malformed, 422, "validation_failed");
}

pub async fn a_forgotten_password_is_reset_once_by_mail(backend: Backend) {
    let (api, mail) = api(backend).await;
    let (_, laptop) = sign_up(&api, "zoe@example.com").await;
    let phone = token_of(&sign_in(&api, "zoe@example.com", PASSWORD).await);
    mail.take();

    let ask = |email: &'static str| {
        let api = &api;
        async move {
            let body = json!({"email": email});
            api.call("POST", "/auth/password-reset", None, Some(body))
                .await
        }
    };
    let unknown = ask("nobody@example.com").await;
    let known = ask("zoe@example.com").await;
    assert_eq!(
        (unknown.status, known.status),
        (StatusCode::ACCEPTED, StatusCode::ACCEPTED)
    );
    assert_eq!(unknown.body, known.body, "nothing to tell them apart");
    let sent = mail.take();
    assert_eq!(sent.len(), 1, "only the known address gets a mail");
    assert_eq!(sent[0].to, "zoe@example.com");
    let reset = link_token(&sent[0]).unwrap();
    assert!(
        sent[0]
            .text
            .contains("https://app.test/reset-password?token=")
    );

    let short = json!({"token": reset, "password": "short"});
    let reply = api
        .call("POST", "/auth/password-reset/confirm", None, Some(short))
        .await;
    assert_problem(&reply, 422, "validation_failed");
    let new = json!({"token": reset, "password": "a brand new password"});
    let done = api
        .call(
            "POST",
            "/auth/password-reset/confirm",
            None,
            Some(new.clone()),
        )
        .await;
    let fresh = token_of(&done);
    assert!(
        done.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .starts_with("lms_session=")
    );
    assert_eq!(
        done.body["user"]["email_verified"], true,
        "the link reached the address"
    );
    assert_eq!(
        (status(&api, &laptop).await, status(&api, &phone).await),
        (401, 401)
    );
    assert_eq!(status(&api, &fresh).await, 200);
    let twice = api
        .call("POST", "/auth/password-reset/confirm", None, Some(new))
        .await;
    assert_problem(&twice, 400, "invalid_token");
    assert_eq!(sign_in(&api, "zoe@example.com", PASSWORD).await.status, 401);
    token_of(&sign_in(&api, "zoe@example.com", "a brand new password").await);

    // Five requests an hour per address, known or not; then 429 for both alike.
    for email in ["zoe@example.com", "nobody@example.com"] {
        for _ in 1..5 {
            let body = json!({"email": email});
            let reply = api
                .call("POST", "/auth/password-reset", None, Some(body))
                .await;
            assert_eq!(reply.status, StatusCode::ACCEPTED);
        }
        let body = json!({"email": email});
        let reply = api
            .call("POST", "/auth/password-reset", None, Some(body))
            .await;
        assert_problem(&reply, 429, "rate_limited");
    }
}

pub async fn changing_the_password_ends_the_other_sessions(backend: Backend) {
    let (api, mail) = api(backend).await;
    let (_, laptop) = sign_up(&api, "zoe@example.com").await;
    let phone = token_of(&sign_in(&api, "zoe@example.com", PASSWORD).await);
    // Whoever holds the old password starts a change of address, and keeps the link…
    let move_away = json!({"email": "mallory@evil.example", "password": PASSWORD});
    let started = api
        .call_as("POST", "/me/email", Some(&phone), Some(move_away))
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    let kept = mail.last_token();
    let wrong = json!({"current_password": "not my password", "new_password": "another long one"});
    let reply = api
        .call_as("PUT", "/me/password", Some(&laptop), Some(wrong))
        .await;
    assert_problem(&reply, 422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["field"], "current_password");
    let short = json!({"current_password": PASSWORD, "new_password": "short"});
    let reply = api
        .call_as("PUT", "/me/password", Some(&laptop), Some(short))
        .await;
    assert_eq!(reply.body["errors"][0]["field"], "new_password");

    let change = json!({"current_password": PASSWORD, "new_password": "another long one"});
    let reply = api
        .call_as("PUT", "/me/password", Some(&laptop), Some(change))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    assert_eq!(
        (status(&api, &laptop).await, status(&api, &phone).await),
        (200, 401)
    );
    assert_eq!(sign_in(&api, "zoe@example.com", PASSWORD).await.status, 401);
    token_of(&sign_in(&api, "zoe@example.com", "another long one").await);
    // …which the new password ends: the account stays Zoë's.
    let taken = api
        .call(
            "POST",
            "/auth/verify-email",
            None,
            Some(json!({"token": kept})),
        )
        .await;
    assert_problem(&taken, 400, "invalid_token");
}

pub async fn sessions_are_listed_and_ended(backend: Backend) {
    let (api, _mail) = api(backend).await;
    let (_, first) = sign_up(&api, "zoe@example.com").await;
    let second = token_of(&sign_in(&api, "zoe@example.com", PASSWORD).await);
    let third = token_of(&sign_in(&api, "zoe@example.com", PASSWORD).await);
    let (_, other) = sign_up(&api, "max@example.com").await;

    let listed = api
        .call_as("GET", "/me/sessions", Some(&second), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    let items = listed.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    let current: Vec<bool> = items
        .iter()
        .map(|s| s["current"].as_bool().unwrap())
        .collect();
    assert_eq!(
        current,
        [false, true, false],
        "newest first; this one marked"
    );
    assert!(
        items
            .iter()
            .all(|s| s.get("token").is_none() && s.get("token_hash").is_none())
    );
    assert_eq!(items[0]["ip"], "127.0.0.1");
    assert_eq!(items[0]["user_agent"], crate::api::USER_AGENT);
    for field in [
        "id",
        "created_at",
        "last_used_at",
        "expires_at",
        "user_agent",
    ] {
        assert!(items[1].get(field).is_some(), "{field}");
    }

    // Ending one: mine only.
    let third_id = items[0]["id"].as_str().unwrap();
    let path = format!("/me/sessions/{third_id}");
    assert_problem(
        &api.call_as("DELETE", &path, Some(&other), None).await,
        404,
        "not_found",
    );
    assert_eq!(status(&api, &third).await, 200);
    let ended = api.call_as("DELETE", &path, Some(&second), None).await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT);
    assert_eq!(status(&api, &third).await, 401);
    let bad = api
        .call_as("DELETE", "/me/sessions/nope", Some(&second), None)
        .await;
    assert_problem(&bad, 400, "malformed_request");

    // Everywhere else.
    let all = api
        .call_as("DELETE", "/me/sessions", Some(&second), None)
        .await;
    assert_eq!(all.status, StatusCode::NO_CONTENT);
    assert_eq!(
        (status(&api, &first).await, status(&api, &second).await),
        (401, 200)
    );
    let left = api
        .call_as("GET", "/me/sessions", Some(&second), None)
        .await;
    assert_eq!(left.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        status(&api, &other).await,
        200,
        "another user's sessions stay"
    );
}

pub async fn a_new_address_is_confirmed_by_password_and_link(backend: Backend) {
    let (api, mail) = api(backend).await;
    let (_, token) = sign_up(&api, "zoe@example.com").await;
    sign_up(&api, "max@example.com").await;
    mail.take();
    let wrong = json!({"email": "zoe@new.example", "password": "not my password"});
    let reply = api
        .call_as("POST", "/me/email", Some(&token), Some(wrong))
        .await;
    assert_problem(&reply, 422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["field"], "password");
    let taken = json!({"email": "max@example.com", "password": PASSWORD});
    let reply = api
        .call_as("POST", "/me/email", Some(&token), Some(taken))
        .await;
    assert_problem(&reply, 409, "email_taken");

    let change = json!({"email": "zoe@new.example", "password": PASSWORD});
    let reply = api
        .call_as("POST", "/me/email", Some(&token), Some(change))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    let sent = mail.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "zoe@new.example");
    let me = api.call_as("GET", "/me", Some(&token), None).await;
    assert_eq!(
        me.body["user"]["email"], "zoe@example.com",
        "until the link is opened"
    );
    let link = link_token(&sent[0]).unwrap();
    let verified = api
        .call(
            "POST",
            "/auth/verify-email",
            None,
            Some(json!({"token": link})),
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    assert_eq!(verified.body["email"], "zoe@new.example");
    assert_eq!(verified.body["email_verified"], true);
    token_of(&sign_in(&api, "zoe@new.example", PASSWORD).await);
}

pub async fn account_routes_need_a_signed_in_built_in_user(backend: Backend) {
    let (api, _mail) = api(backend).await;
    for (method, path) in [
        ("DELETE", "/me"),
        ("PUT", "/me/password"),
        ("POST", "/me/email"),
        ("POST", "/me/verify-email"),
        ("GET", "/me/sessions"),
        ("DELETE", "/me/sessions"),
        (
            "DELETE",
            "/me/sessions/0190c0de-0000-7000-8000-000000000000",
        ),
    ] {
        let reply = api.call(method, path, None, Some(json!({}))).await;
        assert_problem(&reply, 401, "unauthenticated");
    }
    // Users of the host's own sign-in have no password here.
    let host = Api::new(backend).await;
    let learner = Some(host.w.learner);
    let change = json!({"current_password": PASSWORD, "new_password": "another long one"});
    let reply = host
        .call("PUT", "/me/password", learner, Some(change))
        .await;
    assert_problem(&reply, 409, "conflict");
    let erase = json!({"password": PASSWORD});
    let reply = host.call("DELETE", "/me", learner, Some(erase)).await;
    assert_problem(&reply, 409, "conflict");
    let listed = host.call("GET", "/me/sessions", learner, None).await;
    assert_eq!(listed.body, json!({"items": []}));
}

pub async fn deleting_my_account_erases_me(backend: Backend) {
    let (api, _mail) = api(backend).await;
    let (user, token) = sign_up(&api, "zoe@example.com").await;
    let other = token_of(&sign_in(&api, "zoe@example.com", PASSWORD).await);
    let zoe: lms_core::UserId = user["id"].as_str().unwrap().parse().unwrap();
    // Zoë learns, posts and earns a certificate (set up through the library).
    let w = &api.w;
    let outline = w.published("c", None).await;
    let learner = lms_core::Role::Learner;
    w.lms
        .set_member_role(&w.admin, "acme", zoe, learner)
        .await
        .unwrap();
    let zoe_actor = lms_core::Actor::User(zoe);
    w.lms
        .enroll(&zoe_actor, lms_core::testing::acme("c"))
        .await
        .unwrap();
    for module in &outline.modules {
        for lesson in &module.lessons {
            let path = format!("/orgs/acme/courses/c/lessons/{}", lesson.id);
            if lesson.kind == lms_core::LessonKind::Quiz {
                let answers = json!({"answers": {"q1": "b", "q2": true}});
                api.call_as(
                    "POST",
                    &format!("{path}/attempts"),
                    Some(&token),
                    Some(answers),
                )
                .await;
            } else {
                let done = json!({"status": "completed"});
                api.call_as("PUT", &format!("{path}/progress"), Some(&token), Some(done))
                    .await;
            }
        }
    }
    let certificate = api
        .call_as(
            "GET",
            "/orgs/acme/courses/c/certificate",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(certificate.status, StatusCode::OK, "{}", certificate.body);
    let code = certificate.body["code"].as_str().unwrap().to_string();
    let lesson = outline.modules[0].lessons[0].id;
    let posts = format!("/orgs/acme/courses/c/lessons/{lesson}/posts");
    let post = api
        .call_as("POST", &posts, Some(&token), Some(json!({"body": "Hi"})))
        .await;
    assert_eq!(post.status, StatusCode::CREATED, "{}", post.body);

    let wrong = api
        .call_as(
            "DELETE",
            "/me",
            Some(&token),
            Some(json!({"password": "nope nope nope"})),
        )
        .await;
    assert_problem(&wrong, 422, "validation_failed");
    assert_eq!(wrong.body["errors"][0]["field"], "password");
    let gone = api
        .call_as(
            "DELETE",
            "/me",
            Some(&token),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);

    assert_eq!(
        (status(&api, &token).await, status(&api, &other).await),
        (401, 401)
    );
    assert_eq!(sign_in(&api, "zoe@example.com", PASSWORD).await.status, 401);
    let verified = api
        .call("GET", &format!("/certificates/{code}"), None, None)
        .await;
    assert_eq!(verified.body["valid"], false);
    assert_eq!(verified.body["revoked_reason"], "account_deleted");
    assert_eq!(verified.body["learner_name"], Value::Null);
    let page = lms_core::PageRequest::default();
    let course = lms_core::testing::acme("c");
    let read = w
        .lms
        .posts(&w.instructor, course, lesson, page)
        .await
        .unwrap();
    assert_eq!(read.items[0].author.name, "Deleted user");
    // The address may sign up again, as someone new.
    let (again, _) = sign_up(&api, "zoe@example.com").await;
    assert_ne!(again["id"], user["id"]);
}
