//! The mail seam: one message to one person, and the [`Mailer`] that delivers it.
//!
//! The core only composes messages (verification links, password resets, invitations) and
//! hands them over after the transaction that made their token has committed; how they
//! travel is an adapter's business (`lms-mail`: SMTP, `.eml` files, memory, and a queue
//! that retries in the background so that a slow or failing server never fails a request).

pub(crate) mod letters;

use async_trait::async_trait;
use std::sync::{Arc, Mutex};

/// One message to one recipient: a subject, a plain-text body (always: readable by every
/// client and screen reader) and optionally the same content as HTML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailMessage {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body, sent beside the text as an alternative.
    pub html: Option<String>,
}

/// Why a message was not delivered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// The mail server could not be reached or answered with a temporary failure: trying
    /// again later may work.
    #[error("mail is unavailable: {0}")]
    Unavailable(String),
    /// The message was refused for good (a malformed address, a permanent SMTP failure):
    /// sending it again will not help.
    #[error("mail was refused: {0}")]
    Rejected(String),
}

impl MailError {
    /// Whether sending the same message again later may work.
    ///
    /// ```
    /// use lms_core::mail::MailError;
    /// assert!(MailError::Unavailable("connection refused".into()).is_transient());
    /// assert!(!MailError::Rejected("no such mailbox".into()).is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// Delivers messages. Implementations must not log message bodies: they carry tokens.
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Delivers `message`, or says why not.
    async fn send(&self, message: &MailMessage) -> Result<(), MailError>;
}

#[async_trait]
impl<M: Mailer + ?Sized> Mailer for Arc<M> {
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        (**self).send(message).await
    }
}

/// Keeps every message in memory, for tests and for hosts that deliver mail themselves
/// (read them with [`MemoryMailer::sent`] or [`MemoryMailer::take`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use lms_core::mail::{MailMessage, Mailer, MemoryMailer};
///
/// let mailer = MemoryMailer::default();
/// let hello = MailMessage {
///     to: "ada@example.com".into(),
///     subject: "Hello".into(),
///     text: "Hello, Ada.".into(),
///     html: None,
/// };
/// mailer.send(&hello).await.unwrap();
/// assert_eq!(mailer.take(), vec![hello]);
/// assert!(mailer.sent().is_empty());
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemoryMailer {
    sent: Arc<Mutex<Vec<MailMessage>>>,
}

impl MemoryMailer {
    /// Every message sent so far, oldest first.
    pub fn sent(&self) -> Vec<MailMessage> {
        self.lock().clone()
    }

    /// Every message sent so far, oldest first, leaving none.
    pub fn take(&self) -> Vec<MailMessage> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<MailMessage>> {
        // A panic while holding the lock leaves a plain Vec intact: keep using it.
        self.sent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl Mailer for MemoryMailer {
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        self.lock().push(message.clone());
        Ok(())
    }
}

/// Refuses every message: the default of an [`crate::Lms`] without
/// [`crate::Lms::with_mail`]. Accounts still work, without their mailed links.
#[derive(Clone, Copy, Debug, Default)]
pub struct MailDisabled;

#[async_trait]
impl Mailer for MailDisabled {
    async fn send(&self, _message: &MailMessage) -> Result<(), MailError> {
        Err(MailError::Rejected(
            "no mailer is configured: call Lms::with_mail".into(),
        ))
    }
}
