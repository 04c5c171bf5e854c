//! Reports: the course report, the org report, and the learner's dashboard.

use super::helpers::{all_pages, completed, page};
use crate::CourseRef;
use crate::testing::fixtures::{ORG, World, acme, assert_code};
use crate::{
    Actor, CoursePatch, CourseStatus, LessonKind, Lms, NewCourse, NewLesson, NewOrg, PageRequest,
};
use serde_json::json;

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
        w.lms.enroll(&who, acme("c")).await.unwrap();
        for lesson in ids.iter().take(done) {
            w.lms
                .record_progress(&who, acme("c"), *lesson, completed())
                .await
                .unwrap();
        }
        if done == 2 {
            w.lms
                .submit_attempt(&who, acme("c"), ids[2], json!({"q1": "b", "q2": true}))
                .await
                .unwrap();
        }
    }
    let revoked = w.new_user("gone@x.test").await;
    w.lms.enroll(&revoked, acme("c")).await.unwrap();
    w.lms
        .revoke_enrollment(&w.admin, acme("c"), revoked.user_id().unwrap())
        .await
        .unwrap();
    let report = w
        .lms
        .course_report(&w.instructor, acme("c"), page(2))
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
        .course_report(&w.admin, acme("c"), second)
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].percent, 100);
    assert!(rest.items[0].completed_at.is_some() && rest.next_cursor.is_none());
    assert_code(
        w.lms.course_report(&w.learner, acme("c"), page(2)).await,
        "forbidden",
    );
}

pub async fn org_report_summarizes_every_course(lms: Lms) {
    let w = World::new(lms).await;
    let a = w.published("a", None).await;
    w.published("b", None).await;
    w.draft("d", None).await;
    w.lms.enroll(&w.learner, acme("a")).await.unwrap();
    w.lms.enroll(&w.outsider, acme("a")).await.unwrap();
    w.lms
        .record_progress(
            &w.learner,
            acme("a"),
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
            CourseRef {
                org: "other",
                course: "z",
            },
            crate::ModuleInput {
                title: "M".into(),
                release: None,
            },
        )
        .await
        .unwrap();
    let new = NewLesson {
        release: None,
        title: "L".into(),
        kind: LessonKind::Text,
        content: json!({"markdown": "m"}),
        free_preview: None,
        duration_minutes: None,
        required: None,
    };
    w.lms
        .create_lesson(
            &w.outsider,
            CourseRef {
                org: "other",
                course: "z",
            },
            module.id,
            new,
        )
        .await
        .unwrap();
    let publish = CoursePatch {
        status: Some(CourseStatus::Published),
        ..Default::default()
    };
    w.lms
        .update_course(
            &w.outsider,
            CourseRef {
                org: "other",
                course: "z",
            },
            publish,
        )
        .await
        .unwrap();
    for course in [
        acme("a"),
        acme("b"),
        CourseRef {
            org: "other",
            course: "z",
        },
    ] {
        w.lms.enroll(&w.learner, course).await.unwrap();
    }
    w.lms
        .record_progress(
            &w.learner,
            acme("a"),
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
