//! Turning a core [`MailMessage`] into a MIME message from the configured sender.

use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use lms_core::mail::{MailError, MailMessage};
use std::fmt;
use std::str::FromStr;

/// Who mail comes from: an address, optionally with a display name
/// (`Acme Academy <academy@example.com>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sender(Mailbox);

/// A sender that is not an address (`academy@example.com`, optionally as
/// `Name <address>`).
#[derive(Debug, thiserror::Error)]
#[error(
    "the mail sender {given:?} is not an address like `Academy <academy@example.com>`: {reason}"
)]
pub struct InvalidSender {
    given: String,
    reason: String,
}

impl FromStr for Sender {
    type Err = InvalidSender;

    /// ```
    /// use lms_mail::Sender;
    /// assert!("Acme <academy@example.com>".parse::<Sender>().is_ok());
    /// assert!("not an address".parse::<Sender>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<Mailbox>().map(Sender).map_err(|e| InvalidSender {
            given: s.to_string(),
            reason: e.to_string(),
        })
    }
}

impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// `message` from `from`, as text alone or as text with an HTML alternative.
pub(crate) fn build(from: &Sender, message: &MailMessage) -> Result<Message, MailError> {
    let to: Mailbox = message
        .to
        .parse()
        .map_err(|e| MailError::Rejected(format!("the recipient is not an address: {e}")))?;
    let builder = Message::builder()
        .from(from.0.clone())
        .to(to)
        .subject(message.subject.clone());
    let built = match &message.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            message.text.clone(),
            html.clone(),
        )),
        None => builder.body(message.text.clone()),
    };
    built.map_err(|e| MailError::Rejected(format!("the message cannot be built: {e}")))
}
