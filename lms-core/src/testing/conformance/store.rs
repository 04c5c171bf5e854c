//! The store as a whole rather than one aggregate: transactions and the health ping.

use crate::store::*;
use crate::testing::fixtures::assert_code;
use crate::{Lms, Org, OrgId};
use chrono::Utc;
use serde_json::json;

pub async fn dropped_transactions_roll_back(lms: Lms) {
    let org = Org {
        id: OrgId::new(),
        slug: "ghost".into(),
        name: "Ghost".into(),
        settings: json!({}),
        membership_plan: None,
        created_at: Utc::now(),
    };
    {
        let mut tx = lms.store().begin(Access::Write).await.unwrap();
        tx.insert_org(&org).await.unwrap();
        assert!(
            tx.org_by_slug("ghost").await.unwrap().is_some(),
            "visible inside the transaction"
        );
    }
    assert_code(lms.org("ghost").await, "not_found");
    let mut tx = lms.store().begin(Access::Write).await.unwrap();
    tx.insert_org(&org).await.unwrap();
    tx.commit().await.unwrap();
    let stored = lms.org("ghost").await.unwrap();
    assert_eq!(
        (stored.id, stored.created_at.timestamp_micros()),
        (org.id, org.created_at.timestamp_micros())
    );
}

pub async fn health_pings_the_store(lms: Lms) {
    lms.health().await.unwrap();
}
