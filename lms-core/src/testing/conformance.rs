//! The conformance cases. Each takes an [`Lms`] on a fresh, empty store.
#![allow(missing_docs)]

use super::fixtures::{ORG, World, assert_code, assert_invalid, quiz_content};
use crate::store::Access;
use crate::{
    Actor, CoursePatch, CourseStatus, CurriculumLayout, EnrollmentSource, EnrollmentStatus,
    LessonKind, LessonPatch, LessonStatus, LessonView, Lms, ModuleInput, ModuleLayout, NewCourse,
    NewLesson, NewMember, NewOrg, NewUser, Org, OrgId, OrgPatch, PageRequest, PriceInput,
    ProgressUpdate, RevocationReason, Role, UnmetRule,
};
use chrono::{SubsecRound, Utc};
use serde_json::json;
use std::collections::HashSet;

fn percent(p: u8) -> ProgressUpdate {
    ProgressUpdate {
        percent: Some(p),
        status: None,
    }
}

fn completed() -> ProgressUpdate {
    ProgressUpdate {
        percent: None,
        status: Some(LessonStatus::Completed),
    }
}

fn page(limit: u32) -> PageRequest {
    PageRequest::first(limit)
}

/// Pages through a list to the end, returning every item.
async fn all_pages<T, F, Fut>(limit: u32, mut fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<crate::Page<T>, crate::LmsError>>,
{
    let mut request = page(limit);
    let mut items = Vec::new();
    loop {
        let page = fetch(request).await.expect("list page");
        assert!(page.items.len() <= limit as usize);
        items.extend(page.items);
        match page.next_cursor {
            Some(cursor) => {
                request = PageRequest::parse(Some(i64::from(limit)), Some(&cursor)).expect("cursor")
            }
            None => return items,
        }
    }
}

// ---------------------------------------------------------------- users and orgs

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

pub async fn bad_curriculum_input_writes_nothing(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let module = outline.modules[0].module.id;
    let intro = outline.modules[0].lessons[0].id;
    let titled = |title: &str| crate::ModuleInput {
        title: title.into(),
    };
    assert_invalid(
        w.lms
            .create_module(&w.instructor, ORG, "c", titled(" "))
            .await,
        &["title"],
    );
    assert_invalid(
        w.lms
            .update_module(&w.instructor, ORG, "c", module, titled(&"m".repeat(201)))
            .await,
        &["title"],
    );
    let bad_patches = [
        (
            LessonPatch {
                kind: Some(LessonKind::Quiz),
                ..Default::default()
            },
            "content",
        ),
        (
            LessonPatch {
                content: Some(json!({"markdown": 5})),
                ..Default::default()
            },
            "content",
        ),
        (
            LessonPatch {
                duration_minutes: Some(Some(1_000_000)),
                ..Default::default()
            },
            "duration_minutes",
        ),
        (
            LessonPatch {
                title: Some("".into()),
                required: Some(false),
                ..Default::default()
            },
            "title",
        ),
    ];
    for (patch, field) in bad_patches {
        assert_invalid(
            w.lms
                .update_lesson(&w.instructor, ORG, "c", intro, patch)
                .await,
            &[field],
        );
    }
    let new = NewLesson {
        title: "T".into(),
        kind: LessonKind::Text,
        content: json!({"markdown": "x"}),
        free_preview: None,
        duration_minutes: Some(1_000_000),
        required: None,
    };
    assert_invalid(
        w.lms
            .create_lesson(&w.instructor, ORG, "c", module, new)
            .await,
        &["duration_minutes"],
    );
    assert_code(
        w.lms
            .add_member(
                &w.admin,
                ORG,
                NewMember {
                    email: "not an email".into(),
                    role: Role::Learner,
                },
            )
            .await,
        "validation_failed",
    );
    assert_code(
        w.lms
            .set_member_role(&w.admin, ORG, crate::UserId::new(), Role::Learner)
            .await,
        "not_found",
    );
    let after = w.lms.course(&w.instructor, ORG, "c").await.unwrap();
    assert_eq!(after.modules, outline.modules, "nothing was written");
    let lesson = w.lms.lesson(&w.instructor, ORG, "c", intro).await.unwrap();
    let LessonView::Author(lesson) = lesson else {
        panic!("the owner reads the author's view")
    };
    assert_eq!(
        lesson.content.to_inner_json(),
        json!({"markdown": "# Hello"})
    );
}

pub async fn unparsable_input_is_reported_after_the_policy(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("secret", None).await;
    let outline = w.published("open", None).await;
    let broken = || {
        crate::Parsed::<CoursePatch>::failed(crate::LmsError::invalid("title", "expected a string"))
    };
    assert_code(
        w.lms
            .update_course(&Actor::Anonymous, ORG, "open", broken())
            .await,
        "unauthenticated",
    );
    assert_code(
        w.lms
            .update_course(&w.learner, ORG, "secret", broken())
            .await,
        "not_found",
    );
    assert_code(
        w.lms.update_course(&w.learner, ORG, "open", broken()).await,
        "forbidden",
    );
    assert_code(
        w.lms
            .update_course(&w.instructor, ORG, "open", broken())
            .await,
        "validation_failed",
    );
    let malformed =
        || crate::Parsed::<ProgressUpdate>::failed(crate::LmsError::Malformed("not JSON".into()));
    let lesson = outline.modules[0].lessons[0].id;
    assert_code(
        w.lms
            .record_progress(&w.learner, ORG, "open", lesson, malformed())
            .await,
        "not_enrolled",
    );
    w.lms.enroll(&w.learner, ORG, "open").await.unwrap();
    assert_code(
        w.lms
            .record_progress(&w.learner, ORG, "open", lesson, malformed())
            .await,
        "malformed_request",
    );
}

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

// ---------------------------------------------------------------- courses

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

pub async fn bad_course_input_writes_nothing(lms: Lms) {
    let w = World::new(lms).await;
    let bad = NewCourse {
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
        w.lms.update_course(&w.instructor, ORG, "ok", patch).await,
        &["title"],
    );
    let stored = w.lms.course(&w.instructor, ORG, "ok").await.unwrap().course;
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
            .update_course(&w.instructor, ORG, "paid", patch)
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
        .update_course(&w.instructor, ORG, "paid", patch)
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
            .update_course(&w.instructor, ORG, "c", to(CourseStatus::Archived))
            .await,
        "invalid_transition",
    );
    w.lms
        .update_course(&w.instructor, ORG, "c", to(CourseStatus::Published))
        .await
        .unwrap();
    assert_code(
        w.lms
            .update_course(&w.instructor, ORG, "c", to(CourseStatus::Draft))
            .await,
        "invalid_transition",
    );
    let archived = w
        .lms
        .update_course(&w.admin, ORG, "c", to(CourseStatus::Archived))
        .await
        .unwrap();
    assert_eq!(archived.status, CourseStatus::Archived);
    assert_code(
        w.lms
            .update_course(&w.admin, ORG, "c", to(CourseStatus::Published))
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
        assert_code(w.lms.course(&who, ORG, "secret").await, "not_found");
        let patch = CoursePatch {
            title: Some("Mine".into()),
            ..Default::default()
        };
        let denied = w.lms.update_course(&who, ORG, "secret", patch).await;
        assert!(
            matches!(
                denied.as_ref().map_err(|e| e.code()),
                Err("not_found" | "unauthenticated")
            ),
            "{denied:?}"
        );
    }
    w.lms.course(&w.instructor, ORG, "secret").await.unwrap();
    w.lms.course(&w.admin, ORG, "secret").await.unwrap();
    let catalog = w
        .lms
        .courses(&Actor::Anonymous, ORG, None, page(50))
        .await
        .unwrap();
    assert!(catalog.items.is_empty());
}

pub async fn courses_are_addressed_by_id_or_slug_within_their_org(lms: Lms) {
    let w = World::new(lms).await;
    let course = w.published("rust-101", None).await.course;
    let by_id = w
        .lms
        .course(&Actor::Anonymous, ORG, &course.id.to_string())
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
            .course(&Actor::Anonymous, "other", &course.id.to_string())
            .await,
        "not_found",
    );
    assert_code(
        w.lms.course(&Actor::Anonymous, "other", "rust-101").await,
        "not_found",
    );
    assert_code(
        w.lms.enroll(&w.outsider, "other", "rust-101").await,
        "not_found",
    );
    assert_code(
        w.lms.course(&Actor::Anonymous, ORG, "no-such-course").await,
        "not_found",
    );
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

// ---------------------------------------------------------------- curriculum

