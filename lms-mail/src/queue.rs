//! Sending in the background, with retries: a request that causes a mail never waits for
//! the mail server, and never fails because of it.

use async_trait::async_trait;
use lms_core::mail::{MailError, MailMessage, Mailer};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};

/// How often, and after how long, a transiently failed message is tried again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The waits before each further try; the message is given up after the last.
    pub delays: Vec<Duration>,
}

impl Default for RetryPolicy {
    /// Three more tries, after 5 s, 30 s and 2 min: a mail server that restarts or a
    /// network that blips is waited out; one that is down for longer is logged, and the
    /// person asks again (a new link) once it is back.
    fn default() -> Self {
        Self {
            delays: vec![
                Duration::from_secs(5),
                Duration::from_secs(30),
                Duration::from_secs(120),
            ],
        }
    }
}

/// A [`Mailer`] that accepts every message at once and delivers it in the background
/// through another one, retrying transient failures ([`RetryPolicy`]). A message that
/// cannot be delivered is logged with its subject, the recipient's domain and the mail
/// server's answer (which may name the recipient), never its body (which carries a token). It lives in memory: messages still waiting when the
/// process stops are lost, and their recipients ask again.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use lms_core::mail::{MailMessage, Mailer, MemoryMailer};
/// use lms_mail::MailQueue;
///
/// let delivered = MemoryMailer::default();
/// let queue = MailQueue::spawn(delivered.clone());
/// let hello = MailMessage {
///     to: "ada@example.com".into(),
///     subject: "Hello".into(),
///     text: "Hello, Ada.".into(),
///     html: None,
/// };
/// queue.send(&hello).await.unwrap(); // returns at once
/// queue.idle().await;
/// assert_eq!(delivered.sent(), vec![hello]);
/// # }
/// ```
#[derive(Clone)]
pub struct MailQueue {
    inner: Arc<Inner>,
}

struct Inner {
    mailer: Arc<dyn Mailer>,
    policy: RetryPolicy,
    /// Deliveries at once: bounds the connections and tasks a burst of mail makes.
    sending: Semaphore,
    in_flight: AtomicUsize,
    idle: Notify,
}

impl MailQueue {
    /// Delivers through `mailer` with the default [`RetryPolicy`]. Call it inside a Tokio
    /// runtime: each message is sent by a task of its own.
    pub fn spawn(mailer: impl Mailer) -> Self {
        Self::with_policy(mailer, RetryPolicy::default())
    }

    /// Delivers through `mailer`, retrying as `policy` says.
    pub fn with_policy(mailer: impl Mailer, policy: RetryPolicy) -> Self {
        Self {
            inner: Arc::new(Inner {
                mailer: Arc::new(mailer),
                policy,
                sending: Semaphore::new(8),
                in_flight: AtomicUsize::new(0),
                idle: Notify::new(),
            }),
        }
    }

    /// Waits until every message accepted so far was delivered or given up (for tests,
    /// and for a host that drains mail before it stops).
    pub async fn idle(&self) {
        loop {
            let notified = self.inner.idle.notified();
            if self.inner.in_flight.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Inner {
    async fn deliver(&self, message: MailMessage) {
        let mut delays = self.policy.delays.iter();
        loop {
            let result = match self.sending.acquire().await {
                Ok(_permit) => self.mailer.send(&message).await,
                Err(_) => return,
            };
            let error = match result {
                Ok(()) => return,
                Err(error) => error,
            };
            let domain = message.to.rsplit('@').next().unwrap_or_default();
            match delays.next() {
                Some(delay) if error.is_transient() => {
                    tracing::info!(subject = %message.subject, to_domain = %domain, %error, retry_in = ?delay, "mail not delivered yet");
                    tokio::time::sleep(*delay).await;
                }
                _ => {
                    tracing::warn!(subject = %message.subject, to_domain = %domain, %error, "mail given up");
                    return;
                }
            }
        }
    }
}

/// One accepted message, until its task ends (however it ends).
struct InFlight(Arc<Inner>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

#[async_trait]
impl Mailer for MailQueue {
    /// Accepts `message` for delivery in the background; never fails.
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        let inner = Arc::clone(&self.inner);
        inner.in_flight.fetch_add(1, Ordering::AcqRel);
        let message = message.clone();
        tokio::spawn(async move {
            // Counted out even if the mailer panics, so that `idle` cannot wait forever.
            let _done = InFlight(Arc::clone(&inner));
            inner.deliver(message).await;
        });
        Ok(())
    }
}
