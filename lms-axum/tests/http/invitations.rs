//! Invitations over HTTP with the built-in sign-in: an address without an account is
//! invited, signs up and accepts with the mailed token; revoked links stop working; a
//! verified invitee answers in the app; a closed sign-up opens to an invited address.

use crate::api::{Api, Reply, assert_problem};
use crate::common::{Backend, lms_on};
use axum::http::StatusCode;
use lms_axum::{AuthConfig, LmsRouter};
use lms_core::testing::{CommitCheckingMailer, World, link_token};
use serde_json::json;

async fn api(backend: Backend, config: AuthConfig) -> (Api, CommitCheckingMailer) {
    let lms = lms_on(backend).await;
    let mail = CommitCheckingMailer::new(lms.store().clone());
    let lms = lms.with_mail(mail.clone(), "https://app.test".parse().unwrap());
    let w = World::new(lms.clone()).await;
    let app = LmsRouter::new(lms, crate::common::public_url())
        .sign_in(config)
        .build();
    (Api { app, w }, mail)
}

/// Signs up `email`, with an invitation token when given; the session token.
async fn sign_up(api: &Api, email: &str, invitation: Option<&str>) -> Reply {
    let mut body = json!({"email": email, "password": "correct horse battery", "name": "Grace"});
    if let Some(token) = invitation {
        body["invitation_token"] = json!(token);
    }
    api.call("POST", "/auth/sign-up", None, Some(body)).await
}

fn session(reply: &Reply) -> String {
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["token"].as_str().unwrap().to_string()
}

/// A session of a second admin of `acme`, who signed up with the built-in sign-in.
async fn admin_session(api: &Api) -> String {
    let reply = sign_up(api, "ada@example.com", None).await;
    let token = session(&reply);
    let id: lms_core::UserId = reply.body["user"]["id"].as_str().unwrap().parse().unwrap();
    let admin = lms_core::Role::Admin;
    api.w
        .lms
        .set_member_role(&api.w.admin, "acme", id, admin)
        .await
        .unwrap();
    token
}

async fn invite(api: &Api, admin: &str, email: &str, role: &str) -> Reply {
    let body = json!({"email": email, "role": role});
    api.call_as("POST", "/orgs/acme/invitations", Some(admin), Some(body))
        .await
}

pub async fn an_invited_address_signs_up_and_joins_with_the_link(backend: Backend) {
    let (api, mail) = api(backend, AuthConfig::default()).await;
    let ada = admin_session(&api).await;
    mail.take();
    let invited = invite(&api, &ada, "grace@example.com", "instructor").await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    assert_eq!(invited.body["status"], "pending");
    assert_eq!(invited.body["org"], "acme");
    assert_eq!(invited.body["org_name"], "Acme");
    assert_eq!(invited.body["invited_by"]["name"], "Grace");
    assert!(invited.body.get("token").is_none() && invited.body.get("token_hash").is_none());
    let link = link_token(&mail.take()[0]).unwrap();

    let grace = session(&sign_up(&api, "grace@example.com", None).await);
    mail.take(); // the verification mail
    let joined = api
        .call_as(
            "POST",
            "/invitations/accept",
            Some(&grace),
            Some(json!({"token": link})),
        )
        .await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.body);
    assert_eq!(joined.body, json!({"org": "acme", "role": "instructor"}));
    let me = api.call_as("GET", "/me", Some(&grace), None).await;
    assert_eq!(
        me.body["memberships"],
        json!([{"org": "acme", "role": "instructor"}])
    );
    assert_eq!(
        me.body["user"]["email_verified"], true,
        "the link proved the address"
    );
    let again = api
        .call_as(
            "POST",
            "/invitations/accept",
            Some(&grace),
            Some(json!({"token": link})),
        )
        .await;
    assert_problem(&again, 400, "invalid_token");
    let nobody = api
        .call(
            "POST",
            "/invitations/accept",
            None,
            Some(json!({"token": link})),
        )
        .await;
    assert_problem(&nobody, 401, "unauthenticated");

    // Re-inviting a member, and a revoked link.
    assert_problem(
        &invite(&api, &ada, "grace@example.com", "learner").await,
        409,
        "already_member",
    );
    let max = invite(&api, &ada, "max@example.com", "learner").await;
    let max_link = link_token(&mail.take()[0]).unwrap();
    let id = max.body["id"].as_str().unwrap();
    let path = format!("/orgs/acme/invitations/{id}");
    let revoked = api.call_as("DELETE", &path, Some(&ada), None).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let max = session(&sign_up(&api, "max@example.com", None).await);
    let refused = api
        .call_as(
            "POST",
            "/invitations/accept",
            Some(&max),
            Some(json!({"token": max_link})),
        )
        .await;
    assert_problem(&refused, 400, "invalid_token");
    let again = api.call_as("DELETE", &path, Some(&ada), None).await;
    assert_problem(&again, 409, "conflict");

    // Someone else's link.
    invite(&api, &ada, "zoe@example.com", "learner").await;
    let zoe_link = mail.last_token();
    let stolen = api
        .call_as(
            "POST",
            "/invitations/accept",
            Some(&max),
            Some(json!({"token": zoe_link})),
        )
        .await;
    assert_problem(&stolen, 403, "forbidden");

    let listed = api
        .call_as(
            "GET",
            "/orgs/acme/invitations?status=pending",
            Some(&ada),
            None,
        )
        .await;
    let emails: Vec<_> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].clone())
        .collect();
    assert_eq!(emails, [json!("zoe@example.com")]);
    let bad = api
        .call_as(
            "GET",
            "/orgs/acme/invitations?status=maybe",
            Some(&ada),
            None,
        )
        .await;
    assert_problem(&bad, 400, "malformed_request");
}

