//! Invitations: membership by consent. Mail goes through [`CommitCheckingMailer`], which
//! fails the case if a link is mailed before its invitation is committed.

use crate::testing::fixtures::{ORG, World, acme, assert_code};
use crate::testing::{CommitCheckingMailer, ManualClock, link_token};
use crate::{Actor, ExternalUser, InvitationStatus, Lms, NewMember, NewUser, PageRequest, Role};

fn with_mail(lms: Lms) -> (Lms, CommitCheckingMailer) {
    let mail = CommitCheckingMailer::new(lms.store().clone());
    (
        lms.with_mail(mail.clone(), "https://app.test".parse().unwrap()),
        mail,
    )
}

fn invite(email: &str, role: Role) -> NewMember {
    NewMember {
        email: email.into(),
        role,
    }
}

/// A user whose address the host has proven.
async fn verified(lms: &Lms, email: &str) -> Actor {
    let user = lms
        .ensure_user(ExternalUser {
            external_id: format!("idp|{email}"),
            email: email.into(),
            name: "Vera Verified".into(),
            email_verified: true,
        })
        .await
        .unwrap();
    Actor::User(user.id)
}

pub async fn an_invited_address_signs_up_then_accepts_with_the_token(lms: Lms) {
    let (lms, mail) = with_mail(lms);
    let w = World::new(lms.clone()).await;
    assert_code(
        lms.invite(
            &w.learner,
            ORG,
            invite("grace@example.com", Role::Instructor),
        )
        .await,
        "forbidden",
    );
    assert_code(
        lms.invite(&w.admin, ORG, invite("learner@acme.test", Role::Admin))
            .await,
        "already_member",
    );
    assert_code(
        lms.invite(&w.admin, ORG, invite("nope", Role::Learner))
            .await,
        "validation_failed",
    );
    let sent = lms
        .invite(
            &w.admin,
            ORG,
            invite(" Grace@Example.com", Role::Instructor),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            sent.email.as_str(),
            sent.status,
            sent.org.as_str(),
            sent.org_name.as_str()
        ),
        ("grace@example.com", InvitationStatus::Pending, ORG, "Acme")
    );
    assert_eq!(sent.invited_by.name, "Ada Admin");
    assert_eq!(sent.expires_at - sent.created_at, chrono::Duration::days(7));
    let mails = mail.take();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "grace@example.com");
    assert!(mails[0].subject.contains("Acme"), "{}", mails[0].subject);
    assert!(mails[0].text.contains("as instructor"));
    let token = link_token(&mails[0]).unwrap();
    assert!(
        mails[0]
            .text
            .contains("https://app.test/invitations/accept?token=")
    );

    // No account yet: the invitation waits for one.
    assert!(
        lms.invitation_admits(&token, "grace@example.com")
            .await
            .unwrap()
    );
    assert!(
        !lms.invitation_admits(&token, "mallory@example.com")
            .await
            .unwrap()
    );
    let grace = lms
        .create_user(NewUser {
            email: "grace@example.com".into(),
            name: "Grace".into(),
        })
        .await
        .unwrap();
    let grace_actor = Actor::User(grace.id);
    // Someone else signed in with the token is refused, and uses nothing up.
    assert_code(
        lms.accept_invitation_token(&w.outsider, &token).await,
        "forbidden",
    );
    let joined = lms
        .accept_invitation_token(&grace_actor, &token)
        .await
        .unwrap();
    assert_eq!((joined.org.as_str(), joined.role), (ORG, Role::Instructor));
    assert!(
        lms.user(grace.id).await.unwrap().email_verified,
        "the token proved it"
    );
    let me = lms.me(&grace_actor).await.unwrap();
    assert_eq!(me.memberships.len(), 1);
    assert_code(
        lms.accept_invitation_token(&grace_actor, &token).await,
        "invalid_token",
    );
    assert_code(
        lms.accept_invitation_token(&grace_actor, "made-up").await,
        "invalid_token",
    );
    assert_code(
        lms.accept_invitation_token(&Actor::Anonymous, &token).await,
        "unauthenticated",
    );
}

