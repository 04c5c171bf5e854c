//! Checks of the input forms the API contract defines. Each returns the message a
//! [`crate::FieldError`] carries. Slugs and email addresses are parsed into types instead:
//! [`crate::Slug`], [`crate::EmailAddress`].

/// Longest title or name, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest description or markdown body, in characters.
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Largest settings or metadata JSON object, in bytes once serialized.
pub const MAX_JSON_BYTES: usize = 16 * 1024;

/// Titles and names: 1..=200 characters, not only white space.
pub fn title(value: &str) -> Result<(), String> {
    let chars = value.chars().count();
    if value.trim().is_empty() || chars > MAX_TITLE_CHARS {
        return Err(format!(
            "must be 1 to {MAX_TITLE_CHARS} characters, not only white space"
        ));
    }
    // A line of text: no line breaks, tabs or other control characters (and no NUL, which
    // Postgres cannot store at all).
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters such as line breaks".into());
    }
    Ok(())
}

/// Longest URL a user may give (an avatar), in characters.
pub const MAX_URL_CHARS: usize = 2_048;

/// An absolute `https://` URL with a host name, of at most [`MAX_URL_CHARS`] characters,
/// without a user name or password (`https://trusted.example@evil.example/`), returned in
/// its normalized form: special characters percent-encoded, an international host name in
/// punycode. For avatars: never `http:`, `javascript:` or `data:`, which a page would load
/// insecurely or run.
///
/// ```
/// use lms_core::validate::https_url;
/// assert_eq!(
///     https_url("https://CDN.example.com/a b.png").unwrap(),
///     "https://cdn.example.com/a%20b.png"
/// );
/// assert!(https_url("http://cdn.example.com/ada.png").is_err());
/// assert!(https_url("javascript:alert(1)").is_err());
/// assert!(https_url("https://me@cdn.example.com/ada.png").is_err());
/// ```
pub fn https_url(value: &str) -> Result<String, String> {
    let rule = || {
        format!(
            "must be an https:// URL with a host name and no user name, of at most \
             {MAX_URL_CHARS} characters"
        )
    };
    if value.chars().count() > MAX_URL_CHARS || value.chars().any(char::is_control) {
        return Err(rule());
    }
    let url = url::Url::parse(value.trim()).map_err(|_| rule())?;
    let named_host = matches!(url.host(), Some(url::Host::Domain(host)) if !host.is_empty());
    let no_login = url.username().is_empty() && url.password().is_none();
    let normalized = url.as_str();
    if url.scheme() != "https" || !named_host || !no_login || normalized.len() > MAX_URL_CHARS {
        return Err(rule());
    }
    Ok(normalized.to_string())
}

/// Long text (descriptions, markdown): at most [`MAX_TEXT_CHARS`] characters.
pub fn long_text(value: &str) -> Result<(), String> {
    if value.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("must be at most {MAX_TEXT_CHARS} characters"));
    }
    if value.contains('\0') {
        return Err("must not contain NUL characters".into());
    }
    Ok(())
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
