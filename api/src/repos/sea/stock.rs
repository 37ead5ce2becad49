//! Staff stock adjustments on SQLite and PostgreSQL: one conditional increment per adjustment,
//! its movement, audit record and catalogue change in the same transaction.

use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};
use uuid::Uuid;

use super::{begin_write, catalogue_changes, db_err};
use crate::{
    domain::{
        audit::{AuditRecord, FieldChange},
        pagination::{Page, PageRequest},
        stock::{AdjustOutcome, MAX_STOCK, StockAdjustment, StockMovement},
    },
    repos::{
        RepoResult, StockRepo,
        entities::{product_variants, stock_movements},
    },
};

pub struct SeaStockRepo {
    db: DatabaseConnection,
}

impl SeaStockRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn to_domain(row: stock_movements::Model) -> StockMovement {
    StockMovement {
        id: row.id,
        variant_id: row.variant_id,
        product_id: row.product_id,
        delta: row.delta,
        stock_after: row.stock_after,
        reason: row.reason,
        actor_id: row.actor_id,
        at: row.created_at,
    }
}

#[async_trait]
impl StockRepo for SeaStockRepo {
    async fn adjust(
        &self,
        product_id: Uuid,
        variant_id: Uuid,
        adjustment: &StockAdjustment,
        mut audit: AuditRecord,
    ) -> RepoResult<AdjustOutcome> {
        let delta = adjustment.delta();
        let now = Utc::now();
        let txn = begin_write(&self.db).await?;
        let stock = || Expr::col(product_variants::Column::InventoryCount);
        // One statement decides: concurrent adjustments (and orders taking units) each see the
        // row as the previous one left it, so they add up and never cross the bounds.
        let mut update = Query::update();
        update
            .table(product_variants::Entity)
            .value(product_variants::Column::InventoryCount, stock().add(delta))
            .value(product_variants::Column::UpdatedAt, now)
            .and_where(product_variants::Column::Id.eq(variant_id))
            .and_where(product_variants::Column::ProductId.eq(product_id))
            .and_where(stock().add(delta).gte(0))
            .and_where(stock().add(delta).lte(MAX_STOCK))
            .returning_col(product_variants::Column::InventoryCount);
        let row = txn.query_one(&update).await.map_err(db_err)?;
        let Some(row) = row else {
            let current = product_variants::Entity::find()
                .select_only()
                .column(product_variants::Column::InventoryCount)
                .filter(product_variants::Column::Id.eq(variant_id))
                .filter(product_variants::Column::ProductId.eq(product_id))
                .into_tuple::<i32>()
                .one(&txn)
                .await
                .map_err(db_err)?;
            txn.rollback().await.map_err(db_err)?;
            return Ok(
                current.map_or(AdjustOutcome::NoSuchVariant, |stock| AdjustOutcome::OutOfRange {
                    stock,
                }),
            );
        };
        let stock_after: i32 = row.try_get("", "inventory_count").map_err(db_err)?;
        let movement = StockMovement {
            id: Uuid::now_v7(),
            variant_id,
            product_id,
            delta,
            stock_after,
            reason: adjustment.reason().to_owned(),
            actor_id: Some(audit.actor_id),
            at: now,
        };
        stock_movements::Entity::insert(stock_movements::ActiveModel {
            id: Set(movement.id),
            variant_id: Set(variant_id),
            product_id: Set(product_id),
            delta: Set(delta),
            stock_after: Set(stock_after),
            reason: Set(movement.reason.clone()),
            actor_id: Set(movement.actor_id),
            created_at: Set(now),
        })
        .exec(&txn)
        .await
        .map_err(db_err)?;
        audit.changes.insert(
            0,
            FieldChange::new(
                "inventoryCount",
                Some((stock_after - delta).into()),
                Some(stock_after.into()),
            ),
        );
        super::audit::insert(&txn, &audit).await?;
        catalogue_changes::record(&txn, [product_id]).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(AdjustOutcome::Adjusted(movement))
    }

    async fn movements(&self, variant_id: Uuid, page: PageRequest) -> RepoResult<Page<StockMovement>> {
        let of_variant = || stock_movements::Entity::find().filter(stock_movements::Column::VariantId.eq(variant_id));
        let total = of_variant().count(&self.db).await.map_err(db_err)?;
        let rows = of_variant()
            .order_by_desc(stock_movements::Column::CreatedAt)
            .order_by_desc(stock_movements::Column::Id)
            .offset(page.offset())
            .limit(page.limit())
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(Page {
            items: rows.into_iter().map(to_domain).collect(),
            request: page,
            total,
        })
    }
}
