//! # lms
//!
//! An embeddable learning-management system: courses, enrollment, progress, quizzes and
//! reports on the database you already run. This facade re-exports the member crates by
//! feature, the way `sqlx` fronts its drivers:
//!
//! | feature | crate | what |
//! |---|---|---|
//! | (always) | [`lms_core`] | the domain, the access policy and the [`Lms`] service |
//! | `sqlite` (default) | `lms_sqlite` | the embedded SQLite store |
//! | `postgres` | `lms_postgres` | the Postgres store |
//! | `axum` | `lms_axum` | the headless HTTP API as an axum router (serves certificate PDFs) |
//! | `pdf` | `lms_pdf` | certificate PDFs, for hosts that render them themselves |
//! | `stripe` | `lms_stripe` | selling courses and memberships through Stripe |
//! | `media` (`media-s3` for S3) | `lms_media` | media storage (local files, S3-compatible) and signed URLs |
//! | `mail` | `lms_mail` | delivering mail: SMTP, `.eml` files, a retrying background queue |
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub use lms_core::*;

/// The domain core (also re-exported at the crate root).
pub use lms_core as core;

/// The SQLite store.
#[cfg(feature = "sqlite")]
pub use lms_sqlite as sqlite;

/// The Postgres store.
#[cfg(feature = "postgres")]
pub use lms_postgres as postgres;

/// The HTTP API.
#[cfg(feature = "axum")]
pub use lms_axum as axum;

/// Certificate PDFs.
#[cfg(feature = "pdf")]
pub use lms_pdf as pdf;

/// Stripe as the payment provider.
#[cfg(feature = "stripe")]
pub use lms_stripe as stripe;

/// Media storage and signed URLs.
#[cfg(feature = "media")]
pub use lms_media as media;

/// Delivering mail (feature `mail`); the [`Mailer`](crate::core::mail::Mailer) seam
/// itself is in the core.
#[cfg(feature = "mail")]
pub use lms_mail as mail_delivery;