pub async fn admins_list_replace_and_revoke_invitations(lms: Lms) {
    let clock = ManualClock::new();
    let (lms, mail) = with_mail(lms.with_clock(clock.clone()));
    let w = World::new(lms.clone()).await;
    let first = lms
        .invite(&w.admin, ORG, invite("a@example.com", Role::Learner))
        .await
        .unwrap();
    let first_token = mail.last_token();
    clock.advance(chrono::Duration::seconds(1));
    let second = lms
        .invite(&w.admin, ORG, invite("a@example.com", Role::Instructor))
        .await
        .unwrap();
    clock.advance(chrono::Duration::seconds(1));
    let other = lms
        .invite(&w.admin, ORG, invite("b@example.com", Role::Learner))
        .await
        .unwrap();
    let other_token = mail.last_token();

    let all = lms
        .invitations(&w.admin, ORG, None, PageRequest::default())
        .await
        .unwrap();
    let ids: Vec<_> = all.items.iter().map(|i| (i.id, i.status)).collect();
    assert_eq!(
        ids,
        vec![
            (other.id, InvitationStatus::Pending),
            (second.id, InvitationStatus::Pending),
            (first.id, InvitationStatus::Revoked),
        ],
        "newest first; the newer invitation to an address replaces the older"
    );
    let page = lms
        .invitations(&w.admin, ORG, None, PageRequest::first(2))
        .await
        .unwrap();
    let rest = PageRequest::parse(Some(2), page.next_cursor.as_deref()).unwrap();
    let rest = lms.invitations(&w.admin, ORG, None, rest).await.unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].id, first.id);
    assert_code(
        lms.invitations(&w.instructor, ORG, None, PageRequest::default())
            .await,
        "forbidden",
    );

    let a = verified(&lms, "a@example.com").await;
    assert_code(
        lms.accept_invitation_token(&a, &first_token).await,
        "invalid_token",
    );
    lms.revoke_invitation(&w.admin, ORG, second.id)
        .await
        .unwrap();
    assert_code(
        lms.revoke_invitation(&w.admin, ORG, second.id).await,
        "conflict",
    );
    assert_code(
        lms.revoke_invitation(&w.learner, ORG, second.id).await,
        "forbidden",
    );
    assert_code(
        lms.revoke_invitation(&w.admin, ORG, crate::InvitationId::new())
            .await,
        "not_found",
    );

    // Seven days on, what is still pending has expired.
    clock.advance(chrono::Duration::days(7));
    let b = verified(&lms, "b@example.com").await;
    assert_code(
        lms.accept_invitation_token(&b, &other_token).await,
        "invalid_token",
    );
    let expired = Some(InvitationStatus::Expired);
    let listed = lms
        .invitations(&w.admin, ORG, expired, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        listed.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![other.id]
    );
    assert_eq!(listed.items[0].status, InvitationStatus::Expired);
    let pending = Some(InvitationStatus::Pending);
    let listed = lms
        .invitations(&w.admin, ORG, pending, PageRequest::default())
        .await
        .unwrap();
    assert!(listed.items.is_empty());
    assert_code(
        lms.revoke_invitation(&w.admin, ORG, other.id).await,
        "conflict",
    );
}

pub async fn verified_invitees_answer_in_the_app(lms: Lms) {
    let lms = with_mail(lms).0;
    let w = World::new(lms.clone()).await;
    lms.create_org(
        &w.outsider,
        crate::NewOrg {
            slug: "other".into(),
            name: "Other".into(),
        },
    )
    .await
    .unwrap();
    let to_acme = lms
        .invite(&w.admin, ORG, invite("vera@example.com", Role::Learner))
        .await
        .unwrap();
    let to_other = lms
        .invite(
            &w.outsider,
            "other",
            invite("vera@example.com", Role::Admin),
        )
        .await
        .unwrap();
    let unproven = Actor::User(
        lms.create_user(NewUser {
            email: "vera@example.com".into(),
            name: "V".into(),
        })
        .await
        .unwrap()
        .id,
    );
    assert_code(lms.my_invitations(&unproven).await, "email_unverified");
    let answer = lms.accept_invitation(&unproven, to_acme.id).await;
    assert_code(answer, "email_unverified");

    // The same address, proven (the host vouches for it).
    let vera = Actor::User(
        lms.link_user("vera@example.com", "idp|vera")
            .await
            .unwrap()
            .id,
    );
    let mine = lms.my_invitations(&vera).await.unwrap();
    let ids: Vec<_> = mine.iter().map(|i| i.id).collect();
    assert_eq!(
        ids,
        vec![to_other.id, to_acme.id],
        "across orgs, newest first"
    );
    // Someone else, verified too, finds no invitation of another address.
    let someone = verified(&lms, "someone@example.com").await;
    assert_code(
        lms.accept_invitation(&someone, to_acme.id).await,
        "not_found",
    );
    assert_code(
        lms.decline_invitation(&someone, to_acme.id).await,
        "not_found",
    );
    let joined = lms.accept_invitation(&vera, to_acme.id).await.unwrap();
    assert_eq!((joined.org.as_str(), joined.role), (ORG, Role::Learner));
    assert_code(lms.accept_invitation(&vera, to_acme.id).await, "conflict");
    lms.decline_invitation(&vera, to_other.id).await.unwrap();
    assert_code(lms.accept_invitation(&vera, to_other.id).await, "conflict");
    assert!(lms.my_invitations(&vera).await.unwrap().is_empty());
    let me = lms.me(&vera).await.unwrap();
    assert_eq!(
        me.memberships
            .iter()
            .map(|m| m.org.as_str())
            .collect::<Vec<_>>(),
        [ORG]
    );
}

