//! Tenancy: an org's courses are addressed, and their slugs unique, within that org only.

use crate::CourseRef;
use crate::testing::fixtures::{ORG, World, acme, assert_code};
use crate::{Actor, Lms, NewCourse, NewOrg};

pub async fn course_slugs_are_unique_per_org(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("rust-101", None).await;
    let new = || NewCourse {
        slug: "rust-101".into(),
        title: "Again".into(),
        ..Default::default()
    };
    assert_code(
        w.lms.create_course(&w.admin, ORG, new()).await,
        "slug_taken",
    );
    w.lms
        .create_org(
            &w.outsider,
            NewOrg {
                slug: "other".into(),
                name: "Other".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        w.lms
            .create_course(&w.outsider, "other", new())
            .await
            .unwrap()
            .slug,
        "rust-101"
    );
}

pub async fn courses_are_addressed_by_id_or_slug_within_their_org(lms: Lms) {
    let w = World::new(lms).await;
    let course = w.published("rust-101", None).await.course;
    let by_id = w
        .lms
        .course(&Actor::Anonymous, acme(&course.id.to_string()))
        .await
        .unwrap();
    assert_eq!(by_id.course.slug, "rust-101");
    w.lms
        .create_org(
            &w.outsider,
            NewOrg {
                slug: "other".into(),
                name: "Other".into(),
            },
        )
        .await
        .unwrap();
    assert_code(
        w.lms
            .course(
                &Actor::Anonymous,
                CourseRef {
                    org: "other",
                    course: &course.id.to_string(),
                },
            )
            .await,
        "not_found",
    );
    assert_code(
        w.lms
            .course(
                &Actor::Anonymous,
                CourseRef {
                    org: "other",
                    course: "rust-101",
                },
            )
            .await,
        "not_found",
    );
    assert_code(
        w.lms
            .enroll(
                &w.outsider,
                CourseRef {
                    org: "other",
                    course: "rust-101",
                },
            )
            .await,
        "not_found",
    );
    assert_code(
        w.lms
            .course(&Actor::Anonymous, acme("no-such-course"))
            .await,
        "not_found",
    );
}
