//! Report queries on SQLite and PostgreSQL: aggregate statements, a fixed number per report
//! whatever the number of orders, paged in the database.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement, Value};
use uuid::Uuid;

use super::{db_err, placeholders};
use crate::{
    domain::{
        inventory::{LowStockLine, SOLD_STATUSES},
        order_status::OrderStatus,
        pagination::{Page, PageRequest},
        sales::{COUNTED_STATUSES, SalesFigures, TopProduct},
        sales_rollup::{BestSellersPlan, FiguresPlan},
    },
    repos::{RepoResult, ReportRepo},
};

pub struct SeaReportRepo {
    db: DatabaseConnection,
}

impl SeaReportRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Runs `sql`, written with `?` placeholders, with `values`.
    async fn rows(&self, sql: &str, values: Vec<Value>) -> RepoResult<Vec<QueryResult>> {
        let backend = self.db.get_database_backend();
        self.db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                placeholders(sql, backend),
                values,
            ))
            .await
            .map_err(db_err)
    }
}

/// The variants at or under the threshold, each with its units sold in the window.
const LOW_STOCK: &str = "
    FROM product_variants v
    JOIN products p ON p.id = v.product_id
    LEFT JOIN (
        SELECT oi.variant_id AS variant_id, SUM(oi.quantity) AS units
        FROM order_items oi JOIN orders o ON o.id = oi.order_id
        WHERE o.created_at >= ? AND o.status IN (?, ?, ?, ?)
        GROUP BY oi.variant_id
    ) s ON s.variant_id = v.id
    WHERE v.inventory_count <= ? AND p.status <> 'archived'";

#[async_trait]
impl ReportRepo for SeaReportRepo {
    async fn low_stock(
        &self,
        threshold: i32,
        since: DateTime<Utc>,
        page: PageRequest,
    ) -> RepoResult<Page<LowStockLine>> {
        let mut values: Vec<Value> = vec![since.into()];
        values.extend(SOLD_STATUSES.iter().map(|s| Value::from(s.as_str())));
        values.push(threshold.into());
        let count = self
            .rows(&format!("SELECT COUNT(*) AS n {LOW_STOCK}"), values.clone())
            .await?
            .into_iter()
            .next();
        let total: i64 = match count {
            Some(row) => row.try_get("", "n").map_err(db_err)?,
            None => 0,
        };
        // Soonest to run out first: stock over the pace of sales; unsold variants after.
        let sql = format!(
            "SELECT v.id AS variant_id, v.sku AS sku, v.size AS size, v.color AS color, \
             v.inventory_count AS stock, p.id AS product_id, p.title AS title, \
             CAST(COALESCE(s.units, 0) AS BIGINT) AS sold {LOW_STOCK} \
             ORDER BY CASE WHEN COALESCE(s.units, 0) = 0 THEN 1 ELSE 0 END, \
             (CASE WHEN v.inventory_count < 0 THEN 0 ELSE v.inventory_count END) * 1.0 / \
             (CASE WHEN COALESCE(s.units, 0) = 0 THEN 1 ELSE s.units END), \
             v.inventory_count, v.sku LIMIT {} OFFSET {}",
            page.limit(),
            page.offset()
        );
        let rows = self.rows(&sql, values).await?;
        let items = rows
            .into_iter()
            .map(|row| {
                Ok(LowStockLine {
                    variant_id: row.try_get::<Uuid>("", "variant_id")?,
                    sku: row.try_get("", "sku")?,
                    size: row.try_get("", "size")?,
                    color: row.try_get("", "color")?,
                    product_id: row.try_get::<Uuid>("", "product_id")?,
                    product_title: row.try_get("", "title")?,
                    stock: row.try_get("", "stock")?,
                    sold_last_30_days: row.try_get("", "sold")?,
                })
            })
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()
            .map_err(db_err)?;
        Ok(Page {
            items,
            request: page,
            total: total.max(0) as u64,
        })
    }

