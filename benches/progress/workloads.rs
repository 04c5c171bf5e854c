//! The timed workloads W1–W5, the plain-upsert baseline of W5, and the rollup check.

use crate::dataset::{COURSES, Dataset, ENROLLMENTS_PER_LEARNER, LESSONS, ORG};
use crate::heap;
use crate::random::Rng;
use crate::report::{Measurement, measurement};
use futures_util::TryStreamExt;
use lms::CourseRef;
use lms::{
    Access, Actor, LessonProgress, LessonStatus, Lms, PageRequest, ProgressUpdate, TenantScope,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// W1: a learner's progress in one of their courses, from `tasks` tasks.
pub(crate) async fn w1(
    store: &str,
    lms: &Lms,
    data: &Arc<Dataset>,
    tasks: usize,
) -> Result<Measurement, Box<dyn std::error::Error>> {
    let per_task = 4_000 / tasks;
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for t in 0..tasks {
        let (lms, data) = (lms.clone(), data.clone());
        set.spawn(async move {
            let mut rng = Rng(100 + t as u64);
            let mut samples = Vec::with_capacity(per_task);
            for _ in 0..per_task {
                let learner = rng.below(data.learners.len());
                let course = data.enrolled[learner][rng.below(ENROLLMENTS_PER_LEARNER)] as usize;
                let actor = Actor::User(data.learners[learner]);
                let t0 = Instant::now();
                let progress = lms
                    .course_progress(
                        &actor,
                        CourseRef {
                            org: ORG,
                            course: &data.courses[course],
                        },
                    )
                    .await
                    .expect("W1");
                samples.push(t0.elapsed());
                assert!(progress.percent <= 100 && progress.total_lessons == LESSONS as u32);
            }
            samples
        });
    }
    let samples: Vec<Duration> = set.join_all().await.into_iter().flatten().collect();
    Ok(measurement(
        store,
        &format!(
            "W1 course progress ({tasks} task{})",
            if tasks == 1 { "" } else { "s" }
        ),
        samples,
        started.elapsed(),
    ))
}

/// W2: a learner's dashboard (all their courses with progress).
pub(crate) async fn w2(
    store: &str,
    lms: &Lms,
    data: &Dataset,
) -> Result<Measurement, Box<dyn std::error::Error>> {
    let mut rng = Rng(200);
    let mut samples = Vec::new();
    let started = Instant::now();
    for _ in 0..2_000 {
        let actor = Actor::User(data.learners[rng.below(data.learners.len())]);
        let t0 = Instant::now();
        let page = lms.my_courses(&actor, PageRequest::first(50)).await?;
        samples.push(t0.elapsed());
        assert_eq!(page.items.len(), ENROLLMENTS_PER_LEARNER);
    }
    Ok(measurement(
        store,
        "W2 dashboard",
        samples,
        started.elapsed(),
    ))
}

/// W3: the most popular course's report, summary and every learner, all pages.
pub(crate) async fn w3(
    store: &str,
    lms: &Lms,
    data: &Dataset,
) -> Result<Measurement, Box<dyn std::error::Error>> {
    let mut samples = Vec::new();
    let started = Instant::now();
    let mut learners = 0;
    for _ in 0..10 {
        let t0 = Instant::now();
        let mut page = PageRequest::first(lms::page::MAX_LIMIT);
        learners = 0;
        loop {
            let report = lms
                .course_report(
                    &data.owner,
                    CourseRef {
                        org: ORG,
                        course: &data.courses[0],
                    },
                    page,
                )
                .await?;
            learners += report.items.len();
            match report.next_cursor {
                Some(cursor) => page = PageRequest::parse(Some(page.limit.into()), Some(&cursor))?,
                None => break,
            }
        }
        samples.push(t0.elapsed());
    }
    println!("{store}: W3 pages through {learners} learners of the most popular course");
    Ok(measurement(
        store,
        "W3 course report, all pages",
        samples,
        started.elapsed(),
    ))
}

/// W4: the org report, every course's summary.
pub(crate) async fn w4(
    store: &str,
    lms: &Lms,
    data: &Dataset,
) -> Result<Measurement, Box<dyn std::error::Error>> {
    let mut samples = Vec::new();
    let started = Instant::now();
    for _ in 0..50 {
        let t0 = Instant::now();
        let report = lms
            .org_report(&data.admin, ORG, PageRequest::first(lms::page::MAX_LIMIT))
            .await?;
        samples.push(t0.elapsed());
        assert_eq!(report.items.len(), COURSES);
    }
    Ok(measurement(
        store,
        "W4 org report",
        samples,
        started.elapsed(),
    ))
}

/// One export written out as CSV through `encode_export`, its bytes counted and dropped (as
/// a server sends them): returns the CSV's lines, header included.
async fn export_csv<T: lms::axum::Tabular>(
    rows: lms::ExportStream<T>,
) -> Result<usize, Box<dyn std::error::Error>> {
    let chunks = lms::axum::encode_export(rows, lms::axum::ExportFormat::Csv);
    let mut chunks = std::pin::pin!(chunks);
    let mut lines = 0;
    while let Some(chunk) = chunks.try_next().await.map_err(|e| e.to_string())? {
        lines += chunk.iter().filter(|&&b| b == b'\n').count();
    }
    Ok(lines)
}

/// W3e: the most popular course's report exported as CSV (`Lms::export_course_report`),
/// 10 times. Also returns how far live heap memory rose above where it stood before each
/// export, at most (MiB): an export streams, so this must not grow with the course.
pub(crate) async fn w3e(
    store: &str,
    lms: &Lms,
    data: &Dataset,
) -> Result<(Measurement, f64), Box<dyn std::error::Error>> {
    let mut samples = Vec::new();
    let mut growth: f64 = 0.0;
    let started = Instant::now();
    let mut lines = 0;
    let course = CourseRef {
        org: ORG,
        course: &data.courses[0],
    };
    for _ in 0..10 {
        let before = heap::reset_peak();
        let t0 = Instant::now();
        let export = lms.export_course_report(&data.owner, course).await?;
        lines = export_csv(export.into_rows()).await?;
        samples.push(t0.elapsed());
        growth = growth.max(heap::peak_mib() - before);
    }
    // The control: the same rows collected in memory instead of streamed.
    let before = heap::reset_peak();
    let export = lms.export_course_report(&data.owner, course).await?;
    let held: Vec<lms::CourseExportRow> = export.into_rows().try_collect().await?;
    let collected = heap::peak_mib() - before;
    println!(
        "{store}: W3e exports {} enrollments of the most popular course; live heap rose by at most {growth:.2} MiB during an export (collecting the {} rows in memory instead: {collected:.2} MiB)",
        lines - 1,
        held.len()
    );
    let m = measurement(
        store,
        "W3e course report export (CSV)",
        samples,
        started.elapsed(),
    );
    Ok((m, growth))
}

/// W4e: the org report exported as CSV (`Lms::export_org_report`), 50 times.
pub(crate) async fn w4e(
    store: &str,
    lms: &Lms,
    data: &Dataset,
) -> Result<Measurement, Box<dyn std::error::Error>> {
    let mut samples = Vec::new();
    let started = Instant::now();
    for _ in 0..50 {
        let t0 = Instant::now();
        let export = lms.export_org_report(&data.admin, ORG).await?;
        let lines = export_csv(export.into_rows()).await?;
        samples.push(t0.elapsed());
        assert_eq!(lines, COURSES + 1);
    }
    Ok(measurement(
        store,
        "W4e org report export (CSV)",
        samples,
        started.elapsed(),
    ))
}

/// Statements per call of W1, W2 and W5 (one task, 200 calls each; `BEGIN`, `COMMIT` and
/// the tenant scope included).
pub(crate) async fn statements_per_call(lms: &Lms, data: &Arc<Dataset>) -> [f64; 3] {
    let pick = |i: usize| {
        let learner = (i * 7919) % data.learners.len();
        let course = data.enrolled[learner][i % ENROLLMENTS_PER_LEARNER] as usize;
        (Actor::User(data.learners[learner]), course)
    };
    let w1 = crate::statements::per_call(200, |i| async move {
        let (actor, course) = pick(i);
        let course = CourseRef {
            org: ORG,
            course: &data.courses[course],
        };
        lms.course_progress(&actor, course).await.expect("W1");
    })
    .await;
    let w2 = crate::statements::per_call(200, |i| async move {
        let (actor, _) = pick(i);
        lms.my_courses(&actor, PageRequest::first(50))
            .await
            .expect("W2");
    })
    .await;
    let w5 = crate::statements::per_call(200, |i| async move {
        let (actor, course) = pick(i);
        let lesson = data.lessons[course][(i * 13) % LESSONS];
        let done = ProgressUpdate {
            position_seconds: None,
            percent: None,
            status: Some(LessonStatus::Completed),
        };
        let at = CourseRef {
            org: ORG,
            course: &data.courses[course],
        };
        lms.record_progress(&actor, at, lesson, done)
            .await
            .expect("W5");
    })
    .await;
    [w1, w2, w5]
}

const WRITE_TASKS: usize = 8;
const WRITE_SECONDS: u64 = 15;

/// Runs `write` from 8 tasks for 15 s; each call gets a task-local generator.
pub(crate) async fn hammer<F, Fut>(write: F) -> (Vec<Duration>, Duration)
where
    F: Fn(u64, Rng) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = Rng> + Send,
{
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for t in 0..WRITE_TASKS {
        let (stop, write) = (stop.clone(), write.clone());
        set.spawn(async move {
            let mut rng = Rng(300 + t as u64);
            let mut samples = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                rng = write(i, rng).await;
                samples.push(t0.elapsed());
                i += 1;
            }
            samples
        });
    }
    tokio::time::sleep(Duration::from_secs(WRITE_SECONDS)).await;
    stop.store(true, Ordering::Relaxed);
    let samples = set.join_all().await.into_iter().flatten().collect();
    (samples, started.elapsed())
}

