//! Checkout: what an order remembers about its request and payment, and promotions that
//! stack or target one product.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000006_orders_checkout"
    }
}

const ORDERS: &str = r#"
ALTER TABLE orders ADD COLUMN request_hash text;
ALTER TABLE orders ADD COLUMN payment_method text;
ALTER TABLE orders ADD COLUMN payment_client_secret text;
ALTER TABLE orders ADD COLUMN payment_failure text;
CREATE INDEX orders_pending_created_idx ON orders (created_at) WHERE status = 'pending_payment';
"#;

const PROMOTIONS_POSTGRES: &str = r#"
ALTER TABLE promotions ADD COLUMN stackable boolean NOT NULL DEFAULT false;
ALTER TABLE promotions ADD COLUMN scope_product_id uuid REFERENCES products (id) ON DELETE CASCADE;
ALTER TABLE promotions DROP CONSTRAINT promotions_scope_kind_check;
ALTER TABLE promotions ADD CONSTRAINT promotions_scope_kind_check CHECK (scope_kind IN ('all', 'category', 'collection', 'product'));
"#;

// SQLite cannot alter a CHECK constraint: the table is rebuilt (nothing references it). The
// script runs as one batch on one connection, inside a savepoint: statement by statement the
// pool may hand out a connection whose read snapshot still shows the dropped table.
const PROMOTIONS_SQLITE: &str = r#"
SAVEPOINT promotions_rebuild;
CREATE TABLE promotions_next (
    id blob PRIMARY KEY,
    name text NOT NULL,
    slug text NOT NULL,
    description text,
    image text,
    active boolean NOT NULL DEFAULT true,
    position integer NOT NULL DEFAULT 0,
    discount_type text NOT NULL CHECK (discount_type IN ('percent', 'fixed')),
    discount_value bigint NOT NULL CHECK (discount_value > 0),
    start_date text NOT NULL,
    end_date text NOT NULL,
    code text,
    scope_kind text NOT NULL CHECK (scope_kind IN ('all', 'category', 'collection', 'product')),
    scope_category_id blob REFERENCES categories (id) ON DELETE CASCADE,
    scope_collection_id blob REFERENCES collections (id) ON DELETE CASCADE,
    scope_product_id blob REFERENCES products (id) ON DELETE CASCADE,
    stackable boolean NOT NULL DEFAULT false,
    created_at text NOT NULL,
    updated_at text NOT NULL
);
INSERT INTO promotions_next (id, name, slug, description, image, active, position, discount_type,
    discount_value, start_date, end_date, code, scope_kind, scope_category_id, scope_collection_id,
    created_at, updated_at)
SELECT id, name, slug, description, image, active, position, discount_type, discount_value,
    start_date, end_date, code, scope_kind, scope_category_id, scope_collection_id, created_at,
    updated_at FROM promotions;
DROP TABLE promotions;
ALTER TABLE promotions_next RENAME TO promotions;
CREATE UNIQUE INDEX promotions_slug_key ON promotions (slug);
CREATE UNIQUE INDEX promotions_code_key ON promotions (code);
CREATE INDEX promotions_active_window_idx ON promotions (active, start_date, end_date);
RELEASE promotions_rebuild;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_script(manager, ORDERS).await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => super::run_script(manager, PROMOTIONS_POSTGRES).await,
            _ => manager
                .get_connection()
                .execute_unprepared(PROMOTIONS_SQLITE)
                .await
                .map(|_| ()),
        }
    }
}
