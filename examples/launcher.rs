//! What the facade's launchers share: each asks cargo to run an example of the package
//! `lms-examples` (`examples/full/`), with the same profile and arguments. Those examples
//! turn on every feature, so they live in a package of their own: were it selected by
//! default, cargo would build those features into every build of the facade,
//! `examples/embed.rs` included.

use std::process::{Command, ExitCode};

/// Runs `lms-examples`' example `name` with this process's arguments, and exits as it did.
pub fn run(name: &str) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut run = Command::new(cargo);
    // The workspace this launcher was built in, wherever it is run from.
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    run.args([
        "run",
        "--manifest-path",
        manifest,
        "-p",
        "lms-examples",
        "--example",
        name,
    ]);
    if !cfg!(debug_assertions) {
        run.arg("--release");
    }
    run.arg("--").args(std::env::args_os().skip(1));
    match run.status() {
        Ok(status) => ExitCode::from(status.code().map_or(1, |code| code as u8)),
        Err(error) => {
            eprintln!("cannot run cargo to build the example {name}: {error}");
            ExitCode::FAILURE
        }
    }
}
