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
//!
//! The parts: `random` draws the dataset, `dataset` loads it, `workloads` times W1–W5,
//! and `report` summarizes the timings and prints them.

mod dataset;
mod floors;
mod grading;
mod heap;
mod random;
mod report;
mod statements;
mod workloads;

use dataset::load;
use lms::Lms;
use report::{Load, Measurement, machine, peak_rss_mib, print_table};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;
use workloads::{
    check_all, org_export, plain_upserts, statements_per_call, w1, w2, w3, w3e, w4, w4e, w5,
};

#[global_allocator]
static ALLOCATOR: heap::Counting = heap::Counting;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scale = std::env::var("LMS_BENCH_SCALE").unwrap_or_else(|_| "small".into());
    let learners = match scale.as_str() {
        "small" => 10_000,
        "full" => 100_000,
        other => return Err(format!("LMS_BENCH_SCALE={other}: use small or full").into()),
    };
    statements::install();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/lms-bench");
        std::fs::create_dir_all(&out)?;
        let mut results = Vec::new();
        let mut loads = Vec::new();

        // LMS_BENCH_STORES=postgres (or sqlite) runs one store only.
        let stores = std::env::var("LMS_BENCH_STORES").unwrap_or_else(|_| "sqlite,postgres".into());
        let wanted = |store: &str| stores.split(',').any(|s| s == store);
        if wanted("sqlite") {
            let path = out.join(format!("progress-{scale}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            let sqlite = lms::sqlite::SqliteStore::open(&path).await?;
            let floor = floors::FloorPool::Sqlite(sqlite.pool().clone());
            let (load, measured) = run("sqlite", Lms::new(sqlite), floor, learners).await?;
            loads.push(load);
            results.extend(measured);
        }

        if !wanted("postgres") {
            println!("LMS_BENCH_STORES={stores}: Postgres not run");
        } else if std::env::var("DATABASE_URL").is_ok() {
            // As the tables' owner by default; LMS_BENCH_RLS=1 runs as an application role
            // under row-level security (what a production deployment would).
            let mode = match std::env::var("LMS_BENCH_RLS").as_deref() {
                Ok("1") => lms_postgres::testing::Mode::RowLevelSecurity,
                _ => lms_postgres::testing::Mode::Direct,
            };
            let database = lms_postgres::testing::TestDatabase::create(mode).await;
            let name = database.name.clone();
            // The floors ask the database directly, as its owner, on a pool that hands out
            // connections unchecked, as the store's does (sqlx's default pings each first).
            let url = std::env::var("DATABASE_URL")?;
            let owner = url.parse::<sqlx::postgres::PgConnectOptions>()?.database(&name);
            let unchecked = sqlx::postgres::PgPoolOptions::new().test_before_acquire(false);
            let floor = floors::FloorPool::Postgres(unchecked.connect_with(owner).await?);
            let lms = Lms::new(database.store.clone());
            let (load, measured) = run("postgres", lms, floor, learners).await?;
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
        println!("peak RSS {:.0} MiB", peak_rss_mib());
        let report = json!({
            "scale": scale, "learners": learners, "date": chrono::Utc::now().to_rfc3339(),
            "machine": machine(), "peak_rss_mib": peak_rss_mib(), "load": loads, "results": results,
        });
        std::fs::write(out.join("progress.json"), serde_json::to_string_pretty(&report)?)?;
        println!("wrote {}", out.join("progress.json").display());
        Ok(())
    })
}

async fn run(
    store: &str,
    lms: Lms,
    floor: floors::FloorPool,
    learners: usize,
) -> Result<(Load, Vec<Measurement>), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let (data, enrollments, rows) = load(&lms, learners).await?;
    lms.refresh_statistics().await?; // as a host would after a migration
    floor.analyze_as_owner().await?;
    let mut load = Load {
        store: store.into(),
        seconds: started.elapsed().as_secs_f64(),
        enrollments,
        progress_rows: rows,
        export_heap_growth_mib: 0.0,
        statements_per_call: [0.0; 3],
        statements_per_grade: [0.0; 2],
        org_export_heap_growth_mib: 0.0,
    };
    println!(
        "{store}: loaded {enrollments} enrollments, {rows} progress rows in {:.1} s",
        load.seconds
    );
    let data = Arc::new(data);
    let mut results = Vec::new();
    results.push(w1(store, &lms, &data, 1).await?);
    results.push(w1(store, &lms, &data, 4).await?);
    results.push(floors::w1(store, &floor, &data).await?);
    results.push(w2(store, &lms, &data).await?);
    results.push(floors::w2(store, &floor, &data).await?);
    results.push(w3(store, &lms, &data).await?);
    let (w3e, export_growth) = w3e(store, &lms, &data).await?;
    load.export_heap_growth_mib = export_growth;
    results.push(w3e);
    results.push(w4(store, &lms, &data).await?);
    results.push(w4e(store, &lms, &data).await?);
    let (exported, growth) = org_export(store, &lms, &data).await?;
    load.org_export_heap_growth_mib = growth;
    results.push(exported);
    load.statements_per_call = statements_per_call(&lms, &data).await;
    println!(
        "{store}: statements per call (sqlx logs BEGIN and COMMIT apart: add 2 for a call in a transaction): W1 {:.2}, W2 {:.2}, W5 {:.2}",
        load.statements_per_call[0], load.statements_per_call[1], load.statements_per_call[2]
    );
    let (two, general) = grading::statements_per_grade(&lms, &data).await?;
    load.statements_per_grade = [two, general];
    println!(
        "{store}: statements per grade (as above): {two:.2}, or {general:.2} with each fact read on its own"
    );
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
    results.push(floors::w5(store, &floor, &data).await?);
    Ok((load, results))
}
