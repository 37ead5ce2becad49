//! The catalogue change feed on SQLite and PostgreSQL (see the migration
//! `m20261129_000008_catalogue_changes` for why versions come from one locked row).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, Statement,
    sea_query::{Alias, Expr, ExprTrait, Order, Query},
};
use uuid::Uuid;

use super::db_err;
use crate::repos::{CatalogueChange, RepoError, RepoResult};

const CHANGES: &str = "catalogue_changes";
const VERSION: &str = "catalogue_version";
/// Rows per insert statement: three parameters each, well under SQLite's 32,766.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Records that `product_ids` changed, under the next catalogue version, on `conn` (the
/// writer's transaction). Call it as the transaction's last statement: it holds the version
/// row's lock until the commit, which is what keeps versions in commit order.
pub(super) async fn record<C: ConnectionTrait>(
    conn: &C,
    product_ids: impl IntoIterator<Item = Uuid>,
) -> RepoResult<()> {
    let ids: BTreeSet<Uuid> = product_ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(());
    }
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(Statement::from_string(
            backend,
            format!("UPDATE {VERSION} SET version = version + 1 WHERE id = 1 RETURNING version"),
        ))
        .await
        .map_err(db_err)?
        .ok_or_else(|| RepoError::Other("the catalogue version row is missing".into()))?;
    let version: i64 = row.try_get("", "version").map_err(db_err)?;
    let now = Utc::now();
    let ids: Vec<Uuid> = ids.into_iter().collect();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let mut insert = Query::insert();
        insert.into_table(Alias::new(CHANGES)).columns([
            Alias::new("version"),
            Alias::new("product_id"),
            Alias::new("changed_at"),
        ]);
        for id in chunk {
            insert.values_panic([version.into(), (*id).into(), now.into()]);
        }
        conn.execute(&insert).await.map_err(db_err)?;
    }
    Ok(())
}

/// The last catalogue version handed out.
pub(super) async fn current<C: ConnectionTrait>(conn: &C) -> RepoResult<i64> {
    let select = Query::select()
        .column(Alias::new("version"))
        .from(Alias::new(VERSION))
        .and_where(Expr::col(Alias::new("id")).eq(1))
        .to_owned();
    let row = conn
        .query_one(&select)
        .await
        .map_err(db_err)?
        .ok_or_else(|| RepoError::Other("the catalogue version row is missing".into()))?;
    row.try_get("", "version").map_err(db_err)
}

/// The changes at versions in `(after, through]`, oldest first.
pub(super) async fn between<C: ConnectionTrait>(
    conn: &C,
    after: i64,
    through: i64,
) -> RepoResult<Vec<CatalogueChange>> {
    let select = Query::select()
        .columns([Alias::new("version"), Alias::new("product_id")])
        .from(Alias::new(CHANGES))
        .and_where(Expr::col(Alias::new("version")).gt(after))
        .and_where(Expr::col(Alias::new("version")).lte(through))
        .order_by(Alias::new("version"), Order::Asc)
        .order_by(Alias::new("product_id"), Order::Asc)
        .to_owned();
    let rows = conn.query_all(&select).await.map_err(db_err)?;
    rows.into_iter()
        .map(|row| {
            Ok(CatalogueChange {
                version: row.try_get("", "version").map_err(db_err)?,
                product_id: row.try_get("", "product_id").map_err(db_err)?,
            })
        })
        .collect()
}

/// Deletes the changes recorded before `cutoff`; returns how many went. A follower that had
/// not read them notices the gap in versions and rebuilds its index.
pub(super) async fn prune<C: ConnectionTrait>(conn: &C, cutoff: DateTime<Utc>) -> RepoResult<u64> {
    let delete = Query::delete()
        .from_table(Alias::new(CHANGES))
        .and_where(Expr::col(Alias::new("changed_at")).lt(cutoff))
        .to_owned();
    let done = conn.execute(&delete).await.map_err(db_err)?;
    Ok(done.rows_affected())
}
