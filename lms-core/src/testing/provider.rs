//! A payment provider for the conformance suite: it records what the LMS asks of it and
//! reads back the webhooks a test hands it, so the LMS's side of selling runs against a
//! real store without a network. (The Stripe adapter has its own tests against a local
//! fake of Stripe's API and against Stripe's signed webhook vectors.)

use crate::{
    CheckoutRequest, CheckoutSession, CourseId, LmsError, OrgId, PaymentEvent, PaymentProvider,
    Purchase, UserId,
};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The signature [`RecordingProvider`] accepts on a webhook delivery.
pub const GOOD_SIGNATURE: &str = "t=1,v1=recorded";

/// What a checkout asked for, as the provider saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedCheckout {
    /// The selling org.
    pub org: OrgId,
    /// The course bought, or `None` for the membership plan.
    pub course: Option<CourseId>,
    /// The price: the course's, or the plan's per interval.
    pub amount: i64,
    /// The buyer.
    pub buyer: UserId,
    /// Where the buyer returns after paying.
    pub success_url: String,
}

#[derive(Default)]
struct Recorded {
    checkouts: Vec<RecordedCheckout>,
    cancellations: Vec<String>,
    webhooks: HashMap<Vec<u8>, Option<PaymentEvent>>,
    refuse_cancellation: bool,
}

/// A payment provider that records checkouts and cancellations and reads webhooks a test
/// registered with [`RecordingProvider::webhook`]. Clones share their records.
#[derive(Clone, Default)]
pub struct RecordingProvider(Arc<Mutex<Recorded>>);

impl RecordingProvider {
    fn recorded(&self) -> std::sync::MutexGuard<'_, Recorded> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The checkouts started so far, oldest first.
    pub fn checkouts(&self) -> Vec<RecordedCheckout> {
        self.recorded().checkouts.clone()
    }

    /// The subscription ids asked to cancel at period end, oldest first.
    pub fn cancellations(&self) -> Vec<String> {
        self.recorded().cancellations.clone()
    }

    /// From now on, cancellations fail as if the provider were down.
    pub fn refuse_cancellations(&self) {
        self.recorded().refuse_cancellation = true;
    }

    /// A delivery of `event` (`None`: a verified event of a type the LMS ignores): the raw
    /// body to hand to [`crate::Lms::handle_payment_webhook`] with [`GOOD_SIGNATURE`].
    pub fn webhook(&self, event: Option<PaymentEvent>) -> Vec<u8> {
        let mut recorded = self.recorded();
        let payload = format!("delivery {}", recorded.webhooks.len()).into_bytes();
        recorded.webhooks.insert(payload.clone(), event);
        payload
    }
}

#[async_trait]
impl PaymentProvider for RecordingProvider {
    async fn create_checkout(
        &self,
        request: CheckoutRequest<'_>,
    ) -> Result<CheckoutSession, LmsError> {
        let (course, amount) = match request.purchase {
            Purchase::Course(course) => (Some(course.id), course.price.as_ref().map(|p| p.amount)),
            Purchase::Membership(plan) => (None, Some(plan.amount)),
        };
        let mut recorded = self.recorded();
        recorded.checkouts.push(RecordedCheckout {
            org: request.org.id,
            course,
            amount: amount.unwrap_or(0),
            buyer: request.buyer.id,
            success_url: request.success_url.to_string(),
        });
        let n = recorded.checkouts.len();
        Ok(CheckoutSession {
            checkout_url: format!("https://pay.test/cs_{n}"),
            session_id: format!("cs_{n}"),
        })
    }

    async fn cancel_at_period_end(&self, subscription_id: &str) -> Result<(), LmsError> {
        let mut recorded = self.recorded();
        if recorded.refuse_cancellation {
            let down = "the provider is down";
            return Err(LmsError::Store(crate::StoreError::Unavailable(down.into())));
        }
        recorded.cancellations.push(subscription_id.to_string());
        Ok(())
    }

    fn read_webhook(
        &self,
        payload: &[u8],
        signature: &str,
    ) -> Result<Option<PaymentEvent>, LmsError> {
        if signature != GOOD_SIGNATURE {
            return Err(LmsError::Malformed("bad webhook signature".into()));
        }
        let recorded = self.recorded();
        let event = recorded.webhooks.get(payload);
        event
            .cloned()
            .ok_or_else(|| LmsError::Malformed("not a delivery of this provider".into()))
    }
}
