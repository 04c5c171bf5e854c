//! A mailer for tests that proves the core's promise about mail and transactions: a message
//! is handed over only after the transaction that made its token has committed.

use crate::mail::{MailError, MailMessage, Mailer, MemoryMailer};
use crate::store::{Access, Store, TokenPurpose};
use crate::token::token_hash;
use async_trait::async_trait;
use chrono::Utc;
use std::sync::Arc;

/// Keeps every message like [`MemoryMailer`], and, as each one is sent, checks from a
/// transaction of its own that the token its link carries is already committed and
/// usable (an account token, or an invitation's). That transaction only tries the token and is then rolled back, so the check
/// uses nothing up. A message sent from inside the transaction that writes its token
/// would fail the check: another transaction cannot see an uncommitted row (and on
/// SQLite could not even begin to write while that one holds the lock).
///
/// ```no_run
/// # async fn demo(lms: lms_core::Lms) {
/// use lms_core::testing::CommitCheckingMailer;
/// let mail = CommitCheckingMailer::new(lms.store().clone());
/// let lms = lms.with_mail(mail.clone(), "https://app.example.com".parse().unwrap());
/// // … a flow that mails a link …
/// let token = mail.last_token();
/// # }
/// ```
#[derive(Clone)]
pub struct CommitCheckingMailer {
    store: Arc<dyn Store>,
    sent: MemoryMailer,
}

impl CommitCheckingMailer {
    /// A mailer that checks tokens against `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            sent: MemoryMailer::default(),
        }
    }

    /// Every message sent so far, oldest first, leaving none.
    pub fn take(&self) -> Vec<MailMessage> {
        self.sent.take()
    }

    /// The token in the link of the last message sent. Panics when there is none.
    pub fn last_token(&self) -> String {
        let sent = self.sent.sent();
        let last = sent.last().expect("a message was sent");
        link_token(last).expect("the message carries a link with a token")
    }

    async fn committed(&self, token: &str) -> Result<bool, crate::StoreError> {
        let hash = token_hash(token);
        let mut tx = self.store.begin(Access::Write).await?;
        let accounts = tx.accounts().expect("the store keeps accounts");
        for purpose in [
            TokenPurpose::VerifyEmail,
            TokenPurpose::ChangeEmail,
            TokenPurpose::ResetPassword,
        ] {
            if accounts
                .use_account_token(&hash, purpose, Utc::now())
                .await?
                .is_some()
            {
                // Dropped without commit: the token stays unused.
                return Ok(true);
            }
        }
        Ok(tx.lock_invitation_by_token(&hash).await?.is_some())
    }
}

#[async_trait]
impl Mailer for CommitCheckingMailer {
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        // A notice without a link (an address changed) has no token to check.
        if let Some(token) = link_token(message) {
            let committed = self.committed(&token).await;
            assert!(
                matches!(committed, Ok(true)),
                "mailed a token that another transaction cannot use yet ({committed:?}): the \
                 message was sent before its transaction committed"
            );
        }
        self.sent.send(message).await
    }
}

/// The `token` query parameter of the first link in the text of `message`.
pub fn link_token(message: &MailMessage) -> Option<String> {
    let start = message.text.find("?token=")? + "?token=".len();
    let token = message.text[start..]
        .split(|c: char| c.is_whitespace() || c == '&')
        .next()?;
    Some(token.to_string())
}
