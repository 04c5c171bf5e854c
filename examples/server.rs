//! `cargo run --release --example server`: builds and runs the example server.
//!
//! The server turns on every feature (built-in sign-in, JWTs, PDFs, media, Stripe), so it
//! lives in the package `lms-examples` (`examples/full/server.rs`, where its settings are
//! listed); this launcher asks cargo for it.

#[path = "launcher.rs"]
mod launcher;

fn main() -> std::process::ExitCode {
    launcher::run("example-server")
}
