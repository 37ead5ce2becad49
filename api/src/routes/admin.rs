use std::sync::Arc;

use poem::web::Data;

use chrono::{DateTime, Utc};
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::{
    ApiTags, AppState,
    orders::{
        self, OrderPage, OrderStatusView, OrderSummaryView, OrderView, SetOrderStatusError, StatusChangeRequest,
        page_request,
    },
    parse_id,
    security::BearerAuth,
    users::UserView,
};
use crate::{http::problem::operation_errors, services::ServiceError};

pub struct AdminApi;

operation_errors!(
    /// Errors of `adminListUsers`.
    pub enum AdminListUsersError {
        BadRequest,
        Unauthorized,
        Forbidden,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminGetUser`: 404 for no such account (an id that is not a UUID names none).
    pub enum AdminGetUserError {
        Unauthorized,
        Forbidden,
        NotFound,
        TooManyRequests,
        Unavailable,
    }
);

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

#[derive(Object, Debug)]
pub struct UserPage {
    pub items: Vec<UserView>,
    pub page: u64,
    pub limit: u64,
    pub total: u64,
}

/// An account with its orders at a glance.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct AdminUserView {
    pub user: UserView,
    /// Orders placed, whatever their status.
    pub order_count: u64,
    /// What the customer has paid and the store kept: the totals of the orders whose payment
    /// succeeded (refunded and failed ones excluded), in minor units of `currency`.
    pub total_spent: i64,
    pub currency: String,
    /// The newest order, when there is one.
    #[oai(skip_serializing_if_is_none)]
    pub last_order: Option<OrderSummaryView>,
}

#[OpenApi(tag = "ApiTags::Admin")]
impl AdminApi {
    /// Accounts, newest first
    #[oai(path = "/admin/users", method = "get", operation_id = "adminListUsers")]
    async fn users(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        /// 1-based page number.
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        limit: Query<Option<u64>>,
    ) -> Result<Json<UserPage>, AdminListUsersError> {
        auth.admin(&state).await?;
        let request = page_request(page.0, limit.0)?;
        let page = state.repos.users.list(request).await.map_err(ServiceError::from)?;
        Ok(Json(UserPage {
            page: page.request.page(),
            limit: page.request.limit(),
            total: page.total,
            items: page.items.into_iter().map(Into::into).collect(),
        }))
    }

    /// One account, with its order count, total spent and newest order
    #[oai(path = "/admin/users/:id", method = "get", operation_id = "adminGetUser")]
    async fn user(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> Result<Json<AdminUserView>, AdminGetUserError> {
        auth.admin(&state).await?;
        let id = parse_id(&id.0, "user")?;
        let user = state
            .repos
            .users
            .find_by_id(id)
            .await
            .map_err(ServiceError::from)?
            .ok_or(ServiceError::NotFound("user"))?;
        let orders = state
            .repos
            .orders
            .customer_orders(id)
            .await
            .map_err(ServiceError::from)?;
        Ok(Json(AdminUserView {
            user: user.into(),
            order_count: orders.count,
            total_spent: orders.spent,
            currency: state.config.currency().to_string(),
            last_order: orders.last.map(|s| OrderSummaryView::new(s, true)),
        }))
    }

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
