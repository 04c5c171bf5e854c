//! Courses: creating and changing course rows, their status and price, who sees drafts,
//! the catalog, and input that did not parse.

use super::helpers::{all_pages, page};
use crate::testing::fixtures::{ORG, World, acme, assert_code, assert_invalid};
use crate::{
    Actor, CoursePatch, CourseStatus, Lms, NewCourse, PageRequest, PriceInput, ProgressUpdate, Role,
};
use serde_json::json;

pub async fn unparsable_input_is_reported_after_the_policy(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("secret", None).await;
    let outline = w.published("open", None).await;
    let broken = || {
        crate::Parsed::<CoursePatch>::failed(crate::LmsError::invalid("title", "expected a string"))
    };
    assert_code(
        w.lms
            .update_course(&Actor::Anonymous, acme("open"), broken())
            .await,
        "unauthenticated",
    );
    assert_code(
        w.lms
            .update_course(&w.learner, acme("secret"), broken())
            .await,
        "not_found",
    );
    assert_code(
        w.lms
            .update_course(&w.learner, acme("open"), broken())
            .await,
        "forbidden",
    );
    assert_code(
        w.lms
            .update_course(&w.instructor, acme("open"), broken())
            .await,
        "validation_failed",
    );
    let malformed =
        || crate::Parsed::<ProgressUpdate>::failed(crate::LmsError::Malformed("not JSON".into()));
    let lesson = outline.modules[0].lessons[0].id;
    assert_code(
        w.lms
            .record_progress(&w.learner, acme("open"), lesson, malformed())
            .await,
        "not_enrolled",
    );
    w.lms.enroll(&w.learner, acme("open")).await.unwrap();
    assert_code(
        w.lms
            .record_progress(&w.learner, acme("open"), lesson, malformed())
            .await,
        "malformed_request",
    );
}

pub async fn instructors_create_draft_courses(lms: Lms) {
    let w = World::new(lms).await;
    let course = w.draft("rust-101", Some(4900)).await;
    assert_eq!(course.status, CourseStatus::Draft);
    assert_eq!(course.owner_id, w.instructor.user_id().unwrap());
    assert_eq!(
        course
            .price
            .as_ref()
            .map(|p| (p.amount, p.currency.as_str())),
        Some((4900, "usd"))
    );
    let new = || NewCourse {
        slug: "x".into(),
        title: "X".into(),
        ..Default::default()
    };
    assert_code(
        w.lms.create_course(&w.learner, ORG, new()).await,
        "forbidden",
    );
    assert_code(
        w.lms.create_course(&w.outsider, ORG, new()).await,
        "forbidden",
    );
    assert_code(
        w.lms.create_course(&Actor::Anonymous, ORG, new()).await,
        "unauthenticated",
    );
    assert_code(
        w.lms.create_course(&w.instructor, "nope", new()).await,
        "not_found",
    );
    assert_eq!(
        w.lms
            .create_course(&w.admin, ORG, new())
            .await
            .unwrap()
            .owner_id,
        w.admin.user_id().unwrap()
    );
}

pub async fn bad_course_input_writes_nothing(lms: Lms) {
    let w = World::new(lms).await;
    let bad = NewCourse {
        prerequisites: None,
        slug: "Bad Slug".into(),
        title: "".into(),
        description: None,
        price: Some(PriceInput {
            amount: -5,
            currency: "dollars".into(),
        }),
        metadata: Some(json!("text")),
    };
    let result = w.lms.create_course(&w.instructor, ORG, bad).await;
    assert_invalid(
        result,
        &[
            "slug",
            "title",
            "price.amount",
            "price.currency",
            "metadata",
        ],
    );
    let drafts = w
        .lms
        .courses(&w.admin, ORG, Some(CourseStatus::Draft), page(50))
        .await
        .unwrap();
    assert!(drafts.items.is_empty());
    w.draft("ok", None).await;
    let patch = CoursePatch {
        title: Some("".into()),
        status: Some(CourseStatus::Published),
        ..Default::default()
    };
    assert_invalid(
        w.lms.update_course(&w.instructor, acme("ok"), patch).await,
        &["title"],
    );
    let stored = w
        .lms
        .course(&w.instructor, acme("ok"))
        .await
        .unwrap()
        .course;
    assert_eq!(
        (stored.title.as_str(), stored.status),
        ("Course ok", CourseStatus::Draft)
    );
}

pub async fn a_zero_price_makes_a_course_free(lms: Lms) {
    let w = World::new(lms).await;
    assert!(w.draft("free", Some(0)).await.price.is_none());
    w.draft("paid", Some(100)).await;
    let patch = CoursePatch {
        price: Some(None),
        ..Default::default()
    };
    assert!(
        w.lms
            .update_course(&w.instructor, acme("paid"), patch)
            .await
            .unwrap()
            .price
            .is_none()
    );
    let patch = CoursePatch {
        price: Some(Some(PriceInput {
            amount: 250,
            currency: "EUR".into(),
        })),
        ..Default::default()
    };
    let course = w
        .lms
        .update_course(&w.instructor, acme("paid"), patch)
        .await
        .unwrap();
    assert_eq!(
        course.price.map(|p| (p.amount, p.currency)),
        Some((250, "eur".to_string()))
    );
}

