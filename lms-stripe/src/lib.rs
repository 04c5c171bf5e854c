//! # lms-stripe
//!
//! Stripe behind lms-rs' [`PaymentProvider`]: Checkout Sessions for paid courses
//! (`mode=payment`) and org membership plans (`mode=subscription`), and webhooks verified
//! with the endpoint's signing secret(s) and read into the core's [`lms_core::PaymentEvent`]s,
//! which [`lms_core::Lms::apply_payment_event`] applies at most once each.
//!
//! A hand-written client rather than `async-stripe`: lms-rs makes two calls (create a
//! Checkout Session, set `cancel_at_period_end`) and reads five event types; the generated
//! crate compiles thousands of types for that, pins its own API version and HTTP stack, and
//! still leaves the signature check and the metadata linking to us.
//!
//! ```no_run
//! # async fn demo(store: lms_sqlite::SqliteStore) {
//! use lms_stripe::{Stripe, StripeConfig};
//! let config = StripeConfig::new("sk_test_…", "whsec_…")
//!     .with_allowed_redirect_origins(["https://lms.example.com"]);
//! let lms = lms_core::Lms::new(store).with_payments(Stripe::new(config));
//! # }
//! ```
#![warn(missing_docs)]

mod client;
mod events;
mod signature;

pub use client::{CreatedSession, Form, STRIPE_VERSION, StripeClient};
pub use events::read_event;
pub use signature::{
    DEFAULT_TOLERANCE_SECS, SignatureError, sign, signature_header, verify_signature,
    verify_with_any,
};

use async_trait::async_trait;
use lms_core::{
    CheckoutRequest, CheckoutSession, LmsError, PaymentEvent, PaymentProvider, Purchase,
};

/// The production API.
pub const STRIPE_API_BASE: &str = "https://api.stripe.com";

/// Settings of the Stripe provider.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StripeConfig {
    /// The account's secret key (`sk_live_…` / `sk_test_…`).
    pub secret_key: String,
    /// The webhook endpoint's signing secrets (`whsec_…`): more than one while rotating.
    pub webhook_secrets: Vec<String>,
    /// Where the API answers (default [`STRIPE_API_BASE`]; a local fake in tests).
    pub api_base: String,
    /// Origins (`https://lms.example.com`) that checkout's `success_url` and `cancel_url`
    /// must be on, so that nobody can use the checkout as an open redirect. Empty refuses
    /// every URL.
    pub allowed_redirect_origins: Vec<String>,
    /// How old a webhook signature may be (default 300 s; 0 disables the check).
    pub tolerance_secs: i64,
}

impl StripeConfig {
    /// Settings with one webhook secret, the production API and the default tolerance.
    pub fn new(secret_key: impl Into<String>, webhook_secret: impl Into<String>) -> Self {
        Self {
            secret_key: secret_key.into(),
            webhook_secrets: vec![webhook_secret.into()],
            api_base: STRIPE_API_BASE.into(),
            allowed_redirect_origins: Vec::new(),
            tolerance_secs: DEFAULT_TOLERANCE_SECS,
        }
    }

    /// Accepts `secret` too (while rotating the endpoint's secret).
    pub fn with_webhook_secret(mut self, secret: impl Into<String>) -> Self {
        self.webhook_secrets.push(secret.into());
        self
    }

    /// Sends API calls to `api_base` instead of Stripe.
    pub fn with_api_base(mut self, api_base: impl Into<String>) -> Self {
        self.api_base = api_base.into();
        self
    }

    /// The origins checkout may send buyers back to.
    pub fn with_allowed_redirect_origins<S: Into<String>>(
        mut self,
        origins: impl IntoIterator<Item = S>,
    ) -> Self {
        self.allowed_redirect_origins = origins.into_iter().map(Into::into).collect();
        self
    }
}

/// Stripe as the LMS's payment provider.
#[derive(Clone, Debug)]
pub struct Stripe {
    client: StripeClient,
    config: StripeConfig,
}

impl Stripe {
    /// The provider for `config`.
    pub fn new(config: StripeConfig) -> Self {
        Self {
            client: StripeClient::new(&config.api_base, &config.secret_key),
            config,
        }
    }

