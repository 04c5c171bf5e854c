//! Writes a sample certificate PDF.
//!
//! ```sh
//! cargo run -p lms-examples --example certificate -- certificate.pdf          # A4
//! cargo run -p lms-examples --example certificate -- certificate.pdf letter   # US Letter
//! ```
//! Then look at it, e.g. `pdftoppm -png -r 60 certificate.pdf page`.

use lms_pdf::{CertificateDocument, PaperSize};
use std::time::Instant;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "certificate.pdf".into());
    let paper = match args.next().as_deref() {
        Some("letter") => PaperSize::Letter,
        _ => PaperSize::A4,
    };
    let code = "K7QM-2XPD-9HVA-TRC3-WN4E-BJ8F-GSYZ";
    let verify_url = format!("http://127.0.0.1:3000/api/v1/certificates/{code}");
    let certificate = CertificateDocument {
        learner_name: "Zoë Łukasz 山田",
        course_title: "Rust for Embedders: Ownership, Borrowing and Lifetimes",
        org_name: "Demo Academy",
        issued_at: chrono::Utc::now(),
        code,
        verify_url: &verify_url,
        revoked_notice: None,
    };
    // The first render also parses the embedded fonts (once per process); the second is what
    // a running server pays per certificate.
    let started = Instant::now();
    lms_pdf::render(&certificate, paper);
    let first = started.elapsed();
    let started = Instant::now();
    let pdf = lms_pdf::render(&certificate, paper);
    let elapsed = started.elapsed();
    std::fs::write(&path, &pdf)?;
    println!(
        "wrote {path}: {} bytes, rendered in {:.1} ms (the first render, parsing the fonts: {:.1} ms)",
        pdf.len(),
        elapsed.as_secs_f64() * 1000.0,
        first.as_secs_f64() * 1000.0
    );
    Ok(())
}
