//! Without the `media` feature there are no uploads, so lessons keep only their `media_key`.

use crate::AppState;
use crate::extract::ApiBase;
use serde_json::Value;

/// The lesson as it is: no media store signs its URLs.
pub(crate) fn with_signed_url(lesson: Value, _: &AppState, _: &ApiBase) -> Value {
    lesson
}

/// The submission as it is: no media store signs its attachments' URLs.
pub(crate) fn with_signed_attachments(submission: Value, _: &AppState, _: &ApiBase) -> Value {
    submission
}