    /// The form of the Checkout Session for `request`, and its idempotency key.
    pub fn checkout_form(&self, request: &CheckoutRequest<'_>) -> Result<(Form, String), LmsError> {
        let mut errors = lms_core::ValidationErrors::default();
        for (field, url) in [
            ("success_url", request.success_url),
            ("cancel_url", request.cancel_url),
        ] {
            if let Err(message) = self.check_redirect(url) {
                errors.add(field, message);
            }
        }
        errors.into_result()?;
        let (user, org) = (request.buyer.id.to_string(), request.org.id.to_string());
        let mut form = Form::default();
        let (mode, currency, amount, name) = match request.purchase {
            Purchase::Course(course) => {
                let price = course
                    .price
                    .as_ref()
                    .ok_or_else(|| LmsError::invalid("course", "the course is free"))?;
                (
                    "payment",
                    price.currency.clone(),
                    price.amount,
                    course.title.clone(),
                )
            }
            Purchase::Membership(plan) => (
                "subscription",
                plan.currency.clone(),
                plan.amount,
                format!("{} membership", request.org.name),
            ),
        };
        form.push("mode", mode)
            .push("line_items[0][quantity]", "1")
            .push("line_items[0][price_data][currency]", currency)
            .push("line_items[0][price_data][unit_amount]", amount.to_string());
        if let Purchase::Membership(plan) = request.purchase {
            form.push(
                "line_items[0][price_data][recurring][interval]",
                plan.interval.as_str(),
            );
        }
        form.push("line_items[0][price_data][product_data][name]", name)
            .push("success_url", request.success_url)
            .push("cancel_url", request.cancel_url)
            .push("client_reference_id", user.clone());
        if let Purchase::Course(_) = request.purchase {
            // Prefills the payment page; never used to link the payment (the ids are).
            form.push("customer_email", request.buyer.email.clone());
        }
        let mut ids = vec![("lms_user_id", user.clone())];
        let key = match request.purchase {
            Purchase::Course(course) => {
                ids.push(("lms_course_id", course.id.to_string()));
                ids.push(("lms_org_id", org.clone()));
                format!("lms-checkout-{user}-{}", course.id)
            }
            Purchase::Membership(_) => {
                ids.push(("lms_org_id", org.clone()));
                format!("lms-membership-{org}-{user}")
            }
        };
        // The ids twice: on the session, and on what it creates (the payment intent, whose
        // charge and refunds carry them; the subscription), so every later event links back.
        let nested = if mode == "payment" {
            "payment_intent_data"
        } else {
            "subscription_data"
        };
        for prefix in ["metadata".to_owned(), format!("{nested}[metadata]")] {
            for (key, value) in &ids {
                form.push(format!("{prefix}[{key}]"), value.clone());
            }
        }
        let key = format!("{key}-{}", form.digest());
        Ok((form, key))
    }

    fn check_redirect(&self, url: &str) -> Result<(), String> {
        let parsed = url::Url::parse(url).map_err(|_| "must be an absolute URL".to_owned())?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err("must be an http(s) URL".into());
        }
        let origin = parsed.origin().ascii_serialization();
        let allowed = self
            .config
            .allowed_redirect_origins
            .iter()
            .any(|o| o.trim_end_matches('/') == origin);
        if allowed {
            Ok(())
        } else {
            Err(format!(
                "{origin} is not an allowed origin for checkout redirects"
            ))
        }
    }
}

#[async_trait]
impl PaymentProvider for Stripe {
    async fn create_checkout(
        &self,
        request: CheckoutRequest<'_>,
    ) -> Result<CheckoutSession, LmsError> {
        let (form, key) = self.checkout_form(&request)?;
        let session = self.client.create_checkout_session(&form, &key).await?;
        let checkout_url = session.url.ok_or_else(|| {
            LmsError::Store(lms_core::StoreError::Unavailable(
                "Stripe returned a session without a URL".into(),
            ))
        })?;
        Ok(CheckoutSession {
            checkout_url,
            session_id: session.id,
        })
    }

    async fn cancel_at_period_end(&self, subscription_id: &str) -> Result<(), LmsError> {
        self.client.cancel_at_period_end(subscription_id).await
    }

    fn read_webhook(
        &self,
        payload: &[u8],
        signature: &str,
    ) -> Result<Option<PaymentEvent>, LmsError> {
        let now = chrono::Utc::now().timestamp();
        verify_with_any(
            payload,
            signature,
            &self.config.webhook_secrets,
            now,
            self.config.tolerance_secs,
        )
        .map_err(|e| LmsError::Malformed(e.to_string()))?;
        read_event(payload)
    }
}
