//! The errors every `Lms` call can return, and the store errors beneath them.
//!
//! Each [`LmsError`] variant maps onto exactly one HTTP status of the API contract
//! ([`LmsError::status`]) and carries a stable machine-readable [`LmsError::code`].

use serde::Serialize;
use std::fmt;

/// What went wrong with one field of the input.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as the API spells it (`title`, `content.questions[2].options`).
    pub field: String,
    /// What is wrong with it and what would be accepted, in words.
    pub message: String,
}

/// A collection of [`FieldError`]s, filled while checking an input.
///
/// ```
/// use lms_core::ValidationErrors;
///
/// let mut errors = ValidationErrors::default();
/// errors.add("title", "must be 1 to 200 characters");
/// assert!(errors.into_result().is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// Records one problem with `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Records the problem of a `Result`, if any.
    pub fn check(&mut self, field: &str, result: Result<(), String>) {
        if let Err(message) = result {
            self.add(field, message);
        }
    }

    /// The value of a parse, or `None` with its problem recorded.
    ///
    /// ```
    /// use lms_core::{Slug, ValidationErrors};
    /// let mut errors = ValidationErrors::default();
    /// let slug = errors.parse("slug", Slug::parse("Not a slug"));
    /// assert!(slug.is_none());
    /// assert!(errors.finish(slug).is_err());
    /// ```
    pub fn parse<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.add(field, message)).ok()
    }

    /// `Ok(value)` when no problem has been recorded, else [`LmsError::Validation`].
    /// `value` is what [`Self::parse`] returned, `None` only when it recorded a problem.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, LmsError> {
        match value {
            Some(value) if self.is_empty() => Ok(value),
            _ => Err(LmsError::Validation(self)),
        }
    }

    /// Whether no problem has been recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when empty, else [`LmsError::Validation`].
    pub fn into_result(self) -> Result<(), LmsError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(LmsError::Validation(self))
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.field, e.message)?;
        }
        Ok(())
    }
}

/// Why a signed-in caller who can see a resource may not act on it (HTTP 403).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForbiddenReason {
    /// The caller's role does not allow the action.
    Role,
    /// The action needs an enrollment the caller does not have.
    NotEnrolled,
    /// The caller's enrollment was revoked (refund or admin).
    EnrollmentRevoked,
    /// The action needs a verified email address (`email_unverified`).
    EmailUnverified,
}

/// Which state a request clashes with (HTTP 409).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConflictKind {
    /// Any other clash with the current state.
    Conflict,
    /// The user already has an active enrollment in the course.
    AlreadyEnrolled,
    /// The slug is used by another org, or by another course of the org.
    SlugTaken,
    /// The email belongs to another user.
    EmailTaken,
    /// The quiz allows no more attempts.
    AttemptsExhausted,
    /// The course status cannot move that way.
    InvalidTransition,
    /// The address invited already belongs to a member of the org.
    AlreadyMember,
}

