//! Users: unique, normalized emails and the checks on new users.

use crate::testing::fixtures::{assert_code, assert_invalid};
use crate::{Lms, NewUser};

pub async fn users_have_unique_normalized_emails(lms: Lms) {
    let user = lms
        .create_user(NewUser {
            email: "  Ada@Example.COM ".into(),
            name: "Ada".into(),
        })
        .await
        .unwrap();
    assert_eq!(user.email, "ada@example.com");
    assert_eq!(
        lms.user_by_email("ADA@example.com").await.unwrap().id,
        user.id
    );
    assert_eq!(lms.user(user.id).await.unwrap(), user);
    let again = lms
        .create_user(NewUser {
            email: "ada@example.com".into(),
            name: "Other".into(),
        })
        .await;
    assert_code(again, "email_taken");
}

pub async fn bad_user_input_writes_nothing(lms: Lms) {
    let result = lms
        .create_user(NewUser {
            email: "not-an-email".into(),
            name: " ".into(),
        })
        .await;
    assert_invalid(result, &["email", "name"]);
    assert_code(lms.user_by_email("not-an-email").await, "not_found");
    let long_name = "x".repeat(201);
    assert_invalid(
        lms.create_user(NewUser {
            email: "a@b.test".into(),
            name: long_name,
        })
        .await,
        &["name"],
    );
}

pub async fn importing_users_is_all_or_nothing(lms: Lms) {
    let new = |email: &str| NewUser {
        email: email.into(),
        name: "Imported".into(),
    };
    lms.create_user(new("taken@acme.test")).await.unwrap();
    // One bad address, one taken, one twice in the batch: each fails the whole batch.
    for bad in ["not-an-email", "TAKEN@acme.test", "twice@acme.test"] {
        let batch = vec![new("first@acme.test"), new(bad), new("twice@acme.test")];
        let result = lms.import_users(batch).await;
        match bad {
            "not-an-email" => assert_invalid(result, &["email"]),
            _ => assert_code(result, "email_taken"),
        }
        assert_code(lms.user_by_email("first@acme.test").await, "not_found");
    }
    let imported = lms
        .import_users(vec![new("first@acme.test"), new(" Second@ACME.test")])
        .await
        .unwrap();
    let second = lms.user_by_email("second@acme.test").await.unwrap();
    assert_eq!(imported[1], second);
    lms.refresh_statistics().await.unwrap();
    assert_eq!(
        lms.user_by_email("first@acme.test").await.unwrap(),
        imported[0]
    );
}
