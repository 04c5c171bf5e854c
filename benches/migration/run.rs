//! The example's release build, and one timed run of it.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

type Error = Box<dyn std::error::Error>;

/// One run of the example: what it moved where, how long it took, its peak memory.
pub(crate) struct Leg {
    pub(crate) name: &'static str,
    pub(crate) seconds: f64,
    pub(crate) peak_rss_mib: f64,
}

impl Leg {
    pub(crate) fn json(&self) -> Value {
        json!({"leg": self.name, "seconds": self.seconds, "peak_rss_mib": self.peak_rss_mib})
    }
}

/// Builds the `migrate` example (`lms-examples`' `migration`) in release, as
/// `cargo run --release --example migrate` does, and returns its executable.
pub(crate) fn build_example() -> Result<PathBuf, Error> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            "lms-examples",
            "--example",
            "migration",
        ])
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit())
        .output()?;
    if !output.status.success() {
        return Err("building the migrate example failed (cargo's messages above)".into());
    }
    let artifacts = String::from_utf8_lossy(&output.stdout);
    artifacts
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| message["target"]["name"] == "migration")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo built the migrate example but named no executable".into())
}

/// Runs `example --from from --to to`, shows its output, and times it. Its peak memory is
/// the one it reports (Linux's `VmHWM`): the kernel's `ru_maxrss` of a child also counts
/// this process's memory at the fork, before the exec.
pub(crate) fn run_example(
    example: &Path,
    name: &'static str,
    from: &str,
    to: &str,
) -> Result<Leg, Error> {
    println!("\n{name}");
    let started = Instant::now();
    let output = Command::new(example)
        .args(["--from", from, "--to", to])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    let seconds = started.elapsed().as_secs_f64();
    let said = String::from_utf8_lossy(&output.stdout);
    print!("{said}");
    if !output.status.success() {
        return Err(format!("{name}: the migrate example failed ({})", output.status).into());
    }
    let peak_rss_mib = said
        .split_once("peak memory ")
        .and_then(|(_, rest)| rest.split_once(" MiB"))
        .and_then(|(mib, _)| mib.parse().ok())
        .ok_or_else(|| format!("{name}: the example did not report its peak memory"))?;
    Ok(Leg {
        name,
        seconds,
        peak_rss_mib,
    })
}