pub async fn a_verified_invitee_answers_in_the_app(backend: Backend) {
    let (api, mail) = api(backend, AuthConfig::default()).await;
    let ada = admin_session(&api).await;
    mail.take();
    let vera = session(&sign_up(&api, "vera@example.com", None).await);
    let verify = link_token(&mail.take()[0]).unwrap();
    let invited = invite(&api, &ada, "vera@example.com", "learner").await;
    let id = invited.body["id"].as_str().unwrap().to_string();
    let unverified = api
        .call_as("GET", "/me/invitations", Some(&vera), None)
        .await;
    assert_problem(&unverified, 403, "email_unverified");
    let verified = api
        .call(
            "POST",
            "/auth/verify-email",
            None,
            Some(json!({"token": verify})),
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK);

    let mine = api
        .call_as("GET", "/me/invitations", Some(&vera), None)
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(mine.body["items"][0]["id"], json!(id));
    let decline = format!("/me/invitations/{id}/decline");
    let declined = api.call_as("POST", &decline, Some(&vera), None).await;
    assert_eq!(declined.status, StatusCode::NO_CONTENT);
    let accept = format!("/me/invitations/{id}/accept");
    assert_problem(
        &api.call_as("POST", &accept, Some(&vera), None).await,
        409,
        "conflict",
    );

    let again = invite(&api, &ada, "vera@example.com", "instructor").await;
    let id = again.body["id"].as_str().unwrap();
    let accept = format!("/me/invitations/{id}/accept");
    let joined = api.call_as("POST", &accept, Some(&vera), None).await;
    assert_eq!(joined.body, json!({"org": "acme", "role": "instructor"}));
    let left = api
        .call_as("DELETE", "/me/memberships/acme", Some(&vera), None)
        .await;
    assert_eq!(left.status, StatusCode::NO_CONTENT);
    let me = api.call_as("GET", "/me", Some(&vera), None).await;
    assert_eq!(me.body["memberships"], json!([]));
    let unknown = format!("/me/invitations/{}/accept", lms_core::InvitationId::new());
    assert_problem(
        &api.call_as("POST", &unknown, Some(&vera), None).await,
        404,
        "not_found",
    );
}

pub async fn a_closed_sign_up_opens_to_an_invited_address(backend: Backend) {
    let mut config = AuthConfig::default();
    config.open_sign_up = false;
    let (api, mail) = api(backend, config).await;
    let learner = lms_core::NewMember {
        email: "grace@example.com".into(),
        role: lms_core::Role::Learner,
    };
    api.w
        .lms
        .invite(&api.w.admin, "acme", learner)
        .await
        .unwrap();
    let link = link_token(&mail.take()[0]).unwrap();
    assert_problem(
        &sign_up(&api, "grace@example.com", None).await,
        403,
        "forbidden",
    );
    let wrong = sign_up(&api, "mallory@example.com", Some(&link)).await;
    assert_problem(&wrong, 403, "forbidden");
    let up = sign_up(&api, "grace@example.com", Some(&link)).await;
    let grace = session(&up);
    assert_eq!(
        up.body["user"]["email_verified"], true,
        "the invitation proved it"
    );
    assert!(
        mail.take().is_empty(),
        "no verification mail for a proven address"
    );
    let joined = api
        .call_as(
            "POST",
            "/invitations/accept",
            Some(&grace),
            Some(json!({"token": link})),
        )
        .await;
    assert_eq!(joined.body, json!({"org": "acme", "role": "learner"}));
}
