//! Staff changes to the catalogue. Each write stores its audit record in its own transaction
//! and brings this process's catalogue index up to date before it answers, so the storefront
//! shows it on the next read (other processes' followers pick it up on their next round).

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use uuid::Uuid;

use super::{ServiceError, ServiceResult, catalogue::CatalogueService};
use crate::{
    domain::{
        InvalidField,
        audit::{AuditTarget, FieldChange},
        catalogue::{NewProduct, ProductDetail, ProductStatus, Variant},
        money::Money,
        pagination::{Page, PageRequest},
        product_edit::{self, ProductPatch, ProductRemoval, VariantPatch},
        stock::{AdjustOutcome, MAX_STOCK, StockAdjustment, StockMovement},
    },
    repos::{AdminProductQuery, EditOutcome, RepoError, Repos},
};

/// A new product as staff describe it; checked by [`CatalogueAdmin::create_product`].
#[derive(Debug, Clone)]
pub struct ProductInput {
    pub title: String,
    /// Made from the title when absent (transliterated, unique with a `-2`… suffix).
    pub slug: Option<String>,
    pub description: String,
    pub price: i64,
    pub sale_price: Option<i64>,
    pub status: ProductStatus,
    pub tags: Vec<String>,
    pub category_ids: Vec<String>,
    pub collection_ids: Vec<String>,
    pub variants: Vec<VariantInput>,
}

#[derive(Debug, Clone)]
pub struct VariantInput {
    pub sku: String,
    pub size: String,
    pub color: String,
    pub price: Option<i64>,
    pub inventory_count: i64,
}

/// A partial change as staff send it: `None` leaves a field alone; `sale_price: Some(None)`
/// ends the sale.
#[derive(Debug, Clone, Default)]
pub struct ProductChanges {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub price: Option<i64>,
    pub sale_price: Option<Option<i64>>,
    pub status: Option<ProductStatus>,
    pub tags: Option<Vec<String>>,
    pub category_ids: Option<Vec<String>>,
    pub collection_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct VariantChanges {
    pub sku: Option<String>,
    pub size: Option<String>,
    pub color: Option<String>,
    pub price: Option<Option<i64>>,
}

/// How many times a create retries with the next free slug when another create took the one
/// it chose in the meantime.
const SLUG_ATTEMPTS: usize = 5;

#[derive(Clone)]
pub struct CatalogueAdmin {
    repos: Repos,
    catalogue: CatalogueService,
    images: super::product_images::ProductImages,
}

impl CatalogueAdmin {
    pub fn new(repos: Repos, catalogue: CatalogueService, images: super::product_images::ProductImages) -> Self {
        Self {
            repos,
            catalogue,
            images,
        }
    }

    /// Any product, whatever its status.
    pub async fn product(&self, id: Uuid) -> ServiceResult<ProductDetail> {
        self.repos
            .products
            .find_by_ids(&[id])
            .await?
            .pop()
            .ok_or(ServiceError::NotFound("product"))
    }

    /// One page of products, whatever their status, in the query's order.
    pub async fn list_products(&self, query: &AdminProductQuery) -> ServiceResult<Page<ProductDetail>> {
        let ids = self.repos.catalogue_edits.list(query).await?;
        let mut found: HashMap<Uuid, ProductDetail> = self
            .repos
            .products
            .find_by_ids(&ids.items)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        Ok(Page {
            items: ids.items.iter().filter_map(|id| found.remove(id)).collect(),
            request: ids.request,
            total: ids.total,
        })
    }

