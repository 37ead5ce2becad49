//! Staff work on accounts: the list, one account with its orders at a glance.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{
    Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    domain::user::{Role, UserQuery, UserSort},
    http::problem::operation_errors,
    routes::{
        ApiTags, AppState,
        orders::{OrderSummaryView, page_request},
        parse_id,
        security::BearerAuth,
        users::{ErasureReceiptView, UserView},
    },
    services::user_admin,
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
    /// Errors of `adminSetUserRole`: 409 `last_admin` when it would leave the store without
    /// an admin.
    pub enum AdminSetUserRoleError {
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

operation_errors!(
    /// Errors of `adminEraseUser`: 409 `last_admin` for the store's last admin.
    pub enum AdminEraseUserError {
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        TooManyRequests,
        Unavailable,
    }
);

/// What an account may do: shop, or run the store.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "Role", rename_all = "snake_case")]
pub enum RoleView {
    User,
    Admin,
}

impl From<RoleView> for Role {
    fn from(r: RoleView) -> Self {
        match r {
            RoleView::User => Self::User,
            RoleView::Admin => Self::Admin,
        }
    }
}

/// The account list's order. Names are encrypted, so there is no sort by name.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "UserSort", rename_all = "snake_case")]
pub enum UserSortParam {
    Newest,
    Oldest,
    EmailAsc,
    EmailDesc,
}

impl From<UserSortParam> for UserSort {
    fn from(s: UserSortParam) -> Self {
        match s {
            UserSortParam::Newest => Self::Newest,
            UserSortParam::Oldest => Self::Oldest,
            UserSortParam::EmailAsc => Self::EmailAsc,
            UserSortParam::EmailDesc => Self::EmailDesc,
        }
    }
}

/// A role change.
#[derive(Object, Debug)]
#[oai(rename = "RoleChangeRequest", deny_unknown_fields)]
pub struct RoleChangeRequest {
    pub role: RoleView,
}

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
    /// Accounts, with search, role filter and sort
    #[oai(path = "/admin/users", method = "get", operation_id = "adminListUsers")]
    #[allow(clippy::too_many_arguments)]
    async fn users(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        /// Part of an email, or whole words of a name ("ada lovelace" finds "Ada King
        /// Lovelace"; names are encrypted and matched word by word).
        search: Query<Option<String>>,
        role: Query<Option<RoleView>>,
        /// Default `newest`.
        sort: Query<Option<UserSortParam>>,
        /// 1-based page number.
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        limit: Query<Option<u64>>,
    ) -> Result<Json<UserPage>, AdminListUsersError> {
        auth.admin(&state).await?;
        let request = page_request(page.0, limit.0)?;
        let query = UserQuery {
            search: search.0,
            role: role.0.map(Into::into),
            sort: sort.0.map(Into::into).unwrap_or_default(),
        };
        let page = user_admin::list(&state.repos, &query, request).await?;
        Ok(Json(UserPage {
            page: page.request.page(),
            limit: page.request.limit(),
            total: page.total,
            items: page.items.into_iter().map(Into::into).collect(),
        }))
    }

    /// Change an account's role
    ///
    /// Takes effect on the account's next request. The last admin cannot be demoted.
    #[oai(path = "/admin/users/:id/role", method = "patch", operation_id = "adminSetUserRole")]
    async fn set_role(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<RoleChangeRequest>,
    ) -> Result<Json<UserView>, AdminSetUserRoleError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "user")?;
        let user = user_admin::set_role(&state.repos, who.user_id, id, body.0.role.into()).await?;
        Ok(Json(user.into()))
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
        let (user, orders) = user_admin::account(&state.repos, id).await?;
        Ok(Json(AdminUserView {
            user: user.into(),
            order_count: orders.count,
            total_spent: orders.spent,
            currency: state.config.currency().to_string(),
            last_order: orders.last.map(|s| OrderSummaryView::new(s, true)),
        }))
    }

    /// Erase an account (GDPR)
    ///
    /// Erases the account's personal data as `DELETE /users/me` does, on the shopper's behalf;
    /// the audit log records who did it. The store's last admin cannot be erased (409
    /// `last_admin`). Answers the erasure receipt.
    #[oai(path = "/admin/users/:id", method = "delete", operation_id = "adminEraseUser")]
    async fn erase(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> Result<Json<ErasureReceiptView>, AdminEraseUserError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "user")?;
        let receipt = state.gdpr.erase_by_staff(who.user_id, id).await?;
        Ok(Json(receipt.into()))
    }
}
