//! Accounts of the built-in sign-in: password hashes, sessions and one-time tokens.

use crate::store::*;
use crate::{Lms, NewUser};
use chrono::{SubsecRound, Utc};

pub async fn auth_records_round_trip(lms: Lms) {
    let user = lms
        .create_user(NewUser {
            email: "ada@example.com".into(),
            name: "Ada".into(),
        })
        .await
        .unwrap();
    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    assert_eq!(
        accounts(&mut tx)
            .password_hash("ada@example.com")
            .await
            .unwrap(),
        None,
        "no password yet"
    );
    accounts(&mut tx)
        .set_password_hash(user.id, "$argon2id$first")
        .await
        .unwrap();
    accounts(&mut tx)
        .set_password_hash(user.id, "$argon2id$second")
        .await
        .unwrap();
    let now = Utc::now().trunc_subsecs(6);
    let session = new_session(user.id, "hash-of-token", now);
    accounts(&mut tx).insert_session(&session).await.unwrap();
    assert!(matches!(
        accounts(&mut tx).insert_session(&session).await,
        Err(crate::StoreError::Duplicate(_))
    ));
    drop(tx);
    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    assert_eq!(
        accounts(&mut tx).session("hash-of-token").await.unwrap(),
        None,
        "a dropped transaction stored nothing"
    );
    accounts(&mut tx)
        .set_password_hash(user.id, "$argon2id$second")
        .await
        .unwrap();
    accounts(&mut tx).insert_session(&session).await.unwrap();
    tx.commit().await.unwrap();
    // The lookup each signed-in request starts with, on its own (one statement on a store
    // that can), finds what the transaction stored, and nothing under another hash.
    let store = lms.store();
    assert_eq!(
        store.session("hash-of-token").await.unwrap(),
        Some(session.clone())
    );
    assert_eq!(store.session("hash-of-another").await.unwrap(), None);
    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    let (found, hash) = accounts(&mut tx)
        .password_hash("ada@example.com")
        .await
        .unwrap()
        .expect("a password");
    assert_eq!((found, hash.as_str()), (user, "$argon2id$second"));
    assert_eq!(
        accounts(&mut tx).session("hash-of-token").await.unwrap(),
        Some(session.clone())
    );
    let used = now + chrono::Duration::days(1);
    let later = now + chrono::Duration::days(31);
    accounts(&mut tx)
        .touch_session("hash-of-token", used, later)
        .await
        .unwrap();
    assert_eq!(
        accounts(&mut tx)
            .session("hash-of-token")
            .await
            .unwrap()
            .map(|s| (s.last_used_at, s.expires_at)),
        Some((used, later))
    );
    accounts(&mut tx)
        .delete_session("hash-of-token")
        .await
        .unwrap();
    accounts(&mut tx)
        .delete_session("hash-of-token")
        .await
        .unwrap();
    assert_eq!(
        accounts(&mut tx).session("hash-of-token").await.unwrap(),
        None
    );
    tx.commit().await.unwrap();
    assert_eq!(
        lms.store().session("hash-of-token").await.unwrap(),
        None,
        "an ended session is gone at once for the lookup on its own too"
    );
}

pub async fn one_time_tokens_work_once_and_only_in_time(lms: Lms) {
    let new = |email: &str| NewUser {
        email: email.into(),
        name: "Ada".into(),
    };
    let ada = lms.create_user(new("ada@example.com")).await.unwrap();
    let now = Utc::now().trunc_subsecs(6);
    let token = |hash: &str, purpose, hours: i64| AccountToken {
        token_hash: hash.into(),
        purpose,
        user_id: ada.id,
        email: None,
        created_at: now,
        expires_at: now + chrono::Duration::hours(hours),
    };
    let verify = AccountToken {
        email: Some("ada@new.example".into()),
        ..token("verify", TokenPurpose::VerifyEmail, 24)
    };
    let reset = token("reset", TokenPurpose::ResetPassword, 1);
    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    for t in [
        &verify,
        &reset,
        &token("old-reset", TokenPurpose::ResetPassword, 1),
    ] {
        accounts(&mut tx).insert_account_token(t).await.unwrap();
    }
    tx.commit().await.unwrap();
    // (In a transaction of its own: on Postgres a failed statement ends its transaction.)
    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    assert!(matches!(
        accounts(&mut tx).insert_account_token(&reset).await,
        Err(crate::StoreError::Duplicate(_))
    ));
    drop(tx);

    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    // The wrong purpose and an unknown hash find nothing, and use nothing up.
    let wrong = accounts(&mut tx)
        .use_account_token("verify", TokenPurpose::ResetPassword, now)
        .await
        .unwrap();
    assert_eq!(wrong, None);
    drop(tx);
    assert_eq!(
        use_token(&lms, "nope", TokenPurpose::VerifyEmail, now).await,
        None
    );
    // Expired at its expiry, not before.
    let expiry = reset.expires_at;
    assert_eq!(
        use_token(&lms, "reset", TokenPurpose::ResetPassword, expiry).await,
        None
    );
    // Once, then never again.
    assert_eq!(
        use_token(&lms, "verify", TokenPurpose::VerifyEmail, now).await,
        Some(verify.clone())
    );
    assert_eq!(
        use_token(&lms, "verify", TokenPurpose::VerifyEmail, now).await,
        None
    );
    // A new link ends the older unused ones of its purpose only.
    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    accounts(&mut tx)
        .revoke_account_tokens(ada.id, TokenPurpose::ResetPassword)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let later = now + chrono::Duration::minutes(1);
    assert_eq!(
        use_token(&lms, "old-reset", TokenPurpose::ResetPassword, later).await,
        None
    );
    // Linking the user to the host's identity ends their tokens with their password.
    let fresh = token("fresh", TokenPurpose::ResetPassword, 1);
    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    accounts(&mut tx)
        .insert_account_token(&fresh)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    lms.link_user("ada@example.com", "idp|ada").await.unwrap();
    assert_eq!(
        use_token(&lms, "fresh", TokenPurpose::ResetPassword, later).await,
        None
    );
}

