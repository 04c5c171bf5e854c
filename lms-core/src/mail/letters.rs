//! The messages the core sends: plain words, a text part always (readable everywhere and by
//! screen readers), the same as simple HTML beside it, and one link built on the front
//! end's base URL.

use super::MailMessage;
use crate::org::Role;
use chrono::{DateTime, Utc};

/// Asks a new account to prove its address.
pub(crate) fn verify_email(to: &str, name: &str, link: &str) -> MailMessage {
    letter(
        to,
        "Confirm your email address",
        &[
            &format!("Hello {name},"),
            &format!("please confirm that {to} is your email address by opening this link:"),
        ],
        Some(link),
        &[
            "The link works once, for 48 hours.",
            "If you did not make an account, you can ignore this message.",
        ],
    )
}

/// Asks for proof of a new address, which replaces the account's current one once proven.
pub(crate) fn change_email(to: &str, name: &str, link: &str) -> MailMessage {
    letter(
        to,
        "Confirm your new email address",
        &[
            &format!("Hello {name},"),
            &format!(
                "you asked to change the email address of your account to {to}. Open this \
                 link to confirm it:"
            ),
        ],
        Some(link),
        &[
            "The link works once, for 48 hours. Until then your old address stays in use.",
            "If you did not ask for this, you can ignore this message.",
        ],
    )
}

/// Tells the old address that the account moved to a new one (no link: nothing to do when
/// it was them; a reset from the new address is the owner's way back when it was not).
pub(crate) fn address_changed(to: &str, name: &str, new_address: &str) -> MailMessage {
    letter(
        to,
        "Your email address was changed",
        &[
            &format!("Hello {name},"),
            &format!(
                "the email address of your account is now {new_address}; this address no \
                 longer signs in."
            ),
        ],
        None,
        &["If you did not make this change, contact the site's administrators at once."],
    )
}

/// A link that sets a new password.
pub(crate) fn reset_password(to: &str, name: &str, link: &str) -> MailMessage {
    letter(
        to,
        "Reset your password",
        &[
            &format!("Hello {name},"),
            "someone (we hope you) asked to reset the password of your account. Open this \
             link to choose a new one:",
        ],
        Some(link),
        &[
            "The link works once, for one hour, and signs you out everywhere else.",
            "If you did not ask for this, you can ignore this message: your password stays \
             as it is.",
        ],
    )
}

/// What an invitation mail says.
pub(crate) struct Invitation<'a> {
    pub to: &'a str,
    pub org_name: &'a str,
    pub inviter: &'a str,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// Invites an address (with or without an account) into an org.
pub(crate) fn invitation(invite: &Invitation<'_>, link: &str) -> MailMessage {
    let Invitation {
        to,
        org_name,
        inviter,
        role,
        expires_at,
    } = invite;
    let role = role.as_str();
    let expires = expires_at.format("%Y-%m-%d %H:%M UTC");
    letter(
        to,
        &format!("{inviter} invited you to {org_name}"),
        &[
            "Hello,",
            &format!(
                "{inviter} invited you to join {org_name} as {role}. Open this link to accept:"
            ),
        ],
        Some(link),
        &[
            &format!(
                "The invitation is valid until {expires}. If you have no account yet, sign \
                 up with {to} first; the invitation waits for you."
            ),
            "If you do not want to join, you can ignore this message.",
        ],
    )
}

/// Paragraphs before the link, the link (if any), paragraphs after it: as text and as HTML.
fn letter(
    to: &str,
    subject: &str,
    before: &[&str],
    link: Option<&str>,
    after: &[&str],
) -> MailMessage {
    let mut text = String::new();
    let mut html = String::from("<!DOCTYPE html>\n<html><body>\n");
    for paragraph in before {
        text.push_str(&format!("{paragraph}\n\n"));
        html.push_str(&format!("<p>{}</p>\n", escape(paragraph)));
    }
    if let Some(link) = link {
        text.push_str(&format!("{link}\n\n"));
        let link = escape(link);
        html.push_str(&format!("<p><a href=\"{link}\">{link}</a></p>\n"));
    }
    for paragraph in after {
        text.push_str(&format!("{paragraph}\n\n"));
        html.push_str(&format!("<p>{}</p>\n", escape(paragraph)));
    }
    html.push_str("</body></html>\n");
    MailMessage {
        to: to.to_string(),
        subject: subject.to_string(),
        text: text.trim_end().to_string() + "\n",
        html: Some(html),
    }
}

/// Text safe inside HTML elements and quoted attributes. Five replacements do not justify a
/// dependency.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_in_html_and_plain_in_text() {
        let mail = verify_email(
            "a@example.com",
            "<b>Ada</b> & co",
            "https://app/x?token=t&a=1",
        );
        let html = mail.html.unwrap();
        assert!(html.contains("&lt;b&gt;Ada&lt;/b&gt; &amp; co"));
        assert!(html.contains("href=\"https://app/x?token=t&amp;a=1\""));
        assert!(!html.contains("<b>"));
        assert!(mail.text.contains("Hello <b>Ada</b> & co,"));
        assert!(mail.text.contains("\nhttps://app/x?token=t&a=1\n"));
    }
}
