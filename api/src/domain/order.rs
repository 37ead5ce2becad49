//! Orders as records: what was bought at which price, where it goes, how it was paid and
//! every status change since. The lifecycle itself is in `order_status`.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{order_status::OrderStatus, pricing::Totals};

/// Where an order's payment stands, as far as the provider has told us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// Not attempted yet, or the provider could not be reached: the charge may be retried.
    Pending,
    /// The shopper must finish 3-D Secure in the storefront.
    RequiresAction,
    Succeeded,
    /// Declined or refused; the order was cancelled or waits for its release.
    Failed,
    Refunded,
    /// The order was cancelled or refunded but the provider did not take the refund back:
    /// the money is still owed. Repeating the cancellation retries it.
    RefundFailed,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 6] = [
        Self::Pending,
        Self::RequiresAction,
        Self::Succeeded,
        Self::Failed,
        Self::Refunded,
        Self::RefundFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::RequiresAction => "requires_action",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Refunded => "refunded",
            Self::RefundFailed => "refund_failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// A shipping address as it was when the order was placed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingAddress {
    pub recipient: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: Option<String>,
    pub zip: String,
    pub country: String,
    pub phone: Option<String>,
}

impl ShippingAddress {
    /// The address as lines for a label or an email.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.recipient.clone(), self.line1.clone()];
        lines.extend(self.line2.clone());
        let region = [Some(self.city.as_str()), self.state.as_deref(), Some(self.zip.as_str())]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        lines.push(region);
        lines.push(self.country.clone());
        lines
    }
}

/// One bought item, with what it was called and cost at the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub id: Uuid,
    /// `None` once the product or variant is deleted; the snapshot stays.
    pub product_id: Option<Uuid>,
    pub variant_id: Option<Uuid>,
    pub title: String,
    pub slug: String,
    pub image: Option<String>,
    pub sku: String,
    pub size: String,
    pub color: String,
    pub quantity: u32,
    /// Unit price paid before promotions, minor units.
    pub price_at_purchase: i64,
    pub discount: i64,
    pub line_total: i64,
}

/// One entry of an order's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    pub status: OrderStatus,
    pub note: Option<String>,
    pub shipment: Option<Shipment>,
    /// The staff member who made the change; `None` for the shopper or the system.
    pub actor_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// `fake` or `stripe`.
    pub provider: String,
    pub method: Option<String>,
    pub status: PaymentStatus,
    /// The provider's id of the payment (a PaymentIntent id on Stripe).
    pub reference: Option<String>,
    /// Handed to the storefront to finish 3-D Secure; only while it is needed.
    pub client_secret: Option<String>,
    /// The provider's reason when it refused (`card_declined`, `invalid_payment_method`).
    pub failure: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: Uuid,
    pub user_id: Uuid,
    /// Empty once the customer's account is erased (`customer_erased_at`).
    pub customer_email: String,
    pub status: OrderStatus,
    pub currency: String,
    pub totals: Totals,
    pub promo_code: Option<String>,
    /// The address snapshot; `None` once the customer's account is erased.
    pub shipping_address: Option<ShippingAddress>,
    /// When the customer's account was erased (GDPR): the order keeps its lines and totals.
    pub customer_erased_at: Option<DateTime<Utc>>,
    pub payment: Payment,
    pub lines: Vec<OrderLine>,
    /// Oldest first; the first is the order's creation.
    pub events: Vec<OrderEvent>,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Order {
    /// The short number shoppers and staff quote (`BG-` and the id's last eight hex digits,
    /// which are random in a UUID v7).
    pub fn number(&self) -> String {
        order_number(self.id)
    }

    /// The latest shipment recorded in the history.
    pub fn shipment(&self) -> Option<&Shipment> {
        self.events.iter().rev().find_map(|e| e.shipment.as_ref())
    }
}

pub fn order_number(id: Uuid) -> String {
    let hex = id.simple().to_string();
    format!("BG-{}", hex[hex.len() - 8..].to_ascii_uppercase())
}

/// An order as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSummary {
    pub id: Uuid,
    pub user_id: Uuid,
    pub customer_email: String,
    pub status: OrderStatus,
    pub payment_status: PaymentStatus,
    pub currency: String,
    pub totals: Totals,
    pub item_count: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A customer's orders at a glance, for staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerOrders {
    /// Every order the customer placed, whatever its status.
    pub count: u64,
    /// The totals of the orders whose payment succeeded and was not refunded, in minor units
    /// of the store currency: what the customer has paid and the store kept.
    pub spent: i64,
    /// The newest order.
    pub last: Option<OrderSummary>,
}

/// What the admin order list may be narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// Exact, case-insensitive.
    pub customer_email: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub created_to: Option<DateTime<Utc>>,
    pub min_total: Option<i64>,
    pub payment_status: Option<PaymentStatus>,
    /// Free text staff typed: an order number, an order id, or part of an email.
    pub text: Option<OrderText>,
}

/// What free text in the admin order search means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderText {
    /// An order number (`BG-C3D4E5F6`, any case, prefix optional): the id's last 8 hex digits,
    /// lowercase.
    Number(String),
    Id(Uuid),
    /// Part of the customer's email, lowercase.
    Email(String),
}

impl OrderText {
    /// `None` for blank text.
    pub fn parse(raw: &str) -> Option<Self> {
        let text = raw.trim();
        if text.is_empty() {
            return None;
        }
        if let Ok(id) = Uuid::parse_str(text) {
            return Some(Self::Id(id));
        }
        let upper = text.to_ascii_uppercase();
        let digits = upper.strip_prefix("BG-").unwrap_or(&upper);
        if digits.len() == 8
            && digits.chars().all(|c| c.is_ascii_hexdigit())
            && (upper.starts_with("BG-") || !text.contains('@'))
        {
            return Some(Self::Number(digits.to_ascii_lowercase()));
        }
        Some(Self::Email(text.to_lowercase()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_text_is_a_number_an_id_or_an_email() {
        assert_eq!(
            OrderText::parse(" bg-c3d4e5f6 "),
            Some(OrderText::Number("c3d4e5f6".into()))
        );
        assert_eq!(OrderText::parse("C3D4E5F6"), Some(OrderText::Number("c3d4e5f6".into())));
        let id = Uuid::now_v7();
        assert_eq!(OrderText::parse(&id.to_string()), Some(OrderText::Id(id)));
        assert_eq!(
            OrderText::parse("Ada@Example"),
            Some(OrderText::Email("ada@example".into()))
        );
        assert_eq!(OrderText::parse("   "), None);
    }

    #[test]
    fn numbers_are_short_and_stable() {
        let id = Uuid::parse_str("0192f0c4-1b2c-7d3e-8f40-a1b2c3d4e5f6").unwrap();
        assert_eq!(order_number(id), "BG-C3D4E5F6");
    }

    #[test]
    fn payment_statuses_round_trip() {
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(PaymentStatus::parse("maybe"), None);
    }

    #[test]
    fn address_lines_skip_what_is_missing() {
        let a = ShippingAddress {
            recipient: "Ada Lovelace".into(),
            line1: "12 Marylebone Rd".into(),
            line2: None,
            city: "London".into(),
            state: None,
            zip: "NW1 5LR".into(),
            country: "GB".into(),
            phone: None,
        };
        assert_eq!(
            a.lines(),
            vec!["Ada Lovelace", "12 Marylebone Rd", "London NW1 5LR", "GB"]
        );
    }
}
