//! `cargo run --release --example server`: builds and runs the example server.
//!
//! The server turns on every feature (built-in sign-in, JWTs, PDFs, media, Stripe), so it
//! lives in the package `lms-examples` (`examples/full/server.rs`, where its settings are
//! listed): were that package selected by default, cargo would build those features into
//! every build of the facade, `examples/embed.rs` included. This launcher asks cargo for
//! it, with the same profile and arguments.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut run = Command::new(cargo);
    run.args(["run", "-p", "lms-examples", "--example", "server"]);
    if !cfg!(debug_assertions) {
        run.arg("--release");
    }
    run.arg("--").args(std::env::args_os().skip(1));
    match run.status() {
        Ok(status) => ExitCode::from(status.code().map_or(1, |code| code as u8)),
        Err(error) => {
            eprintln!("cannot run cargo to build the example server: {error}");
            ExitCode::FAILURE
        }
    }
}
