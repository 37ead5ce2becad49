//! Product images on SQLite and PostgreSQL. Each write locks the product's row first (SQLite's
//! `BEGIN IMMEDIATE` already serialises writers), so concurrent uploads to one product take
//! distinct positions, and rewrites the product's `images` URL list from the rows before it
//! commits.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::{begin_write, catalogue_changes, db_err};
use crate::{
    domain::{
        audit::{AuditRecord, FieldChange},
        product_image::{self, NewProductImage, ProductImage},
    },
    repos::{
        ImageAdded, ImagesReordered, ProductImageRepo, RepoError, RepoResult,
        entities::{product_images, products},
    },
};

pub struct SeaProductImageRepo {
    db: DatabaseConnection,
}

impl SeaProductImageRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn to_image(row: product_images::Model) -> ProductImage {
    let unsigned = |n: Option<i32>| n.and_then(|n| u32::try_from(n).ok());
    ProductImage {
        id: row.id,
        product_id: row.product_id,
        storage_key: row.storage_key,
        url: row.url,
        content_type: row.content_type,
        width: unsigned(row.width),
        height: unsigned(row.height),
        bytes: row.bytes.and_then(|n| u64::try_from(n).ok()),
        position: u32::try_from(row.position).unwrap_or_default(),
        created_at: row.created_at,
    }
}

fn snapshot(image: &ProductImage) -> serde_json::Value {
    json!({"id": image.id.to_string(), "url": image.url, "position": image.position})
}

/// The product's row, locked until the commit on PostgreSQL; `None` when there is none.
async fn lock_product(txn: &DatabaseTransaction, id: Uuid) -> RepoResult<Option<products::Model>> {
    let mut query = products::Entity::find_by_id(id);
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    query.one(txn).await.map_err(db_err)
}

async fn rows_of(txn: &DatabaseTransaction, product_id: Uuid) -> RepoResult<Vec<product_images::Model>> {
    product_images::Entity::find()
        .filter(product_images::Column::ProductId.eq(product_id))
        .order_by_asc(product_images::Column::Position)
        .order_by_asc(product_images::Column::Id)
        .all(txn)
        .await
        .map_err(db_err)
}

/// Numbers the product's rows 0, 1, … in `order`, rewrites its URL list from them, stores the
/// audit record and the catalogue change, and commits.
async fn finish(
    txn: DatabaseTransaction,
    product: products::Model,
    order: Vec<product_images::Model>,
    audit: AuditRecord,
) -> RepoResult<Vec<ProductImage>> {
    let mut images = Vec::with_capacity(order.len());
    for (position, row) in order.into_iter().enumerate() {
        let position = position as i32;
        let row = if row.position == position {
            row
        } else {
            let mut update: product_images::ActiveModel = row.into();
            update.position = Set(position);
            update.update(&txn).await.map_err(db_err)?
        };
        images.push(to_image(row));
    }
    let product_id = product.id;
    let mut update: products::ActiveModel = product.into();
    update.images = Set(json!(images.iter().map(|i| i.url.as_str()).collect::<Vec<_>>()));
    update.updated_at = Set(Utc::now());
    update.update(&txn).await.map_err(db_err)?;
    super::audit::insert(&txn, &audit).await?;
    catalogue_changes::record(&txn, [product_id]).await?;
    txn.commit().await.map_err(db_err)?;
    Ok(images)
}

