//! `.eml` files in a directory: mail for development, readable in any mail client.

use crate::message::{Sender, build};
use async_trait::async_trait;
use lettre::{AsyncFileTransport, AsyncTransport, Tokio1Executor};
use lms_core::mail::{MailError, MailMessage, Mailer};
use std::path::{Path, PathBuf};

/// Writes each message as `<uuid>.eml` into a directory (created when missing).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use lms_core::mail::{MailMessage, Mailer};
/// use lms_mail::FileMailer;
///
/// let dir = tempfile::tempdir().unwrap();
/// let mailer = FileMailer::new(dir.path(), "academy@example.com".parse().unwrap());
/// let hello = MailMessage {
///     to: "ada@example.com".into(),
///     subject: "Hello".into(),
///     text: "Hello, Ada.".into(),
///     html: None,
/// };
/// mailer.send(&hello).await.unwrap();
/// assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct FileMailer {
    dir: PathBuf,
    from: Sender,
    transport: AsyncFileTransport<Tokio1Executor>,
}

impl FileMailer {
    /// Writes into `dir`, from `from`.
    pub fn new(dir: impl AsRef<Path>, from: Sender) -> Self {
        let dir = dir.as_ref().to_path_buf();
        Self {
            transport: AsyncFileTransport::new(&dir),
            dir,
            from,
        }
    }

    /// The directory the messages go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        let email = build(&self.from, message)?;
        tokio::fs::create_dir_all(&self.dir).await.map_err(|e| {
            MailError::Unavailable(format!("cannot create {}: {e}", self.dir.display()))
        })?;
        self.transport.send(email).await.map(drop).map_err(|e| {
            MailError::Unavailable(format!("cannot write to {}: {e}", self.dir.display()))
        })
    }
}
