use std::sync::Arc;

use poem::http::StatusCode;
use poem_openapi::{Object, OpenApi, param::Query, payload::Json};

use super::{ApiTags, AppState, security::BearerAuth, users::UserView};
use crate::{
    domain::pagination::PageRequest,
    error::{AuthError, AuthReadError, FieldError, Problem},
};

pub struct AdminApi(pub Arc<AppState>);

#[derive(Object, Debug)]
pub struct UserPage {
    pub items: Vec<UserView>,
    pub page: u64,
    pub limit: u64,
    pub total: u64,
}

#[OpenApi(tag = "ApiTags::Admin")]
impl AdminApi {
    /// Accounts, newest first
    #[oai(path = "/admin/users", method = "get", operation_id = "adminListUsers")]
    async fn users(
        &self,
        auth: BearerAuth,
        /// 1-based page number.
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        limit: Query<Option<u64>>,
    ) -> Result<Json<UserPage>, AuthReadError> {
        auth.admin(&self.0).await?;
        let request = PageRequest::new(page.0, limit.0).map_err(|e| {
            AuthReadError::BadRequest(Json(
                Problem::new(StatusCode::BAD_REQUEST, "bad_request", e.to_string()).with_errors(vec![FieldError {
                    field: e.field,
                    message: e.message,
                }]),
            ))
        })?;
        let page = self
            .0
            .repos
            .users
            .list(request)
            .await
            .map_err(|e| AuthError::from(crate::error::ApiError::from(e)))?;
        Ok(Json(UserPage {
            page: page.request.page(),
            limit: page.request.limit(),
            total: page.total,
            items: page.items.into_iter().map(Into::into).collect(),
        }))
    }
}
