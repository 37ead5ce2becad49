//! The sales rollups (`domain::sales_rollup`): `sales_slots` (figures per 15-minute UTC
//! slot), `sales_product_days` and `sales_product_months` (units and revenue per product by
//! UTC day and month). Changed only here: by the transaction that moves an order in or out of
//! the counted and sold statuses, by an import, and rebuilt whole from the orders.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

use super::{db_err, placeholders};
use crate::{
    domain::{
        order_status::OrderStatus,
        sales_rollup::{self, OrderAmounts, SlotFigures},
    },
    repos::RepoResult,
};

/// An order line as the best sellers count it.
#[derive(Debug, Clone, Copy)]
pub(super) struct SoldLine {
    pub product_id: Option<Uuid>,
    pub quantity: i64,
    pub line_total: i64,
}

/// Changes to the rollups, summed per key before they are written (one row per key and
/// statement, in key order, so concurrent writers lock rows in the same order).
#[derive(Debug, Default)]
pub(super) struct RollupChanges {
    slots: BTreeMap<i64, SlotFigures>,
    product_days: BTreeMap<(i64, Uuid), (i64, i64)>,
    product_months: BTreeMap<(i64, Uuid), (i64, i64)>,
}

impl RollupChanges {
    /// Adds `figures` to the slot of `placed_at`, and the lines, `sign` times (+1 joining
    /// the best sellers, -1 leaving them), to its UTC day and month.
    pub fn add(&mut self, placed_at: DateTime<Utc>, figures: SlotFigures, lines: Option<(i64, &[SoldLine])>) {
        if !figures.is_zero() {
            let slot = self.slots.entry(sales_rollup::slot_of(placed_at)).or_default();
            *slot = slot.plus(figures);
        }
        let Some((sign, lines)) = lines else { return };
        let (day, month) = (sales_rollup::day_of(placed_at), sales_rollup::month_of(placed_at));
        for line in lines {
            let Some(product) = line.product_id else { continue };
            let (units, revenue) = (sign * line.quantity, sign * line.line_total);
            for (map, period) in [(&mut self.product_days, day), (&mut self.product_months, month)] {
                let entry = map.entry((period, product)).or_default();
                entry.0 += units;
                entry.1 += revenue;
            }
        }
    }

    /// What an order stored in `status` adds (an import).
    pub fn add_order(
        &mut self,
        placed_at: DateTime<Utc>,
        status: OrderStatus,
        amounts: OrderAmounts,
        lines: &[SoldLine],
    ) {
        let sold = sales_rollup::sells(status).then_some((1, lines));
        self.add(placed_at, SlotFigures::of(status, amounts), sold);
    }

    /// Writes the changes: upserts adding to the stored sums.
    pub async fn apply<C: ConnectionTrait>(self, conn: &C) -> RepoResult<()> {
        const ROWS_PER_STATEMENT: usize = 500;
        let backend = conn.get_database_backend();
        let slots: Vec<Vec<Value>> = self
            .slots
            .into_iter()
            .filter(|(_, f)| !f.is_zero())
            .map(|(slot, f)| {
                vec![
                    slot.into(),
                    f.orders.into(),
                    f.units.into(),
                    f.gross.into(),
                    f.discounts.into(),
                    f.refunds.into(),
                    f.shipping.into(),
                ]
            })
            .collect();
        for chunk in slots.chunks(ROWS_PER_STATEMENT) {
            upsert(
                conn,
                backend,
                "sales_slots (slot, orders, units, gross, discounts, refunds, shipping)",
                "slot",
                &["orders", "units", "gross", "discounts", "refunds", "shipping"],
                chunk,
            )
            .await?;
        }
        for (table, period, sums) in [
            ("sales_product_days", "day", self.product_days),
            ("sales_product_months", "month", self.product_months),
        ] {
            let rows: Vec<Vec<Value>> = sums
                .into_iter()
                .filter(|(_, (units, revenue))| *units != 0 || *revenue != 0)
                .map(|((p, product), (units, revenue))| vec![p.into(), product.into(), units.into(), revenue.into()])
                .collect();
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                upsert(
                    conn,
                    backend,
                    &format!("{table} ({period}, product_id, units, revenue)"),
                    &format!("{period}, product_id"),
                    &["units", "revenue"],
                    chunk,
                )
                .await?;
            }
        }
        Ok(())
    }
}

/// `INSERT INTO {target} VALUES … ON CONFLICT ({key}) DO UPDATE SET c = table.c + excluded.c`.
async fn upsert<C: ConnectionTrait>(
    conn: &C,
    backend: DbBackend,
    target: &str,
    key: &str,
    summed: &[&str],
    rows: &[Vec<Value>],
) -> RepoResult<()> {
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(());
    };
    let table = target.split_whitespace().next().unwrap_or(target);
    let row = format!("({})", vec!["?"; width].join(", "));
    let set: Vec<String> = summed
        .iter()
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect();
    let sql = format!(
        "INSERT INTO {target} VALUES {} ON CONFLICT ({key}) DO UPDATE SET {}",
        vec![row; rows.len()].join(", "),
        set.join(", ")
    );
    let values: Vec<Value> = rows.iter().flatten().cloned().collect();
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        placeholders(&sql, backend),
        values,
    ))
    .await
    .map_err(db_err)?;
    Ok(())
}

/// In the transaction that moved order `id` from `from` to `to`: what the move changes in the
/// rollups (nothing read or written when it changes nothing, e.g. `paid` → `shipped`).
pub(super) async fn order_moved<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    from: OrderStatus,
    to: OrderStatus,
) -> RepoResult<()> {
    if !sales_rollup::affects_rollups(from, to) {
        return Ok(());
    }
    let backend = conn.get_database_backend();
    let order = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            placeholders(
                "SELECT created_at, units, subtotal, discount_total, shipping_total FROM orders WHERE id = ?",
                backend,
            ),
            [Value::from(id)],
        ))
        .await
        .map_err(db_err)?;
    let Some(order) = order else { return Ok(()) };
    let placed_at: DateTime<Utc> = order.try_get("", "created_at").map_err(db_err)?;
    let amounts = OrderAmounts {
        units: order.try_get("", "units").map_err(db_err)?,
        subtotal: order.try_get("", "subtotal").map_err(db_err)?,
        discount: order.try_get("", "discount_total").map_err(db_err)?,
        shipping: order.try_get("", "shipping_total").map_err(db_err)?,
    };
    let (figures, sign) = sales_rollup::change(from, to, amounts);
    let lines = match sign {
        Some(_) => order_lines(conn, id).await?,
        None => Vec::new(),
    };
    let mut changes = RollupChanges::default();
    changes.add(placed_at, figures, sign.map(|s| (s, lines.as_slice())));
    changes.apply(conn).await
}

async fn order_lines<C: ConnectionTrait>(conn: &C, id: Uuid) -> RepoResult<Vec<SoldLine>> {
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            placeholders(
                "SELECT product_id, CAST(quantity AS BIGINT) AS quantity, line_total FROM order_items WHERE order_id = ?",
                backend,
            ),
            [Value::from(id)],
        ))
        .await
        .map_err(db_err)?;
    rows.into_iter()
        .map(|row| {
            Ok(SoldLine {
                product_id: row.try_get("", "product_id")?,
                quantity: row.try_get("", "quantity")?,
                line_total: row.try_get("", "line_total")?,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(db_err)
}
