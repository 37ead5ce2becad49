use std::sync::Arc;

use poem::web::Data;

use chrono::{DateTime, Utc};
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use super::{ApiTags, AppState, cms_blocks::ContentBlockView};
use crate::{domain::cms::CmsPage, http::problem::operation_errors, services::content::ContactForm};

pub struct ContentApi;

operation_errors!(
    /// Errors of `getPage`.
    pub enum GetPageError {
        NotFound,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `submitContact`.
    pub enum SubmitContactError {
        BadRequest,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

/// A CMS page as the storefront shows it.
#[derive(Object, Debug, Clone)]
#[oai(rename = "Page", rename_all = "camelCase")]
pub struct PageView {
    pub slug: String,
    pub title: String,
    /// In reading order.
    pub content_blocks: Vec<ContentBlockView>,
    pub updated_at: DateTime<Utc>,
}

impl From<CmsPage> for PageView {
    fn from(page: CmsPage) -> Self {
        Self {
            slug: page.slug,
            title: page.title,
            content_blocks: page.blocks.into_iter().map(Into::into).collect(),
            updated_at: page.updated_at,
        }
    }
}

/// A message for the store's staff.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactRequest {
    /// 1 to 100 characters.
    pub name: String,
    pub email: String,
    /// 1 to 200 characters.
    pub subject: String,
    /// 1 to 5000 characters.
    pub message: String,
    /// Leave empty. A field hidden from people in the storefront's form: a bot that fills it
    /// is answered 202 like anyone, and its message is dropped.
    #[oai(nullable)]
    pub website: Option<String>,
}

/// Confirmation that a message was received.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct ContactReceipt {
    pub id: String,
    pub received_at: DateTime<Utc>,
}

#[derive(ApiResponse)]
enum ContactResponse {
    /// The message is stored and its forward to the staff queued.
    #[oai(status = 202)]
    Accepted(Json<ContactReceipt>),
}

#[OpenApi(tag = "ApiTags::Content")]
impl ContentApi {
    /// Get a CMS page
    ///
    /// A published page such as `about`, `shipping`, `returns`, `privacy` or `faq`.
    #[oai(path = "/cms/pages/:slug", method = "get", operation_id = "getPage")]
    async fn get_page(&self, state: Data<&Arc<AppState>>, slug: Path<String>) -> Result<Json<PageView>, GetPageError> {
        let page = state.content.published_page(&slug.0).await?;
        Ok(Json(page.into()))
    }

    /// Send a contact message
    ///
    /// Stores the message and queues its forward to the store's staff (202: the email is
    /// sent by a background job). Unknown fields are rejected. Limited per client IP and per
    /// email address (`rate_limit.contact_per_*`).
    #[oai(path = "/cms/contact", method = "post", operation_id = "submitContact")]
    async fn submit_contact(
        &self,
        state: Data<&Arc<AppState>>,
        body: Json<ContactRequest>,
    ) -> Result<ContactResponse, SubmitContactError> {
        let body = body.0;
        if body.website.as_deref().is_some_and(|w| !w.trim().is_empty()) {
            tracing::info!("contact form honeypot filled; message dropped");
            return Ok(ContactResponse::Accepted(Json(ContactReceipt {
                id: uuid::Uuid::now_v7().to_string(),
                received_at: chrono::Utc::now(),
            })));
        }
        let message = state
            .content
            .submit_contact(ContactForm {
                name: body.name,
                email: body.email,
                subject: body.subject,
                message: body.message,
            })
            .await?;
        Ok(ContactResponse::Accepted(Json(ContactReceipt {
            id: message.id.to_string(),
            received_at: message.created_at,
        })))
    }
}
