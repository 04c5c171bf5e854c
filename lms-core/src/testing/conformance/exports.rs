//! Streamed report exports, and the course report's charts (where learners stand, weekly
//! completions).

use super::helpers::{complete_course, completed, page};
use crate::testing::ManualClock;
use crate::testing::fixtures::{ORG, World, acme, assert_code};
use crate::{Actor, CourseExportRow, CourseStatus, EnrollmentStatus, LmsError, OrgReportRow, Role};
use crate::{Lms, NewCourse};
use chrono::{DateTime, Datelike, Duration, Utc};
use futures_util::TryStreamExt;

/// Every row of a course report export.
async fn exported(w: &World, who: &Actor, slug: &str) -> Result<Vec<CourseExportRow>, LmsError> {
    let export = w.lms.export_course_report(who, acme(slug)).await?;
    assert_eq!(export.course().slug, slug);
    export.into_rows().try_collect().await
}

/// Every row of the org report export.
async fn exported_org(w: &World, who: &Actor) -> Result<Vec<OrgReportRow>, LmsError> {
    let export = w.lms.export_org_report(who, ORG).await?;
    export.into_rows().try_collect().await
}

pub async fn course_report_summary_charts_where_learners_stand(lms: Lms) {
    // A Wednesday noon: the current ISO week began two days ago.
    let start: DateTime<Utc> = "2026-12-02T12:00:00Z".parse().unwrap();
    let clock = ManualClock::at(start);
    let w = World::new(lms.with_clock(clock.clone())).await;
    let outline = w.published("c", None).await;
    let first = outline.modules[0].lessons[0].id;
    let early = w.enrolled_learner("early@x.test", "c").await;
    complete_course(&w, &early, "c").await; // this week, 3 weeks before the report
    clock.advance(Duration::days(21));
    let late = w.enrolled_learner("late@x.test", "c").await;
    complete_course(&w, &late, "c").await; // the report's week
    let gone = w.enrolled_learner("gone@x.test", "c").await;
    complete_course(&w, &gone, "c").await; // revoked below: not counted
    w.lms
        .revoke_enrollment(&w.admin, acme("c"), gone.user_id().unwrap())
        .await
        .unwrap();
    let third = w.enrolled_learner("third@x.test", "c").await; // 1 of 3 required: 33 %
    w.lms
        .record_progress(&third, acme("c"), first, completed())
        .await
        .unwrap();
    w.enrolled_learner("idle@x.test", "c").await; // 0 %

    let report = w
        .lms
        .course_report(&w.instructor, acme("c"), page(10))
        .await
        .unwrap();
    let s = &report.summary;
    assert_eq!((s.enrolled, s.completed), (4, 2));
    assert_eq!(s.distribution, [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2]);
    assert_eq!(s.distribution.iter().sum::<u64>(), s.enrolled);
    let weeks = &s.completions_by_week;
    assert_eq!(weeks.len(), 26);
    assert!(
        weeks
            .iter()
            .all(|w| w.week_start.weekday() == chrono::Weekday::Mon)
    );
    assert_eq!(weeks[25].week_start, "2026-12-21".parse().unwrap());
    let counts: Vec<u64> = weeks.iter().map(|w| w.completed).collect();
    let mut expected = vec![0; 26];
    expected[22] = 1; // 2026-11-30, three weeks back
    expected[25] = 1; // the revoked learner's completion is not counted
    assert_eq!(counts, expected);

    // 26 weeks on, the early completion has left the window; the late one is the oldest.
    clock.advance(Duration::weeks(25));
    let later = w
        .lms
        .course_report(&w.admin, acme("c"), page(1))
        .await
        .unwrap();
    let counts: Vec<u64> = later
        .summary
        .completions_by_week
        .iter()
        .map(|w| w.completed)
        .collect();
    assert_eq!((counts[0], counts.iter().sum::<u64>()), (1, 1));
}

