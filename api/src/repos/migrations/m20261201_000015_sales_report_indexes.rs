//! The sales report reads its figures from indexes alone: each order carries its units (the
//! sum of its lines' quantities, fixed once placed), the orders index by status and time also
//! holds the summed columns, and the lines index by order holds product, quantity and line
//! total. One year of a million orders is then summed without reading a table row
//! (BENCHMARKS.md). The index by status and time alone is replaced: the new one begins with it.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000015_sales_report_indexes"
    }
}

const SCHEMA: &str = r#"
ALTER TABLE orders ADD COLUMN units BIGINT NOT NULL DEFAULT 0;
UPDATE orders SET units = COALESCE((SELECT SUM(quantity) FROM order_items WHERE order_items.order_id = orders.id), 0);
DROP INDEX orders_status_created_idx;
CREATE INDEX orders_sales_idx ON orders (status, created_at, subtotal, discount_total, shipping_total, units, id);
CREATE INDEX order_items_sales_idx ON order_items (order_id, product_id, quantity, line_total);
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_script(manager, SCHEMA).await
    }
}
