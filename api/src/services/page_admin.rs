//! Staff work on CMS pages: titles and slugs checked (a slug made from the title when none is
//! given, unique with a numbered suffix), blocks checked against their type with Markdown
//! rendered (`domain::cms`), drafts and published pages, each write audited in its own
//! transaction.

use uuid::Uuid;

use super::{ServiceError, ServiceResult};
use crate::{
    domain::{
        InvalidField,
        audit::AuditTarget,
        cms::{self, CmsPage, CmsPagePatch, DraftBlock, NewCmsPage},
        pagination::{Page, PageRequest},
        product_edit,
    },
    repos::{PageFilter, RepoError, Repos},
};

/// A new page as staff send it.
#[derive(Debug, Clone)]
pub struct PageInput {
    pub title: String,
    /// Made from the title when absent.
    pub slug: Option<String>,
    pub published: bool,
    pub blocks: Vec<DraftBlock>,
}

/// A change to a page; `None` keeps the field.
#[derive(Debug, Clone, Default)]
pub struct PageChanges {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub published: Option<bool>,
    pub blocks: Option<Vec<DraftBlock>>,
}

/// How often a page made with a generated slug tries the next free one when another page took
/// it at the same moment.
const SLUG_ATTEMPTS: usize = 3;

#[derive(Clone)]
pub struct PageAdmin {
    repos: Repos,
}

impl PageAdmin {
    pub fn new(repos: Repos) -> Self {
        Self { repos }
    }

    /// Pages by slug, drafts included.
    pub async fn list(&self, filter: &PageFilter, page: PageRequest) -> ServiceResult<Page<CmsPage>> {
        Ok(self.repos.pages.list(filter, page).await?)
    }

    /// A page whatever its state (staff preview drafts with it).
    pub async fn get(&self, id: Uuid) -> ServiceResult<CmsPage> {
        self.repos.pages.find(id).await?.ok_or(ServiceError::NotFound("page"))
    }

    /// Errors: `Invalid` naming `title`, `slug` (malformed or taken) or a block's field
    /// (`contentBlocks[3].data.url`).
    pub async fn create(&self, actor: Uuid, input: PageInput) -> ServiceResult<CmsPage> {
        let mut errors = Vec::new();
        let title = cms::TITLE.check("title", &input.title, &mut errors);
        let slug = input
            .slug
            .as_deref()
            .map(|s| product_edit::check_slug("slug", s, &mut errors).unwrap_or_default());
        let blocks = cms::check_blocks(input.blocks).unwrap_or_else(|e| {
            errors.extend(e);
            Vec::new()
        });
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let page = NewCmsPage {
                slug: match &slug {
                    Some(slug) => slug.clone(),
                    None => {
                        let base = product_edit::slugify(&title);
                        let base = if base.is_empty() { "page".to_owned() } else { base };
                        product_edit::first_free_slug(&base, &self.repos.pages.slugs_like(&base).await?)
                    }
                },
                title: title.clone(),
                blocks: blocks.clone(),
                published: input.published,
            };
            let audit = super::audit::record(actor, "cms_page.created", (AuditTarget::CmsPage, Uuid::nil()));
            match self.repos.pages.create(page, audit).await {
                Err(RepoError::Conflict(_)) if slug.is_none() && attempt < SLUG_ATTEMPTS => continue,
                result => return result.map_err(taken),
            }
        }
    }

    /// Errors as for `create`, and `NotFound`.
    pub async fn update(&self, actor: Uuid, id: Uuid, changes: PageChanges) -> ServiceResult<CmsPage> {
        let mut errors = Vec::new();
        let patch = CmsPagePatch {
            title: changes
                .title
                .as_deref()
                .map(|t| cms::TITLE.check("title", t, &mut errors)),
            slug: changes
                .slug
                .as_deref()
                .and_then(|s| product_edit::check_slug("slug", s, &mut errors)),
            published: changes.published,
            blocks: changes
                .blocks
                .and_then(|drafts| cms::check_blocks(drafts).map_err(|e| errors.extend(e)).ok()),
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let audit = super::audit::record(actor, "cms_page.updated", (AuditTarget::CmsPage, id));
        self.repos
            .pages
            .update(id, &patch, audit)
            .await
            .map_err(taken)?
            .ok_or(ServiceError::NotFound("page"))
    }

    pub async fn delete(&self, actor: Uuid, id: Uuid) -> ServiceResult<()> {
        let audit = super::audit::record(actor, "cms_page.deleted", (AuditTarget::CmsPage, id));
        if !self.repos.pages.delete(id, audit).await? {
            return Err(ServiceError::NotFound("page"));
        }
        Ok(())
    }
}

/// A slug another page holds, as the field error a form shows.
fn taken(err: RepoError) -> ServiceError {
    match err {
        RepoError::Conflict(_) => InvalidField::new("slug", "is taken by another page").into(),
        other => other.into(),
    }
}
