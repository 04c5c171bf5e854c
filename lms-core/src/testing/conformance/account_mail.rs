//! Account mail: verification links, a change of address, password reset links. Every
//! message goes through [`CommitCheckingMailer`], which fails the case if a link is mailed
//! before its token is committed.

use crate::store::Access;
use crate::testing::CommitCheckingMailer;
use crate::testing::fixtures::assert_code;
use crate::{Lms, NewUser, User};

const APP: &str = "https://app.example.com/learn/";

fn with_mail(lms: Lms) -> (Lms, CommitCheckingMailer) {
    let mail = CommitCheckingMailer::new(lms.store().clone());
    (lms.with_mail(mail.clone(), APP.parse().unwrap()), mail)
}

async fn user(lms: &Lms, email: &str) -> User {
    let new = NewUser {
        email: email.into(),
        name: "Ada <Lovelace>".into(),
    };
    lms.create_user(new).await.unwrap()
}

pub async fn verification_links_prove_the_address_once(lms: Lms) {
    let (lms, mail) = with_mail(lms);
    let ada = user(&lms, "ada@example.com").await;
    assert!(!ada.email_verified);
    lms.request_email_verification(ada.id).await.unwrap();
    let sent = mail.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "ada@example.com");
    let token = crate::testing::link_token(&sent[0]).unwrap();
    let link = format!("https://app.example.com/learn/verify-email?token={token}");
    assert!(sent[0].text.contains(&link), "the link is on the app's URL");
    assert!(sent[0].text.contains("Hello Ada <Lovelace>,"));
    assert!(
        sent[0]
            .html
            .as_deref()
            .unwrap()
            .contains("Ada &lt;Lovelace&gt;")
    );

    // A newer link replaces the older one.
    lms.request_email_verification(ada.id).await.unwrap();
    let newer = mail.last_token();
    assert_code(lms.verify_email(&token).await, "invalid_token");
    let verified = lms.verify_email(&newer).await.unwrap();
    assert!(verified.email_verified);
    assert_eq!(lms.user(ada.id).await.unwrap(), verified);
    assert_code(lms.verify_email(&newer).await, "invalid_token");
    assert_code(lms.verify_email("made-up").await, "invalid_token");
    assert_code(lms.request_email_verification(ada.id).await, "conflict");

    // Five links an hour, then a wait.
    let bob = user(&lms, "bob@example.com").await;
    for _ in 0..5 {
        lms.request_email_verification(bob.id).await.unwrap();
    }
    assert_code(lms.request_email_verification(bob.id).await, "rate_limited");
    assert_eq!(mail.take().len(), 6, "the refused request mailed nothing");
}

pub async fn a_new_address_replaces_the_old_once_proven(lms: Lms) {
    let (lms, mail) = with_mail(lms);
    let ada = user(&lms, "ada@example.com").await;
    lms.request_email_verification(ada.id).await.unwrap();
    let old_link = mail.last_token();
    lms.request_email_change(ada.id, "Ada@New.Example")
        .await
        .unwrap();
    let sent = mail.take();
    assert_eq!(
        sent.last().unwrap().to,
        "ada@new.example",
        "mailed to the new address"
    );
    let change = crate::testing::link_token(sent.last().unwrap()).unwrap();
    assert_eq!(
        lms.user(ada.id).await.unwrap().email,
        "ada@example.com",
        "not yet"
    );

    assert_code(
        lms.request_email_change(ada.id, "ada@example.com").await,
        "validation_failed",
    );
    user(&lms, "taken@example.com").await;
    assert_code(
        lms.request_email_change(ada.id, "taken@example.com").await,
        "email_taken",
    );

    let changed = lms.verify_email(&change).await.unwrap();
    assert_eq!(
        (changed.email.as_str(), changed.email_verified),
        ("ada@new.example", true)
    );
    assert_code(lms.verify_email(&old_link).await, "invalid_token");
    // The old address hears of it, without a link.
    let notice = mail.take().pop().expect("a notice");
    assert_eq!(notice.to, "ada@example.com");
    assert!(notice.text.contains("ada@new.example"), "{}", notice.text);
    assert!(crate::testing::link_token(&notice).is_none());

    // An address taken between the request and the link is refused, and stays refused.
    lms.request_email_change(ada.id, "later@example.com")
        .await
        .unwrap();
    let late = mail.last_token();
    user(&lms, "later@example.com").await;
    assert_code(lms.verify_email(&late).await, "email_taken");
    assert_eq!(lms.user(ada.id).await.unwrap().email, "ada@new.example");

    // Users the host manages change their address at the host.
    let host = lms
        .ensure_user(crate::ExternalUser {
            external_id: "idp|1".into(),
            email: "host@example.com".into(),
            name: "Host".into(),
            email_verified: false,
        })
        .await
        .unwrap();
    assert_code(
        lms.request_email_change(host.id, "x@example.com").await,
        "conflict",
    );
    assert_code(lms.request_email_verification(host.id).await, "conflict");
}

pub async fn reset_links_go_only_to_accounts_with_a_password(lms: Lms) {
    let (lms, mail) = with_mail(lms);
    let ada = user(&lms, "ada@example.com").await;
    lms.request_password_reset("nobody@example.com")
        .await
        .unwrap();
    lms.request_password_reset("ada@example.com").await.unwrap();
    assert!(
        mail.take().is_empty(),
        "no account, or no password: nothing mailed"
    );
    assert_code(
        lms.request_password_reset("not an address").await,
        "validation_failed",
    );

    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    let accounts = tx.accounts().expect("the store keeps accounts");
    accounts
        .set_password_hash(ada.id, "$argon2id$x")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    lms.request_password_reset(" ADA@example.com ")
        .await
        .unwrap();
    let sent = mail.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "ada@example.com");
    assert!(
        sent[0]
            .text
            .contains("https://app.example.com/learn/reset-password?token=")
    );
    // Past five an hour it sends no more, and says so to nobody.
    for _ in 0..6 {
        lms.request_password_reset("ada@example.com").await.unwrap();
    }
    assert_eq!(mail.take().len(), 4);
}
