//! Staff changes to promotions: dates checked (the end after the start), codes unique whatever
//! their case, the scope's target existing. Each write is audited in its own transaction and
//! reloaded into the catalogue before it answers, so shelf prices and carts use it at once.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{ServiceError, ServiceResult, catalogue::CatalogueService};
use crate::{
    domain::{
        InvalidField,
        audit::AuditTarget,
        catalogue::{DiscountType, NewPromotion, Promotion, PromotionScope},
        product_edit,
        promotion_edit::{self, PromotionPatch},
    },
    repos::{EditOutcome, RepoError, Repos},
};

/// What a promotion applies to, as staff send it: a kind and, but for `All`, the target's id.
#[derive(Debug, Clone)]
pub enum ScopeInput {
    All,
    Category(String),
    Collection(String),
    Product(String),
}

#[derive(Debug, Clone)]
pub struct PromotionInput {
    pub name: String,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub active: bool,
    pub position: i32,
    pub discount_type: DiscountType,
    pub discount_value: i64,
    pub start_date: DateTime<Utc>,
    pub end_date: DateTime<Utc>,
    pub code: Option<String>,
    pub scope: ScopeInput,
    pub stackable: bool,
}

#[derive(Debug, Clone, Default)]
pub struct PromotionChanges {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
    pub position: Option<i32>,
    pub discount_type: Option<DiscountType>,
    pub discount_value: Option<i64>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub code: Option<Option<String>>,
    pub scope: Option<ScopeInput>,
    pub stackable: Option<bool>,
}

#[derive(Clone)]
pub struct PromotionAdmin {
    repos: Repos,
    catalogue: CatalogueService,
}

impl PromotionAdmin {
    pub fn new(repos: Repos, catalogue: CatalogueService) -> Self {
        Self { repos, catalogue }
    }

    /// Every promotion, switched on or not, running or not.
    pub async fn list(&self) -> ServiceResult<Vec<Promotion>> {
        Ok(self.repos.promotions.list_all().await?)
    }

    pub async fn get(&self, id: Uuid) -> ServiceResult<Promotion> {
        self.list()
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(ServiceError::NotFound("promotion"))
    }

    /// Errors: `Invalid` naming `name`, `slug` or `code` (malformed or taken), `endDate`,
    /// `discountValue`, `scope.id`.
    pub async fn create(&self, actor: Uuid, input: PromotionInput) -> ServiceResult<Promotion> {
        let mut errors = Vec::new();
        let name = promotion_edit::NAME.check("name", &input.name, &mut errors);
        let slug = match input.slug.as_deref() {
            Some(slug) => product_edit::check_slug("slug", slug, &mut errors).unwrap_or_default(),
            None => {
                let taken = self.list().await?.into_iter().map(|p| p.slug).collect();
                product_edit::first_free_slug(&product_edit::slugify(&name), &taken)
            }
        };
        let description =
            promotion_edit::DESCRIPTION.check_optional("description", input.description.as_deref(), &mut errors);
        let code = input
            .code
            .as_deref()
            .map(|c| promotion_edit::check_code("code", c, &mut errors));
        let scope = self.scope(&input.scope, &mut errors).await?;
        let promotion = NewPromotion {
            name,
            slug,
            description,
            image: None,
            active: input.active,
            position: input.position,
            discount_type: input.discount_type,
            discount_value: input.discount_value,
            start_date: input.start_date,
            end_date: input.end_date,
            code,
            scope,
            stackable: input.stackable,
        };
        errors.extend(promotion_edit::check(&promotion));
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let audit = super::audit::record(actor, "promotion.created", (AuditTarget::Promotion, Uuid::nil()));
        let id = self.repos.promotions.create(promotion, audit).await.map_err(taken)?;
        self.catalogue.reference_changed().await;
        self.get(id).await
    }

    pub async fn update(&self, actor: Uuid, id: Uuid, changes: PromotionChanges) -> ServiceResult<Promotion> {
        let mut errors = Vec::new();
        let scope = match &changes.scope {
            Some(scope) => Some(self.scope(scope, &mut errors).await?),
            None => None,
        };
        let patch = PromotionPatch {
            name: changes
                .name
                .as_deref()
                .map(|n| promotion_edit::NAME.check("name", n, &mut errors)),
            slug: changes
                .slug
                .as_deref()
                .and_then(|s| product_edit::check_slug("slug", s, &mut errors)),
            description: changes
                .description
                .as_ref()
                .map(|d| promotion_edit::DESCRIPTION.check_optional("description", d.as_deref(), &mut errors)),
            active: changes.active,
            position: changes.position,
            discount_type: changes.discount_type,
            discount_value: changes.discount_value,
            start_date: changes.start_date,
            end_date: changes.end_date,
            code: changes
                .code
                .as_ref()
                .map(|c| c.as_deref().map(|c| promotion_edit::check_code("code", c, &mut errors))),
            scope,
            stackable: changes.stackable,
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let audit = super::audit::record(actor, "promotion.updated", (AuditTarget::Promotion, id));
        match self.repos.promotions.update(id, &patch, audit).await.map_err(taken)? {
            EditOutcome::Applied => {
                self.catalogue.reference_changed().await;
                self.get(id).await
            }
            EditOutcome::NotFound => Err(ServiceError::NotFound("promotion")),
            EditOutcome::Invalid(errors) => Err(ServiceError::Invalid(errors)),
        }
    }

    pub async fn delete(&self, actor: Uuid, id: Uuid) -> ServiceResult<()> {
        let audit = super::audit::record(actor, "promotion.deleted", (AuditTarget::Promotion, id));
        if !self.repos.promotions.delete(id, audit).await? {
            return Err(ServiceError::NotFound("promotion"));
        }
        self.catalogue.reference_changed().await;
        Ok(())
    }

    /// The scope with its target checked to exist (`scope.id` names a failure).
    async fn scope(&self, input: &ScopeInput, errors: &mut Vec<InvalidField>) -> ServiceResult<PromotionScope> {
        let (what, raw) = match input {
            ScopeInput::All => return Ok(PromotionScope::All),
            ScopeInput::Category(raw) => ("category", raw),
            ScopeInput::Collection(raw) => ("collection", raw),
            ScopeInput::Product(raw) => ("product", raw),
        };
        let exists = match Uuid::parse_str(raw.trim()) {
            Err(_) => None,
            Ok(id) => {
                let found = match input {
                    ScopeInput::Category(_) => self.repos.categories.list_all().await?.iter().any(|c| c.id == id),
                    ScopeInput::Collection(_) => self.repos.collections.list_all().await?.iter().any(|c| c.id == id),
                    _ => !self.repos.products.find_by_ids(&[id]).await?.is_empty(),
                };
                found.then_some(id)
            }
        };
        let Some(id) = exists else {
            errors.push(InvalidField::new("scope.id", format!("no such {what}")));
            return Ok(PromotionScope::All);
        };
        Ok(match input {
            ScopeInput::Category(_) => PromotionScope::Category(id),
            ScopeInput::Collection(_) => PromotionScope::Collection(id),
            _ => PromotionScope::Product(id),
        })
    }
}

/// A slug or code another promotion holds, as the field error a form shows.
fn taken(err: RepoError) -> ServiceError {
    match err {
        RepoError::Conflict(what) if what == "slug" => {
            InvalidField::new("slug", "is taken by another promotion").into()
        }
        RepoError::Conflict(_) => InvalidField::new("code", "is taken by another promotion").into(),
        other => other.into(),
    }
}