    /// Creates a product with its variants.
    ///
    /// Errors: `Invalid` naming each bad field (`variants[1].sku`, `categoryIds[0]`, a taken
    /// `slug`, a SKU already used in `variants`).
    pub async fn create_product(&self, actor: Uuid, input: ProductInput) -> ServiceResult<ProductDetail> {
        let mut errors = Vec::new();
        let title = product_edit::check_title("title", &input.title, &mut errors);
        let explicit = input
            .slug
            .as_deref()
            .and_then(|s| product_edit::check_slug("slug", s, &mut errors));
        let description = product_edit::check_description("description", &input.description, &mut errors);
        let price = money("price", input.price, &mut errors);
        let sale_price = input.sale_price.and_then(|s| money("salePrice", s, &mut errors));
        if let Some(price) = price {
            product_edit::check_prices(price, sale_price, &mut errors);
        }
        let tags = product_edit::check_tags("tags", &input.tags, &mut errors);
        let (category_ids, collection_ids) = self
            .links(Some(&input.category_ids), Some(&input.collection_ids), &mut errors)
            .await?;
        let variants: Vec<_> = input
            .variants
            .iter()
            .enumerate()
            .map(|(i, v)| {
                product_edit::check_variant(
                    &format!("variants[{i}]"),
                    &v.sku,
                    &v.size,
                    &v.color,
                    v.price,
                    v.inventory_count,
                    &mut errors,
                )
            })
            .collect();
        let distinct: BTreeSet<String> = variants.iter().map(|v| v.sku.to_lowercase()).collect();
        if distinct.len() != variants.len() {
            errors.push(InvalidField::new("variants", "SKUs must differ"));
        }
        if input.status == ProductStatus::Active && variants.is_empty() {
            errors.push(InvalidField::new(
                "status",
                "an active product needs at least one variant",
            ));
        }
        let Some(price) = price.filter(|_| errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        let base = explicit.clone().unwrap_or_else(|| product_edit::slugify(&title));
        for attempt in 1..=SLUG_ATTEMPTS {
            let slug = match &explicit {
                Some(slug) => slug.clone(),
                None => product_edit::first_free_slug(&base, &self.repos.catalogue_edits.slugs_like(&base).await?),
            };
            let product = NewProduct {
                title: title.clone(),
                slug,
                description: description.clone(),
                images: Vec::new(),
                price,
                sale_price,
                tags: tags.clone(),
                status: input.status,
                variants: variants.clone(),
                category_ids: category_ids.iter().copied().collect(),
                collection_ids: collection_ids.iter().copied().collect(),
                created_at: Utc::now(),
            };
            let audit = super::audit::record(actor, "product.created", (AuditTarget::Product, Uuid::nil()));
            match self.repos.catalogue_edits.create(product, audit).await {
                Ok(id) => {
                    self.catalogue_changed().await;
                    return self.product(id).await;
                }
                Err(RepoError::Conflict(what)) if what == "slug" && explicit.is_none() && attempt < SLUG_ATTEMPTS => {
                    continue;
                }
                Err(RepoError::Conflict(what)) => return Err(taken(&what, "variants")),
                Err(e) => return Err(e.into()),
            }
        }
        Err(taken("slug", "variants"))
    }

    /// Changes the fields named in `changes`; the slug changes only when given.
    pub async fn update_product(&self, actor: Uuid, id: Uuid, changes: ProductChanges) -> ServiceResult<ProductDetail> {
        let mut errors = Vec::new();
        let patch = ProductPatch {
            title: changes
                .title
                .as_deref()
                .map(|t| product_edit::check_title("title", t, &mut errors)),
            slug: changes
                .slug
                .as_deref()
                .and_then(|s| product_edit::check_slug("slug", s, &mut errors)),
            description: changes
                .description
                .as_deref()
                .map(|d| product_edit::check_description("description", d, &mut errors)),
            price: changes.price.and_then(|p| money("price", p, &mut errors)),
            sale_price: changes
                .sale_price
                .map(|s| s.and_then(|s| money("salePrice", s, &mut errors))),
            status: changes.status,
            tags: changes
                .tags
                .as_deref()
                .map(|t| product_edit::check_tags("tags", t, &mut errors)),
            category_ids: None,
            collection_ids: None,
        };
        let (category_ids, collection_ids) = self
            .links(
                changes.category_ids.as_ref(),
                changes.collection_ids.as_ref(),
                &mut errors,
            )
            .await?;
        let patch = ProductPatch {
            category_ids: changes.category_ids.as_ref().map(|_| category_ids),
            collection_ids: changes.collection_ids.as_ref().map(|_| collection_ids),
            ..patch
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let audit = super::audit::record(actor, "product.updated", (AuditTarget::Product, id));
        match self.repos.catalogue_edits.update(id, &patch, audit).await {
            Ok(EditOutcome::Applied) => {
                self.catalogue_changed().await;
                self.product(id).await
            }
            Ok(EditOutcome::NotFound) => Err(ServiceError::NotFound("product")),
            Ok(EditOutcome::Invalid(errors)) => Err(ServiceError::Invalid(errors)),
            Err(RepoError::Conflict(what)) => Err(taken(&what, "slug")),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a product, or archives it when orders name it (they keep their snapshot). A
    /// deleted product's images go with it, and their objects too when nothing else uses them.
    pub async fn delete_product(&self, actor: Uuid, id: Uuid) -> ServiceResult<ProductRemoval> {
        let keys = self.images.keys_of(id).await?;
        let audit = super::audit::record(actor, "product.deleted", (AuditTarget::Product, id));
        match self.repos.catalogue_edits.remove(id, audit).await? {
            ProductRemoval::NotFound => Err(ServiceError::NotFound("product")),
            done => {
                self.catalogue_changed().await;
                if done == ProductRemoval::Deleted {
                    self.images.release(keys).await;
                }
                Ok(done)
            }
        }
    }

    /// Adds a variant; its initial stock is recorded as a movement.
    pub async fn add_variant(&self, actor: Uuid, product_id: Uuid, input: VariantInput) -> ServiceResult<Variant> {
        let mut errors = Vec::new();
        let variant = product_edit::check_variant(
            "",
            &input.sku,
            &input.size,
            &input.color,
            input.price,
            input.inventory_count,
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let audit = super::audit::record(actor, "variant.created", (AuditTarget::Variant, Uuid::nil()));
        let id = match self.repos.catalogue_edits.add_variant(product_id, variant, audit).await {
            Ok(Some(id)) => id,
            Ok(None) => return Err(ServiceError::NotFound("product")),
            Err(RepoError::Conflict(what)) => return Err(taken(&what, "sku")),
            Err(e) => return Err(e.into()),
        };
        self.catalogue_changed().await;
        self.variant(product_id, id).await
    }

    /// Changes a variant's own fields (stock moves only by adjustments).
    pub async fn update_variant(
        &self,
        actor: Uuid,
        product_id: Uuid,
        variant_id: Uuid,
        changes: VariantChanges,
    ) -> ServiceResult<Variant> {
        let mut errors = Vec::new();
        let patch = VariantPatch {
            sku: changes
                .sku
                .as_deref()
                .map(|s| product_edit::check_sku("sku", s, &mut errors)),
            size: changes
                .size
                .as_deref()
                .map(|s| product_edit::SIZE.check("size", s, &mut errors)),
            color: changes
                .color
                .as_deref()
                .map(|c| product_edit::COLOR.check("color", c, &mut errors)),
            price: changes.price.map(|p| p.and_then(|p| money("price", p, &mut errors))),
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let audit = super::audit::record(actor, "variant.updated", (AuditTarget::Variant, variant_id));
        match self
            .repos
            .catalogue_edits
            .update_variant(product_id, variant_id, &patch, audit)
            .await
        {
            Ok(EditOutcome::Applied) => {}
            Ok(EditOutcome::NotFound) => return Err(ServiceError::NotFound("variant")),
            Ok(EditOutcome::Invalid(errors)) => return Err(ServiceError::Invalid(errors)),
            Err(RepoError::Conflict(what)) => return Err(taken(&what, "sku")),
            Err(e) => return Err(e.into()),
        }
        self.catalogue_changed().await;
        self.variant(product_id, variant_id).await
    }

    /// Deletes a variant; orders keep their snapshot of it, carts lose their lines of it.
    pub async fn delete_variant(&self, actor: Uuid, product_id: Uuid, variant_id: Uuid) -> ServiceResult<()> {
        let audit = super::audit::record(actor, "variant.deleted", (AuditTarget::Variant, variant_id));
        match self
            .repos
            .catalogue_edits
            .remove_variant(product_id, variant_id, audit)
            .await?
        {
            EditOutcome::Applied => {
                self.catalogue_changed().await;
                Ok(())
            }
            EditOutcome::NotFound => Err(ServiceError::NotFound("variant")),
            EditOutcome::Invalid(errors) => Err(ServiceError::conflict(
                "last_variant",
                errors.first().map(|e| e.message.clone()).unwrap_or_default(),
            )),
        }
    }

    async fn variant(&self, product_id: Uuid, variant_id: Uuid) -> ServiceResult<Variant> {
        self.product(product_id)
            .await?
            .variants
            .into_iter()
            .find(|v| v.id == variant_id)
            .ok_or(ServiceError::NotFound("variant"))
    }

    /// Category and collection ids checked against what exists: errors name
    /// `categoryIds[i]` / `collectionIds[i]`.
    async fn links(
        &self,
        categories: Option<&Vec<String>>,
        collections: Option<&Vec<String>>,
        errors: &mut Vec<InvalidField>,
    ) -> ServiceResult<(BTreeSet<Uuid>, BTreeSet<Uuid>)> {
        let mut category_ids = BTreeSet::new();
        if let Some(raw) = categories.filter(|c| !c.is_empty()) {
            let known: BTreeSet<Uuid> = self.repos.categories.list_all().await?.iter().map(|c| c.id).collect();
            category_ids = known_ids("categoryIds", "category", raw, &known, errors);
        }
        let mut collection_ids = BTreeSet::new();
        if let Some(raw) = collections.filter(|c| !c.is_empty()) {
            let known: BTreeSet<Uuid> = self.repos.collections.list_all().await?.iter().map(|c| c.id).collect();
            collection_ids = known_ids("collectionIds", "collection", raw, &known, errors);
        }
        Ok((category_ids, collection_ids))
    }

    /// Moves a variant's stock by `delta` units (negative to take units out), for `reason`.
    ///
    /// Errors: `Invalid` naming `delta` or `reason`; `NotFound("variant")` when the product
    /// has no such variant; `Conflict("insufficient_stock")` when taking more than the
    /// variant holds; `Conflict("stock_limit")` past `MAX_STOCK`.
    pub async fn adjust_stock(
        &self,
        actor: Uuid,
        product_id: Uuid,
        variant_id: Uuid,
        delta: i64,
        reason: &str,
    ) -> ServiceResult<StockMovement> {
        let adjustment = StockAdjustment::new(delta, reason).map_err(ServiceError::Invalid)?;
        let audit = super::audit::record(actor, "variant.stock_adjusted", (AuditTarget::Variant, variant_id))
            .with_changes(vec![FieldChange::new("reason", None, Some(adjustment.reason().into()))]);
        match self
            .repos
            .stock
            .adjust(product_id, variant_id, &adjustment, audit)
            .await?
        {
            AdjustOutcome::Adjusted(movement) => {
                self.catalogue_changed().await;
                Ok(movement)
            }
            AdjustOutcome::NoSuchVariant => Err(ServiceError::NotFound("variant")),
            AdjustOutcome::OutOfRange { stock } if delta < 0 => Err(ServiceError::conflict(
                "insufficient_stock",
                format!("the variant holds {stock} units; {} cannot be taken out", -delta),
            )),
            AdjustOutcome::OutOfRange { stock } => Err(ServiceError::conflict(
                "stock_limit",
                format!("a variant holds at most {MAX_STOCK} units; it holds {stock}"),
            )),
        }
    }

    /// A variant's stock movements, newest first.
    pub async fn stock_movements(
        &self,
        product_id: Uuid,
        variant_id: Uuid,
        page: PageRequest,
    ) -> ServiceResult<Page<StockMovement>> {
        let product = self.product(product_id).await?;
        if !product.variants.iter().any(|v| v.id == variant_id) {
            return Err(ServiceError::NotFound("variant"));
        }
        Ok(self.repos.stock.movements(variant_id, page).await?)
    }

    /// The write is committed; if the index cannot read it now (the database just went away)
    /// its follower applies it on a later round, and the write stands.
    async fn catalogue_changed(&self) {
        if let Err(e) = self.catalogue.read_model().refresh().await {
            tracing::warn!(error = %e, "catalogue index: a staff change will show on the follower's next round");
        }
    }
}

fn money(field: &str, minor: i64, errors: &mut Vec<InvalidField>) -> Option<Money> {
    Money::from_minor(field, minor).map_err(|e| errors.push(e)).ok()
}

fn known_ids(
    field: &str,
    what: &str,
    raw: &[String],
    known: &BTreeSet<Uuid>,
    errors: &mut Vec<InvalidField>,
) -> BTreeSet<Uuid> {
    let mut ids = BTreeSet::new();
    for (i, value) in raw.iter().enumerate() {
        match Uuid::parse_str(value.trim()).ok().filter(|id| known.contains(id)) {
            Some(id) => {
                ids.insert(id);
            }
            None => errors.push(InvalidField::new(format!("{field}[{i}]"), format!("no such {what}"))),
        }
    }
    ids
}

/// A unique value another record holds, as the field error a form shows next to the field.
fn taken(what: &str, sku_field: &str) -> ServiceError {
    match what {
        "slug" => InvalidField::new("slug", "is taken by another product").into(),
        _ => InvalidField::new(sku_field, "a SKU is already used by another variant").into(),
    }
}
