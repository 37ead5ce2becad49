//! The shopper's copy of everything the store holds about them (GDPR access and portability).
//! Erasure is `DELETE /users/me`, beside the account's other operations.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, payload::Json};

use super::{
    ApiTags, AppState,
    admin::{AuditEntryView, ContactMessageView},
    cart::CartDto,
    orders::OrderView,
    security::BearerAuth,
    users::{AddressView, UserView},
};
use crate::{http::problem::operation_errors, services::gdpr::PersonalData};

pub struct PersonalDataApi;

operation_errors!(
    /// Errors of `exportMyData`.
    pub enum ExportMyDataError {
        Unauthorized,
        TooManyRequests,
        Unavailable,
    }
);

/// Everything the store holds about the signed-in shopper, in one JSON document.
#[derive(Object, Debug)]
#[oai(rename = "PersonalDataExport", rename_all = "camelCase")]
pub struct PersonalDataExport {
    pub exported_at: DateTime<Utc>,
    pub profile: UserView,
    pub addresses: Vec<AddressView>,
    pub cart: CartDto,
    /// Newest first, each with its lines, address and history.
    pub orders: Vec<OrderView>,
    /// Messages sent through the contact form from the account's email.
    pub contact_messages: Vec<ContactMessageView>,
    /// What staff changed on the account (role changes…), newest first.
    pub audit_entries: Vec<AuditEntryView>,
}

impl From<PersonalData> for PersonalDataExport {
    fn from(data: PersonalData) -> Self {
        Self {
            exported_at: Utc::now(),
            profile: data.user.into(),
            addresses: data.addresses.into_iter().map(Into::into).collect(),
            cart: data.cart.into(),
            orders: data.orders.into_iter().map(|o| OrderView::new(o, false)).collect(),
            contact_messages: data.contact_messages.into_iter().map(Into::into).collect(),
            audit_entries: data.audit.into_iter().map(Into::into).collect(),
        }
    }
}

#[OpenApi(tag = "ApiTags::Users")]
impl PersonalDataApi {
    /// Export my data
    ///
    /// One JSON document with everything stored about the signed-in shopper: profile,
    /// addresses, cart, orders, contact messages and the audit entries about the account.
    #[oai(path = "/users/me/export", method = "get", operation_id = "exportMyData")]
    async fn export(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
    ) -> Result<Json<PersonalDataExport>, ExportMyDataError> {
        let who = auth.principal(&state).await?;
        let data = state.gdpr.export(who.user_id).await?;
        Ok(Json(data.into()))
    }
}
