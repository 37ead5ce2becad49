//! The bearer scheme: the access JWT in `Authorization: Bearer …`.

use poem_openapi::{SecurityScheme, auth::Bearer};

use super::AppState;
use crate::services::{ServiceResult, auth::Principal};

/// An access token from `POST /auth/login` or `POST /auth/refresh`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT")]
pub struct BearerAuth(Bearer);

impl BearerAuth {
    /// The caller, or 401 (`unauthenticated`, `token_expired`).
    pub async fn principal(&self, state: &AppState) -> ServiceResult<Principal> {
        state.auth.authenticate(&self.0.token).await
    }

    /// The caller if their stored account is an admin now, else 403 (401 if it is gone).
    pub async fn admin(&self, state: &AppState) -> ServiceResult<Principal> {
        let principal = self.principal(state).await?;
        state.auth.require_admin(&principal).await?;
        Ok(principal)
    }
}
