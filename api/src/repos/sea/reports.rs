//! Report queries on SQLite and PostgreSQL: one aggregate statement each, paged in the
//! database.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use uuid::Uuid;

use super::db_err;
use crate::{
    domain::{
        inventory::{LowStockLine, SOLD_STATUSES},
        pagination::{Page, PageRequest},
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
        let backend = self.db.get_database_backend();
        let mut values: Vec<Value> = vec![since.into()];
        values.extend(SOLD_STATUSES.iter().map(|s| Value::from(s.as_str())));
        values.push(threshold.into());
        let count = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                placeholders(&format!("SELECT COUNT(*) AS n {LOW_STOCK}"), backend),
                values.clone(),
            ))
            .await
            .map_err(db_err)?;
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
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                placeholders(&sql, backend),
                values,
            ))
            .await
            .map_err(db_err)?;
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
}
