//! Input as it arrived from a transport, parsed or not.
//!
//! A transport (the HTTP API) parses request bodies before it calls the service, but the
//! API's precedence says a caller learns that their input is wrong (400/422) only after
//! they are known to be allowed (401, 404, 403 first). So a parse failure travels into the
//! service as a [`Parsed`] and is reported there, after the policy. Embedders pass plain
//! values: every `T` converts into `Parsed<T>`.

use crate::error::LmsError;

/// A parsed input, or why it could not be parsed.
#[derive(Debug)]
pub struct Parsed<T>(Result<T, LmsError>);

impl<T> Parsed<T> {
    /// An input that could not be parsed: `error` is reported once the call is allowed.
    pub fn failed(error: LmsError) -> Self {
        Self(Err(error))
    }

    /// The input, or its parse error.
    pub fn into_result(self) -> Result<T, LmsError> {
        self.0
    }

    /// Maps a parsed value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Parsed<U> {
        Parsed(self.0.map(f))
    }
}

impl<T> From<T> for Parsed<T> {
    fn from(value: T) -> Self {
        Self(Ok(value))
    }
}
