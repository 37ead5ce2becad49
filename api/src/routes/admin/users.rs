//! Staff work on accounts: the list, one account with its orders at a glance.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    http::problem::operation_errors,
    routes::{
        ApiTags, AppState,
        orders::{OrderSummaryView, page_request},
        parse_id,
        security::BearerAuth,
        users::UserView,
    },
    services::ServiceError,
};

pub struct AdminUsersApi;

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
impl AdminUsersApi {
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
}
