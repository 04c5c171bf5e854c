//! # lms-pdf
//!
//! Renders an lms-rs certificate as a one-page landscape PDF (A4 or US Letter) with the
//! learner's name, the course title, the org's name, the issue date, the verification
//! code and the URL where anyone can check it.
//!
//! Names may be written in any of Latin, Greek, Cyrillic or CJK scripts: the PDF's 14
//! built-in fonts cover none of that beyond Western European, so the crate embeds DejaVu Sans
//! and, for the characters DejaVu lacks, Droid Sans Fallback — chosen per character, and
//! subset so that a PDF carries only the glyphs it uses (see `fonts/README.md` for licenses).
//!
//! The output depends only on its input: no clock, no random ids, so one certificate always
//! renders to the same bytes and can be cached or compared.
//!
//! ```
//! use lms_pdf::{CertificateDocument, PaperSize};
//! let issued_at = chrono::DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z").unwrap().to_utc();
//! let pdf = lms_pdf::render(
//!     &CertificateDocument {
//!         learner_name: "Zoë Łukasz 山田",
//!         course_title: "Rust 101",
//!         org_name: "Acme Academy",
//!         issued_at,
//!         code: "K7QM-2XPD-9HVA-TRC3-WN4E-BJ8F-GSYZ",
//!         verify_url: "https://lms.example.com/api/v1/certificates/K7QM-2XPD-9HVA-TRC3-WN4E-BJ8F-GSYZ",
//!         revoked_notice: None,
//!     },
//!     PaperSize::A4,
//! );
//! assert!(pdf.starts_with(b"%PDF-"));
//! ```
#![warn(missing_docs)]

mod layout;

use chrono::{DateTime, Utc};
use layout::{Align, Block, FontFace, Fonts};
use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PdfDocument, PdfFont, PdfPage, PdfSaveOptions, Point,
    Pt, Rgb,
};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// What a certificate says. Every field is printed as given.
#[derive(Clone, Copy, Debug)]
pub struct CertificateDocument<'a> {
    /// The learner's name as it was when the certificate was issued.
    pub learner_name: &'a str,
    /// The course title at issue time.
    pub course_title: &'a str,
    /// The org's name at issue time.
    pub org_name: &'a str,
    /// When the certificate was issued (printed as a date, UTC).
    pub issued_at: DateTime<Utc>,
    /// The verification code.
    pub code: &'a str,
    /// Where anyone can verify the code.
    pub verify_url: &'a str,
    /// For a revoked certificate, why (printed across the top in red); `None` when valid.
    pub revoked_notice: Option<&'a str>,
}

/// The page size; the page is always landscape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PaperSize {
    /// ISO A4, 297 × 210 mm.
    #[default]
    A4,
    /// US Letter, 11 × 8.5 in.
    Letter,
}

impl PaperSize {
    /// Width and height in millimetres, landscape.
    fn landscape_mm(self) -> (f32, f32) {
        match self {
            Self::A4 => (297.0, 210.0),
            Self::Letter => (279.4, 215.9),
        }
    }
}

/// The embedded faces, parsed once per process (parsing the CJK face takes a while).
static FONTS: LazyLock<Fonts> = LazyLock::new(Fonts::load);

