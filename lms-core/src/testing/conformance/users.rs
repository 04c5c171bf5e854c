//! Users: unique, normalized emails, the checks on new users, and their own profile.

use crate::store::Access;
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

pub async fn host_users_are_ensured_once_by_their_external_id(lms: Lms) {
    use crate::{ExternalUser, UserPatch};
    let seen = |email: &str, name: &str| ExternalUser {
        external_id: "idp|42".into(),
        email: email.into(),
        name: name.into(),
        email_verified: true,
    };
    let first = lms
        .ensure_user(seen(" Ada@Example.com", "Ada"))
        .await
        .unwrap();
    assert_eq!(
        (first.email.as_str(), first.external_id.as_deref()),
        ("ada@example.com", Some("idp|42"))
    );
    let again = lms.ensure_user(seen("ada@example.com", "Ada")).await;
    assert_eq!(again.unwrap(), first);
    // The host renamed them: brought up to date, same user.
    let renamed = lms
        .ensure_user(seen("ada@lovelace.test", "Ada L."))
        .await
        .unwrap();
    assert_eq!(renamed.id, first.id);
    assert_eq!(lms.user(first.id).await.unwrap(), renamed);
    assert_eq!(
        lms.user_by_email("ada@lovelace.test").await.unwrap().id,
        first.id
    );
    // An email someone else holds is theirs; bad input is refused before anything is written.
    let other = lms
        .create_user(NewUser {
            email: "taken@example.com".into(),
            name: "Taken".into(),
        })
        .await
        .unwrap();
    let stranger = ExternalUser {
        external_id: "idp|43".into(),
        email: "taken@example.com".into(),
        name: "Stranger".into(),
        email_verified: true,
    };
    assert_code(lms.ensure_user(stranger).await, "email_taken");
    assert_code(
        lms.ensure_user(seen("taken@example.com", "Ada")).await,
        "email_taken",
    );
    let blank = ExternalUser {
        external_id: " ".into(),
        email: "nope".into(),
        name: String::new(),
        email_verified: true,
    };
    assert_invalid(
        lms.ensure_user(blank).await,
        &["external_id", "email", "name"],
    );
    // The host changes a user directly.
    let patch = UserPatch {
        name: Some(" Taken Too ".into()),
        ..Default::default()
    };
    let changed = lms.update_user(other.id, patch).await.unwrap();
    assert_eq!(
        (changed.name.as_str(), changed.email),
        ("Taken Too", other.email)
    );
    let clash = UserPatch {
        email: Some("ADA@lovelace.test".into()),
        ..Default::default()
    };
    assert_code(lms.update_user(other.id, clash).await, "email_taken");
    let nobody = lms.update_user(crate::UserId::new(), UserPatch::default());
    assert_code(nobody.await, "not_found");
}

pub async fn concurrent_first_sightings_make_one_user(lms: Lms) {
    // Three rounds: the first also fills the store's connection pool, so that in the later
    // ones every call is in its transaction at once rather than queueing for a connection.
    for round in 0..3 {
        let sightings = 20;
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(sightings));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..sightings {
            let (lms, barrier) = (lms.clone(), barrier.clone());
            tasks.spawn(async move {
                barrier.wait().await;
                let seen = crate::ExternalUser {
                    external_id: format!("idp|race{round}"),
                    email: format!("race{round}@example.com"),
                    name: "Racer".into(),
                    email_verified: true,
                };
                lms.ensure_user(seen).await
            });
        }
        let ids: std::collections::HashSet<_> = tasks
            .join_all()
            .await
            .into_iter()
            .map(|r| r.expect("every sighting succeeds").id)
            .collect();
        assert_eq!(ids.len(), 1, "one user in round {round}: {ids:?}");
        let user = lms.user_by_email(&format!("race{round}@example.com")).await;
        assert!(ids.contains(&user.unwrap().id));
    }
}

