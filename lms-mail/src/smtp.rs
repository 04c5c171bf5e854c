//! SMTP through lettre: STARTTLS or implicit TLS (rustls on ring), authentication, a pool.

use crate::message::{Sender, build};
use async_trait::async_trait;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use lms_core::mail::{MailError, MailMessage, Mailer};
use std::time::Duration;
use url::Url;

/// How long one delivery may take, connecting included.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// Delivers through an SMTP server named by a URL.
#[derive(Clone, Debug)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Sender,
}

/// An SMTP URL that cannot be used, and why.
#[derive(Debug, thiserror::Error)]
#[error(
    "the SMTP URL cannot be used ({reason}): write it as smtp://user:password@host:587 \
     (STARTTLS), smtps://user:password@host:465 (TLS from the start), or \
     smtp://host:25?tls=none for a local relay without TLS"
)]
pub struct InvalidSmtpUrl {
    reason: String,
}

impl SmtpMailer {
    /// A mailer for `url`, from `from`:
    /// - `smtp://user:password@host:587`: STARTTLS, required (the default port is 587);
    /// - `smtps://user:password@host:465`: TLS from the first byte;
    /// - `smtp://host:25?tls=none`: no TLS at all, only for a relay on the same machine or
    ///   network (credentials would cross it in clear);
    /// - `?tls=opportunistic`: STARTTLS when the server offers it (refused with a password,
    ///   which would otherwise cross in clear when the offer is missing or stripped).
    ///
    /// User and password are percent-decoded. Nothing is sent until the first message. Call
    /// it inside a Tokio runtime: the connection pool keeps a task.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use lms_mail::SmtpMailer;
    /// let from = "academy@example.com".parse().unwrap();
    /// assert!(SmtpMailer::from_url("smtp://u:p@mail.example.com:587", from).is_ok());
    /// let from = "academy@example.com".parse().unwrap();
    /// assert!(SmtpMailer::from_url("http://mail.example.com", from).is_err());
    /// # }
    /// ```
    pub fn from_url(url: &str, from: Sender) -> Result<Self, InvalidSmtpUrl> {
        let invalid = |reason: String| InvalidSmtpUrl { reason };
        let mut parsed = Url::parse(url).map_err(|e| invalid(e.to_string()))?;
        let tls = parsed
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned());
        let builder = match (parsed.scheme(), tls.as_deref()) {
            ("smtp", Some("none")) => {
                // lettre's plain `smtp://`: drop our `tls=none`, which it does not know.
                let others: Vec<(String, String)> = parsed
                    .query_pairs()
                    .filter(|(key, _)| key != "tls")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                parsed.query_pairs_mut().clear().extend_pairs(others);
                if parsed.query() == Some("") {
                    parsed.set_query(None);
                }
                AsyncSmtpTransport::<Tokio1Executor>::from_url(parsed.as_str())
            }
            ("smtp", None) => {
                // Secure by default: STARTTLS is required unless the URL says otherwise.
                parsed.query_pairs_mut().append_pair("tls", "required");
                AsyncSmtpTransport::<Tokio1Executor>::from_url(parsed.as_str())
            }
            ("smtp", Some("opportunistic")) if parsed.password().is_some() => {
                return Err(invalid(
                    "tls=opportunistic with a password would send it in clear to any server \
                     that does not offer STARTTLS (or to anyone who strips the offer)"
                        .into(),
                ));
            }
            ("smtp", Some("required" | "opportunistic")) | ("smtps", _) => {
                AsyncSmtpTransport::<Tokio1Executor>::from_url(parsed.as_str())
            }
            (scheme, tls) => {
                return Err(invalid(format!(
                    "scheme {scheme:?} with tls={tls:?} is not smtp or smtps with tls=required, \
                     opportunistic or none"
                )));
            }
        }
        .map_err(|e| invalid(e.to_string()))?;
        Ok(Self {
            transport: builder.timeout(Some(SEND_TIMEOUT)).build(),
            from,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        let email = build(&self.from, message)?;
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            // A 5xx answer: the server will refuse this message again.
            Err(e) if e.is_permanent() => Err(MailError::Rejected(e.to_string())),
            // 4xx answers, connection and TLS failures, timeouts: worth another try.
            Err(e) => Err(MailError::Unavailable(e.to_string())),
        }
    }
}
