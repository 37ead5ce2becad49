//! Staff edits of products and variants on SQLite and PostgreSQL. Each write reads the record
//! inside its own write transaction (locked on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already
//! serialises writers), so the audit record's "before" is what the write replaced.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::{Expr, ExprTrait, Func, Query},
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{begin_write, catalogue_changes, db_err, is_postgres, products::SeaProductRepo};
use crate::{
    domain::{
        audit::{self, AuditRecord},
        catalogue::{NewProduct, NewVariant, ProductStatus},
        money::Money,
        pagination::Page,
        product_edit::{ProductFields, ProductPatch, ProductRemoval, VariantPatch},
    },
    repos::{
        AdminProductQuery, AdminProductSort, CatalogueEditRepo, EditOutcome, RepoError, RepoResult,
        entities::{
            order_items, product_categories, product_collections, product_tags, product_variants, products,
            stock_movements,
        },
    },
};

pub struct SeaCatalogueEditRepo {
    db: DatabaseConnection,
}

impl SeaCatalogueEditRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// A unique-index violation as the field that collided: the slug or a SKU.
fn collision(err: RepoError) -> RepoError {
    match err {
        RepoError::Conflict(detail) if detail.contains("sku") => RepoError::Conflict("sku".into()),
        RepoError::Conflict(detail) if detail.contains("slug") => RepoError::Conflict("slug".into()),
        other => other,
    }
}

