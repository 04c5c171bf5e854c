//! Checks of the input forms the API contract defines. Each returns the message a
//! [`crate::FieldError`] carries.

use uuid::Uuid;

/// Longest title or name, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest description or markdown body, in characters.
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Largest settings or metadata JSON object, in bytes once serialized.
pub const MAX_JSON_BYTES: usize = 16 * 1024;

/// Slugs are 1..=64 of `a-z`, `0-9`, `-`, not starting or ending with `-`, and not
/// shaped like a UUID (so a `{course}` path segment is never ambiguous).
///
/// ```
/// use lms_core::validate::slug;
/// assert!(slug("rust-101").is_ok());
/// assert!(slug("-rust").is_err());
/// ```
pub fn slug(value: &str) -> Result<(), String> {
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
    Ok(())
}

/// Titles and names: 1..=200 characters, not only white space.
pub fn title(value: &str) -> Result<(), String> {
    let chars = value.chars().count();
    if value.trim().is_empty() || chars > MAX_TITLE_CHARS {
        return Err(format!(
            "must be 1 to {MAX_TITLE_CHARS} characters, not only white space"
        ));
    }
    Ok(())
}

/// Long text (descriptions, markdown): at most [`MAX_TEXT_CHARS`] characters.
pub fn long_text(value: &str) -> Result<(), String> {
    if value.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("must be at most {MAX_TEXT_CHARS} characters"));
    }
    Ok(())
}

/// An email address of a plausible shape: `local@domain.tld`, at most 254 characters.
/// Deliverability is the host's business; this only rejects what cannot be an address.
pub fn email(value: &str) -> Result<(), String> {
    let message = || "must be an email address like name@example.com".to_string();
    if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(message());
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
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
    Ok(())
}

/// The canonical form of an email for storage and lookup: trimmed and lowercased.
pub fn normalize_email(value: &str) -> String {
    value.trim().to_lowercase()
}

/// An ISO 4217 currency code: three ASCII letters (stored lowercase, as Stripe does).
pub fn currency(value: &str) -> Result<(), String> {
    if value.len() == 3 && value.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(())
    } else {
        Err("must be a three-letter ISO 4217 code such as usd".into())
    }
}

/// A JSON object of at most [`MAX_JSON_BYTES`] bytes (org settings, course metadata).
pub fn json_object(value: &serde_json::Value) -> Result<(), String> {
    if !value.is_object() {
        return Err("must be a JSON object".into());
    }
    if value.to_string().len() > MAX_JSON_BYTES {
        return Err(format!("must be at most {MAX_JSON_BYTES} bytes"));
    }
    Ok(())
}