pub async fn course_report_export_streams_every_enrollment(lms: Lms) {
    let w = World::new(lms).await;
    let outline = w.published("c", None).await;
    let first = outline.modules[0].lessons[0].id;
    let done = w.enrolled_learner("done@x.test", "c").await;
    complete_course(&w, &done, "c").await;
    let part = w.enrolled_learner("=cmd@x.test", "c").await;
    w.lms
        .record_progress(&part, acme("c"), first, completed())
        .await
        .unwrap();
    let gone = w.enrolled_learner("gone@x.test", "c").await;
    w.lms
        .revoke_enrollment(&w.admin, acme("c"), gone.user_id().unwrap())
        .await
        .unwrap();
    w.published("other", None).await;
    w.lms.enroll(&w.learner, acme("other")).await.unwrap();

    // In no particular order (an order would cost the database a sort of the whole course).
    let mut rows = exported(&w, &w.instructor, "c").await.unwrap();
    rows.sort_by(|a, b| a.email.cmp(&b.email));
    let lines: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.email.as_str(),
                r.status,
                r.percent,
                r.completed_lessons,
                r.total_lessons,
                r.completed_at.is_some(),
                r.last_activity_at.is_some(),
            )
        })
        .collect();
    use EnrollmentStatus::{Active, Revoked};
    assert_eq!(
        lines,
        [
            ("=cmd@x.test", Active, 33, 1, 3, false, true),
            ("done@x.test", Active, 100, 3, 3, true, true),
            ("gone@x.test", Revoked, 0, 0, 3, false, false),
        ],
        "every enrollment of the course, revoked included"
    );
    assert_eq!(
        rows[0].name, "=cmd",
        "values as they are: escaping is the encoder's"
    );
    assert_eq!(rows[1].user_id, done.user_id().unwrap());
    let mut again = exported(&w, &w.admin, "c").await.unwrap();
    again.sort_by(|a, b| a.email.cmp(&b.email));
    assert_eq!(again, rows);

    for (who, code) in [
        (&w.learner, "forbidden"),
        (&done, "forbidden"),
        (&w.outsider, "forbidden"),
        (&Actor::Anonymous, "unauthenticated"),
    ] {
        assert_code(exported(&w, who, "c").await, code);
    }
    assert_code(exported(&w, &w.admin, "nope").await, "not_found");
    w.draft("hidden", None).await;
    assert_code(exported(&w, &w.learner, "hidden").await, "not_found");
}

pub async fn org_report_export_streams_every_course(lms: Lms) {
    let w = World::new(lms).await;
    let a = w.published("a", None).await;
    w.lms.enroll(&w.learner, acme("a")).await.unwrap();
    w.lms
        .record_progress(
            &w.learner,
            acme("a"),
            a.modules[0].lessons[0].id,
            completed(),
        )
        .await
        .unwrap();
    // More courses than one page of the org report holds (200).
    for i in 0..201 {
        let new = NewCourse {
            slug: format!("d{i:03}"),
            title: format!("Draft {i}"),
            ..Default::default()
        };
        w.lms.create_course(&w.instructor, ORG, new).await.unwrap();
    }
    let rows = exported_org(&w, &w.admin).await.unwrap();
    assert_eq!(rows.len(), 202);
    assert_eq!(
        (rows[0].slug.as_str(), rows[0].status, rows[0].enrolled),
        ("a", CourseStatus::Published, 1)
    );
    assert!((rows[0].average_percent - 33.0).abs() < 1e-9);
    assert_eq!(rows[201].slug, "d200");
    let mut ids: Vec<_> = rows.iter().map(|r| r.course_id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 202, "each course once");
    // Its rows are the paged org report's.
    let paged = w.lms.org_report(&w.admin, ORG, page(200)).await.unwrap();
    assert_eq!(paged.items[..], rows[..200]);

    let owner = w.enrolled_learner("owner@x.test", "a").await;
    w.lms
        .set_member_role(&w.admin, ORG, owner.user_id().unwrap(), Role::Instructor)
        .await
        .unwrap();
    for (who, code) in [
        (&w.instructor, "forbidden"),
        (&owner, "forbidden"),
        (&w.outsider, "forbidden"),
        (&Actor::Anonymous, "unauthenticated"),
    ] {
        assert_code(exported_org(&w, who).await, code);
    }
}
