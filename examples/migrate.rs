//! `cargo run --release --example migrate -- --from <url> --to <url> [--org <slug>]…
//! [--from-media <dir> --to-media <dir>]`: moves orgs between stores — SQLite to Postgres
//! and back — with their uploads and passwords, then checks the target.
//!
//! It needs both stores and the media crate, so it lives in the package `lms-examples`
//! (`examples/full/migration.rs`, where its arguments are explained); this launcher asks
//! cargo for it.

#[path = "launcher.rs"]
mod launcher;

fn main() -> std::process::ExitCode {
    launcher::run("migration")
}
