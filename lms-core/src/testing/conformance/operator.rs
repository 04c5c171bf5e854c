//! An operator's calls: every org, an org's export with no caller, and password hashes
//! moved between stores — what the `migrate` example is made of.

use crate::portability::Record;
use crate::store::Access;
use crate::testing::fixtures::{ORG, OTHER, World, assert_code};
use crate::{Lms, PasswordCredential};
use futures_util::TryStreamExt;

async fn records(export: crate::OrgExport) -> Vec<Record> {
    let mut records: Vec<Record> = export.into_records().try_collect().await.unwrap();
    records.remove(0); // the header, which carries the time of the export
    records
}

pub async fn an_operator_lists_every_org_and_exports_any(lms: Lms) {
    let w = World::new(lms).await;
    w.published("c", None).await;
    w.other_org("elsewhere").await;
    let orgs = w.lms.all_orgs().await.unwrap();
    let slugs: Vec<&str> = orgs.iter().map(|o| o.slug.as_str()).collect();
    let mut in_id_order = orgs.clone();
    in_id_order.sort_by_key(|o| o.id.0);
    assert_eq!(orgs, in_id_order, "in id order");
    assert_eq!(slugs.len(), 2, "{slugs:?}");
    assert!(slugs.contains(&ORG) && slugs.contains(&OTHER), "{slugs:?}");

    // One at a time: an export holds its transaction (an in-memory store has one).
    let as_operator = w.lms.export_org_as_operator(ORG).await.unwrap();
    assert_eq!(as_operator.org().id, w.org_id);
    let as_operator = records(as_operator).await;
    let as_admin = w.lms.export_org(&w.admin, ORG).await.unwrap();
    assert_eq!(as_operator, records(as_admin).await);
    let missing = w
        .lms
        .export_org_as_operator("nowhere")
        .await
        .map(|e| e.org().clone());
    assert_code(missing, "not_found");
}

pub async fn password_hashes_move_between_stores_and_never_show(lms: Lms) {
    let w = World::new(lms).await;
    let (admin, learner) = (w.admin.user_id().unwrap(), w.learner.user_id().unwrap());
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
    let mut tx = w.lms.store().begin(Access::Write).await.unwrap();
    let accounts = tx.accounts().expect("the store keeps accounts");
    accounts.set_password_hash(admin, hash).await.unwrap();
    tx.commit().await.unwrap();

    let credentials = w.lms.password_credentials(&[admin, learner]).await;
    let credentials = credentials.unwrap();
    let moved = PasswordCredential {
        user_id: admin,
        password_hash: hash.into(),
    };
    assert_eq!(
        credentials,
        std::slice::from_ref(&moved),
        "only who has a password"
    );
    assert!(
        !format!("{credentials:?}").contains("argon2"),
        "no hash in Debug"
    );
    // Restored onto another user here (the same store stands in for a second one).
    let restored = PasswordCredential {
        user_id: learner,
        ..moved
    };
    w.lms
        .restore_password_credentials(std::slice::from_ref(&restored))
        .await
        .unwrap();
    let read = w.lms.password_credentials(&[learner]).await.unwrap();
    assert_eq!(read, [restored]);
    let unknown = PasswordCredential {
        user_id: crate::UserId::new(),
        password_hash: hash.into(),
    };
    let refused = w.lms.restore_password_credentials(&[unknown]).await;
    assert!(refused.is_err(), "a hash for no user: {refused:?}");
}
