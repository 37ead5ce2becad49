//! The SQL that sums the sales rollups (`domain::sales_rollup`) again from the orders, for
//! SQLite and PostgreSQL: run by the migration that creates them and by
//! `ReportRepo::rebuild_sales_rollups`. The slot, day and month numbers it computes in SQL
//! are the ones `domain::sales_rollup` computes in Rust.

use sea_orm::DbBackend;

use crate::domain::{inventory::SOLD_STATUSES, order_status::OrderStatus, sales::COUNTED_STATUSES, sales_rollup};

/// The statements that empty the rollups and sum them again from the orders (the migration
/// that creates them and `ReportRepo::rebuild_sales_rollups`).
pub fn rebuild_statements(backend: DbBackend) -> Vec<String> {
    let (slot, day, month) = match backend {
        DbBackend::Postgres => (
            "CAST(FLOOR(EXTRACT(EPOCH FROM o.created_at) / 900) AS BIGINT)".to_owned(),
            "CAST(FLOOR(EXTRACT(EPOCH FROM o.created_at) / 86400) AS BIGINT)".to_owned(),
            "CAST(EXTRACT(YEAR FROM o.created_at AT TIME ZONE 'UTC') * 12 \
             + EXTRACT(MONTH FROM o.created_at AT TIME ZONE 'UTC') - 1 AS BIGINT)"
                .to_owned(),
        ),
        _ => (
            "(CAST(strftime('%s', o.created_at) AS INTEGER) / 900)".to_owned(),
            "(CAST(strftime('%s', o.created_at) AS INTEGER) / 86400)".to_owned(),
            "(CAST(strftime('%Y', o.created_at) AS INTEGER) * 12 + CAST(strftime('%m', o.created_at) AS INTEGER) - 1)"
                .to_owned(),
        ),
    };
    let quoted = |statuses: &[OrderStatus]| -> String {
        statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (counted, sold) = (quoted(&COUNTED_STATUSES), quoted(&SOLD_STATUSES));
    let refunded = OrderStatus::Refunded.as_str();
    debug_assert_eq!(sales_rollup::SLOT_SECS, 900);
    debug_assert_eq!(sales_rollup::DAY_SECS, 86400);
    let mut statements = vec![
        "DELETE FROM sales_slots".to_owned(),
        "DELETE FROM sales_product_days".to_owned(),
        "DELETE FROM sales_product_months".to_owned(),
        format!(
            "INSERT INTO sales_slots (slot, orders, units, gross, discounts, refunds, shipping) \
             SELECT {slot}, COUNT(*), CAST(SUM(o.units) AS BIGINT), CAST(SUM(o.subtotal) AS BIGINT), \
             CAST(SUM(o.discount_total) AS BIGINT), \
             CAST(SUM(CASE WHEN o.status = '{refunded}' THEN o.subtotal - o.discount_total ELSE 0 END) AS BIGINT), \
             CAST(SUM(o.shipping_total) AS BIGINT) \
             FROM orders o WHERE o.status IN ({counted}) GROUP BY 1"
        ),
    ];
    for (table, period, expr) in [
        ("sales_product_days", "day", day),
        ("sales_product_months", "month", month),
    ] {
        statements.push(format!(
            "INSERT INTO {table} ({period}, product_id, units, revenue) \
             SELECT {expr}, oi.product_id, CAST(SUM(oi.quantity) AS BIGINT), CAST(SUM(oi.line_total) AS BIGINT) \
             FROM orders o JOIN order_items oi ON oi.order_id = o.id \
             WHERE o.status IN ({sold}) AND oi.product_id IS NOT NULL GROUP BY 1, 2"
        ));
    }
    statements
}