pub async fn sessions_are_listed_ended_and_purged_per_user(lms: Lms) {
    let new = |email: &str| NewUser {
        email: email.into(),
        name: "Ada".into(),
    };
    let ada = lms.create_user(new("ada@example.com")).await.unwrap();
    let bob = lms.create_user(new("bob@example.com")).await.unwrap();
    let now = Utc::now().trunc_subsecs(6);
    let minute = chrono::Duration::minutes(1);
    let laptop = AuthSession {
        user_agent: Some("Firefox".into()),
        ip: Some("203.0.113.7".into()),
        ..new_session(ada.id, "laptop", now - minute * 2)
    };
    let phone = new_session(ada.id, "phone", now - minute);
    let expired = AuthSession {
        expires_at: now - minute,
        ..new_session(ada.id, "expired", now - chrono::Duration::days(40))
    };
    let bobs = new_session(bob.id, "bobs", now);
    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    for s in [&laptop, &phone, &expired, &bobs] {
        accounts(&mut tx).insert_session(s).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    let listed = accounts(&mut tx).sessions_of(ada.id).await.unwrap();
    assert_eq!(
        listed,
        vec![phone.clone(), laptop.clone(), expired.clone()],
        "newest first, every field kept"
    );
    // Ending one by id needs it to be the user's.
    let other = accounts(&mut tx).delete_session_of(bob.id, laptop.id).await;
    assert!(!other.unwrap(), "not Bob's session");
    assert!(
        accounts(&mut tx)
            .delete_session_of(ada.id, laptop.id)
            .await
            .unwrap()
    );
    assert!(
        !accounts(&mut tx)
            .delete_session_of(ada.id, laptop.id)
            .await
            .unwrap()
    );
    accounts(&mut tx).purge_expired_sessions(now).await.unwrap();
    assert_eq!(accounts(&mut tx).session("expired").await.unwrap(), None);
    tx.commit().await.unwrap();

    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    accounts(&mut tx).insert_session(&laptop).await.unwrap();
    accounts(&mut tx)
        .delete_sessions_of(ada.id, Some("phone"))
        .await
        .unwrap();
    assert_eq!(
        accounts(&mut tx).sessions_of(ada.id).await.unwrap(),
        vec![phone],
        "every other session ended"
    );
    accounts(&mut tx)
        .delete_sessions_of(ada.id, None)
        .await
        .unwrap();
    assert!(
        accounts(&mut tx)
            .sessions_of(ada.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        accounts(&mut tx).sessions_of(bob.id).await.unwrap(),
        vec![bobs],
        "another user's sessions stay"
    );
    tx.commit().await.unwrap();
}

pub async fn recent_tokens_are_counted_per_user_and_purpose(lms: Lms) {
    let ada = lms
        .create_user(NewUser {
            email: "ada@example.com".into(),
            name: "Ada".into(),
        })
        .await
        .unwrap();
    let now = Utc::now().trunc_subsecs(6);
    let made = |hash: &str, purpose, minutes_ago: i64| AccountToken {
        token_hash: hash.into(),
        purpose,
        user_id: ada.id,
        email: Some(ada.email.clone()),
        created_at: now - chrono::Duration::minutes(minutes_ago),
        expires_at: now + chrono::Duration::hours(1),
    };
    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    for t in [
        made("a", TokenPurpose::ResetPassword, 90),
        made("b", TokenPurpose::ResetPassword, 30),
        made("c", TokenPurpose::ResetPassword, 10),
        made("d", TokenPurpose::VerifyEmail, 5),
    ] {
        accounts(&mut tx).insert_account_token(&t).await.unwrap();
    }
    let hour_ago = now - chrono::Duration::hours(1);
    let recent = accounts(&mut tx)
        .account_tokens_since(ada.id, TokenPurpose::ResetPassword, hour_ago)
        .await
        .unwrap();
    let minutes = chrono::Duration::minutes;
    assert_eq!(
        recent,
        vec![now - minutes(30), now - minutes(10)],
        "oldest first"
    );
    tx.commit().await.unwrap();
}

/// A session of `user` made at `at`, alive for 30 days.
fn new_session(user: crate::UserId, hash: &str, at: chrono::DateTime<Utc>) -> AuthSession {
    AuthSession {
        id: crate::SessionId::new(),
        token_hash: hash.into(),
        user_id: user,
        created_at: at,
        last_used_at: at,
        expires_at: at + chrono::Duration::days(30),
        user_agent: None,
        ip: None,
    }
}

/// Uses a token in a transaction of its own, committed.
async fn use_token(
    lms: &Lms,
    hash: &str,
    purpose: TokenPurpose,
    at: chrono::DateTime<Utc>,
) -> Option<AccountToken> {
    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    let found = accounts(&mut tx)
        .use_account_token(hash, purpose, at)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    found
}

/// The store's account records (both shipped stores keep them).
fn accounts(tx: &mut Box<dyn StoreTx>) -> &mut dyn AccountTx {
    tx.accounts()
        .expect("this store keeps no accounts (StoreTx::accounts is None)")
}