/// A person who signed up before the host's identity provider knew them is linked once,
/// and found by the host's id from then on.
pub async fn existing_users_are_linked_to_the_hosts_id(lms: Lms) {
    use crate::ExternalUser;
    let earlier = lms
        .create_user(NewUser {
            email: "ada@example.com".into(),
            name: "Ada".into(),
        })
        .await
        .unwrap();
    let seen = ExternalUser {
        external_id: "idp|42".into(),
        email: "ada@example.com".into(),
        name: "Ada".into(),
        email_verified: true,
    };
    assert_code(lms.ensure_user(seen.clone()).await, "email_taken");
    // Whoever signed up with the address has a password and a session…
    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    let accounts = tx.accounts().expect("the store keeps accounts");
    accounts
        .set_password_hash(earlier.id, "$argon2id$x")
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let session = crate::AuthSession {
        id: crate::SessionId::new(),
        token_hash: "hash-of-token".into(),
        user_id: earlier.id,
        created_at: now,
        last_used_at: now,
        expires_at: now + chrono::Duration::days(30),
        user_agent: None,
        ip: None,
    };
    accounts.insert_session(&session).await.unwrap();
    tx.commit().await.unwrap();
    let linked = lms.link_user("Ada@Example.com", "idp|42").await.unwrap();
    // …which end with the link: the host's identity is the only way in.
    let mut tx = lms.store().begin(Access::Read).await.unwrap();
    let accounts = tx.accounts().expect("the store keeps accounts");
    assert_eq!(
        accounts.password_hash("ada@example.com").await.unwrap(),
        None
    );
    assert_eq!(accounts.session("hash-of-token").await.unwrap(), None);
    drop(tx);
    assert_eq!(
        (linked.id, linked.external_id.as_deref()),
        (earlier.id, Some("idp|42"))
    );
    assert_eq!(lms.ensure_user(seen).await.unwrap().id, earlier.id);
    // Again with the same id: nothing changes.
    assert_eq!(
        lms.link_user("ada@example.com", "idp|42").await.unwrap(),
        linked
    );
    // Never re-linked to another identity, nor an identity given to a second person.
    assert_code(
        lms.link_user("ada@example.com", "idp|other").await,
        "conflict",
    );
    lms.create_user(NewUser {
        email: "bob@example.com".into(),
        name: "Bob".into(),
    })
    .await
    .unwrap();
    assert_code(lms.link_user("bob@example.com", "idp|42").await, "conflict");
    assert_code(
        lms.link_user("nobody@example.com", "idp|7").await,
        "not_found",
    );
    assert_invalid(
        lms.link_user("ada@example.com", " ").await,
        &["external_id"],
    );
    // Ids are taken as given, and nothing a database cannot store gets in.
    let padded = ExternalUser {
        external_id: "idp|9 ".into(),
        email: "nine@example.com".into(),
        name: "Nine\0".into(),
        email_verified: true,
    };
    assert_invalid(lms.ensure_user(padded).await, &["external_id", "name"]);
}

pub async fn users_change_their_own_profile(lms: Lms) {
    use crate::{Actor, ExternalUser, ProfilePatch, UserPatch};
    let new = NewUser {
        email: "ada@acme.test".into(),
        name: "Ada".into(),
    };
    let ada = lms.create_user(new).await.unwrap();
    assert_eq!(
        (ada.avatar_url.as_deref(), ada.email_verified),
        (None, false)
    );
    let me = Actor::User(ada.id);
    let picture = ProfilePatch {
        name: Some("  Ada Lovelace ".into()),
        avatar_url: Some(Some("https://CDN.acme.test/a\"da.png".into())),
    };
    let changed = lms.update_profile(&me, picture).await.unwrap();
    assert_eq!(changed.name, "Ada Lovelace");
    // Stored normalized: the host lowercased, the quote percent-encoded.
    assert_eq!(
        changed.avatar_url.as_deref(),
        Some("https://cdn.acme.test/a%22da.png")
    );
    assert_eq!(
        lms.user(ada.id).await.unwrap(),
        changed,
        "stored as answered"
    );

    // Bad input names each field and writes nothing; `null` removes the picture.
    let bad = ProfilePatch {
        name: Some(String::new()),
        avatar_url: Some(Some("http://cdn.acme.test/ada.png".into())),
    };
    assert_invalid(lms.update_profile(&me, bad).await, &["name", "avatar_url"]);
    for url in [
        "javascript:alert(1)",
        "data:image/png;base64,AA",
        "https://",
    ] {
        let bad = ProfilePatch {
            avatar_url: Some(Some(url.into())),
            ..Default::default()
        };
        assert_invalid(lms.update_profile(&me, bad).await, &["avatar_url"]);
    }
    let long = format!("https://cdn.acme.test/{}", "a".repeat(2_048));
    let bad = ProfilePatch {
        avatar_url: Some(Some(long)),
        ..Default::default()
    };
    assert_invalid(lms.update_profile(&me, bad).await, &["avatar_url"]);
    assert_eq!(lms.user(ada.id).await.unwrap(), changed);
    let removed = ProfilePatch {
        avatar_url: Some(None),
        ..Default::default()
    };
    assert_eq!(
        lms.update_profile(&me, removed).await.unwrap().avatar_url,
        None
    );
    assert_code(
        lms.update_profile(&Actor::Anonymous, ProfilePatch::default())
            .await,
        "unauthenticated",
    );

    // The host vouches for the addresses of the users it manages; a built-in user's new
    // address is unproven until verified.
    let seen = ExternalUser {
        external_id: "idp|1".into(),
        email: "grace@acme.test".into(),
        name: "Grace".into(),
        email_verified: true,
    };
    assert!(lms.ensure_user(seen.clone()).await.unwrap().email_verified);
    // What the host says is stored, each time: not (yet) proven, then proven.
    let unproven = ExternalUser {
        external_id: "idp|2".into(),
        email: "hopper@acme.test".into(),
        name: "Hopper".into(),
        email_verified: false,
    };
    assert!(
        !lms.ensure_user(unproven.clone())
            .await
            .unwrap()
            .email_verified
    );
    let proven = ExternalUser {
        email_verified: true,
        ..unproven
    };
    assert!(lms.ensure_user(proven).await.unwrap().email_verified);
    let moved = UserPatch {
        email: Some("ada@elsewhere.test".into()),
        ..Default::default()
    };
    assert!(!lms.update_user(ada.id, moved).await.unwrap().email_verified);
    // The host may vouch for it itself.
    let proven = UserPatch {
        email_verified: Some(true),
        ..Default::default()
    };
    assert!(
        lms.update_user(ada.id, proven)
            .await
            .unwrap()
            .email_verified
    );
}
