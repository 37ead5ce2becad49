//! `[shipping]`, `[pricing]` and `[payments]`: how orders are priced and paid.

use super::*;

/// Shipping charged on an order, in minor units of the store currency.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShippingConfig {
    pub flat_rate: i64,
    /// Orders whose discounted subtotal reaches this ship free; 0 means never free.
    pub free_over: i64,
}

impl Default for ShippingConfig {
    fn default() -> Self {
        Self {
            flat_rate: 695,
            free_over: 10_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromotionsApplyTo {
    /// Promotions reduce the sale price when an item is on sale.
    EffectivePrice,
    /// Items on sale get no promotion on top.
    FullPriceOnly,
}

impl From<PromotionsApplyTo> for crate::domain::pricing::PromotionBase {
    fn from(rule: PromotionsApplyTo) -> Self {
        match rule {
            PromotionsApplyTo::EffectivePrice => Self::EffectivePrice,
            PromotionsApplyTo::FullPriceOnly => Self::FullPriceOnly,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PricingConfig {
    pub promotions_apply_to: PromotionsApplyTo,
}

impl Default for PricingConfig {
    fn default() -> Self {
        Self {
            promotions_apply_to: PromotionsApplyTo::EffectivePrice,
        }
    }
}

/// Which provider takes payments, and how long an unpaid order holds its stock.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentsConfig {
    pub provider: PaymentProviderKind,
    /// Orders still `pending_payment` after this many minutes are cancelled and their stock
    /// released by `releaseUnpaidOrders`.
    pub pending_timeout_minutes: u32,
    /// Orders released per run of `releaseUnpaidOrders`.
    pub release_batch_size: u64,
    pub stripe: StripeConfig,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        Self {
            provider: PaymentProviderKind::Fake,
            pending_timeout_minutes: 30,
            release_batch_size: 100,
            stripe: StripeConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentProviderKind {
    /// Deterministic, in-process; Stripe's test payment methods (the embedded default).
    Fake,
    /// Stripe's PaymentIntents API (`[payments.stripe]`).
    Stripe,
}

/// Stripe: the API for `provider = "stripe"`, and the webhook endpoint
/// (`POST /payments/stripe/webhook`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StripeConfig {
    /// The secret API key (`sk_live_…`, `sk_test_…`).
    pub secret_key: Secret,
    /// Where the Stripe API is; empty for Stripe itself (tests point it at localstripe).
    pub api_base: String,
    /// Sent with each confirmation: where a redirect-based payment method brings the shopper
    /// back. Empty sends none (card payments need none).
    pub return_url: String,
    /// Per-request timeout towards Stripe.
    pub timeout_secs: u64,
    /// The endpoint's signing secret (`whsec_…`); empty turns the webhook endpoint off.
    pub webhook_secret: Secret,
    /// How old a signed webhook may be, in seconds.
    pub webhook_tolerance_secs: i64,
}

impl Default for StripeConfig {
    fn default() -> Self {
        Self {
            secret_key: Secret::default(),
            api_base: String::new(),
            return_url: String::new(),
            timeout_secs: 20,
            webhook_secret: Secret::default(),
            webhook_tolerance_secs: 300,
        }
    }
}
