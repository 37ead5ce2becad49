//! Stripe through async-stripe: one PaymentIntent per order, created and confirmed in one call
//! with the order id as metadata and our idempotency key on the request, so a retried
//! checkout never charges twice. `requires_action` hands the client secret to the storefront
//! for 3-D Secure; the webhook reports how that ends.

use std::{collections::HashMap, str::FromStr, time::Duration};

use async_trait::async_trait;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_core::{payment_intent::CreatePaymentIntent, refund::CreateRefund};

use super::{ChargeOutcome, ChargeRequest, PaymentError, PaymentProvider};
use crate::config::StripeConfig;

pub struct StripeProvider {
    client: Client,
    return_url: Option<String>,
}

impl StripeProvider {
    pub fn new(config: &StripeConfig) -> Result<Self, PaymentError> {
        let mut builder =
            ClientBuilder::new(config.secret_key.expose()).timeout(Duration::from_secs(config.timeout_secs));
        if !config.api_base.is_empty() {
            builder = builder.url(config.api_base.trim_end_matches('/'));
        }
        Ok(Self {
            client: builder
                .build()
                .map_err(|e| PaymentError::Unavailable(format!("stripe client: {e}")))?,
            return_url: (!config.return_url.is_empty()).then(|| config.return_url.clone()),
        })
    }
}

/// The fields of a PaymentIntent this provider reads.
#[derive(miniserde::Deserialize)]
struct Intent {
    id: String,
    status: String,
    client_secret: Option<String>,
    last_payment_error: Option<IntentError>,
}

#[derive(miniserde::Deserialize)]
struct IntentError {
    code: Option<String>,
    decline_code: Option<String>,
}

#[derive(miniserde::Deserialize)]
struct Refund {
    id: String,
}

fn idempotent(key: &str) -> Result<RequestStrategy, PaymentError> {
    IdempotencyKey::new(key)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| PaymentError::Unavailable(format!("idempotency key: {e}")))
}

/// What Stripe's error means for the order: a refusal of the card or the method, or a
/// failure to decide (network, 5xx, rate limit) that a retry may fix.
fn classify(error: StripeError) -> Result<ChargeOutcome, PaymentError> {
    match error {
        StripeError::Stripe(api, status) => {
            let code = api.code.as_ref().map(|c| c.as_str().to_owned());
            let payment_id = api.payment_intent.as_ref().map(|pi| pi.id.as_str().to_owned());
            match status {
                402 => Ok(ChargeOutcome::Declined {
                    payment_id: payment_id.unwrap_or_default(),
                    reason: api
                        .decline_code
                        .clone()
                        .or(code)
                        .unwrap_or_else(|| "card_declined".into()),
                }),
                // The payment method is the one object a new PaymentIntent refers to.
                404 => Err(PaymentError::InvalidMethod(api.message.clone().unwrap_or_default())),
                400 if api.param.as_deref() == Some("payment_method")
                    || code.as_deref() == Some("resource_missing") =>
                {
                    Err(PaymentError::InvalidMethod(api.message.clone().unwrap_or_default()))
                }
                _ => Err(PaymentError::Unavailable(format!(
                    "stripe answered {status}: {}",
                    code.unwrap_or_else(|| "unknown".into())
                ))),
            }
        }
        other => Err(PaymentError::Unavailable(other.to_string())),
    }
}

#[async_trait]
impl PaymentProvider for StripeProvider {
    fn name(&self) -> &'static str {
        "stripe"
    }

    async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, PaymentError> {
        let currency = stripe_types::Currency::from_str(&request.currency.to_string().to_ascii_lowercase())
            .unwrap_or_else(|never| match never {});
        let mut create = CreatePaymentIntent::new(request.amount.minor(), currency)
            .payment_method(request.payment_method.clone())
            .confirm(true)
            .metadata(HashMap::from([("order_id".to_owned(), request.order_id.to_string())]));
        if let Some(url) = &self.return_url {
            create = create.return_url(url.clone());
        }
        let sent = create
            .build()
            .customize::<Intent>()
            .request_strategy(idempotent(&request.idempotency_key)?)
            .send(&self.client)
            .await;
        let intent = match sent {
            Ok(intent) => intent,
            Err(e) => return classify(e),
        };
        let payment_id = intent.id;
        match intent.status.as_str() {
            "succeeded" | "processing" | "requires_capture" => Ok(ChargeOutcome::Succeeded { payment_id }),
            "requires_action" => Ok(ChargeOutcome::RequiresAction {
                client_secret: intent.client_secret.unwrap_or_default(),
                payment_id,
            }),
            "requires_payment_method" => Ok(ChargeOutcome::Declined {
                reason: intent
                    .last_payment_error
                    .and_then(|e| e.decline_code.or(e.code))
                    .unwrap_or_else(|| "card_declined".into()),
                payment_id,
            }),
            other => Err(PaymentError::Unavailable(format!(
                "payment intent {payment_id} is {other}"
            ))),
        }
    }

    async fn refund(&self, payment_id: &str, idempotency_key: &str) -> Result<(), PaymentError> {
        CreateRefund::new()
            .payment_intent(payment_id)
            .build()
            .customize::<Refund>()
            .request_strategy(idempotent(idempotency_key)?)
            .send(&self.client)
            .await
            .map(|refund| tracing::info!(refund = %refund.id, payment = %payment_id, "refunded at stripe"))
            .map_err(|e| match classify(e) {
                Err(err) => err,
                Ok(_) => PaymentError::Unavailable(format!("refund of {payment_id} refused")),
            })
    }
}
