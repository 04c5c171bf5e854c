//! The few Stripe REST calls lms-rs makes, form-encoded the way Stripe's libraries encode
//! them (`metadata[key]=…`, `line_items[0][price_data][currency]=…`).

use lms_core::{LmsError, StoreError};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The Stripe API version the requests and the event parsing are written for.
pub const STRIPE_VERSION: &str = "2026-10-28.endive";

/// A form body as ordered key/value pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    /// Appends `key=value`.
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.0.push((key.into(), value.into()));
        self
    }

    /// `application/x-www-form-urlencoded` text (UTF-8, percent-encoded).
    pub fn encode(&self) -> String {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.0 {
            serializer.append_pair(key, value);
        }
        serializer.finish()
    }

    /// A short digest of the pairs, for idempotency keys: the same request twice (a double
    /// click) gets the same key, a different one (other URLs) a new key.
    pub fn digest(&self) -> String {
        let digest = Sha256::digest(self.encode().as_bytes());
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

/// A Checkout Session as Stripe answers its creation.
#[derive(Clone, Debug, Deserialize)]
pub struct CreatedSession {
    /// `cs_…`.
    pub id: String,
    /// The hosted payment page.
    pub url: Option<String>,
}

/// A small Stripe REST client.
#[derive(Clone, Debug)]
pub struct StripeClient {
    http: reqwest::Client,
    api_base: String,
    secret_key: String,
}

impl StripeClient {
    /// A client for `api_base` (`https://api.stripe.com`, or a local fake in tests) with the
    /// account's secret key.
    pub fn new(api_base: &str, secret_key: &str) -> Self {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config())
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .expect("a TLS-capable HTTP client can be built");
        Self {
            http,
            api_base: api_base.trim_end_matches('/').to_owned(),
            secret_key: secret_key.to_owned(),
        }
    }

    /// `POST /v1/checkout/sessions`.
    pub async fn create_checkout_session(
        &self,
        form: &Form,
        idempotency_key: &str,
    ) -> Result<CreatedSession, LmsError> {
        let body = self
            .post("/v1/checkout/sessions", form, Some(idempotency_key))
            .await?;
        serde_json::from_slice(&body)
            .map_err(|e| unavailable(format!("Stripe answered an unreadable session: {e}")))
    }

    /// `POST /v1/subscriptions/{id}` with `cancel_at_period_end=true`.
    pub async fn cancel_at_period_end(&self, subscription_id: &str) -> Result<(), LmsError> {
        let mut form = Form::default();
        form.push("cancel_at_period_end", "true");
        let path = format!(
            "/v1/subscriptions/{}",
            form_urlencoded::byte_serialize(subscription_id.as_bytes()).collect::<String>()
        );
        self.post(&path, &form, None).await.map(drop)
    }

    async fn post(
        &self,
        path: &str,
        form: &Form,
        idempotency_key: Option<&str>,
    ) -> Result<Vec<u8>, LmsError> {
        let mut request = self
            .http
            .post(format!("{}{path}", self.api_base))
            .bearer_auth(&self.secret_key)
            .header("Stripe-Version", STRIPE_VERSION)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form.encode());
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request
            .send()
            .await
            .map_err(|e| unavailable(format!("Stripe did not answer: {e}")))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| unavailable(format!("Stripe's answer broke off: {e}")))?;
        if !status.is_success() {
            let message = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
            return Err(unavailable(format!(
                "Stripe refused {path} ({status}): {message}"
            )));
        }
        Ok(body.to_vec())
    }
}

/// Stripe's failures surface as 503 `unavailable`: the buyer can retry, nothing was changed
/// on our side.
fn unavailable(message: String) -> LmsError {
    LmsError::Store(StoreError::Unavailable(message.into()))
}

/// rustls on ring with the platform's roots: pure-Rust TLS whose build needs no cmake or C
/// toolchain (reqwest's default provider, aws-lc, needs both).
fn tls_config() -> rustls::ClientConfig {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .expect("ring supports the default TLS versions, and the platform's roots load")
        .with_no_client_auth()
}