/// Makes the product's image rows match `urls` (a product written whole, as the seed does):
/// rows whose URL stays keep their id and metadata, new URLs get rows without any, the rest
/// go. Their stored objects are left in place.
pub(super) async fn match_listed(txn: &DatabaseTransaction, product_id: Uuid, urls: &[String]) -> RepoResult<()> {
    let current = rows_of(txn, product_id).await?;
    let mut by_url: HashMap<&str, &product_images::Model> = HashMap::new();
    for row in &current {
        by_url.entry(row.url.as_str()).or_insert(row);
    }
    let mut kept = Vec::new();
    let mut added = Vec::new();
    let now = Utc::now();
    for (position, url) in urls.iter().enumerate() {
        match by_url.remove(url.as_str()) {
            Some(row) => kept.push((row.id, position as i32)),
            None => added.push(product_images::ActiveModel {
                id: Set(Uuid::now_v7()),
                product_id: Set(product_id),
                storage_key: Set(None),
                url: Set(url.clone()),
                content_type: Set(None),
                width: Set(None),
                height: Set(None),
                bytes: Set(None),
                position: Set(position as i32),
                created_at: Set(now),
            }),
        }
    }
    let keep: Vec<Uuid> = kept.iter().map(|(id, _)| *id).collect();
    product_images::Entity::delete_many()
        .filter(product_images::Column::ProductId.eq(product_id))
        .filter(product_images::Column::Id.is_not_in(keep))
        .exec(txn)
        .await
        .map_err(db_err)?;
    for (id, position) in kept {
        product_images::Entity::update_many()
            .col_expr(product_images::Column::Position, position.into())
            .filter(product_images::Column::Id.eq(id))
            .exec(txn)
            .await
            .map_err(db_err)?;
    }
    if !added.is_empty() {
        product_images::Entity::insert_many(added)
            .exec(txn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// Rows for products inserted in bulk, one per listed URL.
pub(super) fn listed_rows(product_id: Uuid, urls: &[String]) -> Vec<product_images::ActiveModel> {
    crate::repos::migrations::m20261202_000017_product_images::listed_rows(product_id, &json!(urls), Utc::now())
}

#[async_trait]
impl ProductImageRepo for SeaProductImageRepo {
    async fn for_products(&self, product_ids: &[Uuid]) -> RepoResult<HashMap<Uuid, Vec<ProductImage>>> {
        let mut found: HashMap<Uuid, Vec<ProductImage>> = HashMap::new();
        for chunk in product_ids.chunks(500) {
            let rows = product_images::Entity::find()
                .filter(product_images::Column::ProductId.is_in(chunk.iter().copied()))
                .order_by_asc(product_images::Column::ProductId)
                .order_by_asc(product_images::Column::Position)
                .order_by_asc(product_images::Column::Id)
                .all(&self.db)
                .await
                .map_err(db_err)?;
            for row in rows {
                found.entry(row.product_id).or_default().push(to_image(row));
            }
        }
        Ok(found)
    }

    async fn add(
        &self,
        product_id: Uuid,
        image: NewProductImage,
        max: usize,
        mut audit: AuditRecord,
    ) -> RepoResult<ImageAdded> {
        let txn = begin_write(&self.db).await?;
        let Some(product) = lock_product(&txn, product_id).await? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(ImageAdded::NoSuchProduct);
        };
        let mut rows = rows_of(&txn, product_id).await?;
        if rows.len() >= max {
            txn.rollback().await.map_err(db_err)?;
            return Ok(ImageAdded::Full);
        }
        let to_i32 = |n: u32| i32::try_from(n).map_err(|_| RepoError::Other("image dimension out of range".into()));
        let row = product_images::ActiveModel {
            id: Set(Uuid::now_v7()),
            product_id: Set(product_id),
            storage_key: Set(Some(image.storage_key)),
            url: Set(image.url),
            content_type: Set(Some(image.content_type)),
            width: Set(Some(to_i32(image.width)?)),
            height: Set(Some(to_i32(image.height)?)),
            bytes: Set(Some(i64::try_from(image.bytes).unwrap_or(i64::MAX))),
            position: Set(rows.len() as i32),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        let id = row.id;
        rows.push(row);
        let added = to_image(rows.last().cloned().ok_or_else(|| RepoError::Other("no row".into()))?);
        audit
            .changes
            .push(FieldChange::new("image", None, Some(snapshot(&added))));
        let images = finish(txn, product, rows, audit).await?;
        let added = images
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(|| RepoError::Other("the added image is missing".into()))?;
        Ok(ImageAdded::Added(added))
    }

    async fn remove(
        &self,
        product_id: Uuid,
        image_id: Uuid,
        mut audit: AuditRecord,
    ) -> RepoResult<Option<ProductImage>> {
        let txn = begin_write(&self.db).await?;
        let Some(product) = lock_product(&txn, product_id).await? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(None);
        };
        let mut rows = rows_of(&txn, product_id).await?;
        let Some(index) = rows.iter().position(|r| r.id == image_id) else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(None);
        };
        let removed = to_image(rows.remove(index));
        product_images::Entity::delete_by_id(image_id)
            .exec(&txn)
            .await
            .map_err(db_err)?;
        audit
            .changes
            .push(FieldChange::new("image", Some(snapshot(&removed)), None));
        finish(txn, product, rows, audit).await?;
        Ok(Some(removed))
    }

    async fn reorder(
        &self,
        product_id: Uuid,
        image_ids: &[Uuid],
        mut audit: AuditRecord,
    ) -> RepoResult<ImagesReordered> {
        let txn = begin_write(&self.db).await?;
        let Some(product) = lock_product(&txn, product_id).await? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(ImagesReordered::NoSuchProduct);
        };
        let rows = rows_of(&txn, product_id).await?;
        let current: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        if let Err(invalid) = product_image::check_order(&current, image_ids) {
            txn.rollback().await.map_err(db_err)?;
            return Ok(ImagesReordered::Invalid(invalid));
        }
        let mut by_id: HashMap<Uuid, product_images::Model> = rows.into_iter().map(|r| (r.id, r)).collect();
        let order: Vec<product_images::Model> = image_ids.iter().filter_map(|id| by_id.remove(id)).collect();
        let ids = |list: &[Uuid]| json!(list.iter().map(Uuid::to_string).collect::<Vec<_>>());
        audit
            .changes
            .push(FieldChange::new("imageIds", Some(ids(&current)), Some(ids(image_ids))));
        Ok(ImagesReordered::Reordered(finish(txn, product, order, audit).await?))
    }

    async fn key_in_use(&self, key: &str) -> RepoResult<bool> {
        let n = product_images::Entity::find()
            .filter(product_images::Column::StorageKey.eq(key))
            .count(&self.db)
            .await
            .map_err(db_err)?;
        Ok(n > 0)
    }
}
