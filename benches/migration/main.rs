//! The `migrate` example at scale: the progress benchmark's dataset (`BENCHMARKS.md`: 200
//! courses, every learner in 3 of them, a password hash each) loaded into a SQLite file,
//! moved by the example's release build to an empty Postgres database, then back to a new
//! SQLite file. Each leg is one run of the example, timed from outside, with the peak
//! resident memory it reports.
//!
//! ```sh
//! cargo bench -p lms-benches --bench migration                       # small: 10,000 learners
//! LMS_BENCH_SCALE=full cargo bench -p lms-benches --bench migration  # full: 100,000 learners
//! ```
//!
//! Prints a table and writes `target/lms-bench/migration.json`. Needs `DATABASE_URL` (a
//! Postgres server on which it may create a database), as `scripts/test.sh` sets it.

#[allow(dead_code)] // the workloads' part of the dataset is not used here
#[path = "../progress/dataset.rs"]
mod dataset;
#[allow(dead_code)] // the workloads' draws are not used here
#[path = "../progress/random.rs"]
mod random;
mod run;

use lms::{Lms, PasswordCredential};
use lms_postgres::testing::{Mode, TestDatabase};
use run::{Leg, build_example, run_example};
use serde_json::json;
use std::path::Path;
use std::time::Instant;

/// The small scale's target for SQLite to Postgres (issue 20).
const SMALL_TARGET_SECONDS: f64 = 60.0;

/// A PHC string of the shape argon2id writes; no password hashes to it, and none needs to:
/// the migration moves it as it is.
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hzYWx0YmVuY2g$3L2cCRIJ4mnmfg9yykh3V7UtYHqC0S5oqwO1MPIvoz0";

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let scale = std::env::var("LMS_BENCH_SCALE").unwrap_or_else(|_| "small".into());
    let learners = match scale.as_str() {
        "small" => 10_000,
        "full" => 100_000,
        other => return Err(format!("LMS_BENCH_SCALE={other}: use small or full").into()),
    };
    let url = std::env::var("DATABASE_URL").map_err(|_| {
        "DATABASE_URL is not set: the migration needs a Postgres server to move to (run \
         scripts/test.sh, or set it, e.g. postgres://postgres@127.0.0.1:5432/postgres)"
    })?;
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/lms-bench");
    std::fs::create_dir_all(&out)?;
    let example = build_example()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let source = fresh_file(&out, &format!("migrate-{scale}.db"));
        let started = Instant::now();
        let (enrollments, rows) = load(&source, learners).await?;
        println!(
            "sqlite: loaded {enrollments} enrollments, {rows} progress rows in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let postgres = TestDatabase::create(Mode::Direct).await;
        let postgres_url = database_url(&url, &postgres.name);
        let back = fresh_file(&out, &format!("migrate-{scale}-back.db"));
        let sqlite = |path: &Path| format!("sqlite://{}", path.display());
        let there = run_example(&example, "SQLite → Postgres", &sqlite(&source), &postgres_url)?;
        let again = run_example(&example, "Postgres → SQLite", &postgres_url, &sqlite(&back))?;
        let legs = [there, again];
        print_table(&scale, &legs);
        if scale == "small" {
            let verdict = if legs[0].seconds < SMALL_TARGET_SECONDS { "met" } else { "MISSED" };
            println!("target: SQLite → Postgres under {SMALL_TARGET_SECONDS:.0} s at small scale: {verdict}");
        }
        let report = json!({
            "scale": scale, "learners": learners, "enrollments": enrollments,
            "progress_rows": rows, "date": chrono::Utc::now().to_rfc3339(),
            "legs": legs.iter().map(Leg::json).collect::<Vec<_>>(),
        });
        std::fs::write(out.join("migration.json"), serde_json::to_string_pretty(&report)?)?;
        println!("wrote {}", out.join("migration.json").display());
        Ok(())
    })
}

/// `path` in `dir`, with no database left there by an earlier run.
fn fresh_file(dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

/// Loads the dataset into a new SQLite file, every user with a password hash.
async fn load(path: &Path, learners: usize) -> Result<(usize, usize), Error> {
    let lms = Lms::new(lms::sqlite::SqliteStore::open(path).await?);
    let (data, enrollments, rows) = dataset::load(&lms, learners).await?;
    let credentials: Vec<PasswordCredential> = data
        .learners
        .iter()
        .map(|user| PasswordCredential {
            user_id: *user,
            password_hash: HASH.into(),
        })
        .collect();
    lms.restore_password_credentials(&credentials).await?;
    Ok((enrollments, rows))
}

/// `server_url` (a `postgres://` URL) naming the database `name` instead.
fn database_url(server_url: &str, name: &str) -> String {
    let without_query = server_url.split('?').next().unwrap_or(server_url);
    let (server, _) = without_query
        .rsplit_once('/')
        .filter(|(server, _)| server.contains("://") && !server.ends_with('/'))
        .unwrap_or((without_query, ""));
    format!("{server}/{name}")
}

fn print_table(scale: &str, legs: &[Leg]) {
    println!("\nmigration, {scale} scale");
    println!("{:<20} {:>10} {:>14}", "leg", "seconds", "peak RSS MiB");
    for leg in legs {
        println!(
            "{:<20} {:>10.1} {:>14.0}",
            leg.name, leg.seconds, leg.peak_rss_mib
        );
    }
}
