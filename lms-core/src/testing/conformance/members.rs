//! Memberships: adding members by email, roles, the last admin, and the member list.

use super::helpers::{all_pages, page};
use crate::testing::fixtures::{ORG, World, assert_code};
use crate::{Lms, NewMember, Role};
use std::collections::HashSet;

pub async fn members_are_added_by_email(lms: Lms) {
    let w = World::new(lms).await;
    w.new_user("bea@acme.test").await;
    let member = w
        .lms
        .add_member(
            &w.admin,
            ORG,
            NewMember {
                email: "BEA@acme.test".into(),
                role: Role::Instructor,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (member.email.as_str(), member.role),
        ("bea@acme.test", Role::Instructor)
    );
    assert_code(
        w.lms
            .add_member(
                &w.admin,
                ORG,
                NewMember {
                    email: "bea@acme.test".into(),
                    role: Role::Learner,
                },
            )
            .await,
        "conflict",
    );
    assert_code(
        w.lms
            .add_member(
                &w.admin,
                ORG,
                NewMember {
                    email: "ghost@acme.test".into(),
                    role: Role::Learner,
                },
            )
            .await,
        "not_found",
    );
    assert_code(
        w.lms
            .add_member(
                &w.instructor,
                ORG,
                NewMember {
                    email: "bea@acme.test".into(),
                    role: Role::Admin,
                },
            )
            .await,
        "forbidden",
    );
    assert_code(w.lms.members(&w.learner, ORG, page(10)).await, "forbidden");
    let changed = w
        .lms
        .set_member_role(&w.admin, ORG, member.user_id, Role::Learner)
        .await
        .unwrap();
    assert_eq!(changed.role, Role::Learner);
    let members = w.lms.members(&w.admin, ORG, page(50)).await.unwrap();
    assert_eq!(members.items.len(), 4);
    w.lms
        .remove_member(&w.admin, ORG, member.user_id)
        .await
        .unwrap();
    assert_code(
        w.lms.remove_member(&w.admin, ORG, member.user_id).await,
        "not_found",
    );
    assert_eq!(
        w.lms
            .members(&w.admin, ORG, page(50))
            .await
            .unwrap()
            .items
            .len(),
        3
    );
}

pub async fn an_org_keeps_at_least_one_admin(lms: Lms) {
    let w = World::new(lms).await;
    let admin_id = w.admin.user_id().unwrap();
    assert_code(
        w.lms
            .set_member_role(&w.admin, ORG, admin_id, Role::Learner)
            .await,
        "conflict",
    );
    assert_code(
        w.lms.remove_member(&w.admin, ORG, admin_id).await,
        "conflict",
    );
    let instructor_id = w.instructor.user_id().unwrap();
    w.lms
        .set_member_role(&w.admin, ORG, instructor_id, Role::Admin)
        .await
        .unwrap();
    w.lms
        .set_member_role(&w.admin, ORG, admin_id, Role::Learner)
        .await
        .unwrap();
    assert_code(
        w.lms.remove_member(&w.instructor, ORG, instructor_id).await,
        "conflict",
    );
    let members = w.lms.members(&w.instructor, ORG, page(50)).await.unwrap();
    assert_eq!(
        members
            .items
            .iter()
            .filter(|m| m.role == Role::Admin)
            .count(),
        1
    );
}

pub async fn members_list_paginates(lms: Lms) {
    let w = World::new(lms).await;
    for i in 0..5 {
        let user = w
            .new_user(&format!("m{i}@acme.test"))
            .await
            .user_id()
            .unwrap();
        w.lms
            .set_member_role(&w.admin, ORG, user, Role::Learner)
            .await
            .unwrap();
    }
    let members = all_pages(2, |p| w.lms.members(&w.admin, ORG, p)).await;
    let ids: HashSet<_> = members.iter().map(|m| m.user_id).collect();
    assert_eq!((members.len(), ids.len()), (8, 8));
    assert!(
        members
            .windows(2)
            .all(|pair| pair[0].user_id < pair[1].user_id),
        "ordered by user id"
    );
}
