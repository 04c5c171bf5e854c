//! Signed media URLs: `…/media/{key}?exp={unix seconds}&sig={HMAC-SHA256(key "\n" exp)}`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How long a signed URL stays valid: one hour.
pub const URL_LIFETIME_SECS: i64 = 3600;

/// Why a signed URL was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignedUrlError {
    /// Its expiry has passed: ask the API for the lesson again for a fresh URL.
    #[error("the link has expired")]
    Expired,
    /// The signature does not match the key and expiry (altered, or signed with another
    /// secret).
    #[error("the link is not valid")]
    Invalid,
}

/// Signs and checks media URLs with a server secret (the same on every instance).
///
/// ```
/// use lms_media::{MediaSigner, SignedUrlError};
/// let signer = MediaSigner::new(b"a long random secret shared by every instance");
/// let (exp, sig) = signer.sign("org/file.mp4", 1_000);
/// assert_eq!(exp, 1_000 + 3600);
/// assert_eq!(signer.verify("org/file.mp4", exp, &sig, 1_000), Ok(()));
/// assert_eq!(signer.verify("org/other.mp4", exp, &sig, 1_000), Err(SignedUrlError::Invalid));
/// assert_eq!(signer.verify("org/file.mp4", exp, &sig, exp + 1), Err(SignedUrlError::Expired));
/// ```
#[derive(Clone)]
pub struct MediaSigner {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for MediaSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaSigner { .. }")
    }
}

impl MediaSigner {
    /// A signer with `secret` (use at least 32 random bytes).
    pub fn new(secret: &[u8]) -> Self {
        Self {
            mac: Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length"),
        }
    }

    /// The expiry (`now` + [`URL_LIFETIME_SECS`]) and signature for `key`.
    pub fn sign(&self, key: &str, now_unix: i64) -> (i64, String) {
        let expires = now_unix + URL_LIFETIME_SECS;
        (
            expires,
            URL_SAFE_NO_PAD.encode(self.tag(key, expires).finalize().into_bytes()),
        )
    }

    /// Checks a URL's signature (in constant time), then its expiry.
    pub fn verify(
        &self,
        key: &str,
        expires_unix: i64,
        signature: &str,
        now_unix: i64,
    ) -> Result<(), SignedUrlError> {
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| SignedUrlError::Invalid)?;
        self.tag(key, expires_unix)
            .verify_slice(&signature)
            .map_err(|_| SignedUrlError::Invalid)?;
        if now_unix > expires_unix {
            return Err(SignedUrlError::Expired);
        }
        Ok(())
    }

    fn tag(&self, key: &str, expires_unix: i64) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(key.as_bytes());
        mac.update(b"\n");
        mac.update(expires_unix.to_string().as_bytes());
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_change_to_key_expiry_or_signature_is_refused() {
        let signer = MediaSigner::new(b"secret");
        let (exp, sig) = signer.sign("k/1.mp4", 100);
        assert_eq!(
            signer.verify("k/1.mp4", exp, &sig, exp),
            Ok(()),
            "valid through its last second"
        );
        assert_eq!(
            signer.verify("k/1.mp4", exp + 1, &sig, 100),
            Err(SignedUrlError::Invalid),
            "a later expiry"
        );
        let mut altered = sig.clone().into_bytes();
        altered[0] = if altered[0] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            signer.verify("k/1.mp4", exp, std::str::from_utf8(&altered).unwrap(), 100),
            Err(SignedUrlError::Invalid)
        );
        assert_eq!(
            signer.verify("k/1.mp4", exp, "", 100),
            Err(SignedUrlError::Invalid)
        );
        assert_eq!(
            signer.verify("k/1.mp4", exp, "not base64!", 100),
            Err(SignedUrlError::Invalid)
        );
        let other = MediaSigner::new(b"another secret");
        assert_eq!(
            other.verify("k/1.mp4", exp, &sig, 100),
            Err(SignedUrlError::Invalid)
        );
        // An expired URL with a valid signature says so (a tampered one never does).
        assert_eq!(
            signer.verify("k/1.mp4", exp, &sig, exp + 1),
            Err(SignedUrlError::Expired)
        );
    }
}
