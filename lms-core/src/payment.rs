//! The payment seam. `lms-stripe` implements [`PaymentProvider`]; until a host configures
//! one, [`PaymentsDisabled`] answers every call with [`LmsError::PaymentsNotConfigured`].

use crate::course::Course;
use crate::error::LmsError;
use crate::org::{Org, User};
use async_trait::async_trait;

/// Where a buyer is sent to pay, and the provider's id for that checkout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutSession {
    /// The provider's hosted payment page.
    pub checkout_url: String,
    /// The provider's session id.
    pub session_id: String,
}

/// What a checkout is for.
#[derive(Clone, Debug)]
pub struct CheckoutRequest<'a> {
    /// The org selling.
    pub org: &'a Org,
    /// The course bought.
    pub course: &'a Course,
    /// The buyer.
    pub buyer: &'a User,
    /// Where the provider sends the buyer after paying (already checked against the
    /// allowed origins).
    pub success_url: &'a str,
    /// Where the provider sends the buyer who gives up.
    pub cancel_url: &'a str,
}

/// A payment provider that sells courses.
#[async_trait]
pub trait PaymentProvider: Send + Sync + 'static {
    /// Starts a checkout for a paid course.
    async fn create_checkout(&self, request: CheckoutRequest<'_>) -> Result<CheckoutSession, LmsError>;
}

/// The provider of an LMS that sells nothing: paid courses stay closed (402) and checkout
/// answers "payments not configured" (503).
#[derive(Clone, Copy, Debug, Default)]
pub struct PaymentsDisabled;

#[async_trait]
impl PaymentProvider for PaymentsDisabled {
    async fn create_checkout(&self, _request: CheckoutRequest<'_>) -> Result<CheckoutSession, LmsError> {
        Err(LmsError::PaymentsNotConfigured)
    }
}
