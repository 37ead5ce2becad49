//! Staff work on orders: the filtered list, one order with its history, status changes.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    OpenApi,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    http::problem::operation_errors,
    routes::{
        ApiTags, AppState,
        orders::{self, OrderPage, OrderStatusView, OrderView, SetOrderStatusError, StatusChangeRequest, page_request},
        parse_id,
        security::BearerAuth,
    },
};

pub struct AdminOrdersApi;

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
    /// Orders, newest first, with filters
    #[oai(path = "/admin/orders", method = "get", operation_id = "adminListOrders")]
    #[allow(clippy::too_many_arguments)]
    async fn orders(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        status: Query<Option<OrderStatusView>>,
        /// The customer's email, exact (case-insensitive).
        email: Query<Option<String>>,
        /// Placed at or after (RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// Placed before (RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
        /// Orders whose total is at least this, in minor units.
        #[oai(name = "minTotal")]
        min_total: Query<Option<i64>>,
        /// 1-based page number.
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        limit: Query<Option<u64>>,
    ) -> Result<Json<OrderPage>, AdminListOrdersError> {
        auth.admin(&state).await?;
        let request = page_request(page.0, limit.0)?;
        let filter = orders::order_filter(status.0, email.0, from.0, to.0, min_total.0)?;
        Ok(Json(OrderPage::new(state.orders.list(&filter, request).await?, true)))
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
