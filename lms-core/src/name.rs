//! Names parsed from input: a value of these types has passed its check, so code that
//! holds one need not check again (parse, don't validate).

use std::fmt;
use uuid::Uuid;

/// A URL-safe name of an org or a course: 1..=64 of `a-z`, `0-9`, `-`, not starting or
/// ending with `-`, and not shaped like a UUID (so a `{course}` path segment, an id or a
/// slug, is never ambiguous).
///
/// ```
/// use lms_core::Slug;
/// assert_eq!(Slug::parse("rust-101").unwrap().as_str(), "rust-101");
/// assert!(Slug::parse("-rust").is_err());
/// assert!(Slug::parse("Rust 101").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    /// The slug `value` is, or the message a [`crate::FieldError`] carries.
    pub fn parse(value: &str) -> Result<Self, String> {
        let ok_chars = value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if value.is_empty() || value.len() > 64 || !ok_chars {
            return Err("must be 1 to 64 characters of a-z, 0-9 and -".into());
        }
        if value.starts_with('-') || value.ends_with('-') {
            return Err("must not start or end with -".into());
        }
        if Uuid::parse_str(value).is_ok() {
            return Err("must not be shaped like a UUID".into());
        }
        Ok(Self(value.to_owned()))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> Self {
        slug.0
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address in its canonical form (trimmed, lowercased) and of a plausible shape:
/// `local@domain.tld`, at most 254 characters. Deliverability is the host's business; this
/// only rejects what cannot be an address.
///
/// ```
/// use lms_core::EmailAddress;
/// let email = EmailAddress::parse(" Ada@Example.COM ").unwrap();
/// assert_eq!(email.as_str(), "ada@example.com");
/// assert!(EmailAddress::parse("ada@localhost").is_err());
/// // Display names and quoting: a mail server would deliver these somewhere else.
/// assert!(EmailAddress::parse("x<mallory@evil.example>").is_err());
/// assert!(EmailAddress::parse("\"ada\"@example.com").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// The address `value` is, in canonical form, or the message a [`crate::FieldError`]
    /// carries.
    pub fn parse(value: &str) -> Result<Self, String> {
        let email = Self::canonical(value);
        let message = || "must be an email address like name@example.com".to_string();
        // Beside white space and control characters, the ones that make an address a
        // display name, a quoted or commented part, a group or a list.
        let special = |c: char| c.is_whitespace() || c.is_control() || "<>\"(),;:[]\\".contains(c);
        if email.len() > 254 || email.chars().any(special) {
            return Err(message());
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(message());
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.contains('@') || !domain_ok {
            return Err(message());
        }
        Ok(Self(email))
    }

    /// The canonical form of what may or may not be an address, for looking one up (a
    /// sign-in with a mistyped address finds nobody rather than failing differently).
    ///
    /// ```
    /// assert_eq!(lms_core::EmailAddress::canonical(" Ada@Example.com"), "ada@example.com");
    /// ```
    pub fn canonical(value: &str) -> String {
        value.trim().to_lowercase()
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<EmailAddress> for String {
    fn from(email: EmailAddress) -> Self {
        email.0
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
