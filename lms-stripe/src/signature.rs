//! Verifying `Stripe-Signature` headers, as Stripe's official libraries do.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How long after signing a webhook is accepted by default, in seconds (Stripe's own
/// libraries' default).
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// Why a webhook signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The header is empty or has no `t=<unix seconds>` timestamp.
    #[error("the Stripe-Signature header is malformed: it needs t=<timestamp> and v1=<signature>")]
    MalformedHeader,
    /// The header carries no `v1` signature (only other schemes, such as `v0`).
    #[error("the Stripe-Signature header has no v1 signature")]
    NoSignatures,
    /// No `v1` signature matches the payload under the secret: a wrong secret, or a body
    /// altered on the way (it must be the raw bytes Stripe sent, not re-serialized JSON).
    #[error(
        "no signature matches the payload: check the webhook secret and that the raw body is verified"
    )]
    BadSignature,
    /// The signature is right but older than the tolerance: a replay, or a clock far off.
    #[error(
        "the signature's timestamp is outside the tolerance: a replayed event, or a clock that is off"
    )]
    TimestampOutOfTolerance,
}

/// Verifies a `Stripe-Signature` header over the raw `payload` with the endpoint's
/// `secret` (`whsec_…`, used as given), the way Stripe's official libraries do: the header is
/// `t=<unix>,v1=<hex>[,v1=<hex>…]` (other keys are ignored); it is valid when any `v1`
/// equals the HMAC-SHA256 of `"<t>.<payload>"` (compared in constant time) and, unless
/// `tolerance_secs` is 0, `now_unix - t` is at most `tolerance_secs`. The signature is checked
/// before the timestamp, as the official libraries do.
///
/// ```
/// use lms_stripe::{verify_signature, SignatureError, DEFAULT_TOLERANCE_SECS};
/// let header = "t=1767225595,v1=0000000000000000000000000000000000000000000000000000000000000000";
/// let result = verify_signature(b"{}", header, "whsec_test", 1767225600, DEFAULT_TOLERANCE_SECS);
/// assert_eq!(result, Err(SignatureError::BadSignature));
/// ```
pub fn verify_signature(
    payload: &[u8],
    header: &str,
    secret: &str,
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        // Keys are compared exactly, as the official libraries do.
        let (key, value) = item.split_once('=').unwrap_or((item, ""));
        match key {
            "t" if timestamp.is_none() => timestamp = Some(value),
            "v1" => signatures.push(value),
            _ => {}
        }
    }
    let timestamp: i64 = timestamp
        .and_then(|t| t.trim().parse().ok())
        .ok_or(SignatureError::MalformedHeader)?;
    if signatures.is_empty() {
        return Err(SignatureError::NoSignatures);
    }
    // Signed over the timestamp as a number, as the official libraries format it.
    let expected = sign(payload, &timestamp.to_string(), secret);
    let matches = signatures
        .iter()
        .any(|given| bool::from(given.as_bytes().ct_eq(expected.as_bytes())));
    if !matches {
        return Err(SignatureError::BadSignature);
    }
    // Saturating: a signed timestamp near i64::MIN must read as very old, not wrap to new.
    if tolerance_secs > 0 && now_unix.saturating_sub(timestamp) > tolerance_secs {
        return Err(SignatureError::TimestampOutOfTolerance);
    }
    Ok(())
}

/// Like [`verify_signature`] for each of `secrets` (several during a secret rotation): valid
/// when one verifies. Otherwise the most telling refusal: a matching but stale signature
/// beats a mismatch.
pub fn verify_with_any(
    payload: &[u8],
    header: &str,
    secrets: &[String],
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let mut refusal = SignatureError::BadSignature;
    for secret in secrets {
        match verify_signature(payload, header, secret, now_unix, tolerance_secs) {
            Ok(()) => return Ok(()),
            Err(SignatureError::BadSignature) => {}
            Err(other) => refusal = other,
        }
    }
    Err(refusal)
}

/// The lowercase hex HMAC-SHA256 of `"<timestamp>.<payload>"` under `secret`: what Stripe puts
/// in `v1`. Public so that tests and tools can sign sample events.
pub fn sign(payload: &[u8], timestamp: &str, secret: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A complete `Stripe-Signature` header for `payload` signed at `timestamp`, as Stripe
/// sends it: for tests and for replaying sample events against a local server.
pub fn signature_header(payload: &[u8], timestamp: i64, secret: &str) -> String {
    format!(
        "t={timestamp},v1={}",
        sign(payload, &timestamp.to_string(), secret)
    )
}