/// W5: mark a random lesson completed for a random enrolled learner, through the API (the
/// progress row, the rollup, completion and certificate, in one transaction).
pub(crate) async fn w5(
    store: &str,
    lms: &Lms,
    data: &Arc<Dataset>,
) -> Result<Measurement, Box<dyn std::error::Error>> {
    let (lms, data) = (lms.clone(), data.clone());
    let (samples, wall) = hammer(move |_, mut rng| {
        let (lms, data) = (lms.clone(), data.clone());
        async move {
            let learner = rng.below(data.learners.len());
            let course = data.enrolled[learner][rng.below(ENROLLMENTS_PER_LEARNER)] as usize;
            let lesson = data.lessons[course][rng.below(LESSONS)];
            let done = ProgressUpdate {
                position_seconds: None,
                percent: None,
                status: Some(LessonStatus::Completed),
            };
            lms.record_progress(
                &Actor::User(data.learners[learner]),
                CourseRef {
                    org: ORG,
                    course: &data.courses[course],
                },
                lesson,
                done,
            )
            .await
            .expect("W5 write");
            rng
        }
    })
    .await;
    Ok(measurement(
        store,
        "W5 progress writes (8 tasks)",
        samples,
        wall,
    ))
}

/// The baseline of W5: the same writes as one plain upsert of the progress row each, no
/// rollup, no checks (through the store directly: BEGIN, the tenant scope when row-level
/// security is on, one statement, COMMIT).
pub(crate) async fn plain_upserts(
    store: &str,
    lms: &Lms,
    data: &Arc<Dataset>,
) -> Result<Measurement, Box<dyn std::error::Error>> {
    let org = lms.org(ORG).await?.id;
    let (lms, data) = (lms.clone(), data.clone());
    let (samples, wall) = hammer(move |_, mut rng| {
        let (lms, data) = (lms.clone(), data.clone());
        async move {
            let learner = rng.below(data.learners.len());
            let course = data.enrolled[learner][rng.below(ENROLLMENTS_PER_LEARNER)] as usize;
            let lesson = data.lessons[course][rng.below(LESSONS)];
            let now = chrono::Utc::now();
            let row = LessonProgress {
                position_seconds: None,
                user_id: data.learners[learner],
                lesson_id: lesson,
                course_id: data.courses[course].parse().expect("a course id"),
                status: LessonStatus::Completed,
                percent: 100,
                completed_at: Some(now),
                updated_at: now,
            };
            let mut tx = lms.store().begin(Access::Write).await.expect("begin");
            // The tenant scope (a statement only under row-level security, as in W5).
            let scope = TenantScope {
                org: Some(org),
                user: Some(row.user_id),
            };
            tx.set_scope(scope).await.expect("scope");
            tx.upsert_lesson_progress(&row).await.expect("upsert");
            tx.commit().await.expect("commit");
            rng
        }
    })
    .await;
    Ok(measurement(
        store,
        "baseline: plain upsert (8 tasks)",
        samples,
        wall,
    ))
}

