//! The wire shapes of an order: what a shopper or staff member reads (`Order`,
//! `OrderSummary`, their page) and what they send (`PlaceOrderRequest`, the status change),
//! with the mapping from the domain's order to them.

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};

use crate::{
    domain::{
        order::{Order, OrderSummary, PaymentStatus},
        order_status::OrderStatus,
        pagination::Page,
    },
    services::orders::StatusRequest,
};

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "OrderStatus", rename_all = "snake_case")]
pub enum OrderStatusView {
    PendingPayment,
    Paid,
    Processing,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

impl From<OrderStatus> for OrderStatusView {
    fn from(s: OrderStatus) -> Self {
        match s {
            OrderStatus::PendingPayment => Self::PendingPayment,
            OrderStatus::Paid => Self::Paid,
            OrderStatus::Processing => Self::Processing,
            OrderStatus::Shipped => Self::Shipped,
            OrderStatus::Delivered => Self::Delivered,
            OrderStatus::Cancelled => Self::Cancelled,
            OrderStatus::Refunded => Self::Refunded,
        }
    }
}

impl From<OrderStatusView> for OrderStatus {
    fn from(s: OrderStatusView) -> Self {
        match s {
            OrderStatusView::PendingPayment => Self::PendingPayment,
            OrderStatusView::Paid => Self::Paid,
            OrderStatusView::Processing => Self::Processing,
            OrderStatusView::Shipped => Self::Shipped,
            OrderStatusView::Delivered => Self::Delivered,
            OrderStatusView::Cancelled => Self::Cancelled,
            OrderStatusView::Refunded => Self::Refunded,
        }
    }
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "PaymentStatus", rename_all = "snake_case")]
pub enum PaymentStatusView {
    Pending,
    RequiresAction,
    Succeeded,
    Failed,
    Refunded,
    RefundFailed,
}

impl From<PaymentStatusView> for PaymentStatus {
    fn from(s: PaymentStatusView) -> Self {
        match s {
            PaymentStatusView::Pending => Self::Pending,
            PaymentStatusView::RequiresAction => Self::RequiresAction,
            PaymentStatusView::Succeeded => Self::Succeeded,
            PaymentStatusView::Failed => Self::Failed,
            PaymentStatusView::Refunded => Self::Refunded,
            PaymentStatusView::RefundFailed => Self::RefundFailed,
        }
    }
}

impl From<PaymentStatus> for PaymentStatusView {
    fn from(s: PaymentStatus) -> Self {
        match s {
            PaymentStatus::Pending => Self::Pending,
            PaymentStatus::RequiresAction => Self::RequiresAction,
            PaymentStatus::Succeeded => Self::Succeeded,
            PaymentStatus::Failed => Self::Failed,
            PaymentStatus::Refunded => Self::Refunded,
            PaymentStatus::RefundFailed => Self::RefundFailed,
        }
    }
}

/// An address given with the order instead of an address-book entry.
#[derive(Object, Debug)]
#[oai(rename = "NewShippingAddress", rename_all = "camelCase", deny_unknown_fields)]
pub struct ShippingAddressInput {
    pub line1: String,
    #[oai(nullable)]
    pub line2: Option<String>,
    pub city: String,
    #[oai(nullable)]
    pub state: Option<String>,
    pub zip: String,
    /// ISO 3166-1 alpha-2, e.g. `US`.
    pub country: String,
    #[oai(nullable)]
    pub phone: Option<String>,
}

/// Checkout: the cart as it is priced now becomes the order.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlaceOrderRequest {
    /// One of the shopper's saved addresses; or give `shippingAddress`.
    pub shipping_address_id: Option<String>,
    pub shipping_address: Option<ShippingAddressInput>,
    /// A payment method token from the storefront (Stripe's, e.g. `pm_card_visa`).
    pub payment_method: String,
    /// Applies this promotion code to the cart first.
    #[oai(nullable)]
    pub promo_code: Option<String>,
}

#[derive(Object, Debug)]
#[oai(rename = "OrderLine", rename_all = "camelCase")]
pub struct OrderLineView {
    pub id: String,
    /// Absent once the product is removed from the store; the rest is a snapshot.
    #[oai(skip_serializing_if_is_none)]
    pub product_id: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub variant_id: Option<String>,
    pub title: String,
    pub slug: String,
    #[oai(skip_serializing_if_is_none)]
    pub image: Option<String>,
    pub sku: String,
    pub size: String,
    pub color: String,
    pub qty: u32,
    /// Unit price paid, before promotions.
    pub price_at_purchase: i64,
    pub discount: i64,
    pub line_total: i64,
}

