//! Moves orgs from one store to another — SQLite to Postgres and back — with their
//! uploads' bytes and their users' passwords, then checks the target.
//!
//! ```sh
//! cargo run --release --example migrate -- --from sqlite://lms-demo.db \
//!     --to postgres://postgres@127.0.0.1:5432/lms [--org demo]… \
//!     [--from-media lms-demo-media --to-media /srv/lms/media]
//! ```
//!
//! Every org of the source moves, or only those named with `--org` (repeated, or
//! comma-separated); the target must not hold them yet. Each org moves in one transaction
//! of the target, with the password hashes of the built-in sign-in of the users it adds (all
//! of it or nothing), every id kept, so certificate codes, verification links and bookmarks
//! keep working; sessions stay behind, so people sign in again. With both media directories
//! given, each upload's bytes are copied too (and removed again if the org's import fails).
//! Afterwards, on the target, every course's rollups are recounted from its progress rows,
//! each org is exported again and counted kind by kind against what left the source, and
//! the password hashes are compared; a difference fails the run and says what differs.
//!
//! Both stores are brought to this version's schema first, as the server does when it
//! starts (nothing changes for a store already there).

use indicatif::{ProgressBar, ProgressStyle};
use lms_examples::demo;
use lms_examples::migrate::cli::{Args, redacted, sqlite_file};
use lms_examples::migrate::{MediaStores, MovedOrg, Tally, move_org, orgs_to_move};
use lms_media::LocalMediaStore;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    demo::exit_with(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse(std::env::args().skip(1))?;
    let started = Instant::now();
    if let Some(path) = sqlite_file(&args.from).filter(|path| !path.exists()) {
        return Err(format!("--from: there is no database at {}", path.display()).into());
    }
    // Copying a directory onto itself would overwrite each file as it is read.
    let one_directory = |(from, to): &(PathBuf, PathBuf)| {
        from.exists() && from.canonicalize().ok() == to.canonicalize().ok()
    };
    if args.media.as_ref().is_some_and(one_directory) {
        return Err("--from-media and --to-media are one directory: give the target's own".into());
    }
    let from = demo::connect(&args.from)
        .await
        .map_err(|e| format!("--from: {e}"))?;
    let to = demo::connect(&args.to)
        .await
        .map_err(|e| format!("--to: {e}"))?;
    let orgs = orgs_to_move(&from, &to, &args.orgs).await?;
    let media_stores = args
        .media
        .as_ref()
        .map(|(from, to)| (LocalMediaStore::new(from), LocalMediaStore::new(to)));
    let media = media_stores
        .as_ref()
        .map(|(from, to)| MediaStores { from, to });

    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template(
        "{spinner} {elapsed_precise} {human_pos} records ({per_sec}) {msg}",
    )?);
    bar.enable_steady_tick(Duration::from_millis(200));
    let mut moved = Vec::new();
    for org in &orgs {
        match move_org(&from, &to, org, media, &bar).await {
            Ok(org) => moved.push(org),
            Err(error) => {
                bar.finish_and_clear();
                let done: Vec<&str> = moved.iter().map(|o: &MovedOrg| o.slug.as_str()).collect();
                let left = &orgs[done.len()..];
                if !done.is_empty() {
                    eprintln!(
                        "moved and checked: {}; not moved: {}",
                        done.join(", "),
                        left.join(", ")
                    );
                    eprintln!("to go on: migrate … --org {}", left.join(","));
                }
                return Err(error.into());
            }
        }
    }
    bar.finish_and_clear();
    print!(
        "{}",
        summary(&args, &moved, started.elapsed().as_secs_f64())
    );
    Ok(())
}

/// What moved, table by table, how long it took, and what the checks found (a
/// difference would have ended the run with an error instead).
fn summary(args: &Args, moved: &[MovedOrg], seconds: f64) -> String {
    let mut all = Tally::default();
    let mut lines = Vec::new();
    for org in moved {
        all.add(&org.moved);
        lines.push(format!(
            "{}: {} records and {} password hashes moved in {:.1} s, checked in {:.1} s",
            org.slug,
            org.moved.total(),
            org.passwords,
            org.seconds.0,
            org.seconds.1,
        ));
        if let Some((dir, _)) = &args.media {
            let (files, bytes) = org.media_copied;
            let mib = bytes as f64 / 1_048_576.0;
            lines.push(format!("  {files} uploads copied ({mib:.1} MiB)"));
            if !org.media_missing.is_empty() {
                lines.push(format!(
                    "  {} uploads have a record but no bytes in {} (moved as records): {}",
                    org.media_missing.len(),
                    dir.display(),
                    org.media_missing.join(", ")
                ));
            }
        }
    }
    let courses: usize = moved.iter().map(|o| o.courses_checked).sum();
    let orgs = match moved.len() {
        1 => "1 org".to_string(),
        n => format!("{n} orgs"),
    };
    format!(
        "moved {orgs} from {} to {} in {seconds:.1} s (peak memory {})\n{}\nrows by kind:\n{all}\
         checked on the target: the rollups of {courses} courses recounted from their progress \
         rows, no differences; each kind counted as it left the source and again in the \
         target, the same; the password hashes the same\n",
        redacted(&args.from),
        redacted(&args.to),
        peak_memory(),
        lines.join("\n"),
    )
}

/// The process's peak resident memory (Linux's `VmHWM`), in words.
fn peak_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok());
    kib.map_or("unknown".into(), |kib| format!("{:.0} MiB", kib / 1024.0))
}
