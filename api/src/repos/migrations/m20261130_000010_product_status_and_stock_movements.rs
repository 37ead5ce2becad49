//! Products gain a status (`draft`, `active`, `archived`; only active ones reach the
//! storefront), and stock changes made by staff are kept as movements: relative adjustments
//! with their reason and the stock they left, never overwrites.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000010_product_status_and_stock_movements"
    }
}

const SCHEMA: &str = r#"
ALTER TABLE products ADD COLUMN status text NOT NULL DEFAULT 'active';
CREATE INDEX products_status_idx ON products (status);
CREATE TABLE stock_movements (
    id {uuid} PRIMARY KEY,
    variant_id {uuid} NOT NULL,
    product_id {uuid} NOT NULL,
    delta integer NOT NULL,
    stock_after integer NOT NULL,
    reason text NOT NULL,
    actor_id {uuid},
    created_at {ts} NOT NULL
);
CREATE INDEX stock_movements_variant_idx ON stock_movements (variant_id, created_at, id);
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_script(manager, SCHEMA).await
    }
}