pub async fn modules_and_lessons_append_in_order(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let titles: Vec<Vec<&str>> = outline
        .modules
        .iter()
        .map(|m| m.lessons.iter().map(|l| l.title.as_str()).collect())
        .collect();
    assert_eq!(titles, [vec!["Intro", "Watch"], vec!["Quiz"]]);
    assert_eq!(
        outline
            .modules
            .iter()
            .map(|m| m.module.position)
            .collect::<Vec<_>>(),
        [0, 1]
    );
    assert_eq!(
        outline.modules[0]
            .lessons
            .iter()
            .map(|l| l.position)
            .collect::<Vec<_>>(),
        [0, 1]
    );
    let renamed = w
        .lms
        .update_module(
            &w.instructor,
            ORG,
            "c",
            outline.modules[0].module.id,
            crate::ModuleInput {
                title: "Start".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.title, "Start");
    let unknown = crate::ModuleId::new();
    assert_code(
        w.lms
            .update_module(
                &w.instructor,
                ORG,
                "c",
                unknown,
                crate::ModuleInput { title: "x".into() },
            )
            .await,
        "not_found",
    );
}

pub async fn lesson_content_is_checked_per_kind(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("c", None).await;
    let module = w.module("c", "M").await.id;
    let attempt = |kind, content| {
        let new = NewLesson {
            title: "L".into(),
            kind,
            content,
            free_preview: None,
            duration_minutes: None,
            required: None,
        };
        w.lms.create_lesson(&w.instructor, ORG, "c", module, new)
    };
    assert_invalid(
        attempt(LessonKind::Text, json!({"body": "x"})).await,
        &["content"],
    );
    assert_invalid(
        attempt(
            LessonKind::Video,
            json!({"url": "https://v.test", "media_key": "k"}),
        )
        .await,
        &["content"],
    );
    assert_invalid(
        attempt(LessonKind::Video, json!({"url": "ftp://v.test"})).await,
        &["content.url"],
    );
    let mut two_correct = quiz_content(None);
    two_correct["questions"][0]["correct"] = json!(["a", "b"]);
    assert_invalid(
        attempt(LessonKind::Quiz, two_correct).await,
        &["content.questions[0].correct"],
    );
    let mut unknown_option = quiz_content(None);
    unknown_option["questions"][0]["correct"] = json!(["z"]);
    assert_invalid(
        attempt(LessonKind::Quiz, unknown_option).await,
        &["content.questions[0].correct"],
    );
    let mut duplicate_ids = quiz_content(None);
    duplicate_ids["questions"][1]["id"] = json!("q1");
    assert_invalid(
        attempt(LessonKind::Quiz, duplicate_ids).await,
        &["content.questions[1].id"],
    );
    assert_invalid(
        attempt(
            LessonKind::Quiz,
            json!({"questions": [], "pass_percent": 101}),
        )
        .await,
        &["content.questions", "content.pass_percent"],
    );
    let outline = w.lms.course(&w.instructor, ORG, "c").await.unwrap();
    assert!(
        outline.modules[0].lessons.is_empty(),
        "rejected lessons are not written"
    );
    attempt(
        LessonKind::Assignment,
        json!({"instructions": "Write a parser"}),
    )
    .await
    .unwrap();
}

pub async fn outlines_never_carry_content(lms: Lms) {
    let w = World::new(lms).await;
    w.published("c", None).await;
    for who in [Actor::Anonymous, w.instructor, w.admin] {
        let outline = w.lms.course(&who, ORG, "c").await.unwrap();
        let text = serde_json::to_string(&outline).unwrap();
        for key in [
            "\"content\"",
            "\"markdown\"",
            "\"correct\"",
            "\"questions\"",
        ] {
            assert!(!text.contains(key), "outline carries {key}: {text}");
        }
    }
}

pub async fn reorder_moves_lessons_between_modules(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let (basics, check) = (&outline.modules[0], &outline.modules[1]);
    let (intro, watch, quiz) = (
        basics.lessons[0].id,
        basics.lessons[1].id,
        check.lessons[0].id,
    );
    let layout = CurriculumLayout {
        modules: vec![
            ModuleLayout {
                id: check.module.id,
                lessons: vec![quiz, intro],
            },
            ModuleLayout {
                id: basics.module.id,
                lessons: vec![watch],
            },
        ],
    };
    let reordered = w
        .lms
        .reorder_curriculum(&w.instructor, ORG, "c", layout)
        .await
        .unwrap();
    let stored = w.lms.course(&w.admin, ORG, "c").await.unwrap();
    assert_eq!(reordered.modules, stored.modules);
    let shape: Vec<(crate::ModuleId, Vec<crate::LessonId>)> = stored
        .modules
        .iter()
        .map(|m| (m.module.id, m.lessons.iter().map(|l| l.id).collect()))
        .collect();
    assert_eq!(
        shape,
        [
            (check.module.id, vec![quiz, intro]),
            (basics.module.id, vec![watch])
        ]
    );
    assert!(
        stored.modules[0]
            .lessons
            .iter()
            .all(|l| l.module_id == check.module.id)
    );
}

pub async fn reorder_rejects_a_partial_layout_and_changes_nothing(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let (basics, check) = (&outline.modules[0], &outline.modules[1]);
    let (intro, watch, quiz) = (
        basics.lessons[0].id,
        basics.lessons[1].id,
        check.lessons[0].id,
    );
    let layouts = [
        vec![ModuleLayout {
            id: basics.module.id,
            lessons: vec![intro, watch, quiz],
        }],
        vec![
            ModuleLayout {
                id: check.module.id,
                lessons: vec![quiz, intro],
            },
            ModuleLayout {
                id: basics.module.id,
                lessons: vec![intro, watch],
            },
        ],
        vec![
            ModuleLayout {
                id: check.module.id,
                lessons: vec![quiz],
            },
            ModuleLayout {
                id: basics.module.id,
                lessons: vec![intro, crate::LessonId::new()],
            },
        ],
    ];
    for modules in layouts {
        let result = w
            .lms
            .reorder_curriculum(&w.instructor, ORG, "c", CurriculumLayout { modules })
            .await;
        assert_code(result, "validation_failed");
    }
    assert_eq!(
        w.lms.course(&w.instructor, ORG, "c").await.unwrap().modules,
        outline.modules
    );
}

pub async fn only_owner_and_admins_edit_the_curriculum(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
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
    let module = outline.modules[0].module.id;
    let lesson = outline.modules[0].lessons[0].id;
    for (who, code) in [
        (other_instructor, "forbidden"),
        (w.learner, "forbidden"),
        (w.outsider, "forbidden"),
        (Actor::Anonymous, "unauthenticated"),
    ] {
        assert_code(
            w.lms
                .create_module(&who, ORG, "c", crate::ModuleInput { title: "M".into() })
                .await,
            code,
        );
        assert_code(w.lms.delete_lesson(&who, ORG, "c", lesson).await, code);
        assert_code(w.lms.delete_module(&who, ORG, "c", module).await, code);
        let patch = LessonPatch {
            title: Some("T".into()),
            ..Default::default()
        };
        assert_code(
            w.lms.update_lesson(&who, ORG, "c", lesson, patch).await,
            code,
        );
    }
    let patch = LessonPatch {
        title: Some("Hello".into()),
        free_preview: Some(true),
        ..Default::default()
    };
    let lesson = w
        .lms
        .update_lesson(&w.admin, ORG, "c", lesson, patch)
        .await
        .unwrap();
    assert_eq!(
        (lesson.summary.title.as_str(), lesson.summary.free_preview),
        ("Hello", true)
    );
    assert_eq!(
        w.lms.course(&w.admin, ORG, "c").await.unwrap().modules[0].lessons[0].title,
        "Hello"
    );
}

pub async fn deleting_curriculum_removes_progress_and_recounts(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let intro = outline.modules[0].lessons[0].id;
    let watch = outline.modules[0].lessons[1].id;
    w.lms
        .record_progress(&w.learner, ORG, "c", intro, completed())
        .await
        .unwrap();
    w.lms
        .record_progress(&w.learner, ORG, "c", watch, completed())
        .await
        .unwrap();
    w.lms
        .delete_lesson(&w.instructor, ORG, "c", intro)
        .await
        .unwrap();
    let progress = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert_eq!(
        (
            progress.completed_lessons,
            progress.total_lessons,
            progress.percent
        ),
        (1, 2, 50)
    );
    assert!(w.lms.check_rollups(ORG, "c").await.unwrap().is_exact());
    w.lms
        .delete_module(&w.instructor, ORG, "c", outline.modules[0].module.id)
        .await
        .unwrap();
    let progress = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert_eq!((progress.completed_lessons, progress.total_lessons), (0, 1));
    assert_code(w.lms.lesson(&w.learner, ORG, "c", watch).await, "not_found");
    assert!(w.lms.check_rollups(ORG, "c").await.unwrap().is_exact());
}

// ---------------------------------------------------------------- lessons

pub async fn lesson_access_follows_enrollment_and_price(lms: Lms) {
    let w = World::new(lms).await;
    let free = w.published("free", None).await;
    let paid = w.published("paid", Some(900)).await;
    let intro = |o: &crate::CourseOutline| o.modules[0].lessons[0].id;
    assert_code(
        w.lms
            .lesson(&Actor::Anonymous, ORG, "free", intro(&free))
            .await,
        "unauthenticated",
    );
    assert_code(
        w.lms
            .lesson(&Actor::Anonymous, ORG, "paid", intro(&paid))
            .await,
        "unauthenticated",
    );
    assert_code(
        w.lms.lesson(&w.learner, ORG, "free", intro(&free)).await,
        "not_enrolled",
    );
    assert_code(
        w.lms.lesson(&w.learner, ORG, "paid", intro(&paid)).await,
        "payment_required",
    );
    assert_code(
        w.lms
            .lesson(&w.learner, ORG, "free", crate::LessonId::new())
            .await,
        "not_found",
    );
    assert_code(
        w.lms.lesson(&w.learner, ORG, "free", intro(&paid)).await,
        "not_found",
    );
    let preview = LessonPatch {
        free_preview: Some(true),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, ORG, "paid", intro(&paid), preview)
        .await
        .unwrap();
    assert!(matches!(
        w.lms
            .lesson(&Actor::Anonymous, ORG, "paid", intro(&paid))
            .await,
        Ok(LessonView::Learner(_))
    ));
    w.lms.enroll(&w.learner, ORG, "free").await.unwrap();
    assert!(matches!(
        w.lms.lesson(&w.learner, ORG, "free", intro(&free)).await,
        Ok(LessonView::Learner(_))
    ));
    w.lms
        .revoke_enrollment(&w.admin, ORG, "free", w.learner.user_id().unwrap())
        .await
        .unwrap();
    assert_code(
        w.lms.lesson(&w.learner, ORG, "free", intro(&free)).await,
        "enrollment_revoked",
    );
    assert!(matches!(
        w.lms.lesson(&w.instructor, ORG, "paid", intro(&paid)).await,
        Ok(LessonView::Author(_))
    ));
}

pub async fn learners_never_receive_answer_keys(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let quiz = outline.modules[1].lessons[0].id;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let learner_view = w.lms.lesson(&w.learner, ORG, "c", quiz).await.unwrap();
    let text = serde_json::to_string(&learner_view).unwrap();
    assert!(matches!(learner_view, LessonView::Learner(_)));
    for key in [
        "\"correct\"",
        "\"answer\"",
        "\"accepted\"",
        "\"value\"",
        "\"tolerance\"",
    ] {
        assert!(!text.contains(key), "learner view carries {key}: {text}");
    }
    assert!(
        text.contains("\"questions\"") && text.contains("\"options\""),
        "{text}"
    );
    let author_view =
        serde_json::to_value(w.lms.lesson(&w.instructor, ORG, "c", quiz).await.unwrap()).unwrap();
    assert_eq!(
        author_view["content"]["questions"][0]["correct"],
        json!(["b"])
    );
    assert_eq!(author_view["kind"], json!("quiz"));
}

// ---------------------------------------------------------------- enrollment

pub async fn enrolling_in_a_free_course(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let enrollment = w.lms.enroll(&w.outsider, ORG, "c").await.unwrap();
    assert_eq!(
        (enrollment.source, enrollment.status),
        (EnrollmentSource::Free, EnrollmentStatus::Active)
    );
    assert_eq!(enrollment.course_id, outline.course.id);
    assert_code(
        w.lms.enroll(&w.outsider, ORG, "c").await,
        "already_enrolled",
    );
    assert_code(
        w.lms.enroll(&Actor::Anonymous, ORG, "c").await,
        "unauthenticated",
    );
    w.draft("draft", None).await;
    assert_code(w.lms.enroll(&w.learner, ORG, "draft").await, "not_found");
    assert_code(w.lms.enroll(&w.instructor, ORG, "draft").await, "conflict");
}

pub async fn paid_courses_need_payment_or_an_admin(lms: Lms) {
    let w = World::new(lms).await;
    w.published("paid", Some(4900)).await;
    assert_code(
        w.lms.enroll(&w.learner, ORG, "paid").await,
        "payment_required",
    );
    let learner = w.learner.user_id().unwrap();
    assert_code(
        w.lms.enroll_user(&w.learner, ORG, "paid", learner).await,
        "forbidden",
    );
    assert_code(
        w.lms
            .enroll_user(&w.admin, ORG, "paid", crate::UserId::new())
            .await,
        "not_found",
    );
    let enrollment = w
        .lms
        .enroll_user(&w.instructor, ORG, "paid", learner)
        .await
        .unwrap();
    assert_eq!(enrollment.source, EnrollmentSource::Admin);
    assert_code(
        w.lms.enroll_user(&w.admin, ORG, "paid", learner).await,
        "already_enrolled",
    );
    assert_code(
        w.lms.enroll(&w.learner, ORG, "paid").await,
        "already_enrolled",
    );
}

pub async fn revoking_keeps_progress_and_free_courses_reactivate(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let intro = outline.modules[0].lessons[0].id;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    w.lms
        .record_progress(&w.learner, ORG, "c", intro, completed())
        .await
        .unwrap();
    let learner = w.learner.user_id().unwrap();
    w.lms
        .revoke_enrollment(&w.admin, ORG, "c", learner)
        .await
        .unwrap();
    w.lms
        .revoke_enrollment(&w.admin, ORG, "c", learner)
        .await
        .unwrap();
    assert_code(
        w.lms
            .record_progress(&w.learner, ORG, "c", intro, percent(10))
            .await,
        "enrollment_revoked",
    );
    let kept = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert_eq!(kept.completed_lessons, 1);
    let listed = w
        .lms
        .enrollments(&w.admin, ORG, "c", page(10))
        .await
        .unwrap();
    assert_eq!(listed.items[0].status, EnrollmentStatus::Revoked);
    let again = w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    assert_eq!(
        (again.status, again.completed_required),
        (EnrollmentStatus::Active, 1)
    );
    assert_code(
        w.lms
            .revoke_enrollment(&w.admin, ORG, "c", w.outsider.user_id().unwrap())
            .await,
        "not_found",
    );
}

pub async fn only_admins_revoke(lms: Lms) {
    let w = World::new(lms).await;
    w.published("c", None).await;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let learner = w.learner.user_id().unwrap();
    assert_code(
        w.lms
            .revoke_enrollment(&w.instructor, ORG, "c", learner)
            .await,
        "forbidden",
    );
    assert_code(
        w.lms.revoke_enrollment(&w.learner, ORG, "c", learner).await,
        "forbidden",
    );
    assert_code(
        w.lms
            .revoke_enrollment(&Actor::Anonymous, ORG, "c", learner)
            .await,
        "unauthenticated",
    );
    w.lms
        .revoke_enrollment(&w.admin, ORG, "c", learner)
        .await
        .unwrap();
}

pub async fn concurrent_enrollments_make_one_row(lms: Lms) {
    let w = World::new(lms).await;
    w.published("c", None).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (lms, who) = (w.lms.clone(), w.learner);
        tasks.spawn(async move { lms.enroll(&who, ORG, "c").await });
    }
    let results = tasks.join_all().await;
    let created = results.iter().filter(|r| r.is_ok()).count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(e) if e.code() == "already_enrolled"))
        .count();
    assert_eq!((created, refused), (1, 15), "{results:?}");
    assert_eq!(
        w.lms
            .enrollments(&w.admin, ORG, "c", page(50))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

pub async fn enrollments_list_is_for_managers_and_paginates(lms: Lms) {
    let w = World::new(lms).await;
    let course = w.published("c", None).await.course;
    for i in 0..5 {
        let who = w.new_user(&format!("l{i}@x.test")).await;
        w.lms.enroll(&who, ORG, "c").await.unwrap();
    }
    assert_code(
        w.lms.enrollments(&w.learner, ORG, "c", page(10)).await,
        "forbidden",
    );
    let listed = all_pages(2, |p| w.lms.enrollments(&w.instructor, ORG, "c", p)).await;
    assert_eq!(listed.len(), 5);
    assert!(listed.iter().all(|e| e.course_id == course.id));
    assert_eq!(
        listed
            .iter()
            .map(|e| e.user_id)
            .collect::<HashSet<_>>()
            .len(),
        5
    );
}

// ---------------------------------------------------------------- progress

pub async fn progress_never_goes_backwards(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let intro = outline.modules[0].lessons[0].id;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let first = w
        .lms
        .record_progress(&w.learner, ORG, "c", intro, percent(60))
        .await
        .unwrap();
    assert_eq!(
        (first.lesson.percent, first.lesson.status),
        (60, LessonStatus::InProgress)
    );
    let lower = w
        .lms
        .record_progress(&w.learner, ORG, "c", intro, percent(30))
        .await
        .unwrap();
    assert_eq!(
        (lower.lesson.percent, lower.lesson.status),
        (60, LessonStatus::InProgress)
    );
    let done = w
        .lms
        .record_progress(&w.learner, ORG, "c", intro, percent(100))
        .await
        .unwrap();
    assert_eq!(done.lesson.status, LessonStatus::Completed);
    let completed_at = done.lesson.completed_at.expect("completed_at");
    let back = ProgressUpdate {
        percent: Some(10),
        status: Some(LessonStatus::InProgress),
    };
    let after = w
        .lms
        .record_progress(&w.learner, ORG, "c", intro, back)
        .await
        .unwrap();
    assert_eq!(
        (
            after.lesson.percent,
            after.lesson.status,
            after.lesson.completed_at
        ),
        (100, LessonStatus::Completed, Some(completed_at))
    );
    assert_eq!(
        (
            after.course.completed_lessons,
            after.course.total_lessons,
            after.course.percent
        ),
        (1, 3, 33)
    );
}

pub async fn bad_progress_input_is_rejected(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let other = w.published("other", None).await;
    let intro = outline.modules[0].lessons[0].id;
    let quiz = outline.modules[1].lessons[0].id;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    assert_invalid(
        w.lms
            .record_progress(&w.learner, ORG, "c", intro, percent(101))
            .await,
        &["percent"],
    );
    assert_invalid(
        w.lms
            .record_progress(&w.learner, ORG, "c", intro, ProgressUpdate::default())
            .await,
        &["percent"],
    );
    assert_code(
        w.lms
            .record_progress(&w.learner, ORG, "c", quiz, completed())
            .await,
        "validation_failed",
    );
    assert_code(
        w.lms
            .record_progress(&w.learner, ORG, "c", crate::LessonId::new(), completed())
            .await,
        "not_found",
    );
    let foreign = other.modules[0].lessons[0].id;
    assert_code(
        w.lms
            .record_progress(&w.learner, ORG, "c", foreign, completed())
            .await,
        "not_found",
    );
    let progress = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert_eq!(
        progress.completed_lessons, 0,
        "rejected writes change nothing"
    );
}

pub async fn progress_needs_an_active_enrollment(lms: Lms) {
    let w = World::new(lms).await;
    let free = w.published("free", None).await;
    let paid = w.published("paid", Some(500)).await;
    let lesson = |o: &crate::CourseOutline| o.modules[0].lessons[0].id;
    assert_code(
        w.lms
            .record_progress(&Actor::Anonymous, ORG, "free", lesson(&free), percent(5))
            .await,
        "unauthenticated",
    );
    assert_code(
        w.lms
            .record_progress(&w.learner, ORG, "free", lesson(&free), percent(5))
            .await,
        "not_enrolled",
    );
    assert_code(
        w.lms
            .record_progress(&w.learner, ORG, "paid", lesson(&paid), percent(5))
            .await,
        "payment_required",
    );
    assert_code(
        w.lms.course_progress(&w.learner, ORG, "free").await,
        "not_enrolled",
    );
    assert_code(
        w.lms.course_progress(&Actor::Anonymous, ORG, "free").await,
        "unauthenticated",
    );
}

pub async fn completion_is_recorded_once(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let lessons: Vec<_> = outline.modules[0].lessons.iter().map(|l| l.id).collect();
    let quiz = outline.modules[1].lessons[0].id;
    for lesson in &lessons {
        let r = w
            .lms
            .record_progress(&w.learner, ORG, "c", *lesson, completed())
            .await
            .unwrap();
        assert!(!r.course.completed);
    }
    w.lms
        .submit_attempt(&w.learner, ORG, "c", quiz, json!({"q1": "b", "q2": true}))
        .await
        .unwrap();
    let done = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert!(done.completed && done.unmet.is_empty());
    assert_eq!((done.percent, done.next_lesson_id), (100, None));
    let recorded = done.completed_at.expect("completed_at");
    let again = w
        .lms
        .record_progress(&w.learner, ORG, "c", lessons[0], completed())
        .await
        .unwrap();
    assert_eq!(again.course.completed_at, Some(recorded));
    w.lms
        .submit_attempt(&w.learner, ORG, "c", quiz, json!({"q1": "b", "q2": true}))
        .await
        .unwrap();
    assert_eq!(
        w.lms
            .course_progress(&w.learner, ORG, "c")
            .await
            .unwrap()
            .completed_at,
        Some(recorded)
    );
    let listed = w
        .lms
        .enrollments(&w.admin, ORG, "c", page(10))
        .await
        .unwrap();
    assert_eq!(listed.items[0].completed_at, Some(recorded));
}

pub async fn completion_stays_when_lessons_are_added(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("c", None).await;
    let module = w.module("c", "M").await.id;
    let only = w
        .lesson(
            "c",
            module,
            "Only",
            LessonKind::Text,
            json!({"markdown": "x"}),
        )
        .await
        .summary
        .id;
    w.publish("c").await;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let done = w
        .lms
        .record_progress(&w.learner, ORG, "c", only, completed())
        .await
        .unwrap()
        .course;
    assert!(done.completed);
    let added = w
        .lesson(
            "c",
            module,
            "Bonus",
            LessonKind::Text,
            json!({"markdown": "y"}),
        )
        .await
        .summary
        .id;
    let now = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert_eq!(
        (now.completed, now.completed_at, now.percent),
        (true, done.completed_at, 50)
    );
    assert_eq!((now.total_lessons, now.next_lesson_id), (2, Some(added)));
}

pub async fn optional_lessons_do_not_count(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("c", None).await;
    let module = w.module("c", "M").await.id;
    let extra = NewLesson {
        title: "Extra".into(),
        kind: LessonKind::Text,
        content: json!({"markdown": "x"}),
        free_preview: None,
        duration_minutes: None,
        required: Some(false),
    };
    let optional = w
        .lms
        .create_lesson(&w.instructor, ORG, "c", module, extra)
        .await
        .unwrap();
    assert!(!optional.summary.required);
    let core = w
        .lesson(
            "c",
            module,
            "Core",
            LessonKind::Text,
            json!({"markdown": "y"}),
        )
        .await
        .summary
        .id;
    w.publish("c").await;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let p = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert_eq!(
        (p.total_lessons, p.next_lesson_id),
        (1, Some(optional.summary.id))
    );
    let done = w
        .lms
        .record_progress(&w.learner, ORG, "c", core, completed())
        .await
        .unwrap()
        .course;
    assert_eq!(
        (done.percent, done.completed, done.next_lesson_id),
        (100, true, Some(optional.summary.id))
    );
}

pub async fn next_lesson_and_unmet_reasons(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let ids: Vec<_> = outline
        .modules
        .iter()
        .flat_map(|m| m.lessons.iter().map(|l| l.id))
        .collect();
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let start = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert_eq!(start.next_lesson_id, Some(ids[0]));
    let rules: Vec<_> = start.unmet.iter().map(|u| u.rule).collect();
    assert_eq!(
        rules,
        [
            UnmetRule::LessonIncomplete,
            UnmetRule::LessonIncomplete,
            UnmetRule::QuizNotPassed
        ]
    );
    assert_eq!(start.unmet[0].detail, "Lesson 'Intro' is not completed");
    assert_eq!(start.unmet[2].detail, "Quiz 'Quiz' is not passed");
    let after = w
        .lms
        .record_progress(&w.learner, ORG, "c", ids[0], completed())
        .await
        .unwrap()
        .course;
    assert_eq!((after.next_lesson_id, after.unmet.len()), (Some(ids[1]), 2));
}

pub async fn making_the_last_missing_lesson_optional_completes(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    for lesson in &outline.modules[0].lessons {
        w.lms
            .record_progress(&w.learner, ORG, "c", lesson.id, completed())
            .await
            .unwrap();
    }
    let quiz = outline.modules[1].lessons[0].id;
    let optional = LessonPatch {
        required: Some(false),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, ORG, "c", quiz, optional)
        .await
        .unwrap();
    let p = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert_eq!((p.percent, p.completed, p.total_lessons), (100, true, 2));
    assert!(p.completed_at.is_some());
    assert!(w.lms.check_rollups(ORG, "c").await.unwrap().is_exact());
    let certificate = w
        .lms
        .certificate(&w.learner, ORG, "c")
        .await
        .expect("issued by the curriculum change");
    assert_eq!(Some(certificate.issued_at), p.completed_at);
}

pub async fn concurrent_progress_writes_keep_the_maximum(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let intro = outline.modules[0].lessons[0].id;
    let mut tasks = tokio::task::JoinSet::new();
    for p in [17u8, 83, 5, 99, 42, 64, 12, 77, 31, 90, 3, 55] {
        let lms = w.lms.clone();
        tasks.spawn(async move {
            lms.record_progress(&w.learner, ORG, "c", intro, percent(p))
                .await
        });
    }
    for r in tasks.join_all().await {
        r.unwrap();
    }
    let lesson = outline.modules[0].lessons[1].id;
    let mut tasks = tokio::task::JoinSet::new();
    for l in [intro, lesson, intro, lesson, intro, lesson] {
        let lms = w.lms.clone();
        tasks.spawn(async move {
            lms.record_progress(&w.learner, ORG, "c", l, completed())
                .await
        });
    }
    for r in tasks.join_all().await {
        r.unwrap();
    }
    w.lms
        .submit_attempt(
            &w.learner,
            ORG,
            "c",
            outline.modules[1].lessons[0].id,
            json!({"q1": "b", "q2": true}),
        )
        .await
        .unwrap();
    let progress = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert!(progress.completed && progress.completed_lessons == 3);
    let check = w.lms.check_rollups(ORG, "c").await.unwrap();
    assert_eq!(
        (check.checked, check.mismatches, check.summary_matches),
        (1, vec![], true)
    );
    // A fresh lesson raced by many writers with 60 and one with 100: the maximum wins.
    let module = outline.modules[0].module.id;
    let extra = w
        .lesson(
            "c",
            module,
            "Extra",
            LessonKind::Text,
            json!({"markdown": "z"}),
        )
        .await
        .summary
        .id;
    let mut tasks = tokio::task::JoinSet::new();
    for p in [60u8, 60, 100, 60, 60, 60] {
        let lms = w.lms.clone();
        tasks.spawn(async move {
            lms.record_progress(&w.learner, ORG, "c", extra, percent(p))
                .await
        });
    }
    let results: Vec<_> = tasks
        .join_all()
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let completed_ats: HashSet<_> = results
        .iter()
        .filter_map(|r| r.lesson.completed_at)
        .collect();
    assert_eq!(completed_ats.len(), 1, "the lesson is completed once");
    let p = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert_eq!((p.percent, p.completed_at), (100, progress.completed_at));
}

pub async fn rollups_match_a_recomputation(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let ids: Vec<_> = outline
        .modules
        .iter()
        .flat_map(|m| m.lessons.iter().map(|l| l.id))
        .collect();
    let mut learners = Vec::new();
    for i in 0..6 {
        let who = w.new_user(&format!("r{i}@x.test")).await;
        w.lms.enroll(&who, ORG, "c").await.unwrap();
        for lesson in ids.iter().take(i % 3) {
            w.lms
                .record_progress(&who, ORG, "c", *lesson, completed())
                .await
                .unwrap();
        }
        learners.push(who);
    }
    let optional = LessonPatch {
        required: Some(false),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, ORG, "c", ids[0], optional)
        .await
        .unwrap();
    assert!(w.lms.check_rollups(ORG, "c").await.unwrap().is_exact());
    let required = LessonPatch {
        required: Some(true),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, ORG, "c", ids[0], required)
        .await
        .unwrap();
    w.lms
        .delete_lesson(&w.instructor, ORG, "c", ids[1])
        .await
        .unwrap();
    let check = w.lms.check_rollups(ORG, "c").await.unwrap();
    assert_eq!(
        (check.checked, check.mismatches, check.summary_matches),
        (6, vec![], true)
    );
}

// ---------------------------------------------------------------- quizzes

pub async fn quiz_attempts_are_graded_and_complete_the_lesson(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let quiz = outline.modules[1].lessons[0].id;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let failed = w
        .lms
        .submit_attempt(&w.learner, ORG, "c", quiz, json!({"q1": "a", "q2": false}))
        .await
        .unwrap();
    assert_eq!(
        (failed.score_percent, failed.passed, failed.attempt_number),
        (0, false, 1)
    );
    let p = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert_eq!(p.completed_lessons, 0);
    let half = w
        .lms
        .submit_attempt(&w.learner, ORG, "c", quiz, json!({"q1": "b"}))
        .await
        .unwrap();
    assert_eq!(
        (half.score_percent, half.passed, half.attempt_number),
        (50, true, 2)
    );
    let p = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert_eq!(p.completed_lessons, 1);
    let attempts = w
        .lms
        .attempts(&w.learner, ORG, "c", quiz, page(10))
        .await
        .unwrap();
    assert_eq!(
        attempts
            .items
            .iter()
            .map(|a| a.attempt_number)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    assert_code(
        w.lms.attempts(&w.outsider, ORG, "c", quiz, page(10)).await,
        "not_enrolled",
    );
}

pub async fn quiz_attempts_are_limited(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let quiz = outline.modules[1].lessons[0].id;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    for n in 1..=3 {
        let a = w
            .lms
            .submit_attempt(&w.learner, ORG, "c", quiz, json!({}))
            .await
            .unwrap();
        assert_eq!(a.attempt_number, n);
    }
    assert_code(
        w.lms
            .submit_attempt(&w.learner, ORG, "c", quiz, json!({"q1": "b", "q2": true}))
            .await,
        "attempts_exhausted",
    );
    assert_eq!(
        w.lms
            .attempts(&w.learner, ORG, "c", quiz, page(10))
            .await
            .unwrap()
            .items
            .len(),
        3
    );
    assert_eq!(
        w.lms
            .course_progress(&w.learner, ORG, "c")
            .await
            .unwrap()
            .completed_lessons,
        0
    );
}

pub async fn ill_typed_answers_score_zero(lms: Lms) {
    let w = World::new(lms).await;
    w.draft("c", None).await;
    let module = w.module("c", "M").await.id;
    let content = json!({
        "pass_percent": 100,
        "questions": [
            {"id": "s", "kind": "single_choice", "prompt": "?", "points": 2,
             "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}], "correct": ["a"]},
            {"id": "m", "kind": "multiple_choice", "prompt": "?",
             "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}], "correct": ["a", "c"]},
            {"id": "t", "kind": "short_text", "prompt": "?", "accepted": ["Borrow  Checker"]},
            {"id": "n", "kind": "numeric", "prompt": "?", "value": 2.75, "tolerance": 0.01}
        ]
    });
    let quiz = w
        .lesson("c", module, "Q", LessonKind::Quiz, content)
        .await
        .summary
        .id;
    w.publish("c").await;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let wrong_types = json!({"s": ["a"], "m": "a", "t": 42, "n": "2.75"});
    let zero = w
        .lms
        .submit_attempt(&w.learner, ORG, "c", quiz, wrong_types)
        .await
        .unwrap();
    assert_eq!((zero.score_percent, zero.passed), (0, false));
    let right = json!({"s": "a", "m": ["c", "a"], "t": "  borrow checker ", "n": 2.76});
    let full = w
        .lms
        .submit_attempt(&w.learner, ORG, "c", quiz, right)
        .await
        .unwrap();
    assert_eq!((full.score_percent, full.passed), (100, true));
    let partial = json!({"s": "a", "m": ["a"], "t": "borrow", "n": 2.8});
    let two_of_five = w
        .lms
        .submit_attempt(&w.learner, ORG, "c", quiz, partial)
        .await
        .unwrap();
    assert_eq!(two_of_five.score_percent, 40);
}

pub async fn bad_attempts_are_rejected(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let quiz = outline.modules[1].lessons[0].id;
    let text = outline.modules[0].lessons[0].id;
    assert_code(
        w.lms
            .submit_attempt(&Actor::Anonymous, ORG, "c", quiz, json!({}))
            .await,
        "unauthenticated",
    );
    assert_code(
        w.lms
            .submit_attempt(&w.learner, ORG, "c", quiz, json!({}))
            .await,
        "not_enrolled",
    );
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    assert_invalid(
        w.lms
            .submit_attempt(&w.learner, ORG, "c", quiz, json!(["b"]))
            .await,
        &["answers"],
    );
    assert_invalid(
        w.lms
            .submit_attempt(&w.learner, ORG, "c", text, json!({}))
            .await,
        &["lesson"],
    );
    assert!(
        w.lms
            .attempts(&w.learner, ORG, "c", quiz, page(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

pub async fn concurrent_attempts_respect_the_limit(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let quiz = outline.modules[1].lessons[0].id;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let lms = w.lms.clone();
        tasks.spawn(async move {
            lms.submit_attempt(&w.learner, ORG, "c", quiz, json!({"q1": "a"}))
                .await
        });
    }
    let results = tasks.join_all().await;
    let accepted: Vec<u32> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|a| a.attempt_number))
        .collect();
    let exhausted = results
        .iter()
        .filter(|r| matches!(r, Err(e) if e.code() == "attempts_exhausted"))
        .count();
    assert_eq!((accepted.len(), exhausted), (3, 7), "{results:?}");
    assert_eq!(
        accepted.iter().copied().collect::<HashSet<_>>(),
        HashSet::from([1, 2, 3])
    );
}

// ---------------------------------------------------------------- reports

pub async fn course_report_reads_rollups(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let ids: Vec<_> = outline
        .modules
        .iter()
        .flat_map(|m| m.lessons.iter().map(|l| l.id))
        .collect();
    for (i, done) in [0usize, 1, 2].into_iter().enumerate() {
        let who = w.new_user(&format!("p{i}@x.test")).await;
        w.lms.enroll(&who, ORG, "c").await.unwrap();
        for lesson in ids.iter().take(done) {
            w.lms
                .record_progress(&who, ORG, "c", *lesson, completed())
                .await
                .unwrap();
        }
        if done == 2 {
            w.lms
                .submit_attempt(&who, ORG, "c", ids[2], json!({"q1": "b", "q2": true}))
                .await
                .unwrap();
        }
    }
    let revoked = w.new_user("gone@x.test").await;
    w.lms.enroll(&revoked, ORG, "c").await.unwrap();
    w.lms
        .revoke_enrollment(&w.admin, ORG, "c", revoked.user_id().unwrap())
        .await
        .unwrap();
    let report = w
        .lms
        .course_report(&w.instructor, ORG, "c", page(2))
        .await
        .unwrap();
    assert_eq!((report.summary.enrolled, report.summary.completed), (3, 1));
    assert!((report.summary.average_percent - (0.0 + 33.0 + 100.0) / 3.0).abs() < 1e-9);
    assert_eq!(
        report.items.iter().map(|i| i.percent).collect::<Vec<_>>(),
        [0, 33]
    );
    assert_eq!(report.items[0].name, "p0");
    let cursor = report.next_cursor.expect("a second page");
    let second = PageRequest::parse(Some(2), Some(&cursor)).unwrap();
    let rest = w
        .lms
        .course_report(&w.admin, ORG, "c", second)
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].percent, 100);
    assert!(rest.items[0].completed_at.is_some() && rest.next_cursor.is_none());
    assert_code(
        w.lms.course_report(&w.learner, ORG, "c", page(2)).await,
        "forbidden",
    );
}

pub async fn org_report_summarizes_every_course(lms: Lms) {
    let w = World::new(lms).await;
    let a = w.published("a", None).await;
    w.published("b", None).await;
    w.draft("d", None).await;
    w.lms.enroll(&w.learner, ORG, "a").await.unwrap();
    w.lms.enroll(&w.outsider, ORG, "a").await.unwrap();
    w.lms
        .record_progress(
            &w.learner,
            ORG,
            "a",
            a.modules[0].lessons[0].id,
            completed(),
        )
        .await
        .unwrap();
    let rows = all_pages(2, |p| w.lms.org_report(&w.admin, ORG, p)).await;
    let summary: Vec<_> = rows
        .iter()
        .map(|r| (r.slug.as_str(), r.enrolled, r.completed))
        .collect();
    assert_eq!(summary, [("a", 2, 0), ("b", 0, 0), ("d", 0, 0)]);
    assert!(
        (rows[0].average_percent - 16.5).abs() < 1e-9,
        "{}",
        rows[0].average_percent
    );
    assert_code(
        w.lms.org_report(&w.instructor, ORG, page(10)).await,
        "forbidden",
    );
    assert_code(
        w.lms.org_report(&Actor::Anonymous, ORG, page(10)).await,
        "unauthenticated",
    );
}

pub async fn dashboard_lists_my_courses_with_progress(lms: Lms) {
    let w = World::new(lms).await;
    let a = w.published("a", None).await;
    w.published("b", None).await;
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
    let elsewhere = NewCourse {
        slug: "z".into(),
        title: "Z".into(),
        ..Default::default()
    };
    w.lms
        .create_course(&w.outsider, "other", elsewhere)
        .await
        .unwrap();
    let module = w
        .lms
        .create_module(
            &w.outsider,
            "other",
            "z",
            crate::ModuleInput { title: "M".into() },
        )
        .await
        .unwrap();
    let new = NewLesson {
        title: "L".into(),
        kind: LessonKind::Text,
        content: json!({"markdown": "m"}),
        free_preview: None,
        duration_minutes: None,
        required: None,
    };
    w.lms
        .create_lesson(&w.outsider, "other", "z", module.id, new)
        .await
        .unwrap();
    let publish = CoursePatch {
        status: Some(CourseStatus::Published),
        ..Default::default()
    };
    w.lms
        .update_course(&w.outsider, "other", "z", publish)
        .await
        .unwrap();
    for (org, course) in [(ORG, "a"), (ORG, "b"), ("other", "z")] {
        w.lms.enroll(&w.learner, org, course).await.unwrap();
    }
    w.lms
        .record_progress(
            &w.learner,
            ORG,
            "a",
            a.modules[0].lessons[0].id,
            completed(),
        )
        .await
        .unwrap();
    let items = all_pages(2, |p| w.lms.my_courses(&w.learner, p)).await;
    let shape: Vec<_> = items
        .iter()
        .map(|i| (i.org.as_str(), i.course.slug.as_str(), i.progress.percent))
        .collect();
    assert_eq!(shape, [(ORG, "a", 33), (ORG, "b", 0), ("other", "z", 0)]);
    assert_code(
        w.lms.my_courses(&Actor::Anonymous, page(10)).await,
        "unauthenticated",
    );
    assert!(
        w.lms
            .my_courses(&w.admin, page(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

// ---------------------------------------------------------------- payments and the store

pub async fn checkout_without_a_provider_is_not_configured(lms: Lms) {
    let w = World::new(lms).await;
    w.published("paid", Some(900)).await;
    w.published("free", None).await;
    let checkout = |course: &'static str, who: Actor| {
        let lms = w.lms.clone();
        async move {
            lms.checkout(
                &who,
                ORG,
                course,
                crate::CheckoutUrls::new("https://x.test/ok", "https://x.test/no"),
            )
            .await
        }
    };
    assert_code(checkout("paid", w.learner).await, "payments_not_configured");
    assert_code(checkout("free", w.learner).await, "conflict");
    assert_code(checkout("paid", Actor::Anonymous).await, "unauthenticated");
    w.lms
        .enroll_user(&w.admin, ORG, "paid", w.learner.user_id().unwrap())
        .await
        .unwrap();
    assert_code(checkout("paid", w.learner).await, "already_enrolled");
}

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
fn accounts(tx: &mut Box<dyn crate::StoreTx>) -> &mut dyn crate::store::AccountTx {
    tx.accounts()
        .expect("this store keeps no accounts (StoreTx::accounts is None)")
}

pub async fn health_pings_the_store(lms: Lms) {
    lms.health().await.unwrap();
}

/// Completes the world's `published` course `slug` for `who` (enrolled already).
async fn complete_course(w: &World, who: &Actor, slug: &str) {
    let outline = w.lms.course(&w.instructor, ORG, slug).await.unwrap();
    for lesson in &outline.modules[0].lessons {
        w.lms
            .record_progress(who, ORG, slug, lesson.id, completed())
            .await
            .unwrap();
    }
    let quiz = outline.modules[1].lessons[0].id;
    w.lms
        .submit_attempt(who, ORG, slug, quiz, json!({"q1": "b", "q2": true}))
        .await
        .unwrap();
}

pub async fn certificates_are_issued_once_on_completion(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    assert_code(w.lms.certificate(&w.learner, ORG, "c").await, "not_found");
    let intro = outline.modules[0].lessons[0].id;
    w.lms
        .record_progress(&w.learner, ORG, "c", intro, completed())
        .await
        .unwrap();
    assert_code(w.lms.certificate(&w.learner, ORG, "c").await, "not_found");
    complete_course(&w, &w.learner, "c").await;
    let certificate = w.lms.certificate(&w.learner, ORG, "c").await.unwrap();
    let progress = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert_eq!(Some(certificate.issued_at), progress.completed_at);
    assert_eq!(
        (
            certificate.learner_name.as_str(),
            certificate.course_title.as_str(),
            certificate.org_name.as_str()
        ),
        ("Lea Learner", "Course c", "Acme")
    );
    assert_eq!(
        (certificate.user_id, certificate.course_id),
        (w.learner.user_id().unwrap(), outline.course.id)
    );
    assert!(certificate.is_valid() && certificate.revoked_reason.is_none());
    assert_eq!(
        crate::CertificateCode::parse(certificate.code.as_str()),
        Some(certificate.code.clone())
    );
    // Completing again (progress, another passing attempt) issues nothing new.
    complete_course(&w, &w.learner, "c").await;
    assert_eq!(
        w.lms.certificate(&w.learner, ORG, "c").await.unwrap(),
        certificate
    );
    // Anyone may verify the code, typed loosely; unknown and malformed codes are 404.
    assert_eq!(
        w.lms
            .verify_certificate(certificate.code.as_str())
            .await
            .unwrap(),
        certificate
    );
    let typed = certificate.code.as_str().replace('-', " ").to_lowercase();
    assert_eq!(w.lms.verify_certificate(&typed).await.unwrap(), certificate);
    assert_code(
        w.lms
            .verify_certificate(crate::CertificateCode::generate().as_str())
            .await,
        "not_found",
    );
    assert_code(w.lms.verify_certificate("not-a-code").await, "not_found");
    // It is the learner's: others have none here, anonymous callers must sign in.
    assert_code(
        w.lms.certificate(&w.outsider, ORG, "c").await,
        "not_enrolled",
    );
    assert_code(w.lms.certificate(&w.admin, ORG, "c").await, "not_enrolled");
    assert_code(
        w.lms.certificate(&Actor::Anonymous, ORG, "c").await,
        "unauthenticated",
    );
}

pub async fn certificate_snapshot_survives_renames(lms: Lms) {
    let w = World::new(lms).await;
    w.published("c", None).await;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    complete_course(&w, &w.learner, "c").await;
    let issued = w.lms.certificate(&w.learner, ORG, "c").await.unwrap();
    let rename = CoursePatch {
        title: Some("Renamed course".into()),
        ..Default::default()
    };
    w.lms
        .update_course(&w.instructor, ORG, "c", rename)
        .await
        .unwrap();
    let org = OrgPatch {
        name: Some("Renamed org".into()),
        ..Default::default()
    };
    w.lms.update_org(&w.admin, ORG, org).await.unwrap();
    assert_eq!(
        w.lms.certificate(&w.learner, ORG, "c").await.unwrap(),
        issued
    );
    let verified = w
        .lms
        .verify_certificate(issued.code.as_str())
        .await
        .unwrap();
    assert_eq!(
        (verified.course_title.as_str(), verified.org_name.as_str()),
        ("Course c", "Acme")
    );
}

pub async fn concurrent_completion_paths_issue_one_certificate(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let (intro, watch) = (
        outline.modules[0].lessons[0].id,
        outline.modules[0].lessons[1].id,
    );
    let quiz = outline.modules[1].lessons[0].id;
    w.lms
        .record_progress(&w.learner, ORG, "c", intro, completed())
        .await
        .unwrap();
    // Watch and the quiz are missing. Race every path that can complete the course: progress
    // writes on Watch, passing attempts at the quiz, and the owner making Watch optional.
    let mut tasks = tokio::task::JoinSet::new();
    for round in 0..3 {
        let lms = w.lms.clone();
        tasks.spawn(async move {
            lms.record_progress(&w.learner, ORG, "c", watch, completed())
                .await
                .map(drop)
        });
        let lms = w.lms.clone();
        let answers = json!({"q1": "b", "q2": true});
        tasks.spawn(async move {
            lms.submit_attempt(&w.learner, ORG, "c", quiz, answers)
                .await
                .map(drop)
        });
        if round == 1 {
            let lms = w.lms.clone();
            let optional = LessonPatch {
                required: Some(false),
                ..Default::default()
            };
            tasks.spawn(async move {
                lms.update_lesson(&w.instructor, ORG, "c", watch, optional)
                    .await
                    .map(drop)
            });
        }
    }
    for result in tasks.join_all().await {
        result.unwrap();
    }
    let progress = w.lms.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert!(progress.completed);
    let certificate = w.lms.certificate(&w.learner, ORG, "c").await.unwrap();
    assert_eq!(
        Some(certificate.issued_at),
        progress.completed_at,
        "issued with the one recorded completion"
    );
    assert_eq!(
        w.lms
            .verify_certificate(certificate.code.as_str())
            .await
            .unwrap(),
        certificate
    );
}

pub async fn revoking_the_enrollment_invalidates_the_certificate(lms: Lms) {
    let w = World::new(lms).await;
    w.published("c", None).await;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    complete_course(&w, &w.learner, "c").await;
    let issued = w.lms.certificate(&w.learner, ORG, "c").await.unwrap();
    let learner = w.learner.user_id().unwrap();
    w.lms
        .revoke_enrollment(&w.admin, ORG, "c", learner)
        .await
        .unwrap();
    let revoked = w
        .lms
        .verify_certificate(issued.code.as_str())
        .await
        .unwrap();
    assert!(!revoked.is_valid());
    assert_eq!(
        revoked.revoked_reason,
        Some(RevocationReason::EnrollmentRevoked)
    );
    assert_eq!(
        (&revoked.code, &revoked.learner_name, revoked.issued_at),
        (&issued.code, &issued.learner_name, issued.issued_at)
    );
    // The learner still sees it (marked invalid); reactivation restores it.
    assert_eq!(
        w.lms.certificate(&w.learner, ORG, "c").await.unwrap(),
        revoked
    );
    w.lms
        .enroll_user(&w.admin, ORG, "c", learner)
        .await
        .unwrap();
    assert_eq!(
        w.lms
            .verify_certificate(issued.code.as_str())
            .await
            .unwrap(),
        issued
    );
}

fn paid_event(
    id: &str,
    w: &World,
    course: crate::CourseId,
    who: &Actor,
    session: &str,
) -> crate::PaymentEvent {
    let org_id = course_org(w);
    crate::PaymentEvent {
        id: id.into(),
        kind: "checkout.session.completed".into(),
        created: Utc::now(),
        effect: crate::PaymentEffect::CoursePaid {
            org_id,
            user_id: who.user_id().unwrap(),
            course_id: course,
            reference: session.into(),
            amount: 4900,
            currency: "usd".into(),
        },
    }
}

fn course_org(w: &World) -> OrgId {
    w.org_id
}

/// A subscription report `ago_secs` seconds old.
fn subscription_event(
    id: &str,
    w: &World,
    who: &Actor,
    status: crate::SubscriptionStatus,
    ago_secs: i64,
) -> crate::PaymentEvent {
    let created = Utc::now().timestamp() - ago_secs;
    crate::PaymentEvent {
        id: id.into(),
        kind: "customer.subscription.updated".into(),
        created: chrono::DateTime::from_timestamp(created, 0).unwrap(),
        effect: crate::PaymentEffect::SubscriptionChanged(crate::SubscriptionUpdate {
            org_id: course_org(w),
            user_id: who.user_id().unwrap(),
            provider_id: "sub_1".into(),
            status,
            current_period_end: chrono::DateTime::from_timestamp(created + 30 * 86_400, 0),
            cancel_at_period_end: false,
            version: crate::SubscriptionVersion {
                event_created: created,
                object_updated: created,
                is_final: status.is_final(),
            },
        }),
    }
}

pub async fn a_paid_event_applies_once_however_often_it_arrives(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("paid", Some(4900)).await;
    let course = outline.course.id;
    let intro = outline.modules[0].lessons[1].id; // not a free preview
    assert_code(
        w.lms.lesson(&w.learner, ORG, "paid", intro).await,
        "payment_required",
    );
    for delivery in 0..10 {
        let applied = w
            .lms
            .apply_payment_event(paid_event("evt_1", &w, course, &w.learner, "cs_1"))
            .await
            .unwrap();
        assert_eq!(
            applied,
            if delivery == 0 {
                crate::Applied::Applied
            } else {
                crate::Applied::Duplicate
            }
        );
    }
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let lms = w.lms.clone();
        let event = paid_event("evt_2", &w, course, &w.learner, "cs_1"); // the same session, reported again
        tasks.spawn(async move { lms.apply_payment_event(event).await });
    }
    let outcomes: Vec<_> = tasks
        .join_all()
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        outcomes
            .iter()
            .filter(|a| **a == crate::Applied::Applied)
            .count(),
        1,
        "{outcomes:?}"
    );
    let enrollments = w
        .lms
        .enrollments(&w.admin, ORG, "paid", page(10))
        .await
        .unwrap()
        .items;
    assert_eq!(enrollments.len(), 1);
    assert_eq!(
        (enrollments[0].source, enrollments[0].status),
        (EnrollmentSource::Purchase, EnrollmentStatus::Active)
    );
    let payments = w.lms.payments(&w.admin, ORG, page(10)).await.unwrap().items;
    assert_eq!(
        payments.len(),
        1,
        "one payment record for one checkout session"
    );
    assert_eq!(
        (
            payments[0].kind,
            payments[0].amount,
            payments[0].reference.as_str()
        ),
        (crate::PaymentKind::Purchase, 4900, "cs_1")
    );
    assert!(w.lms.lesson(&w.learner, ORG, "paid", intro).await.is_ok());
    assert_code(w.lms.payments(&w.learner, ORG, page(10)).await, "forbidden");
}

pub async fn a_refund_revokes_access_and_keeps_progress(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("paid", Some(4900)).await;
    w.lms
        .apply_payment_event(paid_event(
            "evt_paid",
            &w,
            outline.course.id,
            &w.learner,
            "cs_1",
        ))
        .await
        .unwrap();
    complete_course(&w, &w.learner, "paid").await;
    let refund = |id: &str, full: bool| crate::PaymentEvent {
        id: id.into(),
        kind: "charge.refunded".into(),
        created: Utc::now(),
        effect: crate::PaymentEffect::CourseRefunded {
            org_id: course_org(&w),
            user_id: w.learner.user_id().unwrap(),
            course_id: outline.course.id,
            reference: format!("ch_{id}"),
            amount: if full { 4900 } else { 1000 },
            currency: "usd".into(),
            full,
        },
    };
    w.lms
        .apply_payment_event(refund("partial", false))
        .await
        .unwrap();
    let lesson = outline.modules[0].lessons[1].id;
    assert!(
        w.lms.lesson(&w.learner, ORG, "paid", lesson).await.is_ok(),
        "a partial refund keeps access"
    );
    assert_eq!(
        w.lms
            .apply_payment_event(refund("full", true))
            .await
            .unwrap(),
        crate::Applied::Applied
    );
    assert_code(
        w.lms.lesson(&w.learner, ORG, "paid", lesson).await,
        "enrollment_revoked",
    );
    let kept = w
        .lms
        .course_progress(&w.learner, ORG, "paid")
        .await
        .unwrap();
    assert!(
        kept.completed && kept.completed_lessons == 3,
        "progress is kept: {kept:?}"
    );
    let certificate = w.lms.certificate(&w.learner, ORG, "paid").await.unwrap();
    assert_eq!(certificate.revoked_reason, Some(RevocationReason::Refunded));
    let kinds: Vec<_> = w
        .lms
        .payments(&w.admin, ORG, page(10))
        .await
        .unwrap()
        .items
        .iter()
        .map(|p| p.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            crate::PaymentKind::Purchase,
            crate::PaymentKind::Refund,
            crate::PaymentKind::Refund
        ]
    );
    assert_code(
        w.lms.enroll(&w.learner, ORG, "paid").await,
        "payment_required",
    );
}

pub async fn subscription_reports_never_move_backwards(lms: Lms) {
    use crate::SubscriptionStatus::{Active, Canceled, PastDue};
    let w = World::new(lms).await;
    let outline = w.published("paid", Some(4900)).await;
    let lesson = outline.modules[0].lessons[1].id;
    // Delivered newest first: only the first one applies.
    let events = [
        ("evt_a", Active, 300),
        ("evt_b", PastDue, 200),
        ("evt_c", Canceled, 100),
    ];
    let mut outcomes = Vec::new();
    for (id, status, ago_secs) in events.iter().rev() {
        outcomes.push(
            w.lms
                .apply_payment_event(subscription_event(id, &w, &w.learner, *status, *ago_secs))
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        outcomes,
        [
            crate::Applied::Applied,
            crate::Applied::Stale,
            crate::Applied::Stale
        ]
    );
    let state = w
        .lms
        .membership(&w.learner, ORG)
        .await
        .unwrap()
        .expect("a subscription");
    assert_eq!(state.status, Canceled);
    assert_code(
        w.lms.enroll(&w.learner, ORG, "paid").await,
        "payment_required",
    );
    // Another member, in order: active opens every paid course; canceled closes them again.
    let other = w.new_user("member@acme.test").await;
    w.lms
        .set_member_role(&w.admin, ORG, other.user_id().unwrap(), Role::Learner)
        .await
        .unwrap();
    w.lms
        .apply_payment_event(subscription_event("evt_d", &w, &other, Active, 300))
        .await
        .unwrap();
    let enrolled = w.lms.enroll(&other, ORG, "paid").await.unwrap();
    assert_eq!(enrolled.source, EnrollmentSource::Subscription);
    assert!(w.lms.lesson(&other, ORG, "paid", lesson).await.is_ok());
    // past_due keeps access for the grace period, and not past it.
    w.lms
        .apply_payment_event(subscription_event("evt_e", &w, &other, PastDue, 200))
        .await
        .unwrap();
    assert!(
        w.lms.lesson(&other, ORG, "paid", lesson).await.is_ok(),
        "within the grace period"
    );
    let strict = w
        .lms
        .clone()
        .with_membership_grace(chrono::Duration::zero());
    assert_code(
        strict.lesson(&other, ORG, "paid", lesson).await,
        "enrollment_revoked",
    );
    w.lms
        .apply_payment_event(subscription_event("evt_f", &w, &other, Canceled, 100))
        .await
        .unwrap();
    assert_code(
        w.lms.lesson(&other, ORG, "paid", lesson).await,
        "enrollment_revoked",
    );
    let listed = w
        .lms
        .enrollments(&w.admin, ORG, "paid", page(10))
        .await
        .unwrap()
        .items;
    assert_eq!(
        listed[0].status,
        EnrollmentStatus::Revoked,
        "the ended membership's enrollments are revoked"
    );
}

pub async fn a_failed_effect_leaves_nothing_behind(lms: Lms) {
    let w = World::new(lms).await;
    w.published("paid", Some(4900)).await;
    let ghost = crate::CourseId::new();
    let event = paid_event("evt_ghost", &w, ghost, &w.learner, "cs_ghost");
    assert!(w.lms.apply_payment_event(event.clone()).await.is_err());
    // Not recorded as applied: a redelivery runs the effect again (and fails again).
    assert!(w.lms.apply_payment_event(event).await.is_err());
    assert_eq!(
        w.lms.payments(&w.admin, ORG, page(10)).await.unwrap().items,
        vec![]
    );
}

pub async fn admins_offer_a_membership_plan(lms: Lms) {
    let w = World::new(lms).await;
    let offer = |membership: serde_json::Value| -> OrgPatch {
        serde_json::from_value(json!({"membership": membership})).unwrap()
    };
    let plan = json!({"amount": 1500, "currency": "EUR", "interval": "month"});
    assert_code(
        w.lms.update_org(&w.learner, ORG, offer(plan.clone())).await,
        "forbidden",
    );
    assert_code(
        w.lms
            .membership_checkout(
                &w.learner,
                ORG,
                crate::CheckoutUrls::new("https://x.test/ok", "https://x.test/no"),
            )
            .await,
        "not_found",
    );
    let org = w.lms.update_org(&w.admin, ORG, offer(plan)).await.unwrap();
    let expected = crate::MembershipPlan {
        amount: 1500,
        currency: "eur".into(),
        interval: crate::BillingInterval::Month,
    };
    assert_eq!(org.membership_plan, Some(expected.clone()));
    assert_eq!(
        w.lms.org(ORG).await.unwrap().membership_plan,
        Some(expected)
    );
    assert_invalid(
        w.lms
            .update_org(
                &w.admin,
                ORG,
                offer(json!({"amount": 0, "currency": "eur", "interval": "month"})),
            )
            .await,
        &["membership.amount"],
    );
    let renamed = w
        .lms
        .update_org(
            &w.admin,
            ORG,
            OrgPatch {
                name: Some("Acme 2".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        renamed.membership_plan.is_some(),
        "an absent membership leaves the plan"
    );
    assert_code(
        w.lms
            .membership_checkout(
                &w.learner,
                ORG,
                crate::CheckoutUrls::new("https://x.test/ok", "https://x.test/no"),
            )
            .await,
        "payments_not_configured",
    );
    assert_eq!(w.lms.membership(&w.learner, ORG).await.unwrap(), None);
    assert_code(w.lms.cancel_membership(&w.learner, ORG).await, "not_found");
    let withdrawn = w
        .lms
        .update_org(&w.admin, ORG, offer(serde_json::Value::Null))
        .await
        .unwrap();
    assert_eq!(withdrawn.membership_plan, None);
}

pub async fn bulk_import_fills_rollups_like_live_writes(lms: Lms) {
    use crate::{ImportedEnrollment, ImportedProgress};
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let other = w.published("other", None).await;
    let lessons: Vec<_> = outline
        .modules
        .iter()
        .flat_map(|m| &m.lessons)
        .map(|l| l.id)
        .collect();
    let users = w
        .lms
        .import_users(
            (0..3)
                .map(|i| NewUser {
                    email: format!("imported{i}@acme.test"),
                    name: format!("Imported {i}"),
                })
                .collect(),
        )
        .await
        .unwrap();
    let at = Utc::now().trunc_subsecs(6);
    let progress = |ids: &[crate::LessonId], percent: u8| -> Vec<ImportedProgress> {
        ids.iter()
            .map(|id| ImportedProgress {
                lesson_id: *id,
                percent,
                at,
            })
            .collect()
    };
    let enrollment = |user: &crate::User, progress: Vec<ImportedProgress>| ImportedEnrollment {
        user_id: user.id,
        course_id: outline.course.id,
        source: EnrollmentSource::Admin,
        enrolled_at: at,
        progress,
    };
    let mut partial = progress(&lessons[..1], 100);
    partial.extend(progress(&lessons[1..2], 40));
    let batch = vec![
        enrollment(&users[0], vec![]),
        enrollment(&users[1], partial),
        enrollment(&users[2], progress(&lessons, 100)), // quizzes too: they were passed elsewhere
    ];
    assert_code(
        w.lms
            .import_enrollments(&w.learner, ORG, batch.clone())
            .await,
        "forbidden",
    );
    let mut foreign = batch.clone();
    foreign[1].progress.push(ImportedProgress {
        lesson_id: other.modules[0].lessons[0].id,
        percent: 100,
        at,
    });
    assert_invalid(
        w.lms.import_enrollments(&w.admin, ORG, foreign).await,
        &["[1].progress"],
    );
    assert_eq!(
        w.lms
            .enrollments(&w.admin, ORG, "c", page(10))
            .await
            .unwrap()
            .items,
        vec![],
        "nothing written"
    );

    let report = w
        .lms
        .import_enrollments(&w.admin, ORG, batch.clone())
        .await
        .unwrap();
    assert_eq!(
        (report.enrollments, report.progress_rows, report.completed),
        (3, 5, 1)
    );
    let course_report = w
        .lms
        .course_report(&w.instructor, ORG, "c", page(10))
        .await
        .unwrap();
    let percents: Vec<u8> = course_report.items.iter().map(|i| i.percent).collect();
    assert_eq!(percents, [0, 33, 100]);
    assert_eq!(
        (
            course_report.summary.enrolled,
            course_report.summary.completed
        ),
        (3, 1)
    );
    assert!(w.lms.check_rollups(ORG, "c").await.unwrap().is_exact());
    let done = Actor::User(users[2].id);
    let progress = w.lms.course_progress(&done, ORG, "c").await.unwrap();
    assert_eq!(
        (progress.completed, progress.completed_at),
        (true, Some(at))
    );
    assert_eq!(
        w.lms.certificate(&done, ORG, "c").await.unwrap().issued_at,
        at
    );
    let halfway = w
        .lms
        .course_progress(&Actor::User(users[1].id), ORG, "c")
        .await
        .unwrap();
    assert_eq!(
        halfway.next_lesson_id,
        Some(lessons[1]),
        "the in-progress lesson is next"
    );
    // Importing again clashes with what is there, and still writes nothing.
    assert_code(
        w.lms.import_enrollments(&w.admin, ORG, batch).await,
        "already_enrolled",
    );
    assert_eq!(
        w.lms
            .enrollments(&w.admin, ORG, "c", page(10))
            .await
            .unwrap()
            .items
            .len(),
        3
    );
}

pub async fn outline_caches_follow_changes_made_elsewhere(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    // A second app instance on the same database, with its own caches.
    let other = Lms::from_arc(w.lms.store().clone());
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let intro = outline.modules[0].lessons[0].id;
    w.lms
        .record_progress(&w.learner, ORG, "c", intro, completed())
        .await
        .unwrap();
    assert_eq!(
        other
            .course_progress(&w.learner, ORG, "c")
            .await
            .unwrap()
            .total_lessons,
        3
    );
    // Every kind of curriculum change made through this instance shows on the other one.
    let module = outline.modules[0].module.id;
    let added = w
        .lesson(
            "c",
            module,
            "Added",
            LessonKind::Text,
            json!({"markdown": "x"}),
        )
        .await
        .summary
        .id;
    assert_eq!(
        other
            .course_progress(&w.learner, ORG, "c")
            .await
            .unwrap()
            .total_lessons,
        4
    );
    let optional = LessonPatch {
        required: Some(false),
        ..Default::default()
    };
    w.lms
        .update_lesson(&w.instructor, ORG, "c", added, optional)
        .await
        .unwrap();
    assert_eq!(
        other
            .course_progress(&w.learner, ORG, "c")
            .await
            .unwrap()
            .total_lessons,
        3
    );
    let rename = ModuleInput {
        title: "Renamed".into(),
    };
    w.lms
        .update_module(&w.instructor, ORG, "c", module, rename)
        .await
        .unwrap();
    assert_eq!(
        other.course(&w.learner, ORG, "c").await.unwrap().modules[0]
            .module
            .title,
        "Renamed"
    );
    w.lms
        .delete_lesson(&w.instructor, ORG, "c", added)
        .await
        .unwrap();
    let seen = other.course(&w.learner, ORG, "c").await.unwrap();
    assert!(seen.modules[0].lessons.iter().all(|l| l.id != added));
    w.lms
        .delete_module(&w.instructor, ORG, "c", outline.modules[1].module.id)
        .await
        .unwrap();
    let progress = other.course_progress(&w.learner, ORG, "c").await.unwrap();
    assert_eq!((progress.total_lessons, progress.completed_lessons), (2, 1));
}

pub async fn discussions_follow_the_course_rules(lms: Lms) {
    use crate::{NewPost, PostPatch};
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let other = w.published("other", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    let post = |who: Actor, body: &str, parent: Option<crate::PostId>| {
        let lms = w.lms.clone();
        let new = NewPost {
            body: body.into(),
            parent_id: parent,
        };
        async move { lms.create_post(&who, ORG, "c", lesson, new).await }
    };
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let classmate = w.new_user("classmate@acme.test").await;
    w.lms.enroll(&classmate, ORG, "c").await.unwrap();

    assert_code(post(Actor::Anonymous, "hi", None).await, "unauthenticated");
    assert_code(post(w.outsider, "hi", None).await, "not_enrolled");
    assert_invalid(post(w.learner, "   ", None).await, &["body"]);
    assert_invalid(post(w.learner, &"x".repeat(10_001), None).await, &["body"]);
    let other_lesson = other.modules[0].lessons[0].id;
    let stray = NewPost {
        body: "hi".into(),
        parent_id: None,
    };
    assert_code(
        w.lms
            .create_post(&w.learner, ORG, "c", other_lesson, stray)
            .await,
        "not_found",
    );

    let question = post(w.learner, "  How do lifetimes work?  ", None)
        .await
        .unwrap();
    assert_eq!(
        (question.body.as_str(), question.author.name.as_str()),
        ("How do lifetimes work?", "Lea Learner")
    );
    let answer = post(w.instructor, "Read chapter 10.", Some(question.id))
        .await
        .unwrap();
    assert_invalid(
        post(w.learner, "thanks", Some(answer.id)).await,
        &["parent_id"],
    );
    let aside = post(classmate, "Me too", None).await.unwrap();

    let all = w
        .lms
        .posts(&w.learner, ORG, "c", lesson, page(10))
        .await
        .unwrap()
        .items;
    assert_eq!(
        all.iter().map(|p| p.id).collect::<Vec<_>>(),
        [question.id, answer.id, aside.id],
        "oldest first"
    );
    let first = w
        .lms
        .posts(&w.learner, ORG, "c", lesson, page(2))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    assert_code(
        w.lms.posts(&w.outsider, ORG, "c", lesson, page(10)).await,
        "not_enrolled",
    );

    // Authors edit their own; only managers hide; a hidden body is for its author and managers.
    let edit = |body: &str| PostPatch {
        body: Some(body.into()),
        hidden: None,
    };
    let edited = w
        .lms
        .update_post(
            &w.learner,
            ORG,
            "c",
            question.id,
            edit("How do lifetimes work, really?"),
        )
        .await;
    assert!(edited.unwrap().edited_at.is_some());
    assert_code(
        w.lms
            .update_post(&w.learner, ORG, "c", answer.id, edit("mine now"))
            .await,
        "forbidden",
    );
    let hide = PostPatch {
        body: None,
        hidden: Some(true),
    };
    assert_code(
        w.lms
            .update_post(&w.learner, ORG, "c", aside.id, hide.clone())
            .await,
        "forbidden",
    );
    assert!(
        w.lms
            .update_post(&w.instructor, ORG, "c", question.id, hide)
            .await
            .unwrap()
            .hidden
    );
    let body_for = |who: Actor| {
        let lms = w.lms.clone();
        async move {
            let posts = lms
                .posts(&who, ORG, "c", lesson, page(10))
                .await
                .unwrap()
                .items;
            let hidden = posts.into_iter().find(|p| p.id == question.id).unwrap();
            assert!(hidden.hidden);
            hidden.body
        }
    };
    assert_eq!(body_for(classmate).await, "");
    assert_eq!(body_for(w.learner).await, "How do lifetimes work, really?");
    assert_eq!(body_for(w.admin).await, "How do lifetimes work, really?");

    // Deleting: the author or a manager; a post goes with its replies.
    assert_code(
        w.lms.delete_post(&classmate, ORG, "c", question.id).await,
        "forbidden",
    );
    w.lms
        .delete_post(&classmate, ORG, "c", aside.id)
        .await
        .unwrap();
    w.lms
        .delete_post(&w.admin, ORG, "c", question.id)
        .await
        .unwrap();
    assert_eq!(
        w.lms
            .posts(&w.instructor, ORG, "c", lesson, page(10))
            .await
            .unwrap()
            .items,
        vec![]
    );
    assert_code(
        w.lms.delete_post(&w.admin, ORG, "c", answer.id).await,
        "not_found",
    );
}

pub async fn posting_is_rate_limited_per_user(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let new = |i: u32| crate::NewPost {
        body: format!("post {i}"),
        parent_id: None,
    };
    for i in 0..crate::discussion::POSTS_PER_MINUTE {
        w.lms
            .create_post(&w.learner, ORG, "c", lesson, new(i))
            .await
            .unwrap();
    }
    let err = w
        .lms
        .create_post(&w.learner, ORG, "c", lesson, new(99))
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (429, "rate_limited"));
    // Others are not held back by it.
    assert!(
        w.lms
            .create_post(&w.instructor, ORG, "c", lesson, new(100))
            .await
            .is_ok()
    );
}

/// The kinds of a user's notifications, oldest first.
async fn notification_kinds(w: &World, who: &Actor) -> Vec<&'static str> {
    let all = w.lms.notifications_after(who, 0, 100).await.unwrap();
    all.iter().map(|n| n.kind.as_str()).collect()
}

pub async fn changes_write_their_events_and_notifications(lms: Lms) {
    use crate::{EventKind, MarkRead, NewPost, PostPatch};
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    let start = w.lms.latest_event().await.unwrap();
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    let classmate = w.new_user("classmate@acme.test").await;
    w.lms.enroll(&classmate, ORG, "c").await.unwrap();
    let after_enrollments = w.lms.latest_event().await.unwrap();
    assert!(after_enrollments > start, "enrollments are events");

    let new = |body: &str, parent| NewPost {
        body: body.into(),
        parent_id: parent,
    };
    let question = w
        .lms
        .create_post(&w.learner, ORG, "c", lesson, new("Why?", None))
        .await
        .unwrap();
    let answer = w
        .lms
        .create_post(
            &w.instructor,
            ORG,
            "c",
            lesson,
            new("Because.", Some(question.id)),
        )
        .await
        .unwrap();
    let own_reply = w
        .lms
        .create_post(
            &w.learner,
            ORG,
            "c",
            lesson,
            new("Thanks!", Some(question.id)),
        )
        .await
        .unwrap();
    complete_course(&w, &w.learner, "c").await;

    // The owner hears of enrollments, posts (not their own) and completions, oldest first.
    assert_eq!(
        notification_kinds(&w, &w.instructor).await,
        [
            "enrollment.created",
            "enrollment.created",
            "post.created",
            "post.created",
            "course.completed"
        ]
    );
    let inbox = w
        .lms
        .notifications_after(&w.instructor, 0, 100)
        .await
        .unwrap();
    assert_eq!(
        inbox[0].data["user"]["id"],
        json!(w.learner.user_id().unwrap())
    );
    assert_eq!(inbox[0].data["user"]["name"], "Lea Learner");
    assert_eq!(inbox[2].data["id"], json!(question.id));
    assert_eq!(inbox[4].course_id, outline.course.id);
    assert!(inbox.windows(2).all(|p| p[0].seq < p[1].seq));
    // The learner hears of the reply to their post, not of their own reply.
    assert_eq!(notification_kinds(&w, &w.learner).await, ["post.replied"]);
    assert_eq!(
        w.lms.notifications_after(&w.learner, 0, 10).await.unwrap()[0].data["id"],
        json!(answer.id)
    );
    assert_eq!(notification_kinds(&w, &classmate).await, Vec::<&str>::new());
    assert_eq!(
        notification_kinds(&w, &w.outsider).await,
        Vec::<&str>::new(),
        "nothing for another org's user"
    );

    // The course stream carries the posts, replayable from any position.
    let stream = w
        .lms
        .course_events(&classmate, ORG, "c", start, 100)
        .await
        .unwrap();
    let ids: Vec<_> = stream.iter().map(|e| e.data["id"].clone()).collect();
    assert_eq!(
        ids,
        [json!(question.id), json!(answer.id), json!(own_reply.id)]
    );
    assert!(stream.iter().all(|e| e.kind == EventKind::PostCreated));
    assert_eq!(stream[1].data["parent_id"], json!(question.id));
    assert_eq!(stream[1].data["lesson_id"], json!(lesson));
    let rest = w
        .lms
        .course_events(&classmate, ORG, "c", stream[0].seq, 100)
        .await
        .unwrap();
    assert_eq!(
        rest,
        stream[1..].to_vec(),
        "replay from a position returns exactly what followed it"
    );
    assert_eq!(
        w.lms
            .course_events(&classmate, ORG, "c", start, 2)
            .await
            .unwrap(),
        stream[..2].to_vec()
    );

    // Hiding is an update; a hidden body only reaches its author and managers.
    let hide = PostPatch {
        body: None,
        hidden: Some(true),
    };
    w.lms
        .update_post(&w.instructor, ORG, "c", question.id, hide)
        .await
        .unwrap();
    let last = stream[2].seq;
    let seen = |who: Actor| {
        let lms = w.lms.clone();
        async move { lms.course_events(&who, ORG, "c", last, 10).await.unwrap() }
    };
    let by_classmate = seen(classmate).await;
    assert_eq!(
        (by_classmate.len(), by_classmate[0].kind),
        (1, EventKind::PostUpdated)
    );
    assert_eq!(
        (
            by_classmate[0].data["hidden"].clone(),
            by_classmate[0].data["body"].clone()
        ),
        (json!(true), json!(""))
    );
    assert_eq!(seen(w.learner).await[0].data["body"], "Why?");
    assert_eq!(seen(w.admin).await[0].data["body"], "Why?");
    w.lms
        .delete_post(&w.admin, ORG, "c", answer.id)
        .await
        .unwrap();
    let deleted = seen(classmate).await;
    assert_eq!(
        (deleted[1].kind, deleted[1].data["id"].clone()),
        (EventKind::PostDeleted, json!(answer.id))
    );

    // Who may follow: whoever may read the discussion.
    assert_code(
        w.lms.course_events(&w.outsider, ORG, "c", 0, 10).await,
        "not_enrolled",
    );
    assert_code(
        w.lms.watch_course(&w.outsider, ORG, "c").await,
        "not_enrolled",
    );
    assert_code(
        w.lms
            .course_events(&Actor::Anonymous, ORG, "c", 0, 10)
            .await,
        "unauthenticated",
    );
    assert_eq!(
        w.lms.watch_course(&w.instructor, ORG, "c").await.unwrap(),
        (w.org_id, outline.course.id)
    );
    w.lms
        .revoke_enrollment(&w.admin, ORG, "c", classmate.user_id().unwrap())
        .await
        .unwrap();
    assert_code(
        w.lms.course_events(&classmate, ORG, "c", 0, 10).await,
        "enrollment_revoked",
    );

    // The inbox: newest first, paginated; marking read by id (others' ids ignored) or all.
    let listed = all_pages(2, |p| w.lms.notifications(&w.instructor, p)).await;
    let mut oldest_first = listed.clone();
    oldest_first.reverse();
    assert_eq!(
        oldest_first,
        w.lms
            .notifications_after(&w.instructor, 0, 100)
            .await
            .unwrap()
    );
    let learners = w
        .lms
        .notifications(&w.learner, page(10))
        .await
        .unwrap()
        .items;
    let mark = MarkRead {
        ids: Some(vec![listed[0].id, learners[0].id]),
        all: None,
    };
    w.lms
        .mark_notifications_read(&w.instructor, mark)
        .await
        .unwrap();
    let after_mark = w
        .lms
        .notifications(&w.instructor, page(10))
        .await
        .unwrap()
        .items;
    assert!(after_mark[0].read_at.is_some() && after_mark[1..].iter().all(|n| n.read_at.is_none()));
    assert!(
        w.lms
            .notifications(&w.learner, page(10))
            .await
            .unwrap()
            .items[0]
            .read_at
            .is_none(),
        "not yours"
    );
    let first_read = after_mark[0].read_at;
    w.lms
        .mark_notifications_read(
            &w.instructor,
            MarkRead {
                ids: None,
                all: Some(true),
            },
        )
        .await
        .unwrap();
    let all_read = w
        .lms
        .notifications(&w.instructor, page(10))
        .await
        .unwrap()
        .items;
    assert!(all_read.iter().all(|n| n.read_at.is_some()));
    assert_eq!(
        all_read[0].read_at, first_read,
        "read once, read at the first time"
    );
    for bad in [
        MarkRead::default(),
        MarkRead {
            ids: Some(vec![]),
            all: Some(true),
        },
        MarkRead {
            ids: None,
            all: Some(false),
        },
    ] {
        assert_code(
            w.lms.mark_notifications_read(&w.instructor, bad).await,
            "validation_failed",
        );
    }
    assert_code(
        w.lms.notifications(&Actor::Anonymous, page(10)).await,
        "unauthenticated",
    );
}

pub async fn rolled_back_changes_leave_no_events(lms: Lms) {
    use crate::{EventKind, NewEvent, NewPost};
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    w.published("paid", Some(900)).await;
    let before = w.lms.latest_event().await.unwrap();
    {
        let mut tx = w.lms.store().begin(Access::Write).await.unwrap();
        let event = NewEvent {
            org_id: w.org_id,
            course_id: outline.course.id,
            kind: EventKind::PostCreated,
            data: json!({"id": "ghost"}),
            created_at: Utc::now(),
            recipients: vec![],
        };
        tx.append_event(event).await.unwrap();
        // Dropped without commit.
    }
    assert_eq!(
        w.lms.latest_event().await.unwrap(),
        before,
        "a dropped transaction leaves no event"
    );
    assert_eq!(w.lms.store().event_heads(before, 10).await.unwrap(), vec![]);
    // Refused calls change nothing and say nothing.
    assert_code(
        w.lms.enroll(&w.learner, ORG, "paid").await,
        "payment_required",
    );
    w.lms.enroll(&w.learner, ORG, "c").await.unwrap();
    assert_code(w.lms.enroll(&w.learner, ORG, "c").await, "already_enrolled");
    let lesson = outline.modules[0].lessons[0].id;
    for n in 0..crate::discussion::POSTS_PER_MINUTE {
        let post = NewPost {
            body: format!("post {n}"),
            parent_id: None,
        };
        w.lms
            .create_post(&w.learner, ORG, "c", lesson, post)
            .await
            .unwrap();
    }
    let over = NewPost {
        body: "one too many".into(),
        parent_id: None,
    };
    assert_code(
        w.lms.create_post(&w.learner, ORG, "c", lesson, over).await,
        "rate_limited",
    );
    // No change without its event: one enrollment event, one event per stored post.
    let heads = w.lms.store().event_heads(before, 100).await.unwrap();
    let kinds: Vec<_> = heads.iter().map(|h| h.kind).collect();
    let posts = crate::discussion::POSTS_PER_MINUTE as usize;
    assert_eq!(kinds.len(), 1 + posts);
    assert_eq!(kinds[0], EventKind::EnrollmentCreated);
    assert!(kinds[1..].iter().all(|k| *k == EventKind::PostCreated));
    assert_eq!(
        w.lms
            .posts(&w.learner, ORG, "c", lesson, page(50))
            .await
            .unwrap()
            .items
            .len(),
        posts
    );
    assert!(
        heads
            .iter()
            .all(|h| h.org_id == w.org_id && h.course_id == outline.course.id)
    );
    assert_eq!(
        heads[0].audience,
        vec![w.instructor.user_id().unwrap()],
        "the owner is notified"
    );
}

pub async fn concurrent_events_are_dispatched_in_commit_order(lms: Lms) {
    use crate::NewPost;
    use std::time::Duration;
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let lesson = outline.modules[0].lessons[0].id;
    let mut learners = Vec::new();
    for n in 0..8 {
        let learner = w.new_user(&format!("learner{n}@acme.test")).await;
        w.lms.enroll(&learner, ORG, "c").await.unwrap();
        learners.push(learner);
    }
    // Another instance in this process (its own dispatcher) on the same store.
    let elsewhere =
        Lms::from_arc(w.lms.store().clone()).with_event_poll_interval(Duration::from_secs(60));
    let mut heads = elsewhere.subscribe().await.unwrap();
    let from = w.lms.latest_event().await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for learner in &learners {
        for n in 0..3 {
            let (lms, learner) = (w.lms.clone(), *learner);
            let post = NewPost {
                body: format!("post {n}"),
                parent_id: None,
            };
            tasks.spawn(async move {
                lms.create_post(&learner, ORG, "c", lesson, post)
                    .await
                    .unwrap()
            });
        }
    }
    let written = tasks.join_all().await;
    let mut seen = Vec::new();
    while seen.len() < written.len() {
        let head = tokio::time::timeout(Duration::from_secs(5), heads.recv())
            .await
            .expect("every head within 5 s (store signals, not the 60 s timer)")
            .expect("no lag at this volume");
        assert_eq!(head.course_id, outline.course.id);
        seen.push(head.seq);
    }
    assert!(
        seen.windows(2).all(|p| p[0] < p[1]),
        "heads arrive in position order: {seen:?}"
    );
    assert!(seen[0] > from);
    let replay = w
        .lms
        .course_events(&w.instructor, ORG, "c", from, 100)
        .await
        .unwrap();
    assert_eq!(
        replay.iter().map(|e| e.seq).collect::<Vec<_>>(),
        seen,
        "every post once, at its position"
    );
}
