//! The example server's mail: SMTP when `LMS_SMTP_URL` is set, else `.eml` files in
//! `LMS_MAIL_DIR` (its links open pages of the browser app, `crate::web`); and the demo
//! org's pending invitation, whose link is printed at start-up.

use lms::core::mail::{MailMessage, Mailer, MemoryMailer};
use lms::mail_delivery::{FileMailer, MailQueue, Sender, SmtpMailer};
use lms::{Actor, Lms, LmsError, NewMember, Role};

/// The address the demo invitation goes to (no account has it).
pub const INVITEE: &str = "new-teacher@demo.test";

/// The mailer `settings` ask for, behind a retrying queue, and where its mail goes in
/// words.
pub fn mailer(
    settings: &crate::settings::Settings,
) -> Result<(MailQueue, String), Box<dyn std::error::Error>> {
    let from: Sender = settings.mail_from.parse()?;
    Ok(match &settings.smtp_url {
        Some(url) => {
            let smtp = SmtpMailer::from_url(url, from)?;
            // Never print the URL itself: it may carry a password.
            let host = url::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            (
                MailQueue::spawn(smtp),
                format!("sent through the SMTP server {host}"),
            )
        }
        None => {
            let dir = &settings.mail_dir;
            let files = FileMailer::new(dir, from);
            let note = format!(
                "written as .eml files into {}/ (set LMS_SMTP_URL to send)",
                dir.display()
            );
            (MailQueue::spawn(files), note)
        }
    })
}

/// Invites [`INVITEE`] to the demo org as an instructor, replacing the invitation of an
/// earlier start, mails it through `mailer`, and returns its link; `None` once someone
/// accepted it.
pub async fn demo_invitation(
    lms: &Lms,
    mailer: &MailQueue,
    app_url: url::Url,
    org: &str,
) -> Result<Option<String>, Box<dyn std::error::Error>> {
    let admin = lms.user_by_email("admin@demo.test").await?;
    // The token exists only in the mail: catch it there, then send the mail on.
    let caught = MemoryMailer::default();
    let inviting = lms.clone().with_mail(caught.clone(), app_url);
    let new = NewMember {
        email: INVITEE.into(),
        role: Role::Instructor,
    };
    match inviting.invite(&Actor::User(admin.id), org, new).await {
        Ok(_) => {}
        Err(LmsError::Conflict { .. }) => return Ok(None),
        Err(error) => return Err(error.into()),
    }
    let Some(mail) = caught.take().pop() else {
        return Ok(None);
    };
    let _queued = mailer.send(&mail).await;
    Ok(link_in(&mail))
}

fn link_in(mail: &MailMessage) -> Option<String> {
    mail.text
        .lines()
        .find(|line| line.contains("?token="))
        .map(|line| line.trim().to_string())
}
