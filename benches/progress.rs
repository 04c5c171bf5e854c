//! Progress aggregation at scale, through the public `Lms` API, on SQLite and (when
//! `DATABASE_URL` is set) Postgres.
//!
//! ```sh
//! cargo bench --bench progress                       # small: 10,000 learners
//! LMS_BENCH_SCALE=full cargo bench --bench progress  # full: 100,000 learners
//! ```
//!
//! The dataset is deterministic (seeded): 200 courses × 5 modules × 8 lessons; every learner
//! enrolled in 3 distinct courses drawn with Zipf popularity (exponent 0.8); per enrollment a
//! completion fraction f ~ U(0,1): the first round(40 f) lessons completed in curriculum order
//! plus one in progress at the frontier. It is loaded through `Lms::import_users` and
//! `Lms::import_enrollments`, the bulk path a host migrating from another LMS would use.
//!
//! Workloads: W1 a learner's course progress (1 task, then 4); W2 a learner's dashboard;
//! W3 the most popular course's report, every page; W4 the org report; W5 progress writes
//! from 8 tasks for 15 s, beside a plain single-statement upsert, then the rollup check.
//! Prints a table and writes `target/lms-bench/progress.json`.

use lms::{
    Access, Actor, CoursePatch, CourseStatus, EnrollmentSource, ImportedEnrollment,
    ImportedProgress, LessonId, LessonKind, LessonProgress, LessonStatus, Lms, ModuleInput,
    NewCourse, NewLesson, NewOrg, NewUser, PageRequest, PriceInput, ProgressUpdate, UserId,
};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const ORG: &str = "bench";
const COURSES: usize = 200;
const MODULES: usize = 5;
const LESSONS_PER_MODULE: usize = 8;
const LESSONS: usize = MODULES * LESSONS_PER_MODULE;
const ENROLLMENTS_PER_LEARNER: usize = 3;
const ZIPF_EXPONENT: f64 = 0.8;
/// Learners imported per transaction.
const IMPORT_BATCH: usize = 2_000;

/// A small deterministic generator (SplitMix64): the same dataset on every run and store.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize
    }
}

/// Course popularity: P(course k) ∝ 1 / (k + 1)^0.8, sampled through the cumulative table.
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize, exponent: f64) -> Self {
        let weights: Vec<f64> = (0..n)
            .map(|k| 1.0 / ((k + 1) as f64).powf(exponent))
            .collect();
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        Self(
            weights
                .iter()
                .map(|w| {
                    acc += w / total;
                    acc
                })
                .collect(),
        )
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.0.partition_point(|c| *c < u).min(self.0.len() - 1)
    }
}

/// What the workloads need to know about the loaded data.
struct Dataset {
    admin: Actor,
    owner: Actor,
    courses: Vec<String>,
    lessons: Vec<Vec<LessonId>>,
    learners: Vec<UserId>,
    /// Per learner, the indices of their 3 courses.
    enrolled: Vec<[u16; ENROLLMENTS_PER_LEARNER]>,
}

#[derive(serde::Serialize, Clone)]
struct Measurement {
    store: String,
    workload: String,
    n: usize,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    mean_ms: f64,
    ops_per_sec: f64,
}