/// Renders `certificate` as a one-page landscape PDF.
///
/// Deterministic: the same input gives the same bytes.
pub fn render(certificate: &CertificateDocument<'_>, paper: PaperSize) -> Vec<u8> {
    let fonts = &*FONTS;
    let (width_mm, height_mm) = paper.landscape_mm();
    let (width, height) = (Mm(width_mm).into_pt().0, Mm(height_mm).into_pt().0);
    let margin = 64.0;
    let text_width = width - 2.0 * margin;
    let centre = width / 2.0;

    let mut ops = frame(width, height);
    let issued = format!("Issued on {}", certificate.issued_at.format("%-d %B %Y"));
    let blocks = [
        Block::new(
            "CERTIFICATE OF COMPLETION",
            FontFace::Bold,
            26.0,
            0.72,
            Align::Centre,
        ),
        Block::new(
            "This certifies that",
            FontFace::Regular,
            14.0,
            0.62,
            Align::Centre,
        ),
        Block::new(
            certificate.learner_name,
            FontFace::Bold,
            34.0,
            0.535,
            Align::Centre,
        ),
        Block::new(
            "has completed the course",
            FontFace::Regular,
            14.0,
            0.45,
            Align::Centre,
        ),
        Block::new(
            certificate.course_title,
            FontFace::Bold,
            24.0,
            0.365,
            Align::Centre,
        ),
        Block::new(
            &format!("offered by {}", certificate.org_name),
            FontFace::Regular,
            14.0,
            0.28,
            Align::Centre,
        ),
        Block::new(&issued, FontFace::Regular, 12.0, 0.20, Align::Centre),
        Block::new(
            &format!("Certificate code: {}", certificate.code),
            FontFace::Regular,
            10.0,
            0.125,
            Align::Centre,
        ),
        Block::new(
            &format!("Verify at {}", certificate.verify_url),
            FontFace::Regular,
            9.0,
            0.095,
            Align::Centre,
        ),
    ];
    let mut used = BTreeMap::new();
    for block in &blocks {
        ops.extend(block.ops(fonts, centre, height, text_width, &mut used));
    }
    if let Some(notice) = certificate.revoked_notice {
        let warning = Color::Rgb(Rgb {
            r: 0.75,
            g: 0.1,
            b: 0.1,
            icc_profile: None,
        });
        ops.push(Op::SetFillColor { col: warning });
        let block = Block::new(
            &format!("REVOKED: {notice}"),
            FontFace::Bold,
            16.0,
            0.83,
            Align::Centre,
        );
        ops.extend(block.ops(fonts, centre, height, text_width, &mut used));
    }

    let mut doc = PdfDocument::new("Certificate of completion");
    doc.metadata.info.creator = "lms-rs".into();
    doc.metadata.info.producer = "lms-pdf".into();
    doc.metadata.info.subject = format!("Certificate {}", certificate.code);
    for (face, chars) in &used {
        // Fixed resource names (printpdf's own ids are random), so output is reproducible.
        let id = FontId(face.resource_name().into());
        doc.resources
            .fonts
            .map
            .insert(id, PdfFont::new(fonts.subset(*face, chars)));
    }
    doc.with_pages(vec![PdfPage::new(Mm(width_mm), Mm(height_mm), ops)]);
    save_reproducibly(&doc, certificate.code)
}

/// Saves like `PdfDocument::save`, but with a trailer `/ID` derived from the certificate
/// code instead of printpdf's process-wide counter, which differs from call to call.
fn save_reproducibly(doc: &PdfDocument, code: &str) -> Vec<u8> {
    let options = PdfSaveOptions::default();
    let mut lopdf_doc = printpdf::serialize::to_lopdf_doc(doc, &options, &mut Vec::new());
    let id = lopdf::Object::String(
        format!("lms-certificate-{code}").into_bytes(),
        lopdf::StringFormat::Literal,
    );
    lopdf_doc
        .trailer
        .set("ID", lopdf::Object::Array(vec![id.clone(), id]));
    if options.optimize {
        lopdf_doc.compress();
    }
    let mut bytes = Vec::new();
    lopdf_doc
        .save_to(&mut bytes)
        .expect("writing a PDF into memory cannot fail");
    bytes
}

/// A double rule around the page, in the certificate's accent colour.
fn frame(width: f32, height: f32) -> Vec<Op> {
    let accent = Color::Rgb(Rgb {
        r: 0.16,
        g: 0.29,
        b: 0.48,
        icc_profile: None,
    });
    let mut ops = vec![Op::SetOutlineColor { col: accent }];
    for (inset, thickness) in [(24.0, 2.5), (32.0, 0.8)] {
        ops.push(Op::SetOutlineThickness { pt: Pt(thickness) });
        ops.push(Op::DrawLine {
            line: rectangle(inset, inset, width - inset, height - inset),
        });
    }
    ops
}

