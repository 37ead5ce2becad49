//! Staff work on orders: the filtered list, one order with its history, status changes.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
    payload::{Json, PlainText},
};

use super::csv::{self, Cell, Export, Format, JsonOrCsv};
use crate::{
    domain::{
        order::{OrderSummary, OrderText, order_number},
        pagination::PageRequest,
    },
    http::problem::operation_errors,
    routes::{
        ApiTags, AppState,
        orders::{
            self, OrderPage, OrderStatusView, OrderView, PaymentStatusView, SetOrderStatusError, StatusChangeRequest,
            page_request,
        },
        parse_id,
        security::BearerAuth,
    },
};

pub struct AdminOrdersApi;

const CSV_HEADER: &[&str] = &[
    "number",
    "id",
    "createdAt",
    "customerEmail",
    "orderStatus",
    "paymentStatus",
    "itemCount",
    "subtotal",
    "discountTotal",
    "shippingTotal",
    "totalAmount",
    "currency",
];

fn csv_row(o: OrderSummary) -> Vec<Cell> {
    vec![
        order_number(o.id).into(),
        o.id.to_string().into(),
        o.created_at.to_rfc3339().into(),
        o.customer_email.into(),
        o.status.as_str().into(),
        o.payment_status.as_str().into(),
        i64::from(o.item_count).into(),
        o.totals.subtotal.into(),
        o.totals.discount.into(),
        o.totals.shipping.into(),
        o.totals.total.into(),
        o.currency.into(),
    ]
}

operation_errors!(
    /// Errors of `adminListOrders`: 422 when `to` is not after `from` or `minTotal` is negative.
    pub enum AdminListOrdersError {
        BadRequest,
        Unauthorized,
        Forbidden,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminGetOrder`.
    pub enum AdminGetOrderError {
        Unauthorized,
        Forbidden,
        NotFound,
        TooManyRequests,
        Unavailable,
    }
);

#[OpenApi(tag = "ApiTags::Admin")]
impl AdminOrdersApi {
    /// Orders, newest first, with filters; as JSON or CSV
    ///
    /// CSV (`format=csv` or `Accept: text/csv`) holds every order the filters match, not one
    /// page, one row each with the list's fields: number, id, createdAt, customerEmail,
    /// orderStatus, paymentStatus, itemCount, subtotal, discountTotal, shippingTotal,
    /// totalAmount (minor units), currency.
    #[oai(path = "/admin/orders", method = "get", operation_id = "adminListOrders")]
    #[allow(clippy::too_many_arguments)]
    async fn orders(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        status: Query<Option<OrderStatusView>>,
        #[oai(name = "paymentStatus")] payment_status: Query<Option<PaymentStatusView>>,
        /// An order number (`BG-C3D4E5F6`), an order id, or part of the customer's email.
        q: Query<Option<String>>,
        /// The customer's email, exact (case-insensitive).
        email: Query<Option<String>>,
        /// Placed at or after (RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// Placed before (RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
        /// Orders whose total is at least this, in minor units.
        #[oai(name = "minTotal")]
        min_total: Query<Option<i64>>,
        /// `csv` for a download of every matching order (default `json`).
        format: Query<Option<Format>>,
        #[oai(name = "Accept")] accept: Header<Option<String>>,
        /// 1-based page number.
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        limit: Query<Option<u64>>,
    ) -> Result<Export<OrderPage>, AdminListOrdersError> {
        auth.admin(&state).await?;
        let request = page_request(page.0, limit.0)?;
        let mut filter = orders::order_filter(status.0, email.0, from.0, to.0, min_total.0)?;
        filter.payment_status = payment_status.0.map(Into::into);
        filter.text = q.0.as_deref().and_then(OrderText::parse);
        if csv::wanted(format.0, accept.0.as_deref()) {
            let mut rows = Vec::new();
            for number in 1..=PageRequest::MAX_PAGE {
                let page = state
                    .orders
                    .list(&filter, page_request(Some(number), Some(PageRequest::MAX_LIMIT))?)
                    .await?;
                let done = page.items.len() < PageRequest::MAX_LIMIT as usize;
                rows.extend(page.items.into_iter().map(csv_row));
                if done {
                    break;
                }
            }
            return Ok(Export::Ok(JsonOrCsv::Csv(PlainText(csv::write(CSV_HEADER, rows)))));
        }
        let page = OrderPage::new(state.orders.list(&filter, request).await?, true);
        Ok(Export::Ok(JsonOrCsv::Json(Json(page))))
    }

    /// One order, with the customer and its full history
    #[oai(path = "/admin/orders/:id", method = "get", operation_id = "adminGetOrder")]
    async fn order(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> Result<Json<OrderView>, AdminGetOrderError> {
        auth.admin(&state).await?;
        let id = parse_id(&id.0, "order")?;
        Ok(Json(OrderView::new(state.orders.get(id).await?, true)))
    }

    /// Change an order's status
    ///
    /// Allowed: pending_payment → paid → processing → shipped → delivered; cancelled from
    /// pending_payment, paid or processing (stock back, refund when paid); refunded from paid
    /// on. `shipped` needs `carrier` and `trackingNumber`. The shopper is emailed on shipped
    /// and delivered.
    #[oai(
        path = "/admin/orders/:id/status",
        method = "patch",
        operation_id = "adminSetOrderStatus"
    )]
    async fn set_order_status(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<StatusChangeRequest>,
    ) -> Result<Json<OrderView>, SetOrderStatusError> {
        orders::set_status(&state, auth, &id.0, body.0).await
    }
}
