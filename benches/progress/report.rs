//! Timings summarized (percentiles, mean, throughput) and printed as a table, with how long
//! loading took and the machine it all ran on.

use std::time::Duration;

/// One workload's timings on one store: latency percentiles and mean, and throughput.
#[derive(serde::Serialize, Clone)]
pub(crate) struct Measurement {
    store: String,
    workload: String,
    n: usize,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    mean_ms: f64,
    ops_per_sec: f64,
}

/// Summarizes `samples` (one per operation) taken over `wall` time.
pub(crate) fn measurement(
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

/// How long loading the dataset into one store took, and what it wrote.
#[derive(serde::Serialize)]
pub(crate) struct Load {
    pub(crate) store: String,
    pub(crate) seconds: f64,
    pub(crate) enrollments: usize,
    pub(crate) progress_rows: usize,
    /// How far live heap memory rose during a W3e export, at most.
    pub(crate) export_heap_growth_mib: f64,
    /// Statements per call of W1, W2 and W5 (`BEGIN`, `COMMIT` and the tenant scope included).
    pub(crate) statements_per_call: [f64; 3],
    /// Statements per grade: on the two-statement path, and with each fact read alone.
    pub(crate) statements_per_grade: [f64; 2],
    /// How far live heap memory rose during an org export, at most.
    pub(crate) org_export_heap_growth_mib: f64,
}

/// Prints the loads and the measurements as a table, then each store's W5 / baseline ratio.
pub(crate) fn print_table(scale: &str, loads: &[Load], results: &[Measurement]) {
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
        if let (Some(w5), Some(plain)) = (ops("W5 progress"), ops("baseline")) {
            println!("{store}: W5 / plain upsert = {:.2}", w5 / plain);
        }
        if let (Some(w5), Some(floor)) = (ops("W5 progress"), ops("W5 floor")) {
            println!("{store}: W5 / autocommit upsert = {:.2}", w5 / floor);
        }
        let p50 = |w: &str| {
            results
                .iter()
                .find(|m| m.store == store && m.workload.starts_with(w))
                .map(|m| m.p50_ms)
        };
        for (workload, floor) in [
            ("W1 course progress (1", "W1 floor"),
            ("W2 dashboard", "W2 floor"),
        ] {
            if let (Some(ours), Some(floor)) = (p50(workload), p50(floor)) {
                println!(
                    "{store}: {} p50 / its floor's = {:.2}",
                    &workload[..2],
                    ours / floor
                );
            }
        }
    }
}

/// The machine: its core count and CPU model.
pub(crate) fn machine() -> String {
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

/// The process's peak resident memory over the whole run (Linux), in MiB.
pub(crate) fn peak_rss_mib() -> f64 {
    status_mib("VmHWM:")
}

fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
