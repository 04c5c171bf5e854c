//! One-time secrets: session tokens and the tokens mailed in links (verification, reset,
//! invitation). Each is 256 random bits from the operating system, handed out once and
//! stored only as its SHA-256 hash, so a leaked table opens nothing.
//!
//! A presented token is looked up by its hash: the secret itself is never compared, so no
//! comparison can leak it through timing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// How long an email verification link works.
pub const VERIFY_EMAIL_TTL: chrono::Duration = chrono::Duration::hours(48);
/// How long a password reset link works.
pub const RESET_PASSWORD_TTL: chrono::Duration = chrono::Duration::hours(1);
/// How long an invitation stays open.
pub const INVITATION_TTL: chrono::Duration = chrono::Duration::days(7);

/// A new secret token: 256 random bits, URL-safe base64 (43 characters).
///
/// ```
/// let token = lms_core::token::new_token().unwrap();
/// assert_eq!(token.len(), 43);
/// assert_ne!(token, lms_core::token::new_token().unwrap());
/// ```
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What the store keeps of `token`: its SHA-256, URL-safe base64.
///
/// ```
/// use lms_core::token::token_hash;
/// assert_eq!(token_hash("abc"), token_hash("abc"));
/// assert_ne!(token_hash("abc"), "abc");
/// ```
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_stored_hashed() {
        let token = new_token().unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), 32);
        assert_eq!(
            URL_SAFE_NO_PAD.decode(token_hash(&token)).unwrap().len(),
            32
        );
    }
}
