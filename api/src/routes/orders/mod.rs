//! Checkout and orders over HTTP: the thin operations; the wire shapes are in `schemas`.

mod schemas;

use schemas::PlaceOrderRequest;
pub use schemas::{OrderPage, OrderStatusView, OrderSummaryView, OrderView, PaymentStatusView, StatusChangeRequest};

use std::sync::Arc;

use poem::web::Data;

use chrono::{DateTime, Utc};
use poem_openapi::{
    ApiResponse, OpenApi,
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
        order::OrderFilter,
        pagination::PageRequest,
    },
    http::problem::{Problem, operation_errors},
    repos::AddressFields,
    services::{
        ServiceError,
        orders::{PlaceOrder, ShippingChoice},
    },
};

pub struct OrdersApi;

operation_errors!(
    /// Errors of `placeOrder`.
    pub enum PlaceOrderError {
        BadRequest,
        Unauthorized,
        PaymentRequired,
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
        ..OrderFilter::default()
    })
}