pub async fn course_status_moves_only_forward(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("c", None).await;
    let to = |status| CoursePatch {
        status: Some(status),
        ..Default::default()
    };
    assert_code(
        w.lms
            .update_course(&w.instructor, acme("c"), to(CourseStatus::Archived))
            .await,
        "invalid_transition",
    );
    w.lms
        .update_course(&w.instructor, acme("c"), to(CourseStatus::Published))
        .await
        .unwrap();
    assert_code(
        w.lms
            .update_course(&w.instructor, acme("c"), to(CourseStatus::Draft))
            .await,
        "invalid_transition",
    );
    let archived = w
        .lms
        .update_course(&w.admin, acme("c"), to(CourseStatus::Archived))
        .await
        .unwrap();
    assert_eq!(archived.status, CourseStatus::Archived);
    assert_code(
        w.lms
            .update_course(&w.admin, acme("c"), to(CourseStatus::Published))
            .await,
        "invalid_transition",
    );
}

pub async fn drafts_are_hidden_from_everyone_but_owner_and_admins(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("secret", None).await;
    let other_instructor = w.new_user("other@acme.test").await;
    w.lms
        .set_member_role(
            &w.admin,
            ORG,
            other_instructor.user_id().unwrap(),
            Role::Instructor,
        )
        .await
        .unwrap();
    for who in [Actor::Anonymous, w.learner, w.outsider, other_instructor] {
        assert_code(w.lms.course(&who, acme("secret")).await, "not_found");
        let patch = CoursePatch {
            title: Some("Mine".into()),
            ..Default::default()
        };
        let denied = w.lms.update_course(&who, acme("secret"), patch).await;
        assert!(
            matches!(
                denied.as_ref().map_err(|e| e.code()),
                Err("not_found" | "unauthenticated")
            ),
            "{denied:?}"
        );
    }
    w.lms.course(&w.instructor, acme("secret")).await.unwrap();
    w.lms.course(&w.admin, acme("secret")).await.unwrap();
    let catalog = w
        .lms
        .courses(&Actor::Anonymous, ORG, None, page(50))
        .await
        .unwrap();
    assert!(catalog.items.is_empty());
}

pub async fn draft_listing_is_for_owners_and_admins(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("mine", None).await;
    let admin_new = NewCourse {
        slug: "admins".into(),
        title: "Admin's".into(),
        ..Default::default()
    };
    w.lms.create_course(&w.admin, ORG, admin_new).await.unwrap();
    w.published("live", None).await;
    let drafts = |who: Actor| {
        let lms = w.lms.clone();
        async move {
            lms.courses(&who, ORG, Some(CourseStatus::Draft), page(50))
                .await
        }
    };
    let slugs =
        |p: crate::Page<crate::Course>| p.items.into_iter().map(|c| c.slug).collect::<Vec<_>>();
    assert_eq!(slugs(drafts(w.instructor).await.unwrap()), ["mine"]);
    assert_eq!(slugs(drafts(w.admin).await.unwrap()), ["mine", "admins"]);
    assert_code(drafts(w.learner).await, "forbidden");
    assert_code(drafts(Actor::Anonymous).await, "unauthenticated");
    assert_eq!(
        slugs(
            w.lms
                .courses(&w.learner, ORG, None, page(50))
                .await
                .unwrap()
        ),
        ["live"]
    );
}

pub async fn catalog_paginates(lms: Lms) {
    let w = World::new(lms).await;
    for i in 0..7 {
        w.draft(&format!("c{i}"), None).await;
        w.publish(&format!("c{i}")).await;
    }
    let courses = all_pages(3, |p| w.lms.courses(&Actor::Anonymous, ORG, None, p)).await;
    let slugs: Vec<_> = courses.iter().map(|c| c.slug.clone()).collect();
    assert_eq!(slugs, (0..7).map(|i| format!("c{i}")).collect::<Vec<_>>());
    assert_code(PageRequest::parse(Some(0), None), "validation_failed");
    assert_code(PageRequest::parse(Some(201), None), "validation_failed");
    assert_code(PageRequest::parse(None, Some("%%%")), "malformed_request");
}

pub async fn archived_courses_stay_open_to_their_learners_only(lms: Lms) {
    use super::helpers::completed;
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let (intro, watch) = (
        outline.modules[0].lessons[0].id,
        outline.modules[0].lessons[1].id,
    );
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    w.lms
        .record_progress(&w.learner, acme("c"), intro, completed())
        .await
        .unwrap();
    let colleague = w.new_user("colleague@acme.test").await;
    let archive = CoursePatch {
        status: Some(CourseStatus::Archived),
        ..Default::default()
    };
    w.lms
        .update_course(&w.admin, acme("c"), archive)
        .await
        .unwrap();

    // Gone for everyone who was not in it: not listed, not found, not enrollable.
    let published = w.lms.courses(
        &Actor::Anonymous,
        ORG,
        Some(CourseStatus::Published),
        page(10),
    );
    assert_eq!(published.await.unwrap().items, vec![]);
    for who in [Actor::Anonymous, w.outsider, colleague] {
        assert_code(w.lms.course(&who, acme("c")).await, "not_found");
    }
    assert_code(w.lms.enroll(&colleague, acme("c")).await, "not_found");
    // Its learner keeps reading and finishing it; its managers keep seeing it.
    assert!(w.lms.lesson(&w.learner, acme("c"), watch).await.is_ok());
    let done = w
        .lms
        .record_progress(&w.learner, acme("c"), watch, completed())
        .await
        .unwrap();
    assert_eq!(done.course.completed_lessons, 2);
    let archived = w
        .lms
        .courses(&w.admin, ORG, Some(CourseStatus::Archived), page(10))
        .await
        .unwrap();
    assert_eq!(archived.items.len(), 1);
    assert_eq!(archived.items[0].slug, "c");
    let mine = w.lms.my_courses(&w.learner, page(10)).await.unwrap();
    assert_eq!(mine.items.len(), 1, "still on the learner's dashboard");
}
