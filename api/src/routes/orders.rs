//! Checkout and orders over HTTP: the wire types of an order (about half of this file) and
//! the thin operations. Larger than most route files because an order is the richest wire
//! shape (lines, address, payment, timeline); its wire types are the next to move out.

use std::sync::Arc;

use poem::web::Data;

use chrono::{DateTime, Utc};
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Header, Path, Query},
    payload::Json,
    types::ToJSON,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{ApiTags, AppState, parse_id, security::BearerAuth};
use crate::{
    domain::{
        InvalidField,
        checkout::{IdempotencyKey, PaymentMethod},
        order::{Order, OrderFilter, OrderSummary, PaymentStatus},
        order_status::OrderStatus,
        pagination::{Page, PageRequest},
    },
    http::problem::{Problem, operation_errors},
    repos::AddressFields,
    services::{
        ServiceError,
        orders::{PlaceOrder, ShippingChoice, StatusRequest},
    },
};

pub struct OrdersApi;

operation_errors!(
    /// Errors of `placeOrder`.
    pub enum PlaceOrderError {
        BadRequest,
        Unauthorized,
        PaymentRequired,
        NotFound,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `listMyOrders`.
    pub enum ListMyOrdersError {
        BadRequest,
        Unauthorized,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `getMyOrder`.
    pub enum GetMyOrderError {
        Unauthorized,
        NotFound,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `cancelMyOrder`: 409 `invalid_transition` once the order is being
    /// processed; 503 when the refund could not be made (`paymentStatus = refund_failed`:
    /// repeat the request).
    pub enum CancelMyOrderError {
        Unauthorized,
        NotFound,
        Conflict,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `setOrderStatus` and `adminSetOrderStatus`.
    pub enum SetOrderStatusError {
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

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
    pub shipping_address: ShippingAddressView,
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
        let a = o.shipping_address;
        Self {
            id: o.id.to_string(),
            number,
            order_status: o.status.into(),
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
            shipping_address: ShippingAddressView {
                recipient: a.recipient,
                line1: a.line1,
                line2: a.line2,
                city: a.city,
                state: a.state,
                zip: a.zip,
                country: a.country,
                phone: a.phone,
            },
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
            customer_email: staff.then_some(o.customer_email),
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
                .map(|s| OrderSummaryView {
                    id: s.id.to_string(),
                    number: crate::domain::order::order_number(s.id),
                    order_status: s.status.into(),
                    payment_status: s.payment_status.into(),
                    subtotal: s.totals.subtotal,
                    discount_total: s.totals.discount,
                    shipping_total: s.totals.shipping,
                    total_amount: s.totals.total,
                    currency: s.currency,
                    item_count: s.item_count,
                    customer_email: staff.then_some(s.customer_email),
                    created_at: s.created_at,
                    updated_at: s.updated_at,
                })
                .collect(),
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

#[derive(ApiResponse, Debug)]
pub enum PlacedOrder {
    /// The order (also for a repeated request with the same key and body). `pending_payment`
    /// with `payment.clientSecret` means 3-D Secure is still to be done.
    #[oai(status = 201)]
    Created(Json<OrderView>),
}

/// `page` and `limit` of a list; out of range is a 400 naming the parameter.
pub fn page_request(page: Option<u64>, limit: Option<u64>) -> Result<PageRequest, Box<Problem>> {
    PageRequest::new(page, limit).map_err(|e| Box::new(Problem::bad_request(vec![e])))
}

/// What identifies a request body for idempotency: a digest of its canonical JSON.
fn body_digest(body: &PlaceOrderRequest) -> String {
    let canonical = body.to_json().map(|v| v.to_string()).unwrap_or_default();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

fn shipping_choice(body: &PlaceOrderRequest) -> Result<ShippingChoice, InvalidField> {
    match (&body.shipping_address_id, &body.shipping_address) {
        (Some(id), None) => Uuid::parse_str(id)
            .map(ShippingChoice::Saved)
            .map_err(|_| InvalidField::new("shippingAddressId", "is not one of your addresses")),
        (None, Some(a)) => Ok(ShippingChoice::New(AddressFields {
            label: "Order".into(),
            line1: a.line1.clone(),
            line2: a.line2.clone(),
            city: a.city.clone(),
            state: a.state.clone(),
            zip: a.zip.clone(),
            country: a.country.clone(),
            phone: a.phone.clone(),
        })),
        (Some(_), Some(_)) => Err(InvalidField::new(
            "shippingAddress",
            "give shippingAddressId or shippingAddress, not both",
        )),
        (None, None) => Err(InvalidField::new(
            "shippingAddressId",
            "is required (or give shippingAddress)",
        )),
    }
}

#[OpenApi(tag = "ApiTags::Orders")]
impl OrdersApi {
    /// Place an order from the cart
    ///
    /// Send a fresh `Idempotency-Key` per checkout attempt and reuse it on retries: the same
    /// key and body return the same order and never charge twice.
    #[oai(path = "/orders", method = "post", operation_id = "placeOrder")]
    async fn place(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        /// A unique key per checkout attempt (e.g. a UUID), 1 to 255 visible characters.
        #[oai(name = "Idempotency-Key")]
        idempotency_key: Header<String>,
        body: Json<PlaceOrderRequest>,
    ) -> Result<PlacedOrder, PlaceOrderError> {
        let who = auth.principal(&state).await?;
        let digest = body_digest(&body.0);
        // Every value parsed here, so the client sees every problem in one answer.
        let key = IdempotencyKey::parse(&idempotency_key.0);
        let payment_method = PaymentMethod::parse(&body.0.payment_method);
        let shipping = shipping_choice(&body.0);
        let (Ok(key), Ok(payment_method), Ok(shipping)) = (&key, &payment_method, &shipping) else {
            let errors = [key.err(), payment_method.err(), shipping.err()]
                .into_iter()
                .flatten()
                .collect();
            return Err(Problem::validation(errors).into());
        };
        let input = PlaceOrder {
            shipping: shipping.clone(),
            payment_method: payment_method.clone(),
            promo_code: body.0.promo_code,
        };
        let order = state.orders.place(who.user_id, key, &digest, input).await?;
        Ok(PlacedOrder::Created(Json(OrderView::new(order, false))))
    }

    /// My orders, newest first
    #[oai(path = "/orders", method = "get", operation_id = "listMyOrders")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        /// 1-based page number.
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        limit: Query<Option<u64>>,
    ) -> Result<Json<OrderPage>, ListMyOrdersError> {
        let who = auth.principal(&state).await?;
        let request = page_request(page.0, limit.0)?;
        let page = state.orders.list_mine(who.user_id, request).await?;
        Ok(Json(OrderPage::new(page, false)))
    }

    /// One of my orders, with its tracking timeline
    #[oai(path = "/orders/:id", method = "get", operation_id = "getMyOrder")]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> Result<Json<OrderView>, GetMyOrderError> {
        let who = auth.principal(&state).await?;
        let id = parse_id(&id.0, "order")?;
        Ok(Json(OrderView::new(
            state.orders.get_mine(who.user_id, id).await?,
            false,
        )))
    }

    /// Cancel my order
    ///
    /// Possible while it is `pending_payment` or `paid`; the stock goes back and a paid order
    /// is refunded.
    #[oai(path = "/orders/:id/cancel", method = "post", operation_id = "cancelMyOrder")]
    async fn cancel(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> Result<Json<OrderView>, CancelMyOrderError> {
        let who = auth.principal(&state).await?;
        let id = parse_id(&id.0, "order")?;
        Ok(Json(OrderView::new(
            state.orders.cancel_mine(who.user_id, id).await?,
            false,
        )))
    }

    /// Change an order's status (staff)
    ///
    /// The same as `PATCH /admin/orders/{id}/status`.
    #[oai(
        path = "/orders/:id/status",
        method = "patch",
        operation_id = "setOrderStatus",
        tag = "ApiTags::Admin"
    )]
    async fn set_status(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<StatusChangeRequest>,
    ) -> Result<Json<OrderView>, SetOrderStatusError> {
        set_status(&state, auth, &id.0, body.0).await
    }
}

/// Both status routes: admin only, the acting admin recorded in the history.
pub async fn set_status(
    state: &AppState,
    auth: BearerAuth,
    id: &str,
    body: StatusChangeRequest,
) -> Result<Json<OrderView>, SetOrderStatusError> {
    let who = auth.admin(state).await?;
    let id = parse_id(id, "order")?;
    let order = state.orders.set_status(who.user_id, id, body.into()).await?;
    Ok(Json(OrderView::new(order, true)))
}

/// Filters of the admin order list, checked together.
pub fn order_filter(
    status: Option<OrderStatusView>,
    email: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    min_total: Option<i64>,
) -> Result<OrderFilter, ServiceError> {
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Err(InvalidField::new("to", "must be after from").into());
    }
    if min_total.is_some_and(|m| m < 0) {
        return Err(InvalidField::new("minTotal", "must not be negative").into());
    }
    Ok(OrderFilter {
        status: status.map(Into::into),
        customer_email: email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()),
        created_from: from,
        created_to: to,
        min_total,
    })
}
