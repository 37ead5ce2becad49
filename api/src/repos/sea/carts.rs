use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::db_err;
use crate::repos::{CartRepo, RepoError, RepoResult, entities::carts};

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
}
