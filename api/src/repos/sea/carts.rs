use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::db_err;
use crate::repos::{
    CartLine, CartRepo, RepoError, RepoResult,
    entities::{cart_items, carts},
};

pub struct SeaCartRepo {
    db: DatabaseConnection,
}

impl SeaCartRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl CartRepo for SeaCartRepo {
    async fn get_or_create(&self, user_id: Uuid) -> RepoResult<Uuid> {
        let now = Utc::now();
        // Insert-or-ignore, then read: two first requests of one user race to one cart.
        carts::Entity::insert(carts::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            promo_code: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict_do_nothing_on([carts::Column::UserId])
        .exec(&self.db)
        .await
        .map_err(db_err)?;
        carts::Entity::find()
            .filter(carts::Column::UserId.eq(user_id))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(|c| c.id)
            .ok_or_else(|| RepoError::Other(format!("cart of user {user_id} vanished after insert")))
    }

    async fn touch(&self, cart_id: Uuid, at: DateTime<Utc>) -> RepoResult<()> {
        let row = carts::ActiveModel {
            id: sea_orm::ActiveValue::Unchanged(cart_id),
            updated_at: Set(at),
            ..Default::default()
        };
        row.update(&self.db).await.map(|_| ()).map_err(|e| match e {
            sea_orm::DbErr::RecordNotUpdated => RepoError::NotFound(format!("cart {cart_id}")),
            other => db_err(other),
        })
    }

    async fn delete_untouched_since(&self, cutoff: DateTime<Utc>, limit: u64) -> RepoResult<u64> {
        let ids: Vec<Uuid> = carts::Entity::find()
            .select_only()
            .column(carts::Column::Id)
            .filter(carts::Column::UpdatedAt.lt(cutoff))
            .order_by_asc(carts::Column::UpdatedAt)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_err)?;
        if ids.is_empty() {
            return Ok(0);
        }
        // Lines go with their cart (ON DELETE CASCADE). The cutoff is checked again so a cart
        // touched between the select and the delete survives.
        let deleted = carts::Entity::delete_many()
            .filter(carts::Column::Id.is_in(ids))
            .filter(carts::Column::UpdatedAt.lt(cutoff))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(deleted.rows_affected)
    }

    async fn count(&self) -> RepoResult<u64> {
        carts::Entity::find().count(&self.db).await.map_err(db_err)
    }

    async fn lines(&self, cart_id: Uuid) -> RepoResult<Vec<CartLine>> {
        let rows = cart_items::Entity::find()
            .filter(cart_items::Column::CartId.eq(cart_id))
            .order_by_asc(cart_items::Column::CreatedAt)
            .order_by_asc(cart_items::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| CartLine {
                id: r.id,
                product_id: r.product_id,
                variant_id: r.variant_id,
                quantity: r.quantity.max(0) as u32,
            })
            .collect())
    }

    async fn add(&self, cart_id: Uuid, product_id: Uuid, variant_id: Uuid, quantity: u32, max: u32) -> RepoResult<u32> {
        let txn = super::begin_write(&self.db).await?;
        let now = Utc::now();
        // Writing first takes the cart's lock (the row on PostgreSQL, the database's write lock
        // on SQLite), so concurrent adds to one cart run one after another and the read below
        // cannot go stale.
        touch(&txn, cart_id, now).await?;
        let existing = cart_items::Entity::find()
            .filter(cart_items::Column::CartId.eq(cart_id))
            .filter(cart_items::Column::VariantId.eq(variant_id))
            .one(&txn)
            .await
            .map_err(db_err)?;
        let total = existing.as_ref().map_or(0, |l| l.quantity.max(0) as u32) + quantity;
        if total > max {
            txn.rollback().await.map_err(db_err)?;
            return Err(RepoError::Conflict("max_quantity".into()));
        }
        match existing {
            Some(line) => {
                cart_items::Entity::update_many()
                    .col_expr(cart_items::Column::Quantity, Expr::value(total as i32))
                    .col_expr(cart_items::Column::UpdatedAt, Expr::value(now))
                    .filter(cart_items::Column::Id.eq(line.id))
                    .exec(&txn)
                    .await
                    .map_err(db_err)?;
            }
            None => {
                cart_items::Entity::insert(cart_items::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    cart_id: Set(cart_id),
                    product_id: Set(product_id),
                    variant_id: Set(variant_id),
                    quantity: Set(total as i32),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .exec_without_returning(&txn)
                .await
                .map_err(db_err)?;
            }
        }
        txn.commit().await.map_err(db_err)?;
        Ok(total)
    }

    async fn set_quantity(&self, cart_id: Uuid, line_id: Uuid, quantity: u32) -> RepoResult<bool> {
        let now = Utc::now();
        let result = cart_items::Entity::update_many()
            .col_expr(cart_items::Column::Quantity, Expr::value(quantity as i32))
            .col_expr(cart_items::Column::UpdatedAt, Expr::value(now))
            .filter(cart_items::Column::Id.eq(line_id))
            .filter(cart_items::Column::CartId.eq(cart_id))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        if result.rows_affected == 1 {
            touch(&self.db, cart_id, now).await?;
        }
        Ok(result.rows_affected == 1)
    }

    async fn remove(&self, cart_id: Uuid, line_id: Uuid) -> RepoResult<bool> {
        let result = cart_items::Entity::delete_many()
            .filter(cart_items::Column::Id.eq(line_id))
            .filter(cart_items::Column::CartId.eq(cart_id))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        if result.rows_affected == 1 {
            touch(&self.db, cart_id, Utc::now()).await?;
        }
        Ok(result.rows_affected == 1)
    }

    async fn promo_code(&self, cart_id: Uuid) -> RepoResult<Option<String>> {
        Ok(carts::Entity::find_by_id(cart_id)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .and_then(|c| c.promo_code))
    }

    async fn set_promo_code(&self, cart_id: Uuid, code: Option<&str>) -> RepoResult<()> {
        carts::Entity::update_many()
            .col_expr(carts::Column::PromoCode, Expr::value(code.map(str::to_owned)))
            .col_expr(carts::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(carts::Column::Id.eq(cart_id))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn remove_ordered(&self, cart_id: Uuid, variant_ids: &[Uuid]) -> RepoResult<()> {
        let txn = super::begin_write(&self.db).await?;
        carts::Entity::update_many()
            .col_expr(carts::Column::PromoCode, Expr::value(None::<String>))
            .col_expr(carts::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(carts::Column::Id.eq(cart_id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        cart_items::Entity::delete_many()
            .filter(cart_items::Column::CartId.eq(cart_id))
            .filter(cart_items::Column::VariantId.is_in(variant_ids.to_vec()))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        txn.commit().await.map_err(db_err)
    }
}

/// Every change to a cart's lines counts as activity for the abandoned-cart cleanup.
async fn touch<C: ConnectionTrait>(conn: &C, cart_id: Uuid, at: DateTime<Utc>) -> RepoResult<()> {
    carts::Entity::update_many()
        .col_expr(carts::Column::UpdatedAt, Expr::value(at))
        .filter(carts::Column::Id.eq(cart_id))
        .exec(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}