fn measurement(
    store: &str,
    workload: &str,
    mut samples: Vec<Duration>,
    wall: Duration,
) -> Measurement {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| {
        ms(samples[((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1])
    };
    let total: Duration = samples.iter().sum();
    Measurement {
        store: store.into(),
        workload: workload.into(),
        n: samples.len(),
        p50_ms: at(0.50),
        p95_ms: at(0.95),
        p99_ms: at(0.99),
        mean_ms: ms(total) / samples.len() as f64,
        ops_per_sec: samples.len() as f64 / wall.as_secs_f64(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scale = std::env::var("LMS_BENCH_SCALE").unwrap_or_else(|_| "small".into());
    let learners = match scale.as_str() {
        "small" => 10_000,
        "full" => 100_000,
        other => return Err(format!("LMS_BENCH_SCALE={other}: use small or full").into()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/lms-bench");
        std::fs::create_dir_all(&out)?;
        let mut results = Vec::new();
        let mut loads = Vec::new();

        let path = out.join(format!("progress-{scale}.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let sqlite = lms::sqlite::SqliteStore::open(&path).await?;
        let (load, measured) = run("sqlite", Lms::new(sqlite), learners).await?;
        loads.push(load);
        results.extend(measured);

        if std::env::var("DATABASE_URL").is_ok() {
            let database = lms_postgres::testing::TestDatabase::create(lms_postgres::testing::Mode::Direct).await;
            let name = database.name.clone();
            let (load, measured) = run("postgres", Lms::new(database.store.clone()), learners).await?;
            if std::env::var("LMS_BENCH_KEEP_DB").is_ok() {
                // For EXPLAIN ANALYZE afterwards: drop it yourself (scripts/test.sh drops stale ones).
                println!("postgres: kept the database {name}");
                std::mem::forget(database);
            }
            loads.push(load);
            results.extend(measured);
        } else {
            println!("DATABASE_URL is not set: Postgres skipped (scripts/test.sh shows how to point at a server)");
        }

        print_table(&scale, &loads, &results);
        let report = json!({
            "scale": scale, "learners": learners, "date": chrono::Utc::now().to_rfc3339(),
            "machine": machine(), "peak_rss_mib": peak_rss_mib(), "load": loads, "results": results,
        });
        std::fs::write(out.join("progress.json"), serde_json::to_string_pretty(&report)?)?;
        println!("wrote {}", out.join("progress.json").display());
        Ok(())
    })
}

#[derive(serde::Serialize)]
struct Load {
    store: String,
    seconds: f64,
    enrollments: usize,
    progress_rows: usize,
}

async fn run(
    store: &str,
    lms: Lms,
    learners: usize,
) -> Result<(Load, Vec<Measurement>), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let (data, enrollments, rows) = load(&lms, learners).await?;
    lms.refresh_statistics().await?; // as a host would after a migration
    let load = Load {
        store: store.into(),
        seconds: started.elapsed().as_secs_f64(),
        enrollments,
        progress_rows: rows,
    };
    println!(
        "{store}: loaded {enrollments} enrollments, {rows} progress rows in {:.1} s",
        load.seconds
    );
    let data = Arc::new(data);
    let mut results = Vec::new();
    results.push(w1(store, &lms, &data, 1).await?);
    results.push(w1(store, &lms, &data, 4).await?);
    results.push(w2(store, &lms, &data).await?);
    results.push(w3(store, &lms, &data).await?);
    results.push(w4(store, &lms, &data).await?);
    results.push(w5(store, &lms, &data).await?);
    let started = Instant::now();
    let (checked, mismatches) = check_all(&lms, &data).await?;
    println!(
        "{store}: rollup check after W5: {checked} enrollments recomputed from raw rows in {:.1} s, {mismatches} differences",
        started.elapsed().as_secs_f64()
    );
    if mismatches > 0 {
        return Err(format!("{store}: {mismatches} rollups differ from a recomputation").into());
    }
    // Last: these bare upserts bypass the rollups on purpose.
    results.push(plain_upserts(store, &lms, &data).await?);
    Ok((load, results))
}

/// Creates the org and courses through the API, then imports learners, enrollments and
/// progress in batches.
async fn load(
    lms: &Lms,
    learners: usize,
) -> Result<(Dataset, usize, usize), Box<dyn std::error::Error>> {
    let people = lms
        .import_users(vec![
            NewUser {
                email: "admin@bench.test".into(),
                name: "Admin".into(),
            },
            NewUser {
                email: "owner@bench.test".into(),
                name: "Owner".into(),
            },
        ])
        .await?;
    let (admin, owner) = (Actor::User(people[0].id), Actor::User(people[1].id));
    lms.create_org(
        &admin,
        NewOrg {
            slug: ORG.into(),
            name: "Bench".into(),
        },
    )
    .await?;
    lms.set_member_role(&admin, ORG, people[1].id, lms::Role::Instructor)
        .await?;
    let mut courses = Vec::with_capacity(COURSES);
    let mut lessons = Vec::with_capacity(COURSES);
    for c in 0..COURSES {
        let slug = format!("course-{c:03}");
        let new = NewCourse {
            slug: slug.clone(),
            title: format!("Course {c}"),
            price: (c % 2 == 1).then(|| PriceInput {
                amount: 4900,
                currency: "usd".into(),
            }),
            ..Default::default()
        };
        lms.create_course(&owner, ORG, new).await?;
        let mut ids = Vec::with_capacity(LESSONS);
        for m in 0..MODULES {
            let module = lms
                .create_module(
                    &owner,
                    ORG,
                    &slug,
                    ModuleInput {
                        title: format!("Module {m}"),
                    },
                )
                .await?;
            for l in 0..LESSONS_PER_MODULE {
                let lesson = NewLesson {
                    title: format!("Lesson {m}.{l}"),
                    kind: LessonKind::Text,
                    content: json!({"markdown": "…"}),
                    free_preview: None,
                    duration_minutes: Some(5),
                    required: None,
                };
                ids.push(
                    lms.create_lesson(&owner, ORG, &slug, module.id, lesson)
                        .await?
                        .summary
                        .id,
                );
            }
        }
        let publish = CoursePatch {
            status: Some(CourseStatus::Published),
            ..Default::default()
        };
        lms.update_course(&owner, ORG, &slug, publish).await?;
        courses.push(lms.course(&owner, ORG, &slug).await?.course.id.to_string());
        lessons.push(ids);
    }

    let zipf = Zipf::new(COURSES, ZIPF_EXPONENT);
    let mut rng = Rng(0x1D5_2026);
    let mut all_learners = Vec::with_capacity(learners);
    let mut enrolled = Vec::with_capacity(learners);
    let (mut enrollments, mut rows) = (0, 0);
    let now = chrono::Utc::now();
    for first in (0..learners).step_by(IMPORT_BATCH) {
        let count = IMPORT_BATCH.min(learners - first);
        let new_users = (first..first + count)
            .map(|i| NewUser {
                email: format!("learner{i}@bench.test"),
                name: format!("Learner {i}"),
            })
            .collect();
        let users = lms.import_users(new_users).await?;
        let mut batch = Vec::with_capacity(count * ENROLLMENTS_PER_LEARNER);
        for user in &users {
            let mut picks = [0u16; ENROLLMENTS_PER_LEARNER];
            let mut taken = 0;
            while taken < ENROLLMENTS_PER_LEARNER {
                let course = zipf.sample(&mut rng) as u16;
                if !picks[..taken].contains(&course) {
                    picks[taken] = course;
                    taken += 1;
                }
            }
            for course in picks {
                let done = (rng.unit() * LESSONS as f64).round() as usize;
                let ids = &lessons[course as usize];
                let mut progress: Vec<ImportedProgress> = ids[..done]
                    .iter()
                    .map(|id| ImportedProgress {
                        lesson_id: *id,
                        percent: 100,
                        at: now,
                    })
                    .collect();
                if done < LESSONS {
                    progress.push(ImportedProgress {
                        lesson_id: ids[done],
                        percent: 50,
                        at: now,
                    });
                }
                rows += progress.len();
                batch.push(ImportedEnrollment {
                    user_id: user.id,
                    course_id: courses[course as usize].parse()?,
                    source: EnrollmentSource::Admin,
                    enrolled_at: now,
                    progress,
                });
            }
            all_learners.push(user.id);
            enrolled.push(picks);
        }
        enrollments += batch.len();
        lms.import_enrollments(&admin, ORG, batch).await?;
    }
    Ok((
        Dataset {
            admin,
            owner,
            courses,
            lessons,
            learners: all_learners,
            enrolled,
        },
        enrollments,
        rows,
    ))
}

/// W1: a learner's progress in one of their courses, from `tasks` tasks.
async fn w1(
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
                    .course_progress(&actor, ORG, &data.courses[course])
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
async fn w2(
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
async fn w3(
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
                .course_report(&data.owner, ORG, &data.courses[0], page)
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
async fn w4(
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

const WRITE_TASKS: usize = 8;
const WRITE_SECONDS: u64 = 15;

/// Runs `write` from 8 tasks for 15 s; each call gets a task-local generator.
async fn hammer<F, Fut>(write: F) -> (Vec<Duration>, Duration)
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
async fn w5(
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
                percent: None,
                status: Some(LessonStatus::Completed),
            };
            lms.record_progress(
                &Actor::User(data.learners[learner]),
                ORG,
                &data.courses[course],
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
/// rollup, no checks (through the store directly: BEGIN, one statement, COMMIT).
async fn plain_upserts(
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
            let now = chrono::Utc::now();
            let row = LessonProgress {
                user_id: data.learners[learner],
                lesson_id: lesson,
                course_id: data.courses[course].parse().expect("a course id"),
                status: LessonStatus::Completed,
                percent: 100,
                completed_at: Some(now),
                updated_at: now,
            };
            let mut tx = lms.store().begin(Access::Write).await.expect("begin");
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
async fn check_all(lms: &Lms, data: &Dataset) -> Result<(u64, usize), Box<dyn std::error::Error>> {
    let (mut checked, mut mismatches) = (0, 0);
    for course in &data.courses {
        let check = lms.check_rollups(ORG, course).await?;
        checked += check.checked;
        mismatches += check.mismatches.len() + usize::from(!check.summary_matches);
    }
    Ok((checked, mismatches))
}

fn print_table(scale: &str, loads: &[Load], results: &[Measurement]) {
    println!("\nscale {scale}; {}", machine());
    for load in loads {
        println!(
            "load {:<8} {:>9} enrollments {:>10} progress rows {:>8.1} s",
            load.store, load.enrollments, load.progress_rows, load.seconds
        );
    }
    println!(
        "\n{:<8} {:<36} {:>7} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "store", "workload", "n", "p50 ms", "p95 ms", "p99 ms", "mean ms", "ops/s"
    );
    for m in results {
        println!(
            "{:<8} {:<36} {:>7} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>10.0}",
            m.store, m.workload, m.n, m.p50_ms, m.p95_ms, m.p99_ms, m.mean_ms, m.ops_per_sec
        );
    }
    for store in ["sqlite", "postgres"] {
        let ops = |w: &str| {
            results
                .iter()
                .find(|m| m.store == store && m.workload.starts_with(w))
                .map(|m| m.ops_per_sec)
        };
        if let (Some(w5), Some(plain)) = (ops("W5"), ops("baseline")) {
            println!("{store}: W5 / plain upsert = {:.2}", w5 / plain);
        }
    }
    println!("peak RSS {:.0} MiB", peak_rss_mib());
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    format!(
        "{} cores, {cpu}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    )
}

/// The process's peak resident memory (Linux), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
