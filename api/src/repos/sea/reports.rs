//! Report queries on SQLite and PostgreSQL: aggregate statements, a fixed number per report
//! whatever the number of orders, paged in the database.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement, Value};
use uuid::Uuid;

use super::db_err;
use crate::{
    domain::{
        inventory::{LowStockLine, SOLD_STATUSES},
        order_status::OrderStatus,
        pagination::{Page, PageRequest},
        sales::{COUNTED_STATUSES, SalesFigures, TopProduct},
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

/// `?` placeholders as the backend numbers them (`$1`, `$2`… on PostgreSQL).
fn placeholders(sql: &str, backend: DbBackend) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
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
        if intervals.is_empty() {
            return Ok(figures);
        }
        let (buckets, mut values) = interval_values(intervals);
        let statuses = vec!["?"; COUNTED_STATUSES.len()].join(", ");
        values.extend(COUNTED_STATUSES.iter().map(|s| Value::from(s.as_str())));
        let refunded = OrderStatus::Refunded.as_str();
        // Every figure comes from the orders index (`orders_sales_idx`): no table row and no
        // order line is read.
        let sql = format!(
            "{buckets} SELECT b.idx AS idx, COUNT(o.id) AS orders, \
             CAST(COALESCE(SUM(o.units), 0) AS BIGINT) AS units, \
             CAST(COALESCE(SUM(o.subtotal), 0) AS BIGINT) AS gross, \
             CAST(COALESCE(SUM(o.discount_total), 0) AS BIGINT) AS discounts, \
             CAST(COALESCE(SUM(CASE WHEN o.status = '{refunded}' THEN o.subtotal - o.discount_total ELSE 0 END), 0) AS BIGINT) AS refunds, \
             CAST(COALESCE(SUM(o.shipping_total), 0) AS BIGINT) AS shipping \
             FROM buckets b JOIN orders o ON o.created_at >= b.lo AND o.created_at < b.hi \
             WHERE o.status IN ({statuses}) GROUP BY b.idx"
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
        let mut values: Vec<Value> = vec![from.into(), to.into()];
        values.extend(SOLD_STATUSES.iter().map(|s| Value::from(s.as_str())));
        let statuses = vec!["?"; SOLD_STATUSES.len()].join(", ");
        // Lines are summed per product from the two covering indexes first; only the best
        // sellers are then joined to their product.
        let sql = format!(
            "SELECT p.id AS product_id, p.title AS title, p.slug AS slug, s.units AS units, s.revenue AS revenue \
             FROM (SELECT oi.product_id AS product_id, CAST(SUM(oi.quantity) AS BIGINT) AS units, \
                   CAST(SUM(oi.line_total) AS BIGINT) AS revenue \
                   FROM orders o JOIN order_items oi ON oi.order_id = o.id \
                   WHERE o.created_at >= ? AND o.created_at < ? AND o.status IN ({statuses}) \
                   AND oi.product_id IS NOT NULL \
                   GROUP BY oi.product_id ORDER BY units DESC, revenue DESC, oi.product_id LIMIT {limit}) s \
             JOIN products p ON p.id = s.product_id ORDER BY s.units DESC, s.revenue DESC, p.title"
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

/// The intervals as a `buckets(idx, lo, hi)` common table expression, and its values.
fn interval_values(intervals: &[(DateTime<Utc>, DateTime<Utc>)]) -> (String, Vec<Value>) {
    let rows: Vec<String> = (0..intervals.len())
        .map(|i| format!("(CAST({i} AS BIGINT), ?, ?)"))
        .collect();
    let values = intervals
        .iter()
        .flat_map(|(from, to)| [Value::from(*from), Value::from(*to)])
        .collect();
    (
        format!("WITH buckets(idx, lo, hi) AS (VALUES {})", rows.join(", ")),
        values,
    )
}
