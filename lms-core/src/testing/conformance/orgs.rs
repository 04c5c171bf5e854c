//! Orgs: creating one, its unique slug, and who may change it.

use super::helpers::page;
use crate::testing::fixtures::{ORG, World, assert_code, assert_invalid};
use crate::{Actor, Lms, NewOrg, OrgPatch, Role};
use serde_json::json;

pub async fn creating_an_org_makes_the_caller_its_admin(lms: Lms) {
    let w = World::new(lms).await;
    let me = w.lms.me(&w.admin).await.unwrap();
    assert_eq!(me.memberships.len(), 1);
    assert_eq!(
        (me.memberships[0].org.as_str(), me.memberships[0].role),
        (ORG, Role::Admin)
    );
    let org = w.lms.org(ORG).await.unwrap();
    assert_eq!(
        (org.name.as_str(), org.settings.clone()),
        ("Acme", json!({}))
    );
    assert_code(w.lms.me(&Actor::Anonymous).await, "unauthenticated");
}

pub async fn org_slugs_are_unique(lms: Lms) {
    let w = World::new(lms).await;
    let again = w
        .lms
        .create_org(
            &w.outsider,
            NewOrg {
                slug: ORG.into(),
                name: "Other".into(),
            },
        )
        .await;
    assert_code(again, "slug_taken");
    assert!(
        w.lms.me(&w.outsider).await.unwrap().memberships.is_empty(),
        "no membership for a failed org"
    );
}

pub async fn creating_an_org_needs_sign_in_and_a_valid_slug(lms: Lms) {
    let w = World::new(lms).await;
    let new = |slug: &str| NewOrg {
        slug: slug.into(),
        name: "Org".into(),
    };
    assert_code(
        w.lms.create_org(&Actor::Anonymous, new("fine")).await,
        "unauthenticated",
    );
    for bad in [
        "",
        "-lead",
        "trail-",
        "UPPER",
        "has space",
        "0193a1f2-7c4e-7b2a-9d1e-3f5a6b7c8d9e",
    ] {
        assert_invalid(w.lms.create_org(&w.outsider, new(bad)).await, &["slug"]);
    }
    assert_invalid(
        w.lms
            .create_org(
                &w.outsider,
                NewOrg {
                    slug: "ok".into(),
                    name: "".into(),
                },
            )
            .await,
        &["name"],
    );
    assert_code(w.lms.org("fine").await, "not_found");
    assert_eq!(
        w.lms
            .create_org(&w.outsider, new("a-1"))
            .await
            .unwrap()
            .slug,
        "a-1"
    );
}

pub async fn only_admins_change_an_org(lms: Lms) {
    let w = World::new(lms).await;
    let patch = || OrgPatch {
        name: Some("Acme Inc".into()),
        settings: Some(json!({"theme": "dark"})),
        membership: None,
    };
    assert_code(
        w.lms.update_org(&Actor::Anonymous, ORG, patch()).await,
        "unauthenticated",
    );
    assert_code(
        w.lms.update_org(&w.instructor, ORG, patch()).await,
        "forbidden",
    );
    assert_code(
        w.lms.update_org(&w.outsider, ORG, patch()).await,
        "forbidden",
    );
    assert_code(
        w.lms.update_org(&w.admin, "nope", patch()).await,
        "not_found",
    );
    let bad = OrgPatch {
        name: None,
        settings: Some(json!([1, 2])),
        membership: None,
    };
    assert_invalid(w.lms.update_org(&w.admin, ORG, bad).await, &["settings"]);
    let updated = w.lms.update_org(&w.admin, ORG, patch()).await.unwrap();
    let stored = w.lms.org(ORG).await.unwrap();
    assert_eq!(updated, stored);
    assert_eq!(
        (stored.name.as_str(), stored.settings),
        ("Acme Inc", json!({"theme": "dark"}))
    );
}

/// `settings.brand` goes into front ends' pages: its colour and logo are checked (422 naming
/// each field, nothing stored), its logo stored normalized; the rest of `settings` is free.
pub async fn an_org_brand_is_checked(lms: Lms) {
    let w = World::new(lms).await;
    let with = |settings| OrgPatch {
        name: None,
        settings: Some(settings),
        membership: None,
    };
    let hostile = json!({"brand": {"display_name": "Acme\nAcademy",
        "primary_color": "url(https://evil.example/x.png)", "logo_url": "javascript:alert(1)"}});
    assert_invalid(
        w.lms.update_org(&w.admin, ORG, with(hostile)).await,
        &[
            "settings.brand.display_name",
            "settings.brand.primary_color",
            "settings.brand.logo_url",
        ],
    );
    for (brand, field) in [
        (json!("blue"), "settings.brand"),
        (
            json!({"primary_color": "#12345"}),
            "settings.brand.primary_color",
        ),
        (
            json!({"primary_color": 255}),
            "settings.brand.primary_color",
        ),
        (
            json!({"logo_url": "http://cdn.example.com/logo.png"}),
            "settings.brand.logo_url",
        ),
    ] {
        let settings = json!({ "brand": brand });
        assert_invalid(
            w.lms.update_org(&w.admin, ORG, with(settings)).await,
            &[field],
        );
    }
    assert_eq!(
        w.lms.org(ORG).await.unwrap().settings,
        json!({}),
        "nothing stored"
    );

    let fine = json!({"theme": "dark", "brand": {"display_name": "Acme Academy",
        "primary_color": "#6A1B9A", "logo_url": "https://CDN.example.com/logo.png", "motto": "Learn"}});
    let updated = w.lms.update_org(&w.admin, ORG, with(fine)).await.unwrap();
    let expected = json!({"theme": "dark", "brand": {"display_name": "Acme Academy",
        "primary_color": "#6A1B9A", "logo_url": "https://cdn.example.com/logo.png", "motto": "Learn"}});
    assert_eq!(updated.settings, expected);
    let cleared = json!({"brand": {"display_name": null, "primary_color": null}});
    assert!(w.lms.update_org(&w.admin, ORG, with(cleared)).await.is_ok());
}

pub async fn a_host_can_keep_org_creation_to_itself(lms: Lms) {
    let w = World::new(lms).await;
    let lms = w
        .lms
        .clone()
        .with_org_creation(crate::OrgCreation::HostOnly);
    let new = || NewOrg {
        slug: "mine".into(),
        name: "Mine".into(),
    };
    assert_code(
        lms.create_org(&Actor::Anonymous, new()).await,
        "unauthenticated",
    );
    assert_code(lms.create_org(&w.outsider, new()).await, "forbidden");
    assert_code(lms.create_org(&w.admin, new()).await, "forbidden");
    assert_code(w.lms.org("mine").await, "not_found");
    // The host makes it, for the user it chooses, who then runs it as its admin.
    let outsider = w.outsider.user_id().unwrap();
    let org = lms.create_org_for(outsider, new()).await.unwrap();
    let members = w.lms.members(&w.outsider, "mine", page(10)).await.unwrap();
    assert_eq!(
        members
            .items
            .iter()
            .map(|m| (m.user_id, m.role))
            .collect::<Vec<_>>(),
        [(outsider, Role::Admin)]
    );
    assert_eq!(w.lms.org("mine").await.unwrap(), org);
    assert_code(lms.create_org_for(outsider, new()).await, "slug_taken");
}