#[derive(Object, Debug)]
#[oai(rename = "ShippingAddress", rename_all = "camelCase")]
pub struct ShippingAddressView {
    pub recipient: String,
    pub line1: String,
    #[oai(skip_serializing_if_is_none)]
    pub line2: Option<String>,
    pub city: String,
    #[oai(skip_serializing_if_is_none)]
    pub state: Option<String>,
    pub zip: String,
    pub country: String,
    #[oai(skip_serializing_if_is_none)]
    pub phone: Option<String>,
}

/// One step of the order's tracking timeline.
#[derive(Object, Debug)]
#[oai(rename = "OrderTimelineEntry", rename_all = "camelCase")]
pub struct TimelineEntry {
    pub status: OrderStatusView,
    pub at: DateTime<Utc>,
    #[oai(skip_serializing_if_is_none)]
    pub note: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub carrier: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub tracking_number: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub tracking_url: Option<String>,
    /// The staff member who made the change (admin views only).
    #[oai(skip_serializing_if_is_none)]
    pub actor_id: Option<String>,
}

#[derive(Object, Debug)]
#[oai(rename = "Payment", rename_all = "camelCase")]
pub struct PaymentView {
    pub provider: String,
    /// With `requires_action`: finish 3-D Secure in the storefront with Stripe.js.
    #[oai(skip_serializing_if_is_none)]
    pub client_secret: Option<String>,
    /// Why the provider refused, e.g. `card_declined`.
    #[oai(skip_serializing_if_is_none)]
    pub failure: Option<String>,
}

