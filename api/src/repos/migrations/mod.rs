//! Schema migrations, shared by SQLite and PostgreSQL. Each migration is plain SQL with a few
//! type placeholders filled per backend, so both databases get the same tables and indexes.
//! Migrations hold no data: seeds load through the services.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

mod m20261125_000001_initial_schema;
mod m20261125_000002_product_search;
mod m20261125_000003_job_receipts;
mod m20261125_000004_revoked_access_tokens;
mod m20261125_000005_cart_promo_code;
mod m20261125_000006_orders_checkout;
mod m20261129_000007_job_outbox;
mod m20261129_000008_catalogue_changes;
mod m20261130_000009_audit_log;
mod m20261130_000010_product_status_and_stock_movements;
mod m20261130_000011_user_name_index;
mod m20261130_000012_promotion_code_case;
mod m20261130_000013_erasure;
mod m20261201_000014_cms_blocks;
mod m20261201_000015_sales_report_indexes;
mod m20261202_000016_sales_rollups;
pub(crate) mod m20261202_000017_product_images;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_initial_schema::Migration),
            Box::new(m20261125_000002_product_search::Migration),
            Box::new(m20261125_000003_job_receipts::Migration),
            Box::new(m20261125_000004_revoked_access_tokens::Migration),
            Box::new(m20261125_000005_cart_promo_code::Migration),
            Box::new(m20261125_000006_orders_checkout::Migration),
            Box::new(m20261129_000007_job_outbox::Migration),
            Box::new(m20261129_000008_catalogue_changes::Migration),
            Box::new(m20261130_000009_audit_log::Migration),
            Box::new(m20261130_000010_product_status_and_stock_movements::Migration),
            Box::new(m20261130_000011_user_name_index::Migration),
            Box::new(m20261130_000012_promotion_code_case::Migration),
            Box::new(m20261130_000013_erasure::Migration),
            Box::new(m20261201_000014_cms_blocks::Migration),
            Box::new(m20261201_000015_sales_report_indexes::Migration),
            Box::new(m20261202_000016_sales_rollups::Migration),
            Box::new(m20261202_000017_product_images::Migration),
        ]
    }
}

/// Fills the backend-specific type placeholders of a schema script.
fn render(sql: &str, backend: DbBackend) -> String {
    let (uuid, ts, json) = match backend {
        DbBackend::Postgres => ("uuid", "timestamptz", "jsonb"),
        _ => ("blob", "text", "text"),
    };
    sql.replace("{uuid}", uuid).replace("{ts}", ts).replace("{json}", json)
}

/// Runs each `;`-terminated statement of a script (statements here never contain `;` inside).
async fn run_script(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    for statement in render(sql, conn.get_database_backend()).split(";\n").map(str::trim) {
        if !statement.is_empty() {
            conn.execute_unprepared(statement).await?;
        }
    }
    Ok(())
}