    async fn sales(&self, intervals: &[(DateTime<Utc>, DateTime<Utc>)]) -> RepoResult<Vec<SalesFigures>> {
        let mut figures = vec![SalesFigures::default(); intervals.len()];
        let plans: Vec<FiguresPlan> = intervals
            .iter()
            .map(|(from, to)| FiguresPlan::new(*from, *to))
            .collect();
        let slot_ranges: Vec<(usize, Value, Value)> = plans
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.slots.is_empty())
            .map(|(i, p)| (i, p.slots.start.into(), p.slots.end.into()))
            .collect();
        let order_ranges: Vec<(usize, Value, Value)> = plans
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                p.from_orders
                    .iter()
                    .map(move |(a, b)| (i, Value::from(*a), Value::from(*b)))
            })
            .collect();
        let mut ctes = Vec::new();
        let mut arms = Vec::new();
        let mut values = Vec::new();
        if !slot_ranges.is_empty() {
            ctes.push(ranges_cte("slot_ranges", &slot_ranges, &mut values));
            // Whole slots from the rollup (`domain::sales_rollup`).
            arms.push(
                "SELECT r.idx AS idx, s.orders AS orders, s.units AS units, s.gross AS gross, \
                 s.discounts AS discounts, s.refunds AS refunds, s.shipping AS shipping \
                 FROM slot_ranges r JOIN sales_slots s ON s.slot >= r.lo AND s.slot < r.hi"
                    .to_owned(),
            );
        }
        if !order_ranges.is_empty() {
            ctes.push(ranges_cte("order_ranges", &order_ranges, &mut values));
            let statuses = vec!["?"; COUNTED_STATUSES.len()].join(", ");
            values.extend(COUNTED_STATUSES.iter().map(|s| Value::from(s.as_str())));
            let refunded = OrderStatus::Refunded.as_str();
            // Parts off a slot boundary, from the orders index (`orders_sales_idx`).
            arms.push(format!(
                "SELECT r.idx AS idx, 1 AS orders, o.units AS units, o.subtotal AS gross, \
                 o.discount_total AS discounts, \
                 CASE WHEN o.status = '{refunded}' THEN o.subtotal - o.discount_total ELSE 0 END AS refunds, \
                 o.shipping_total AS shipping \
                 FROM order_ranges r JOIN orders o ON o.created_at >= r.lo AND o.created_at < r.hi \
                 WHERE o.status IN ({statuses})"
            ));
        }
        if arms.is_empty() {
            return Ok(figures);
        }
        let sql = format!(
            "WITH {} SELECT t.idx AS idx, CAST(COALESCE(SUM(t.orders), 0) AS BIGINT) AS orders, \
             CAST(COALESCE(SUM(t.units), 0) AS BIGINT) AS units, \
             CAST(COALESCE(SUM(t.gross), 0) AS BIGINT) AS gross, \
             CAST(COALESCE(SUM(t.discounts), 0) AS BIGINT) AS discounts, \
             CAST(COALESCE(SUM(t.refunds), 0) AS BIGINT) AS refunds, \
             CAST(COALESCE(SUM(t.shipping), 0) AS BIGINT) AS shipping \
             FROM ({}) t GROUP BY t.idx",
            ctes.join(", "),
            arms.join(" UNION ALL ")
        );
        for row in self.rows(&sql, values).await? {
            let idx: i64 = row.try_get("", "idx").map_err(db_err)?;
            let Some(f) = usize::try_from(idx).ok().and_then(|i| figures.get_mut(i)) else {
                continue;
            };
            let count = |name: &str| -> RepoResult<u64> {
                Ok(u64::try_from(row.try_get::<i64>("", name).map_err(db_err)?).unwrap_or(0))
            };
            f.orders = count("orders")?;
            f.units = count("units")?;
            f.gross = row.try_get("", "gross").map_err(db_err)?;
            f.discounts = row.try_get("", "discounts").map_err(db_err)?;
            f.refunds = row.try_get("", "refunds").map_err(db_err)?;
            f.shipping = row.try_get("", "shipping").map_err(db_err)?;
        }
        Ok(figures)
    }

    async fn top_products(&self, from: DateTime<Utc>, to: DateTime<Utc>, limit: u64) -> RepoResult<Vec<TopProduct>> {
        let plan = BestSellersPlan::new(from, to);
        let mut arms = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        if !plan.months.is_empty() {
            arms.push(
                "SELECT product_id, units, revenue FROM sales_product_months WHERE month >= ? AND month < ?".to_owned(),
            );
            values.extend([plan.months.start.into(), plan.months.end.into()]);
        }
        for days in &plan.days {
            arms.push(
                "SELECT product_id, units, revenue FROM sales_product_days WHERE day >= ? AND day < ?".to_owned(),
            );
            values.extend([days.start.into(), days.end.into()]);
        }
        let statuses = vec!["?"; SOLD_STATUSES.len()].join(", ");
        for (lo, hi) in &plan.from_orders {
            arms.push(format!(
                "SELECT oi.product_id AS product_id, CAST(oi.quantity AS BIGINT) AS units, oi.line_total AS revenue \
                 FROM orders o JOIN order_items oi ON oi.order_id = o.id \
                 WHERE o.created_at >= ? AND o.created_at < ? AND o.status IN ({statuses}) \
                 AND oi.product_id IS NOT NULL"
            ));
            values.extend([Value::from(*lo), Value::from(*hi)]);
            values.extend(SOLD_STATUSES.iter().map(|s| Value::from(s.as_str())));
        }
        if arms.is_empty() {
            return Ok(Vec::new());
        }
        // Summed per product from the rollups (whole UTC months and days) and the orders (the
        // partial days at either end), then joined to the products that still exist.
        let sql = format!(
            "SELECT p.id AS product_id, p.title AS title, p.slug AS slug, s.units AS units, s.revenue AS revenue \
             FROM (SELECT t.product_id AS product_id, CAST(SUM(t.units) AS BIGINT) AS units, \
                   CAST(SUM(t.revenue) AS BIGINT) AS revenue FROM ({}) t GROUP BY t.product_id) s \
             JOIN products p ON p.id = s.product_id WHERE s.units > 0 \
             ORDER BY s.units DESC, s.revenue DESC, p.title, p.id LIMIT {limit}",
            arms.join(" UNION ALL ")
        );
        let rows = self.rows(&sql, values).await?;
        rows.into_iter()
            .map(|row| {
                Ok(TopProduct {
                    product_id: row.try_get::<Uuid>("", "product_id")?,
                    title: row.try_get("", "title")?,
                    slug: row.try_get("", "slug")?,
                    units: u64::try_from(row.try_get::<i64>("", "units")?).unwrap_or(0),
                    revenue: row.try_get("", "revenue")?,
                })
            })
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()
            .map_err(db_err)
    }

    async fn rebuild_sales_rollups(&self) -> RepoResult<()> {
        let txn = super::begin_write(&self.db).await?;
        let backend = txn.get_database_backend();
        if backend == DbBackend::Postgres {
            // Status changes wait while the sums are rebuilt, then add their own on top: a
            // change committed before is in the orders read, one committed after is not.
            txn.execute_unprepared(
                "LOCK TABLE sales_slots, sales_product_days, sales_product_months IN EXCLUSIVE MODE",
            )
            .await
            .map_err(db_err)?;
        }
        for statement in crate::repos::sales_rollup_sql::rebuild_statements(backend) {
            txn.execute_unprepared(&statement).await.map_err(db_err)?;
        }
        txn.commit().await.map_err(db_err)
    }

    async fn orders_by_status(&self) -> RepoResult<Vec<(OrderStatus, u64)>> {
        let rows = self
            .rows(
                "SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status",
                Vec::new(),
            )
            .await?;
        let mut counts = Vec::with_capacity(rows.len());
        for row in rows {
            let status: String = row.try_get("", "status").map_err(db_err)?;
            let n: i64 = row.try_get("", "n").map_err(db_err)?;
            let status = OrderStatus::parse(&status)
                .ok_or_else(|| crate::repos::RepoError::Other(format!("orders: bad status {status}")))?;
            counts.push((status, u64::try_from(n).unwrap_or(0)));
        }
        Ok(counts)
    }
}

/// `name(idx, lo, hi) AS (VALUES …)`, its values pushed onto `values`.
fn ranges_cte(name: &str, ranges: &[(usize, Value, Value)], values: &mut Vec<Value>) -> String {
    let rows: Vec<String> = ranges
        .iter()
        .map(|(i, lo, hi)| {
            values.extend([lo.clone(), hi.clone()]);
            format!("(CAST({i} AS BIGINT), ?, ?)")
        })
        .collect();
    format!("{name}(idx, lo, hi) AS (VALUES {})", rows.join(", "))
}
