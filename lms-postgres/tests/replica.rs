//! Reads on a streaming replica (`PgOptions::replica_url`), on the real primary and hot
//! standby that scripts/test.sh makes (`LMS_REPLICA_PRIMARY_URL`, `LMS_REPLICA_URL`), with
//! row-level security on. Each test pauses the standby's replay, so that what it reads there
//! is visibly older than the primary: report, export and catalog rows come from the replica;
//! authorization and a caller's own progress come from the primary.

use futures_util::TryStreamExt;
use lms_core::testing::{ORG, World, acme};
use lms_core::{Actor, CourseStatus, Lms, LmsError, PageRequest, ProgressUpdate, Role, UserId};
use lms_postgres::testing::{Mode, TestDatabase};
use lms_postgres::{PgOptions, PgStore};

/// Pausing replay stops the whole standby: one test at a time pauses it.
static REPLAY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Replicated {
    db: TestDatabase,
    world: World,
}

async fn replicated_world() -> Replicated {
    let db = TestDatabase::create(Mode::Replicated).await;
    let world = World::new(Lms::new(db.store.clone())).await;
    Replicated { db, world }
}

fn first_page() -> PageRequest {
    PageRequest::first(50)
}

async fn report_percents(lms: &Lms, who: &Actor, course: &str) -> Vec<(UserId, u8)> {
    let report = lms
        .course_report(who, acme(course), first_page())
        .await
        .expect("the course report");
    report
        .items
        .iter()
        .map(|i| (i.user_id, i.percent))
        .collect()
}

async fn exported_percents(lms: &Lms, who: &Actor, course: &str) -> Vec<u8> {
    let export = lms
        .export_course_report(who, acme(course))
        .await
        .expect("the export");
    let rows: Vec<_> = export.into_rows().try_collect().await.expect("rows");
    rows.iter().map(|r| r.percent).collect()
}

async fn catalog(lms: &Lms, who: &Actor) -> Vec<String> {
    let page = lms
        .courses(who, ORG, None, first_page())
        .await
        .expect("the catalog");
    page.items.into_iter().map(|c| c.slug).collect()
}

#[tokio::test]
async fn reports_exports_and_the_catalog_read_the_replica() {
    let _one_at_a_time = REPLAY.lock().await;
    let Replicated { db, world: w } = replicated_world().await;
    let outline = w.published("c", None).await;
    let learner = w.enrolled_learner("l@x.test", "c").await;
    let first_lesson = outline.modules[0].lessons[0].id;
    let learner_id = learner.user_id().unwrap();
    db.replica_caught_up().await;
    assert_eq!(
        report_percents(&w.lms, &w.instructor, "c").await,
        [(learner_id, 0)]
    );

    let paused = db.pause_replay().await;
    w.lms
        .record_progress(
            &learner,
            acme("c"),
            first_lesson,
            ProgressUpdate::completed(),
        )
        .await
        .expect("a write on the primary");
    w.published("d", None).await;

    // What follows the caller's own write reads the primary…
    let own = w.lms.course_progress(&learner, acme("c")).await.unwrap();
    assert_eq!(own.completed_lessons, 1, "the learner sees their write");
    let drafts = w
        .lms
        .courses(&w.instructor, ORG, Some(CourseStatus::Draft), first_page())
        .await
        .unwrap();
    assert!(
        drafts.items.is_empty(),
        "an instructor's drafts read the primary"
    );
    // …report, export and catalog rows the replica, which has not replayed it yet.
    assert_eq!(
        report_percents(&w.lms, &w.instructor, "c").await,
        [(learner_id, 0)],
        "the report's rows are the replica's"
    );
    assert_eq!(exported_percents(&w.lms, &w.instructor, "c").await, [0]);
    assert_eq!(catalog(&w.lms, &w.outsider).await, ["c"]);

    drop(paused);
    db.replica_caught_up().await;
    assert_eq!(
        report_percents(&w.lms, &w.instructor, "c").await,
        [(learner_id, 33)],
        "the write reached the replica"
    );
    assert_eq!(exported_percents(&w.lms, &w.instructor, "c").await, [33]);
    assert_eq!(catalog(&w.lms, &w.outsider).await, ["c", "d"]);
}

#[tokio::test]
async fn authorization_reads_the_primary() {
    let _one_at_a_time = REPLAY.lock().await;
    let Replicated { db, world: w } = replicated_world().await;
    w.published("c", None).await;
    let deputy = w.new_user("deputy@x.test").await;
    let deputy_id = deputy.user_id().unwrap();
    w.lms
        .set_member_role(&w.admin, ORG, deputy_id, Role::Admin)
        .await
        .unwrap();
    db.replica_caught_up().await;
    assert!(w.lms.org_report(&deputy, ORG, first_page()).await.is_ok());

    let paused = db.pause_replay().await;
    w.lms
        .set_member_role(&w.admin, ORG, deputy_id, Role::Learner)
        .await
        .unwrap();
    // The replica still holds the deputy's admin role; the primary does not.
    let forbidden = |r: Result<_, LmsError>| matches!(r, Err(LmsError::Forbidden { .. }));
    assert!(forbidden(
        w.lms.org_report(&deputy, ORG, first_page()).await.map(drop)
    ));
    assert!(forbidden(
        w.lms
            .course_report(&deputy, acme("c"), first_page())
            .await
            .map(drop)
    ));
    assert!(forbidden(
        w.lms
            .export_course_report(&deputy, acme("c"))
            .await
            .map(drop)
    ));
    assert!(forbidden(
        w.lms.export_org_report(&deputy, ORG).await.map(drop)
    ));
    drop(paused);
}

#[tokio::test]
async fn a_replica_that_is_down_leaves_the_reads_to_the_primary() {
    let db = TestDatabase::create(Mode::Direct).await;
    let primary = lms_postgres::testing::server().database(&db.name);
    let mut options = PgOptions::default();
    options.replica_url = Some("postgres://postgres@127.0.0.1:1/nowhere".into());
    options.acquire_timeout = std::time::Duration::from_secs(2);
    let store = PgStore::connect_with_options(primary, options)
        .await
        .expect("the store starts without its replica");
    let w = World::new(Lms::new(store)).await;
    w.published("c", None).await;
    assert_eq!(catalog(&w.lms, &w.outsider).await, ["c"]);
    assert_eq!(report_percents(&w.lms, &w.instructor, "c").await, []);
}