fn rectangle(x0: f32, y0: f32, x1: f32, y1: f32) -> Line {
    let corner = |x: f32, y: f32| LinePoint {
        p: Point { x: Pt(x), y: Pt(y) },
        bezier: false,
    };
    Line {
        points: vec![
            corner(x0, y0),
            corner(x1, y0),
            corner(x1, y1),
            corner(x0, y1),
        ],
        is_closed: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Vec<u8> {
        let issued_at = DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
            .unwrap()
            .to_utc();
        render(
            &CertificateDocument {
                learner_name: name,
                course_title: "Rust 101",
                org_name: "Acme",
                issued_at,
                code: "ABCD-EFGH",
                verify_url: "https://example.com/certificates/ABCD-EFGH",
                revoked_notice: None,
            },
            PaperSize::A4,
        )
    }

    #[test]
    fn the_same_certificate_renders_to_the_same_bytes() {
        let first = sample("Zoë Łukasz 山田");
        assert!(first.starts_with(b"%PDF-"));
        assert_eq!(first, sample("Zoë Łukasz 山田"));
        assert_ne!(first, sample("Ada Lovelace"));
    }

    /// The text a PDF reader extracts, through poppler's `pdftotext` (scripts/test.sh
    /// installs poppler-utils).
    pub(crate) fn pdftotext(pdf: &[u8]) -> String {
        let dir = std::env::temp_dir().join(format!(
            "lms-pdf-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&dir, pdf).unwrap();
        let output = std::process::Command::new("pdftotext").arg(&dir).arg("-").output().expect(
            "pdftotext (poppler-utils) must be installed: run scripts/test.sh or `apt-get install poppler-utils`",
        );
        std::fs::remove_file(&dir).unwrap();
        assert!(
            output.status.success(),
            "pdftotext failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    #[test]
    fn names_in_latin_greek_cyrillic_and_cjk_scripts_are_extractable_text() {
        for name in [
            "Zoë Łukasz 山田",
            "Αλέξανδρος Παπαδόπουλος",
            "Дмитрий Шостакович",
            "김민준 李小龍 たなか",
        ] {
            let text = pdftotext(&sample(name));
            assert!(
                text.contains(name),
                "{name:?} not in the extracted text:\n{text}"
            );
            assert!(
                text.contains("Rust 101") && text.contains("ABCD-EFGH") && text.contains("Acme"),
                "{text}"
            );
        }
    }

    #[test]
    fn a_title_too_long_for_one_line_wraps_and_stays_whole() {
        let title = "Ownership ".repeat(20);
        let issued_at = DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
            .unwrap()
            .to_utc();
        let document = CertificateDocument {
            learner_name: "Ada",
            course_title: title.trim(),
            org_name: "Acme",
            issued_at,
            code: "C",
            verify_url: "https://example.com/c",
            revoked_notice: None,
        };
        for paper in [PaperSize::A4, PaperSize::Letter] {
            let text = pdftotext(&render(&document, paper));
            assert_eq!(text.matches("Ownership").count(), 20, "{text}");
        }
    }

    #[test]
    fn a_revoked_certificate_says_so() {
        let issued_at = DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
            .unwrap()
            .to_utc();
        let document = CertificateDocument {
            learner_name: "Ada",
            course_title: "Rust 101",
            org_name: "Acme",
            issued_at,
            code: "C",
            verify_url: "https://example.com/c",
            revoked_notice: Some("the enrollment was revoked"),
        };
        let text = pdftotext(&render(&document, PaperSize::A4));
        assert!(
            text.contains("REVOKED: the enrollment was revoked") && text.contains("Ada"),
            "{text}"
        );
    }
}
