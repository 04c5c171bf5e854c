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