/// Records initial stock as a movement, so a variant's history starts where its stock did.
async fn initial_stock(
    txn: &DatabaseTransaction,
    product_id: Uuid,
    variant_id: Uuid,
    units: i32,
    actor: Uuid,
) -> RepoResult<()> {
    if units == 0 {
        return Ok(());
    }
    stock_movements::Entity::insert(stock_movements::ActiveModel {
        id: Set(Uuid::now_v7()),
        variant_id: Set(variant_id),
        product_id: Set(product_id),
        delta: Set(units),
        stock_after: Set(units),
        reason: Set("initial stock".into()),
        actor_id: Set(Some(actor)),
        created_at: Set(Utc::now()),
    })
    .exec(txn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// The product's row, locked for the rest of the transaction on PostgreSQL.
async fn locked_product(txn: &DatabaseTransaction, id: Uuid) -> RepoResult<Option<products::Model>> {
    let mut query = products::Entity::find_by_id(id);
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    query.one(txn).await.map_err(db_err)
}

async fn fields(txn: &DatabaseTransaction, row: &products::Model) -> RepoResult<ProductFields> {
    let categories: Vec<Uuid> = product_categories::Entity::find()
        .select_only()
        .column(product_categories::Column::CategoryId)
        .filter(product_categories::Column::ProductId.eq(row.id))
        .into_tuple()
        .all(txn)
        .await
        .map_err(db_err)?;
    let collections: Vec<Uuid> = product_collections::Entity::find()
        .select_only()
        .column(product_collections::Column::CollectionId)
        .filter(product_collections::Column::ProductId.eq(row.id))
        .into_tuple()
        .all(txn)
        .await
        .map_err(db_err)?;
    Ok(ProductFields {
        title: row.title.clone(),
        slug: row.slug.clone(),
        description: row.description.clone(),
        price: super::products::stored_money(row.price)?,
        sale_price: row.sale_price.map(super::products::stored_money).transpose()?,
        status: ProductStatus::parse(&row.status)
            .ok_or_else(|| RepoError::Other(format!("product {}: unknown status {}", row.id, row.status)))?,
        tags: super::products::string_list(&row.tags),
        category_ids: categories.into_iter().collect(),
        collection_ids: collections.into_iter().collect(),
    })
}

async fn variant_count(txn: &DatabaseTransaction, product_id: Uuid) -> RepoResult<usize> {
    let n = product_variants::Entity::find()
        .filter(product_variants::Column::ProductId.eq(product_id))
        .count(txn)
        .await
        .map_err(db_err)?;
    Ok(n as usize)
}

fn variant_snapshot(v: &product_variants::Model) -> Value {
    json!({"sku": v.sku, "size": v.size, "color": v.color, "price": v.price, "inventoryCount": v.inventory_count})
}

/// Stores `audit` with the fields that differ between `before` and `after`, then the
/// catalogue change (last: it holds the version row's lock until the commit), and commits.
async fn finish(
    txn: DatabaseTransaction,
    mut audit: AuditRecord,
    before: Option<&Value>,
    after: Option<&Value>,
    product_id: Uuid,
) -> RepoResult<()> {
    audit.changes.extend(audit::diff(before, after, &[]));
    super::audit::insert(&txn, &audit).await?;
    catalogue_changes::record(&txn, [product_id]).await?;
    txn.commit().await.map_err(db_err)
}

fn filtered(query: &AdminProductQuery) -> Select<products::Entity> {
    let mut select = products::Entity::find();
    if let Some(status) = query.status {
        select = select.filter(products::Column::Status.eq(status.as_str()));
    }
    if let Some(category) = query.category_id {
        select = select.filter(
            products::Column::Id.in_subquery(
                Query::select()
                    .column(product_categories::Column::ProductId)
                    .from(product_categories::Entity)
                    .and_where(product_categories::Column::CategoryId.eq(category))
                    .to_owned(),
            ),
        );
    }
    if let Some(collection) = query.collection_id {
        select = select.filter(
            products::Column::Id.in_subquery(
                Query::select()
                    .column(product_collections::Column::ProductId)
                    .from(product_collections::Entity)
                    .and_where(product_collections::Column::CollectionId.eq(collection))
                    .to_owned(),
            ),
        );
    }
    if let Some(threshold) = query.low_stock {
        select = select.filter(
            products::Column::Id.in_subquery(
                Query::select()
                    .column(product_variants::Column::ProductId)
                    .from(product_variants::Entity)
                    .and_where(product_variants::Column::InventoryCount.lte(threshold))
                    .to_owned(),
            ),
        );
    }
    if let Some(search) = query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let lowered = search.to_lowercase();
        let title = Func::lower(Expr::col(products::Column::Title)).like(super::contains(&lowered));
        select = select.filter(
            Condition::any()
                .add(title)
                .add(products::Column::Slug.eq(lowered.clone()))
                .add(
                    products::Column::Id.in_subquery(
                        Query::select()
                            .column(product_variants::Column::ProductId)
                            .from(product_variants::Entity)
                            .and_where(Func::lower(Expr::col(product_variants::Column::Sku)).eq(lowered))
                            .to_owned(),
                    ),
                ),
        );
    }
    select
}

#[async_trait]
impl CatalogueEditRepo for SeaCatalogueEditRepo {
    async fn slugs_like(&self, base: &str) -> RepoResult<BTreeSet<String>> {
        let slugs: Vec<String> = products::Entity::find()
            .select_only()
            .column(products::Column::Slug)
            .filter(
                Condition::any()
                    .add(products::Column::Slug.eq(base))
                    .add(products::Column::Slug.starts_with(format!("{base}-"))),
            )
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(slugs.into_iter().collect())
    }

    async fn create(&self, product: NewProduct, audit: AuditRecord) -> RepoResult<Uuid> {
        let txn = begin_write(&self.db).await?;
        let taken = products::Entity::find()
            .filter(products::Column::Slug.eq(&product.slug))
            .count(&txn)
            .await
            .map_err(db_err)?;
        if taken > 0 {
            txn.rollback().await.map_err(db_err)?;
            return Err(RepoError::Conflict("slug".into()));
        }
        let stock: HashMap<String, i32> = product
            .variants
            .iter()
            .map(|v| (v.sku.clone(), v.inventory_count))
            .collect();
        let skus: Vec<String> = product.variants.iter().map(|v| v.sku.clone()).collect();
        let snapshot = ProductFields {
            title: product.title.clone(),
            slug: product.slug.clone(),
            description: product.description.clone(),
            price: product.price,
            sale_price: product.sale_price,
            status: product.status,
            tags: product.tags.clone(),
            category_ids: product.category_ids.iter().copied().collect(),
            collection_ids: product.collection_ids.iter().copied().collect(),
        }
        .snapshot();
        let actor = audit.actor_id;
        let id = SeaProductRepo::write_product(&txn, product).await.map_err(collision)?;
        let variants = product_variants::Entity::find()
            .filter(product_variants::Column::ProductId.eq(id))
            .all(&txn)
            .await
            .map_err(db_err)?;
        for v in &variants {
            initial_stock(&txn, id, v.id, stock.get(&v.sku).copied().unwrap_or(0), actor).await?;
        }
        let mut after = snapshot;
        after["variants"] = json!(skus);
        let mut audit = audit;
        audit.target_id = id;
        finish(txn, audit, None, Some(&after), id).await?;
        Ok(id)
    }

    async fn update(&self, id: Uuid, patch: &ProductPatch, audit: AuditRecord) -> RepoResult<EditOutcome> {
        let txn = begin_write(&self.db).await?;
        let Some(row) = locked_product(&txn, id).await? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(EditOutcome::NotFound);
        };
        let before = fields(&txn, &row).await?;
        let after = match patch.apply(&before, variant_count(&txn, id).await?) {
            Ok(after) => after,
            Err(errors) => {
                txn.rollback().await.map_err(db_err)?;
                return Ok(EditOutcome::Invalid(errors));
            }
        };
        if after == before {
            txn.rollback().await.map_err(db_err)?;
            return Ok(EditOutcome::Applied);
        }
        let mut update: products::ActiveModel = row.into();
        update.title = Set(after.title.clone());
        update.slug = Set(after.slug.clone());
        update.description = Set(after.description.clone());
        update.price = Set(after.price.minor());
        update.sale_price = Set(after.sale_price.map(Money::minor));
        update.effective_price = Set(crate::domain::money::effective_price(after.price, after.sale_price).minor());
        update.status = Set(after.status.as_str().to_owned());
        update.tags = Set(json!(after.tags));
        update.updated_at = Set(Utc::now());
        update.update(&txn).await.map_err(db_err).map_err(collision)?;
        if after.tags != before.tags {
            super::products::replace_rows(
                &txn,
                product_tags::Entity::delete_many().filter(product_tags::Column::ProductId.eq(id)),
                after.tags.iter().map(|tag| product_tags::ActiveModel {
                    product_id: Set(id),
                    tag: Set(tag.clone()),
                }),
            )
            .await?;
        }
        if after.category_ids != before.category_ids {
            super::products::replace_rows(
                &txn,
                product_categories::Entity::delete_many().filter(product_categories::Column::ProductId.eq(id)),
                after.category_ids.iter().map(|c| product_categories::ActiveModel {
                    product_id: Set(id),
                    category_id: Set(*c),
                }),
            )
            .await?;
        }
        if after.collection_ids != before.collection_ids {
            super::products::replace_rows(
                &txn,
                product_collections::Entity::delete_many().filter(product_collections::Column::ProductId.eq(id)),
                after.collection_ids.iter().map(|c| product_collections::ActiveModel {
                    product_id: Set(id),
                    collection_id: Set(*c),
                }),
            )
            .await?;
        }
        finish(txn, audit, Some(&before.snapshot()), Some(&after.snapshot()), id).await?;
        Ok(EditOutcome::Applied)
    }

    async fn remove(&self, id: Uuid, mut audit: AuditRecord) -> RepoResult<ProductRemoval> {
        let txn = begin_write(&self.db).await?;
        let Some(row) = locked_product(&txn, id).await? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(ProductRemoval::NotFound);
        };
        let before = fields(&txn, &row).await?;
        let ordered = order_items::Entity::find()
            .filter(order_items::Column::ProductId.eq(id))
            .count(&txn)
            .await
            .map_err(db_err)?
            > 0;
        if ordered {
            let mut update: products::ActiveModel = row.into();
            update.status = Set(ProductStatus::Archived.as_str().to_owned());
            update.updated_at = Set(Utc::now());
            update.update(&txn).await.map_err(db_err)?;
            let after = ProductFields {
                status: ProductStatus::Archived,
                ..before.clone()
            };
            audit.action = "product.archived".into();
            finish(txn, audit, Some(&before.snapshot()), Some(&after.snapshot()), id).await?;
            return Ok(ProductRemoval::Archived);
        }
        products::Entity::delete_by_id(id).exec(&txn).await.map_err(db_err)?;
        finish(txn, audit, Some(&before.snapshot()), None, id).await?;
        Ok(ProductRemoval::Deleted)
    }

    async fn add_variant(
        &self,
        product_id: Uuid,
        variant: NewVariant,
        mut audit: AuditRecord,
    ) -> RepoResult<Option<Uuid>> {
        let txn = begin_write(&self.db).await?;
        if locked_product(&txn, product_id).await?.is_none() {
            txn.rollback().await.map_err(db_err)?;
            return Ok(None);
        }
        let position = variant_count(&txn, product_id).await? as i32;
        let now = Utc::now();
        let id = Uuid::now_v7();
        let row = product_variants::ActiveModel {
            id: Set(id),
            product_id: Set(product_id),
            sku: Set(variant.sku),
            size: Set(variant.size),
            color: Set(variant.color),
            price: Set(variant.price.map(Money::minor)),
            inventory_count: Set(variant.inventory_count),
            position: Set(position),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let row = row.insert(&txn).await.map_err(db_err).map_err(collision)?;
        initial_stock(&txn, product_id, id, row.inventory_count, audit.actor_id).await?;
        audit.target_id = id;
        finish(txn, audit, None, Some(&variant_snapshot(&row)), product_id).await?;
        Ok(Some(id))
    }

    async fn update_variant(
        &self,
        product_id: Uuid,
        variant_id: Uuid,
        patch: &VariantPatch,
        audit: AuditRecord,
    ) -> RepoResult<EditOutcome> {
        let txn = begin_write(&self.db).await?;
        let mut query =
            product_variants::Entity::find_by_id(variant_id).filter(product_variants::Column::ProductId.eq(product_id));
        if is_postgres(&self.db) {
            query = query.lock_exclusive();
        }
        let Some(row) = query.one(&txn).await.map_err(db_err)? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(EditOutcome::NotFound);
        };
        let before = variant_snapshot(&row);
        let mut update: product_variants::ActiveModel = row.into();
        if let Some(sku) = &patch.sku {
            update.sku = Set(sku.clone());
        }
        if let Some(size) = &patch.size {
            update.size = Set(size.clone());
        }
        if let Some(color) = &patch.color {
            update.color = Set(color.clone());
        }
        if let Some(price) = patch.price {
            update.price = Set(price.map(Money::minor));
        }
        update.updated_at = Set(Utc::now());
        let row = update.update(&txn).await.map_err(db_err).map_err(collision)?;
        finish(txn, audit, Some(&before), Some(&variant_snapshot(&row)), product_id).await?;
        Ok(EditOutcome::Applied)
    }

    async fn remove_variant(&self, product_id: Uuid, variant_id: Uuid, audit: AuditRecord) -> RepoResult<EditOutcome> {
        let txn = begin_write(&self.db).await?;
        let Some(product) = locked_product(&txn, product_id).await? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(EditOutcome::NotFound);
        };
        let row = product_variants::Entity::find_by_id(variant_id)
            .filter(product_variants::Column::ProductId.eq(product_id))
            .one(&txn)
            .await
            .map_err(db_err)?;
        let Some(row) = row else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(EditOutcome::NotFound);
        };
        if product.status == ProductStatus::Active.as_str() && variant_count(&txn, product_id).await? == 1 {
            txn.rollback().await.map_err(db_err)?;
            return Ok(EditOutcome::Invalid(vec![crate::domain::InvalidField::new(
                "variantId",
                "is the last variant of an active product; archive or draft the product first",
            )]));
        }
        product_variants::Entity::delete_by_id(variant_id)
            .exec(&txn)
            .await
            .map_err(db_err)?;
        finish(txn, audit, Some(&variant_snapshot(&row)), None, product_id).await?;
        Ok(EditOutcome::Applied)
    }

    async fn list(&self, query: &AdminProductQuery) -> RepoResult<Page<Uuid>> {
        let total = filtered(query).count(&self.db).await.map_err(db_err)?;
        let select = filtered(query).select_only().column(products::Column::Id);
        let select = match query.sort {
            AdminProductSort::Newest => select.order_by_desc(products::Column::CreatedAt),
            AdminProductSort::Oldest => select.order_by_asc(products::Column::CreatedAt),
            AdminProductSort::TitleAsc => select.order_by_asc(products::Column::Title),
            AdminProductSort::TitleDesc => select.order_by_desc(products::Column::Title),
            AdminProductSort::PriceAsc => select.order_by_asc(products::Column::EffectivePrice),
            AdminProductSort::PriceDesc => select.order_by_desc(products::Column::EffectivePrice),
            AdminProductSort::RecentlyUpdated => select.order_by_desc(products::Column::UpdatedAt),
        };
        let ids: Vec<Uuid> = select
            .order_by_desc(products::Column::Id)
            .offset(query.page.offset())
            .limit(query.page.limit())
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(Page {
            items: ids,
            request: query.page,
            total,
        })
    }
}
