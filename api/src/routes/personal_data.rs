//! The shopper's rights over their data (GDPR): a copy of everything the store holds about
//! them (access and portability), and erasing their account (erasure).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Enum, Object, OpenApi, payload::Json};

use super::{
    ApiTags, AppState,
    admin::{AuditEntryView, ContactMessageView},
    cart::CartDto,
    orders::OrderView,
    security::BearerAuth,
    users::{AddressView, UserView},
};
use crate::{
    domain::erasure::{ErasureReceipt, ErasureRequester},
    http::problem::operation_errors,
    services::gdpr::PersonalData,
};

pub struct PersonalDataApi;

operation_errors!(
    /// Errors of `exportMyData`.
    pub enum ExportMyDataError {
        Unauthorized,
        TooManyRequests,
        Unavailable,
    }
);

/// The account's password, confirming that its owner asks for the erasure.
#[derive(Object, Debug)]
#[oai(rename = "EraseMeRequest", rename_all = "camelCase")]
pub struct EraseMeRequest {
    #[oai(validator(max_length = 1024))]
    pub password: String,
}

/// Who asked for an erasure.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "ErasureRequester", rename_all = "snake_case")]
pub enum ErasureRequesterView {
    /// The account's owner.
    Shopper,
    /// A staff member.
    Staff,
    /// An operator at the command line.
    Operator,
}

impl From<ErasureRequester> for ErasureRequesterView {
    fn from(r: ErasureRequester) -> Self {
        match r {
            ErasureRequester::Shopper => Self::Shopper,
            ErasureRequester::Staff => Self::Staff,
            ErasureRequester::Operator => Self::Operator,
        }
    }
}

/// Proof that an account was erased: ids, time and counts, nothing personal. The store keeps
/// it; the account's orders stay with their customer anonymised.
#[derive(Object, Debug)]
#[oai(rename = "ErasureReceipt", rename_all = "camelCase")]
pub struct ErasureReceiptView {
    pub id: String,
    pub user_id: String,
    pub requested_by: ErasureRequesterView,
    /// The account that asked; absent for an operator.
    #[oai(skip_serializing_if_is_none)]
    pub actor_id: Option<String>,
    /// Orders kept for accounting, their email and shipping address erased.
    pub orders_anonymised: u64,
    pub erased_at: DateTime<Utc>,
}

impl From<ErasureReceipt> for ErasureReceiptView {
    fn from(r: ErasureReceipt) -> Self {
        Self {
            id: r.id.to_string(),
            user_id: r.user_id.to_string(),
            requested_by: r.requested_by.into(),
            actor_id: r.actor_id.map(|id| id.to_string()),
            orders_anonymised: r.orders_anonymised,
            erased_at: r.erased_at,
        }
    }
}

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