pub async fn members_leave_but_an_org_keeps_an_admin(lms: Lms) {
    let w = World::new(lms.clone()).await;
    w.published("c", None).await;
    lms.enroll(&w.learner, acme("c")).await.unwrap();
    lms.enroll(&w.instructor, acme("c")).await.unwrap();
    lms.leave_org(&w.learner, ORG).await.unwrap();
    // Leaving, or being removed, revokes their enrollments in the org's courses.
    let instructor = w.instructor.user_id().unwrap();
    lms.remove_member(&w.admin, ORG, instructor).await.unwrap();
    let enrollments = lms
        .enrollments(&w.admin, acme("c"), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(enrollments.items.len(), 2);
    assert!(
        enrollments
            .items
            .iter()
            .all(|e| e.revoked_reason == Some(crate::RevokedReason::Removed)),
        "{enrollments:?}"
    );
    // Removal holds: enrolling again is not the learner's to do (issue 17, item 3).
    assert_code(
        lms.enroll(&w.learner, acme("c")).await,
        "enrollment_revoked",
    );
    assert!(lms.me(&w.learner).await.unwrap().memberships.is_empty());
    assert_code(lms.leave_org(&w.learner, ORG).await, "not_found");
    assert_code(lms.leave_org(&w.admin, ORG).await, "conflict");
    assert_code(
        lms.leave_org(&Actor::Anonymous, ORG).await,
        "unauthenticated",
    );
    // Over HTTP roles change for members only: nobody is added by id.
    let stranger = w.outsider.user_id().unwrap();
    assert_code(
        lms.change_member_role(&w.admin, ORG, stranger, Role::Learner)
            .await,
        "not_found",
    );
    let learner = w.learner.user_id().unwrap();
    assert_code(
        lms.change_member_role(&w.admin, ORG, learner, Role::Learner)
            .await,
        "not_found",
    );
}

pub async fn invitations_per_org_are_limited_per_hour(lms: Lms) {
    let clock = ManualClock::new();
    let lms = with_mail(lms.with_clock(clock.clone()).with_invitations_per_hour(2)).0;
    let w = World::new(lms.clone()).await;
    for n in 0..2 {
        lms.invite(
            &w.admin,
            ORG,
            invite(&format!("p{n}@example.com"), Role::Learner),
        )
        .await
        .unwrap();
    }
    let third = lms
        .invite(&w.admin, ORG, invite("p2@example.com", Role::Learner))
        .await;
    assert_code(third, "rate_limited");
    clock.advance(chrono::Duration::hours(1));
    lms.invite(&w.admin, ORG, invite("p2@example.com", Role::Learner))
        .await
        .unwrap();
}

pub async fn invitations_lapse_with_their_senders_authority(lms: Lms) {
    let (lms, mail) = with_mail(lms);
    let w = World::new(lms.clone()).await;
    let rogue = w.instructor.user_id().unwrap();
    lms.set_member_role(&w.admin, ORG, rogue, Role::Admin)
        .await
        .unwrap();
    lms.invite(&w.instructor, ORG, invite("eve@example.com", Role::Admin))
        .await
        .unwrap();
    let token = mail.last_token();
    let in_app = lms
        .invite(&w.instructor, ORG, invite("vera@example.com", Role::Admin))
        .await
        .unwrap();
    // The sender is removed before either is answered.
    lms.remove_member(&w.admin, ORG, rogue).await.unwrap();
    let eve = verified(&lms, "eve@example.com").await;
    assert_code(
        lms.accept_invitation_token(&eve, &token).await,
        "invalid_token",
    );
    let vera = verified(&lms, "vera@example.com").await;
    assert_code(lms.accept_invitation(&vera, in_app.id).await, "conflict");
    assert!(lms.me(&eve).await.unwrap().memberships.is_empty());
}