/// An order with its lines, totals, address, payment and timeline. Money in minor units.
#[derive(Object, Debug)]
#[oai(rename = "Order", rename_all = "camelCase")]
pub struct OrderView {
    pub id: String,
    /// The short number to quote, e.g. `BG-1A2B3C4D`.
    pub number: String,
    pub order_status: OrderStatusView,
    /// The statuses staff may move this order to next, in the lifecycle's order (empty once
    /// `cancelled` or `refunded`): a client offers these and no others.
    pub next_statuses: Vec<OrderStatusView>,
    pub payment_status: PaymentStatusView,
    pub items: Vec<OrderLineView>,
    /// Sum of the lines before promotions.
    pub subtotal: i64,
    pub discount_total: i64,
    pub shipping_total: i64,
    /// What the shopper pays: `subtotal - discountTotal + shippingTotal`.
    pub total_amount: i64,
    pub currency: String,
    #[oai(skip_serializing_if_is_none)]
    pub promo_code: Option<String>,
    /// Absent once the customer's account was erased (`customerErasedAt`).
    #[oai(skip_serializing_if_is_none)]
    pub shipping_address: Option<ShippingAddressView>,
    /// When the customer's account was erased: the order keeps its lines and totals, not who
    /// it went to.
    #[oai(skip_serializing_if_is_none)]
    pub customer_erased_at: Option<DateTime<Utc>>,
    pub payment: PaymentView,
    pub timeline: Vec<TimelineEntry>,
    /// Present once shipped.
    #[oai(skip_serializing_if_is_none)]
    pub tracking_number: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub carrier: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub tracking_url: Option<String>,
    /// Admin views only.
    #[oai(skip_serializing_if_is_none)]
    pub customer_email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrderView {
    /// `staff` adds who the customer is and who changed what.
    pub fn new(o: Order, staff: bool) -> Self {
        let shipment = o.shipment().cloned();
        let number = o.number();
        Self {
            id: o.id.to_string(),
            number,
            order_status: o.status.into(),
            next_statuses: o.status.allowed_next().iter().map(|&s| s.into()).collect(),
            payment_status: o.payment.status.into(),
            items: o
                .lines
                .into_iter()
                .map(|l| OrderLineView {
                    id: l.id.to_string(),
                    product_id: l.product_id.map(|id| id.to_string()),
                    variant_id: l.variant_id.map(|id| id.to_string()),
                    title: l.title,
                    slug: l.slug,
                    image: l.image,
                    sku: l.sku,
                    size: l.size,
                    color: l.color,
                    qty: l.quantity,
                    price_at_purchase: l.price_at_purchase,
                    discount: l.discount,
                    line_total: l.line_total,
                })
                .collect(),
            subtotal: o.totals.subtotal,
            discount_total: o.totals.discount,
            shipping_total: o.totals.shipping,
            total_amount: o.totals.total,
            currency: o.currency,
            promo_code: o.promo_code,
            shipping_address: o.shipping_address.map(|a| ShippingAddressView {
                recipient: a.recipient,
                line1: a.line1,
                line2: a.line2,
                city: a.city,
                state: a.state,
                zip: a.zip,
                country: a.country,
                phone: a.phone,
            }),
            customer_erased_at: o.customer_erased_at,
            payment: PaymentView {
                provider: o.payment.provider,
                client_secret: o.payment.client_secret,
                failure: o.payment.failure,
            },
            timeline: o
                .events
                .into_iter()
                .map(|e| TimelineEntry {
                    status: e.status.into(),
                    at: e.created_at,
                    note: e.note,
                    carrier: e.shipment.as_ref().map(|s| s.carrier.clone()),
                    tracking_number: e.shipment.as_ref().map(|s| s.tracking_number.clone()),
                    tracking_url: e.shipment.and_then(|s| s.tracking_url),
                    actor_id: e.actor_id.filter(|_| staff).map(|id| id.to_string()),
                })
                .collect(),
            carrier: shipment.as_ref().map(|s| s.carrier.clone()),
            tracking_number: shipment.as_ref().map(|s| s.tracking_number.clone()),
            tracking_url: shipment.and_then(|s| s.tracking_url),
            customer_email: staff.then_some(o.customer_email).filter(|e| !e.is_empty()),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// An order as lists show it: statuses and totals, without lines or address.
#[derive(Object, Debug)]
#[oai(rename = "OrderSummary", rename_all = "camelCase")]
pub struct OrderSummaryView {
    pub id: String,
    pub number: String,
    pub order_status: OrderStatusView,
    /// The statuses staff may move this order to next (see `Order.nextStatuses`).
    pub next_statuses: Vec<OrderStatusView>,
    pub payment_status: PaymentStatusView,
    pub subtotal: i64,
    pub discount_total: i64,
    pub shipping_total: i64,
    pub total_amount: i64,
    pub currency: String,
    /// Units across all lines.
    pub item_count: u32,
    /// Admin views only.
    #[oai(skip_serializing_if_is_none)]
    pub customer_email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One page of orders, newest first.
#[derive(Object, Debug)]
pub struct OrderPage {
    pub items: Vec<OrderSummaryView>,
    pub page: u64,
    pub limit: u64,
    pub total: u64,
}

impl OrderPage {
    pub fn new(page: Page<OrderSummary>, staff: bool) -> Self {
        Self {
            page: page.request.page(),
            limit: page.request.limit(),
            total: page.total,
            items: page
                .items
                .into_iter()
                .map(|s| OrderSummaryView::new(s, staff))
                .collect(),
        }
    }
}

impl OrderSummaryView {
    /// The summary; the customer's email only for `staff`.
    pub fn new(s: OrderSummary, staff: bool) -> Self {
        Self {
            id: s.id.to_string(),
            number: crate::domain::order::order_number(s.id),
            order_status: s.status.into(),
            next_statuses: s.status.allowed_next().iter().map(|&s| s.into()).collect(),
            payment_status: s.payment_status.into(),
            subtotal: s.totals.subtotal,
            discount_total: s.totals.discount,
            shipping_total: s.totals.shipping,
            total_amount: s.totals.total,
            currency: s.currency,
            item_count: s.item_count,
            customer_email: staff.then_some(s.customer_email).filter(|e| !e.is_empty()),
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A staff status change.
#[derive(Object, Debug)]
#[oai(rename = "OrderStatusChangeRequest", rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusChangeRequest {
    pub status: OrderStatusView,
    /// Required with `shipped`.
    #[oai(nullable)]
    pub carrier: Option<String>,
    /// Required with `shipped`.
    #[oai(nullable)]
    pub tracking_number: Option<String>,
    #[oai(nullable)]
    pub tracking_url: Option<String>,
    /// Kept in the order's history.
    #[oai(nullable)]
    pub note: Option<String>,
}

impl From<StatusChangeRequest> for StatusRequest {
    fn from(r: StatusChangeRequest) -> Self {
        Self {
            status: r.status.into(),
            carrier: r.carrier,
            tracking_number: r.tracking_number,
            tracking_url: r.tracking_url,
            note: r.note,
        }
    }
}
