//! The mailers against real things: a real SMTP server (scripts/test.sh starts one, and it
//! writes what it receives into a Maildir that the tests read back), real files, and the
//! queue's retries on a paused clock.

use async_trait::async_trait;
use lms_core::mail::{MailError, MailMessage, Mailer, MemoryMailer};
use lms_mail::{FileMailer, MailQueue, RetryPolicy, SmtpMailer};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

fn message(subject: &str) -> MailMessage {
    MailMessage {
        to: "ada@example.com".into(),
        subject: subject.into(),
        text: "Verify your address: https://app.example.com/verify?token=abc".into(),
        html: Some("<p><a href=\"https://app.example.com/verify?token=abc\">Verify</a></p>".into()),
    }
}

/// The test SMTP server's URL and the Maildir it delivers into.
fn smtp_server() -> (String, PathBuf) {
    let hint = "run scripts/test.sh (it starts aiosmtpd on a free port), or start an SMTP \
                server that writes a Maildir and set LMS_TEST_SMTP_URL \
                (smtp://127.0.0.1:<port>?tls=none) and LMS_TEST_SMTP_MAILDIR";
    let url = std::env::var("LMS_TEST_SMTP_URL")
        .unwrap_or_else(|_| panic!("LMS_TEST_SMTP_URL is not set: {hint}"));
    let maildir = std::env::var("LMS_TEST_SMTP_MAILDIR")
        .unwrap_or_else(|_| panic!("LMS_TEST_SMTP_MAILDIR is not set: {hint}"));
    (url, PathBuf::from(maildir))
}

/// The raw message in `maildir` whose text contains `needle`, waiting up to 10 s for it.
async fn delivered(maildir: &std::path::Path, needle: &str) -> String {
    for _ in 0..100 {
        for dir in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(maildir.join(dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                let raw = std::fs::read_to_string(entry.path()).unwrap_or_default();
                if raw.contains(needle) {
                    return raw;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "no message with {needle:?} arrived in {}",
        maildir.display()
    );
}

#[tokio::test]
async fn a_message_goes_through_a_real_smtp_server() {
    let (url, maildir) = smtp_server();
    let subject = format!("Verify your address {}", uuid::Uuid::now_v7());
    let from = "Acme Academy <academy@example.com>".parse().unwrap();
    let mailer = SmtpMailer::from_url(&url, from).expect("url");
    mailer.send(&message(&subject)).await.expect("delivered");

    let raw = delivered(&maildir, &subject).await;
    assert!(
        raw.contains("From: \"Acme Academy\" <academy@example.com>"),
        "{raw}"
    );
    assert!(raw.contains("To: ada@example.com"), "{raw}");
    assert!(raw.contains("multipart/alternative"), "{raw}");
    assert!(raw.contains("Content-Type: text/plain"), "{raw}");
    assert!(raw.contains("Content-Type: text/html"), "{raw}");
    assert!(raw.contains("token=abc"), "{raw}");
}

#[tokio::test]
async fn smtp_urls_require_starttls_unless_they_say_otherwise() {
    let (url, _) = smtp_server();
    // The same server without `tls=none`: STARTTLS is required, and it offers none.
    let secure = url.replace("?tls=none", "");
    let from = "academy@example.com".parse().unwrap();
    let mailer = SmtpMailer::from_url(&secure, from).expect("url");
    let refused = mailer.send(&message("never sent")).await.unwrap_err();
    assert!(refused.is_transient(), "{refused}");
    let from = "academy@example.com".parse().unwrap();
    let error = SmtpMailer::from_url("smtp://host?tls=sometimes", from).unwrap_err();
    assert!(error.to_string().contains("tls=none"), "{error}");
    // A password never rides on a connection that may stay in clear.
    let from = "academy@example.com".parse().unwrap();
    let error = SmtpMailer::from_url("smtp://u:p@host:587?tls=opportunistic", from).unwrap_err();
    assert!(error.to_string().contains("in clear"), "{error}");
}

#[tokio::test]
async fn files_are_readable_mail() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = FileMailer::new(
        dir.path().join("mail"),
        "academy@example.com".parse().unwrap(),
    );
    mailer.send(&message("Reset your password")).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path().join("mail"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(files.len(), 1);
    assert!(files[0].path().extension().is_some_and(|e| e == "eml"));
    let raw = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(
        raw.contains("Subject: Reset your password") && raw.contains("token=abc"),
        "{raw}"
    );
}

#[tokio::test]
async fn a_bad_recipient_is_rejected_for_good() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = FileMailer::new(dir.path(), "academy@example.com".parse().unwrap());
    let mut bad = message("x");
    bad.to = "not an address".into();
    let error = mailer.send(&bad).await.unwrap_err();
    assert!(!error.is_transient(), "{error}");
}

/// Fails the first `failures` sends with `error`, then delivers into `delivered`.
struct Flaky {
    failures: Mutex<Vec<MailError>>,
    attempts: Mutex<u32>,
    delivered: MemoryMailer,
}

#[async_trait]
impl Mailer for Flaky {
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        *self.attempts.lock().unwrap() += 1;
        let failure = self.failures.lock().unwrap().pop();
        match failure {
            Some(error) => Err(error),
            None => self.delivered.send(message).await,
        }
    }
}

fn flaky(failures: Vec<MailError>) -> std::sync::Arc<Flaky> {
    std::sync::Arc::new(Flaky {
        failures: Mutex::new(failures),
        attempts: Mutex::new(0),
        delivered: MemoryMailer::default(),
    })
}

#[tokio::test(start_paused = true)]
async fn the_queue_accepts_at_once_and_retries_transient_failures() {
    let down = || MailError::Unavailable("connection refused".into());
    let mailer = flaky(vec![down(), down()]);
    let policy = RetryPolicy {
        delays: vec![
            Duration::from_secs(5),
            Duration::from_secs(30),
            Duration::from_secs(120),
        ],
    };
    let queue = MailQueue::with_policy(mailer.clone(), policy);
    let started = tokio::time::Instant::now();
    queue.send(&message("Hello")).await.expect("accepted");
    assert_eq!(
        started.elapsed(),
        Duration::ZERO,
        "the caller does not wait"
    );
    queue.idle().await;
    assert_eq!(started.elapsed(), Duration::from_secs(35), "5 s, then 30 s");
    assert_eq!(*mailer.attempts.lock().unwrap(), 3);
    assert_eq!(mailer.delivered.sent().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_queue_gives_up_on_refusals_and_after_its_last_retry() {
    let refused = flaky(vec![MailError::Rejected("550 no such user".into())]);
    let queue = MailQueue::with_policy(refused.clone(), RetryPolicy::default());
    queue.send(&message("Hello")).await.expect("accepted");
    queue.idle().await;
    assert_eq!(
        *refused.attempts.lock().unwrap(),
        1,
        "a refusal is not retried"
    );

    let down = || MailError::Unavailable("connection refused".into());
    let always_down = flaky((0..10).map(|_| down()).collect());
    let policy = RetryPolicy {
        delays: vec![Duration::from_secs(1), Duration::from_secs(2)],
    };
    let queue = MailQueue::with_policy(always_down.clone(), policy);
    queue.send(&message("Hello")).await.expect("accepted");
    queue.idle().await;
    assert_eq!(
        *always_down.attempts.lock().unwrap(),
        3,
        "one try and two retries"
    );
    assert!(always_down.delivered.sent().is_empty());
}
