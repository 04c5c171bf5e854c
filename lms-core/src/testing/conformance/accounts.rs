//! Accounts of the built-in sign-in: password hashes and sessions.

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
    let session = crate::AuthSession {
        token_hash: "hash-of-token".into(),
        user_id: user.id,
        created_at: now,
        expires_at: now + chrono::Duration::days(30),
    };
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
    let later = now + chrono::Duration::days(31);
    accounts(&mut tx)
        .extend_session("hash-of-token", later)
        .await
        .unwrap();
    assert_eq!(
        accounts(&mut tx)
            .session("hash-of-token")
            .await
            .unwrap()
            .map(|s| s.expires_at),
        Some(later)
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
}

/// The store's account records (both shipped stores keep them).
fn accounts(tx: &mut Box<dyn StoreTx>) -> &mut dyn AccountTx {
    tx.accounts()
        .expect("this store keeps no accounts (StoreTx::accounts is None)")
}
