//! Taking money: one `PaymentProvider` trait, a deterministic fake (the embedded default) and
//! Stripe. Webhook signatures are checked in `webhook_signature`.

use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use crate::domain::money::{Currency, Money};

mod events;
pub mod fake;
pub mod stripe;
pub mod webhook_signature;

pub use events::{ProviderEvent, ProviderEventKind, parse_stripe_event};

/// A charge for one order. The idempotency key travels to the provider, so a retried request
/// never charges twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRequest {
    pub order_id: Uuid,
    pub amount: Money,
    pub currency: Currency,
    /// A payment method token from the storefront, e.g. `pm_card_visa`.
    pub payment_method: String,
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Succeeded {
        payment_id: String,
    },
    /// The bank said no; `reason` is the provider's code (`card_declined`, …).
    Declined {
        payment_id: String,
        reason: String,
    },
    /// The shopper must confirm (3-D Secure) in the storefront with `client_secret`.
    RequiresAction {
        payment_id: String,
        client_secret: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The payment method is not one the provider knows; the shopper should pick another.
    #[error("unknown payment method {0:?}")]
    InvalidMethod(String),
    /// The provider could not be reached or failed; nothing was charged as far as we know.
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// `fake` or `stripe`.
    fn name(&self) -> &'static str;
    async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, PaymentError>;
    /// Refunds a succeeded payment in full.
    async fn refund(&self, payment_id: &str, idempotency_key: &str) -> Result<(), PaymentError>;
}

/// The provider `[payments] provider` names.
pub fn from_config(config: &crate::config::PaymentsConfig) -> anyhow::Result<Arc<dyn PaymentProvider>> {
    Ok(match config.provider {
        crate::config::PaymentProviderKind::Fake => Arc::new(fake::FakeProvider::default()),
        crate::config::PaymentProviderKind::Stripe => Arc::new(stripe::StripeProvider::new(&config.stripe)?),
    })
}