/// The error of every [`crate::Lms`] call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LmsError {
    /// The call needs a signed-in caller and there is none.
    #[error("sign in first: this action needs a signed-in user")]
    Unauthenticated,
    /// The request carried credentials that are not accepted (a token that is expired,
    /// forged, for another audience, or lacks a claim); the message says which check
    /// failed. Answered like [`LmsError::Unauthenticated`]: 401 `unauthenticated`.
    #[error("credentials refused: {0}")]
    CredentialsRefused(String),
    /// The thing does not exist, or the caller may not know that it exists.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller can see the resource but may not do this.
    #[error("forbidden: {message}")]
    Forbidden {
        /// The machine-readable reason.
        reason: ForbiddenReason,
        /// The reason in words.
        message: String,
    },
    /// A release rule still holds the lesson for this learner: it opens at `available_at`
    /// when a date will open it, or once what `unmet` names is done.
    #[error("locked: {}", unmet.first().map_or("the lesson is not open yet", |u| u.detail.as_str()))]
    Locked {
        /// When a date opens the lesson, if one will.
        available_at: Option<chrono::DateTime<chrono::Utc>>,
        /// What holds it, in words.
        unmet: Vec<crate::progress::Unmet>,
    },
    /// The caller has not completed the courses this one requires (`unmet` names them):
    /// complete them first, or ask an owner or admin to enroll you.
    #[error("prerequisites unmet: {}", unmet.iter().map(|u| u.detail.as_str()).collect::<Vec<_>>().join("; "))]
    PrerequisitesUnmet {
        /// Each prerequisite still to complete.
        unmet: Vec<crate::progress::Unmet>,
    },
    /// The course must be bought before it can be used.
    #[error("payment required: buy the course to enroll in it or read its lessons")]
    PaymentRequired,
    /// The request clashes with the current state.
    #[error("conflict: {message}")]
    Conflict {
        /// The machine-readable kind of clash.
        kind: ConflictKind,
        /// What clashed, in words.
        message: String,
    },
    /// Well-formed input with missing or invalid values; each field says what is wrong.
    #[error("invalid input: {0}")]
    Validation(ValidationErrors),
    /// The request or one of its parameters has the wrong form (a body that is not JSON,
    /// an unreadable pagination cursor).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The body is not of a type the call accepts (a transport reports this).
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// The body is larger than the transport accepts.
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    /// The org's storage quota would be exceeded by this upload: delete unused media
    /// (`DELETE …/media/{key}`) or ask the operator for a larger quota.
    #[error("storage quota exceeded: {0}")]
    QuotaExceeded(String),
    /// A byte range that starts past the end of a file of `size` bytes (`Range` on media).
    #[error("range not satisfiable: the file has {size} bytes")]
    RangeNotSatisfiable {
        /// The file's size.
        size: u64,
    },
    /// The client sent the request too slowly (an upload below the minimum rate).
    #[error("request timeout: {0}")]
    RequestTimeout(String),
    /// An emailed token (a verification, reset or invitation link) that is unknown, used
    /// or expired: one answer for all three, so a token's history stays private. Ask for
    /// a new link.
    #[error("invalid or expired link: ask for a new one")]
    InvalidToken,
    /// Too many attempts (sign-in): try again after `retry_after_secs`.
    #[error("too many attempts: try again in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until an attempt will be accepted again.
        retry_after_secs: u64,
    },
    /// The server is shedding load (too much of a costly kind of work at once): try again
    /// after `retry_after_secs`. Answered 503 `unavailable`.
    #[error("the server is busy: try again in {retry_after_secs} s")]
    Overloaded {
        /// Seconds to wait before trying again.
        retry_after_secs: u64,
    },
    /// An org export file that cannot be imported: which line, and why. Nothing of it was
    /// written. Answered 422 `import_refused`.
    #[error("the import was refused: {0}")]
    Import(#[from] crate::portability::ImportError),
    /// The call needs payments and no payment provider is configured.
    #[error("payments are not configured: set up a payment provider to sell courses")]
    PaymentsNotConfigured,
    /// The store failed; the change, if any, was rolled back.
    #[error("store failure: {0}")]
    Store(#[source] StoreError),
}

impl LmsError {
    /// The stable `code` of the API contract (`not_found`, `slug_taken`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated | Self::CredentialsRefused(_) => "unauthenticated",
            Self::NotFound(_) => "not_found",
            Self::Forbidden { reason, .. } => match reason {
                ForbiddenReason::Role => "forbidden",
                ForbiddenReason::NotEnrolled => "not_enrolled",
                ForbiddenReason::EnrollmentRevoked => "enrollment_revoked",
                ForbiddenReason::EmailUnverified => "email_unverified",
            },
            Self::Locked { .. } => "locked",
            Self::PrerequisitesUnmet { .. } => "prerequisites_unmet",
            Self::PaymentRequired => "payment_required",
            Self::Conflict { kind, .. } => match kind {
                ConflictKind::Conflict => "conflict",
                ConflictKind::AlreadyEnrolled => "already_enrolled",
                ConflictKind::SlugTaken => "slug_taken",
                ConflictKind::EmailTaken => "email_taken",
                ConflictKind::AttemptsExhausted => "attempts_exhausted",
                ConflictKind::InvalidTransition => "invalid_transition",
                ConflictKind::AlreadyMember => "already_member",
            },
            Self::Validation(_) => "validation_failed",
            Self::Malformed(_) => "malformed_request",
            Self::InvalidToken => "invalid_token",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::QuotaExceeded(_) => "quota_exceeded",
            Self::RequestTimeout(_) => "request_timeout",
            Self::RangeNotSatisfiable { .. } => "range_not_satisfiable",
            Self::RateLimited { .. } => "rate_limited",
            Self::PaymentsNotConfigured => "payments_not_configured",
            Self::Import(_) => "import_refused",
            Self::Overloaded { .. } | Self::Store(StoreError::Unavailable(_)) => "unavailable",
            Self::Store(_) => "internal_error",
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated | Self::CredentialsRefused(_) => 401,
            Self::NotFound(_) => 404,
            Self::Forbidden { .. } | Self::Locked { .. } => 403,
            Self::PaymentRequired => 402,
            Self::Conflict { .. } | Self::PrerequisitesUnmet { .. } => 409,
            Self::Validation(_) | Self::Import(_) => 422,
            Self::Malformed(_) | Self::InvalidToken => 400,
            Self::UnsupportedMediaType(_) => 415,
            Self::PayloadTooLarge(_) | Self::QuotaExceeded(_) => 413,
            Self::RequestTimeout(_) => 408,
            Self::RangeNotSatisfiable { .. } => 416,
            Self::RateLimited { .. } => 429,
            Self::PaymentsNotConfigured | Self::Overloaded { .. } => 503,
            Self::Store(StoreError::Unavailable(_)) => 503,
            Self::Store(_) => 500,
        }
    }

    pub(crate) fn conflict(kind: ConflictKind, message: impl Into<String>) -> Self {
        Self::Conflict {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn forbidden(reason: ForbiddenReason, message: impl Into<String>) -> Self {
        Self::Forbidden {
            reason,
            message: message.into(),
        }
    }

    /// A validation error on a single field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let mut errors = ValidationErrors::default();
        errors.add(field, message);
        Self::Validation(errors)
    }
}

