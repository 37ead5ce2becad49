//! Product images get rows of their own: the uploaded file's storage key, URL, type, size in
//! pixels and bytes, and place in the product's list. The rows are the truth; the product's
//! `images` column stays as the ordered list of their URLs (what the storefront reads), and
//! every write keeps both in one transaction.
//!
//! The images products already list get a row each, in their order, without a storage key
//! (the store did not write them: seeded files are never deleted through an image) and
//! without metadata. This data step reads and writes rows in Rust because SQLite cannot
//! expand a JSON list into UUIDs v7.

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use sea_orm_migration::prelude::*;
use uuid::Uuid;

use crate::repos::entities::{product_images, products};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000017_product_images"
    }
}

const SCHEMA: &str = r#"
CREATE TABLE product_images (
    id {uuid} PRIMARY KEY,
    product_id {uuid} NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    storage_key text,
    url text NOT NULL,
    content_type text,
    width integer,
    height integer,
    bytes bigint,
    position integer NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX product_images_product_idx ON product_images (product_id, position);
CREATE INDEX product_images_storage_key_idx ON product_images (storage_key);
"#;

/// Products read per round of the backfill.
const BATCH: u64 = 1_000;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_script(manager, SCHEMA).await?;
        let conn = manager.get_connection();
        let mut after: Option<Uuid> = None;
        loop {
            let mut select = products::Entity::find()
                .select_only()
                .columns([products::Column::Id, products::Column::Images])
                .order_by_asc(products::Column::Id)
                .limit(BATCH);
            if let Some(last) = after {
                select = select.filter(products::Column::Id.gt(last));
            }
            let batch: Vec<(Uuid, serde_json::Value)> = select.into_tuple().all(conn).await?;
            let Some((last, _)) = batch.last() else { break };
            after = Some(*last);
            let now = chrono::Utc::now();
            let rows: Vec<product_images::ActiveModel> = batch
                .iter()
                .flat_map(|(id, images)| listed_rows(*id, images, now))
                .collect();
            for chunk in rows.chunks(1_000) {
                product_images::Entity::insert_many(chunk.to_vec()).exec(conn).await?;
            }
        }
        Ok(())
    }
}

/// Rows for the URLs a product lists, in order, without storage key or metadata.
pub(crate) fn listed_rows(
    product_id: Uuid,
    images: &serde_json::Value,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<product_images::ActiveModel> {
    images
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .enumerate()
        .map(|(position, url)| product_images::ActiveModel {
            id: Set(Uuid::now_v7()),
            product_id: Set(product_id),
            storage_key: Set(None),
            url: Set(url.to_owned()),
            content_type: Set(None),
            width: Set(None),
            height: Set(None),
            bytes: Set(None),
            position: Set(position as i32),
            created_at: Set(now),
        })
        .collect()
}
