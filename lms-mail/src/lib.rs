//! # lms-mail
//!
//! Delivery for [`lms_core::mail::Mailer`]: SMTP through lettre ([`SmtpMailer`]: STARTTLS
//! or implicit TLS over rustls, authentication, a connection pool), `.eml` files in a
//! directory ([`FileMailer`], for development: open them in any mail client), and
//! [`MailQueue`], which hands messages to either in the background and retries transient
//! failures, so that a slow or failing mail server never fails or delays a request.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use lms_mail::{MailQueue, Sender, SmtpMailer};
//!
//! let from: Sender = "Acme Academy <academy@example.com>".parse()?;
//! let smtp = SmtpMailer::from_url("smtp://user:secret@mail.example.com:587", from)?;
//! let mailer = MailQueue::spawn(smtp); // give this to the Lms
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod file;
mod message;
mod queue;
mod smtp;

pub use file::FileMailer;
pub use message::{InvalidSender, Sender};
pub use queue::{MailQueue, RetryPolicy};
pub use smtp::{InvalidSmtpUrl, SmtpMailer};