/// Recomputes every rollup from the raw progress rows with the core's rules.
pub(crate) async fn check_all(
    lms: &Lms,
    data: &Dataset,
) -> Result<(u64, usize), Box<dyn std::error::Error>> {
    let (mut checked, mut mismatches) = (0, 0);
    for course in &data.courses {
        let check = lms.check_rollups(CourseRef { org: ORG, course }).await?;
        checked += check.checked;
        mismatches += check.mismatches.len() + usize::from(!check.summary_matches);
    }
    Ok((checked, mismatches))
}

/// The whole org exported as NDJSON (`Lms::export_org`, encoded by `encode_ndjson`), its
/// bytes counted and dropped, 3 times. Also returns how far live heap memory rose during an
/// export, at most (MiB), and the export's size (MiB): an export streams, so the first must
/// stay flat while the second grows with the org.
pub(crate) async fn org_export(
    store: &str,
    lms: &Lms,
    data: &Dataset,
) -> Result<(Measurement, f64), Box<dyn std::error::Error>> {
    let mut samples = Vec::new();
    let mut growth: f64 = 0.0;
    let mut bytes = 0;
    let started = Instant::now();
    for _ in 0..3 {
        let before = heap::reset_peak();
        let t0 = Instant::now();
        let export = lms.export_org(&data.admin, ORG).await?;
        let chunks = lms::axum::encode_ndjson(export.into_records());
        let mut chunks = std::pin::pin!(chunks);
        bytes = 0;
        while let Some(chunk) = chunks.try_next().await.map_err(|e| e.to_string())? {
            bytes += chunk.len();
        }
        samples.push(t0.elapsed());
        growth = growth.max(heap::peak_mib() - before);
    }
    let size = bytes as f64 / (1024.0 * 1024.0);
    println!(
        "{store}: the org exports as {size:.0} MiB of NDJSON; live heap rose by at most {growth:.2} MiB during an export"
    );
    let m = measurement(store, "org export (NDJSON)", samples, started.elapsed());
    Ok((m, growth))
}
