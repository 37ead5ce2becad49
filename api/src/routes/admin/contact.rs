//! The contact inbox: staff read messages sent through the contact form and mark them handled.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    http::problem::operation_errors,
    repos::ContactMessage,
    routes::{ApiTags, AppState, orders::page_request, parse_id, security::BearerAuth},
};

pub struct AdminContactApi;

operation_errors!(
    /// Errors of `adminListContactMessages`.
    pub enum AdminListContactError {
        BadRequest,
        Unauthorized,
        Forbidden,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminUpdateContactMessage`.
    pub enum AdminUpdateContactError {
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

/// A message from the contact form.
#[derive(Object, Debug)]
#[oai(rename = "ContactMessage", rename_all = "camelCase")]
pub struct ContactMessageView {
    pub id: String,
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
    pub received_at: DateTime<Utc>,
    pub handled: bool,
    /// When it was marked handled.
    #[oai(skip_serializing_if_is_none)]
    pub handled_at: Option<DateTime<Utc>>,
}

impl From<ContactMessage> for ContactMessageView {
    fn from(m: ContactMessage) -> Self {
        Self {
            id: m.id.to_string(),
            name: m.name,
            email: m.email,
            subject: m.subject,
            message: m.message,
            received_at: m.created_at,
            handled: m.handled_at.is_some(),
            handled_at: m.handled_at,
        }
    }
}

#[derive(Object, Debug)]
pub struct ContactMessagePage {
    pub items: Vec<ContactMessageView>,
    pub page: u64,
    pub limit: u64,
    pub total: u64,
}

/// Mark a message handled, or back to waiting.
#[derive(Object, Debug)]
#[oai(rename = "ContactMessagePatch", deny_unknown_fields)]
pub struct ContactPatchRequest {
    pub handled: bool,
}

#[OpenApi(tag = "ApiTags::Content")]
impl AdminContactApi {
    /// The contact inbox, newest first
    #[oai(
        path = "/admin/contact-messages",
        method = "get",
        operation_id = "adminListContactMessages"
    )]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        /// `false` for the messages still waiting for an answer, `true` for the handled ones.
        handled: Query<Option<bool>>,
        /// 1-based page number.
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        limit: Query<Option<u64>>,
    ) -> Result<Json<ContactMessagePage>, AdminListContactError> {
        auth.admin(&state).await?;
        let request = page_request(page.0, limit.0)?;
        let page = state.content.inbox(handled.0, request).await?;
        Ok(Json(ContactMessagePage {
            page: page.request.page(),
            limit: page.request.limit(),
            total: page.total,
            items: page.items.into_iter().map(Into::into).collect(),
        }))
    }

    /// Mark a contact message handled or not
    #[oai(
        path = "/admin/contact-messages/:id",
        method = "patch",
        operation_id = "adminUpdateContactMessage"
    )]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<ContactPatchRequest>,
    ) -> Result<Json<ContactMessageView>, AdminUpdateContactError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "contact message")?;
        let message = state.content.set_handled(who.user_id, id, body.0.handled).await?;
        Ok(Json(message.into()))
    }
}
