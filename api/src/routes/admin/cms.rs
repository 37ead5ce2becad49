//! Staff work on CMS pages: the list (drafts included), create, read, change, delete, and a
//! preview of any page as the storefront would show it once published.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    domain::cms::CmsPage,
    http::problem::operation_errors,
    repos::PageFilter,
    routes::{
        ApiTags, AppState,
        cms_blocks::{ContentBlockInput, ContentBlockView},
        content::PageView,
        orders::page_request,
        parse_id,
        security::BearerAuth,
    },
    services::page_admin::{PageChanges, PageInput},
};

pub struct AdminCmsApi;

operation_errors!(
    /// Errors of `adminListPages`.
    pub enum AdminListPagesError {
        BadRequest,
        Unauthorized,
        Forbidden,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminCreatePage`: 422 naming `title`, `slug` (malformed or taken) or a
    /// block's field, as `contentBlocks[3].data.url`.
    pub enum AdminCreatePageError {
        BadRequest,
        Unauthorized,
        Forbidden,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminUpdatePage`: 422 as for `adminCreatePage`.
    pub enum AdminUpdatePageError {
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

operation_errors!(
    /// Errors of `adminGetPage`, `adminPreviewPage` and `adminDeletePage`.
    pub enum AdminPageError {
        Unauthorized,
        Forbidden,
        NotFound,
        TooManyRequests,
        Unavailable,
    }
);

/// A page as staff manage it.
#[derive(Object, Debug)]
#[oai(rename = "AdminPage", rename_all = "camelCase")]
pub struct AdminPageView {
    pub id: String,
    pub slug: String,
    pub title: String,
    /// Drafts (`false`) are seen by staff only: `GET /cms/pages/{slug}` answers 404.
    pub published: bool,
    pub content_blocks: Vec<ContentBlockView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CmsPage> for AdminPageView {
    fn from(p: CmsPage) -> Self {
        Self {
            id: p.id.to_string(),
            slug: p.slug,
            title: p.title,
            published: p.published,
            content_blocks: p.blocks.into_iter().map(Into::into).collect(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A page in the staff list: its blocks counted, not listed.
#[derive(Object, Debug)]
#[oai(rename = "AdminPageSummary", rename_all = "camelCase")]
pub struct AdminPageSummary {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub published: bool,
    pub block_count: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Object, Debug)]
#[oai(rename = "AdminPagePage")]
pub struct AdminPagePage {
    pub items: Vec<AdminPageSummary>,
    pub page: u64,
    pub limit: u64,
    pub total: u64,
}

/// A new page.
#[derive(Object, Debug)]
#[oai(rename = "NewAdminPage", rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPageRequest {
    pub title: String,
    /// Made from the title when absent (transliterated, with a number when taken).
    pub slug: Option<String>,
    /// Default `false`: a draft.
    #[oai(default)]
    pub published: bool,
    /// In reading order; at most 200.
    pub content_blocks: Vec<ContentBlockInput>,
}

/// A partial change: fields left out stay as they are; `contentBlocks` replaces them all.
#[derive(Object, Debug)]
#[oai(rename = "AdminPagePatch", rename_all = "camelCase", deny_unknown_fields)]
pub struct PagePatchRequest {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub published: Option<bool>,
    pub content_blocks: Option<Vec<ContentBlockInput>>,
}

#[derive(ApiResponse)]
enum PageCreated {
    #[oai(status = 201)]
    Created(Json<AdminPageView>),
}

#[derive(ApiResponse)]
enum PageDeleted {
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(tag = "ApiTags::Content")]
impl AdminCmsApi {
    /// Every page, drafts included
    ///
    /// By slug. `published` narrows to published pages or drafts, `search` to titles and
    /// slugs containing the text (case-insensitive).
    #[oai(path = "/admin/cms/pages", method = "get", operation_id = "adminListPages")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        published: Query<Option<bool>>,
        search: Query<Option<String>>,
        /// 1-based page number.
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        limit: Query<Option<u64>>,
    ) -> Result<Json<AdminPagePage>, AdminListPagesError> {
        auth.admin(&state).await?;
        let request = page_request(page.0, limit.0)?;
        let filter = PageFilter {
            published: published.0,
            search: search.0.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
        };
        let found = state.page_admin.list(&filter, request).await?;
        Ok(Json(AdminPagePage {
            page: found.request.page(),
            limit: found.request.limit(),
            total: found.total,
            items: found
                .items
                .into_iter()
                .map(|p| AdminPageSummary {
                    id: p.id.to_string(),
                    slug: p.slug,
                    title: p.title,
                    published: p.published,
                    block_count: p.blocks.len() as u64,
                    created_at: p.created_at,
                    updated_at: p.updated_at,
                })
                .collect(),
        }))
    }

    /// Create a page
    ///
    /// Each block is checked against its type; paragraphs' Markdown is rendered to sanitised
    /// HTML. Audited as `cms_page.created`.
    #[oai(path = "/admin/cms/pages", method = "post", operation_id = "adminCreatePage")]
    async fn create(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        body: Json<NewPageRequest>,
    ) -> Result<PageCreated, AdminCreatePageError> {
        let who = auth.admin(&state).await?;
        let b = body.0;
        let input = PageInput {
            title: b.title,
            slug: b.slug,
            published: b.published,
            blocks: b.content_blocks.into_iter().map(Into::into).collect(),
        };
        let page = state.page_admin.create(who.user_id, input).await?;
        Ok(PageCreated::Created(Json(page.into())))
    }

    /// One page, draft or published
    #[oai(path = "/admin/cms/pages/:id", method = "get", operation_id = "adminGetPage")]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> Result<Json<AdminPageView>, AdminPageError> {
        auth.admin(&state).await?;
        let id = parse_id(&id.0, "page")?;
        Ok(Json(state.page_admin.get(id).await?.into()))
    }

    /// Change a page
    ///
    /// Publish with `{"published": true}`, take it back to a draft with `false`. Audited as
    /// `cms_page.updated`.
    #[oai(path = "/admin/cms/pages/:id", method = "patch", operation_id = "adminUpdatePage")]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<PagePatchRequest>,
    ) -> Result<Json<AdminPageView>, AdminUpdatePageError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "page")?;
        let b = body.0;
        let changes = PageChanges {
            title: b.title,
            slug: b.slug,
            published: b.published,
            blocks: b
                .content_blocks
                .map(|blocks| blocks.into_iter().map(Into::into).collect()),
        };
        Ok(Json(state.page_admin.update(who.user_id, id, changes).await?.into()))
    }

    /// Delete a page
    ///
    /// Audited as `cms_page.deleted`.
    #[oai(path = "/admin/cms/pages/:id", method = "delete", operation_id = "adminDeletePage")]
    async fn delete(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> Result<PageDeleted, AdminPageError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "page")?;
        state.page_admin.delete(who.user_id, id).await?;
        Ok(PageDeleted::NoContent)
    }

    /// Preview a page
    ///
    /// The page exactly as `GET /cms/pages/{slug}` will show it once published, drafts
    /// included.
    #[oai(
        path = "/admin/cms/pages/:id/preview",
        method = "get",
        operation_id = "adminPreviewPage"
    )]
    async fn preview(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> Result<Json<PageView>, AdminPageError> {
        auth.admin(&state).await?;
        let id = parse_id(&id.0, "page")?;
        Ok(Json(state.page_admin.get(id).await?.into()))
    }
}
