//! The sales rollups (`domain::sales_rollup`): figures per 15-minute UTC slot, and units and
//! revenue per product by UTC day and by UTC month, filled from the orders already stored.
//! From here on the transaction that moves an order keeps them (`repos::sea::sales_rollups`);
//! the 1,000,000-order report reads a few thousand rows instead of every order of the year
//! (BENCHMARKS.md).

use sea_orm_migration::prelude::*;

use crate::repos::sales_rollup_sql;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000016_sales_rollups"
    }
}

const SCHEMA: &str = r#"
CREATE TABLE sales_slots (
    slot BIGINT PRIMARY KEY,
    orders BIGINT NOT NULL,
    units BIGINT NOT NULL,
    gross BIGINT NOT NULL,
    discounts BIGINT NOT NULL,
    refunds BIGINT NOT NULL,
    shipping BIGINT NOT NULL
);
CREATE TABLE sales_product_days (
    day BIGINT NOT NULL,
    product_id {uuid} NOT NULL,
    units BIGINT NOT NULL,
    revenue BIGINT NOT NULL,
    PRIMARY KEY (day, product_id)
);
CREATE TABLE sales_product_months (
    month BIGINT NOT NULL,
    product_id {uuid} NOT NULL,
    units BIGINT NOT NULL,
    revenue BIGINT NOT NULL,
    PRIMARY KEY (month, product_id)
);
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_script(manager, SCHEMA).await?;
        let conn = manager.get_connection();
        for statement in sales_rollup_sql::rebuild_statements(conn.get_database_backend()) {
            conn.execute_unprepared(&statement).await?;
        }
        Ok(())
    }
}
