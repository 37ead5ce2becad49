//! What payment providers report through their webhooks, as the store acts on it, and the
//! parsing of Stripe's events into it.

use serde::Deserialize;
use uuid::Uuid;

/// What a payment provider's webhook reported, already authenticated.
#[derive(Debug, Clone)]
pub struct ProviderEvent {
    pub provider: &'static str,
    pub id: String,
    pub kind: ProviderEventKind,
    /// The provider's payment id (a PaymentIntent id).
    pub payment_reference: String,
    /// The order named in the payment's metadata, when there is one.
    pub order_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderEventKind {
    PaymentSucceeded,
    PaymentFailed {
        reason: String,
    },
    Refunded,
    /// Recorded, not acted on.
    Other(String),
}

impl ProviderEventKind {
    pub fn name(&self) -> &str {
        match self {
            Self::PaymentSucceeded => "payment_intent.succeeded",
            Self::PaymentFailed { .. } => "payment_intent.payment_failed",
            Self::Refunded => "charge.refunded",
            Self::Other(name) => name,
        }
    }
}

/// Reads a Stripe event (already authenticated by its signature) into a [`ProviderEvent`].
pub fn parse_stripe_event(body: &[u8]) -> Result<ProviderEvent, serde_json::Error> {
    serde_json::from_slice::<StripeEvent>(body).map(StripeEvent::into_provider_event)
}

#[derive(Deserialize)]
struct StripeEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: StripeEventData,
}

#[derive(Deserialize)]
struct StripeEventData {
    object: StripeObject,
}

#[derive(Deserialize)]
struct StripeObject {
    id: String,
    /// On a charge: the PaymentIntent it belongs to.
    payment_intent: Option<String>,
    #[serde(default)]
    metadata: std::collections::HashMap<String, String>,
    last_payment_error: Option<StripeError>,
}

#[derive(Deserialize)]
struct StripeError {
    code: Option<String>,
    decline_code: Option<String>,
}

impl StripeEvent {
    fn into_provider_event(self) -> ProviderEvent {
        let object = self.data.object;
        let kind = match self.kind.as_str() {
            "payment_intent.succeeded" => ProviderEventKind::PaymentSucceeded,
            "payment_intent.payment_failed" => ProviderEventKind::PaymentFailed {
                reason: object
                    .last_payment_error
                    .as_ref()
                    .and_then(|e| e.decline_code.clone().or_else(|| e.code.clone()))
                    .unwrap_or_else(|| "payment_failed".into()),
            },
            "charge.refunded" => ProviderEventKind::Refunded,
            other => ProviderEventKind::Other(other.to_owned()),
        };
        ProviderEvent {
            provider: "stripe",
            id: self.id,
            order_id: object.metadata.get("order_id").and_then(|id| Uuid::parse_str(id).ok()),
            // A charge names its PaymentIntent; a PaymentIntent is its own reference.
            payment_reference: object.payment_intent.unwrap_or(object.id),
            kind,
        }
    }
}
