//! [`PublicUrl`]: where the links the API hands out start.

use std::fmt;
use std::str::FromStr;

/// The absolute URL the API's router is reachable at, prefix included (e.g.
/// `https://lms.example.com/api/v1`): certificate verification and PDF links, signed media
/// URLs and the OpenAPI `servers` entry start here. It comes from configuration because the
/// request's `Host` header is written by the client, and a link built from it points
/// wherever the client likes (into a certificate's PDF, say).
///
/// ```
/// use lms_axum::PublicUrl;
/// let url: PublicUrl = "https://lms.example.com/api/v1/".parse().unwrap();
/// assert_eq!(url.as_str(), "https://lms.example.com/api/v1");
/// assert!("/api/v1".parse::<PublicUrl>().is_err(), "relative");
/// assert!("ftp://lms.example.com".parse::<PublicUrl>().is_err());
/// assert!("https://lms.example.com/?next=x".parse::<PublicUrl>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl(String);

/// Why a text is not a [`PublicUrl`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not a public URL: {why} (give the absolute http(s) URL the API is mounted at, e.g. https://lms.example.com/api/v1)"
)]
pub struct InvalidPublicUrl {
    text: String,
    why: &'static str,
}

impl PublicUrl {
    /// The URL without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PublicUrl {
    type Err = InvalidPublicUrl;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = |why| InvalidPublicUrl {
            // The text goes into logs: never with a password in it.
            text: match url::Url::parse(text.trim()) {
                Ok(mut url) if url.password().is_some() => {
                    let _ = url.set_password(Some("redacted"));
                    url.to_string()
                }
                _ => text.to_string(),
            },
            why,
        };
        let url = url::Url::parse(text.trim()).map_err(|_| invalid("not an absolute URL"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be http or https"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("it names no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("it has a query or a fragment"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("it carries credentials"));
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_string()))
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