/// A broken unique key is the request clashing with current state (409, with the contract's
/// code for that key); any other store error stays a store failure.
impl From<StoreError> for LmsError {
    fn from(error: StoreError) -> Self {
        let (kind, message) = match error {
            StoreError::Duplicate(UniqueKey::OrgSlug) => {
                (ConflictKind::SlugTaken, "another org has this slug")
            }
            StoreError::Duplicate(UniqueKey::CourseSlug) => (
                ConflictKind::SlugTaken,
                "the org has a course with this slug",
            ),
            StoreError::Duplicate(UniqueKey::UserEmail) => (
                ConflictKind::EmailTaken,
                "the email belongs to another user",
            ),
            StoreError::Duplicate(UniqueKey::Enrollment) => (
                ConflictKind::AlreadyEnrolled,
                "already enrolled in this course",
            ),
            StoreError::Duplicate(UniqueKey::Membership) => {
                (ConflictKind::Conflict, "the user is a member already")
            }
            other => return Self::Store(other),
        };
        Self::conflict(kind, message)
    }
}

/// A unique key the store enforces; reported when an insert or update would break it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UniqueKey {
    /// Org slugs are unique.
    OrgSlug,
    /// User emails are unique.
    UserEmail,
    /// Course slugs are unique within an org.
    CourseSlug,
    /// One membership per (org, user).
    Membership,
    /// One enrollment per (user, course).
    Enrollment,
    /// One attempt number per (user, lesson).
    AttemptNumber,
    /// Any other unique key, named by the backend.
    Other,
}

/// The error of a [`crate::store::Store`] backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A unique key would be violated; nothing was written.
    #[error("unique key {0:?} would be violated")]
    Duplicate(UniqueKey),
    /// The backend cannot be reached (connection refused, pool timed out).
    #[error("store unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Stored data could not be read back (a corrupt row, an unknown enum value).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Any other backend failure.
    #[error("store backend failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}
