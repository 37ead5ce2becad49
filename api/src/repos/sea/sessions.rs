use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use super::db_err;
use crate::repos::{
    AccessDenylist, NewRefreshToken, RefreshToken, RepoResult, SessionRepo, TokenPurpose,
    entities::{refresh_tokens, revoked_access_tokens, user_tokens},
};

pub struct SeaSessionRepo {
    db: DatabaseConnection,
}

impl SeaSessionRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn refresh_row(t: NewRefreshToken, now: DateTime<Utc>) -> refresh_tokens::ActiveModel {
    refresh_tokens::ActiveModel {
        id: Set(t.id),
        user_id: Set(t.user_id),
        family_id: Set(t.family_id),
        token_hash: Set(t.token_hash),
        expires_at: Set(t.expires_at),
        revoked_at: Set(None),
        replaced_by: Set(None),
        created_at: Set(now),
    }
}

#[async_trait]
impl SessionRepo for SeaSessionRepo {
    async fn create_refresh(&self, token: NewRefreshToken) -> RepoResult<()> {
        refresh_tokens::Entity::insert(refresh_row(token, Utc::now()))
            .exec_without_returning(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn find_refresh(&self, token_hash: &str) -> RepoResult<Option<RefreshToken>> {
        let row = refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        Ok(row.map(|r| RefreshToken {
            id: r.id,
            user_id: r.user_id,
            family_id: r.family_id,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
        }))
    }

    async fn rotate_refresh(&self, old: Uuid, new: NewRefreshToken, now: DateTime<Utc>) -> RepoResult<bool> {
        let txn = super::begin_write(&self.db).await?;
        // The conditional update is the arbiter: only one rotation finds the token unrevoked.
        let revoked = refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
            .col_expr(refresh_tokens::Column::ReplacedBy, Expr::value(new.id))
            .filter(refresh_tokens::Column::Id.eq(old))
            .filter(refresh_tokens::Column::RevokedAt.is_null())
            .filter(refresh_tokens::Column::ExpiresAt.gt(now))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if revoked.rows_affected != 1 {
            txn.rollback().await.map_err(db_err)?;
            return Ok(false);
        }
        refresh_tokens::Entity::insert(refresh_row(new, now))
            .exec_without_returning(&txn)
            .await
            .map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn revoke_family(&self, family_id: Uuid, now: DateTime<Utc>) -> RepoResult<u64> {
        let result = refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
            .filter(refresh_tokens::Column::FamilyId.eq(family_id))
            .filter(refresh_tokens::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(result.rows_affected)
    }

    async fn revoke_user_sessions(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> RepoResult<Vec<Uuid>> {
        let mut update = refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
            .filter(refresh_tokens::Column::UserId.eq(user_id))
            .filter(refresh_tokens::Column::RevokedAt.is_null());
        if let Some(family) = keep {
            update = update.filter(refresh_tokens::Column::FamilyId.ne(family));
        }
        // RETURNING (SQLite 3.35+, PostgreSQL): the families ended by this very statement.
        let mut families: Vec<Uuid> = update
            .exec_with_returning(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|t| t.family_id)
            .collect();
        families.sort_unstable();
        families.dedup();
        Ok(families)
    }

    async fn create_user_token(
        &self,
        user_id: Uuid,
        purpose: TokenPurpose,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> RepoResult<()> {
        let now = Utc::now();
        let txn = super::begin_write(&self.db).await?;
        user_tokens::Entity::update_many()
            .col_expr(user_tokens::Column::UsedAt, Expr::value(now))
            .filter(user_tokens::Column::UserId.eq(user_id))
            .filter(user_tokens::Column::Purpose.eq(purpose.as_str()))
            .filter(user_tokens::Column::UsedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db_err)?;
        user_tokens::Entity::insert(user_tokens::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            purpose: Set(purpose.as_str().to_owned()),
            token_hash: Set(token_hash.to_owned()),
            expires_at: Set(expires_at),
            used_at: Set(None),
            created_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn consume_user_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> RepoResult<Option<Uuid>> {
        let Some(token) = user_tokens::Entity::find()
            .filter(user_tokens::Column::TokenHash.eq(token_hash))
            .filter(user_tokens::Column::Purpose.eq(purpose.as_str()))
            .one(&self.db)
            .await
            .map_err(db_err)?
        else {
            return Ok(None);
        };
        // Single use even under races: only the update that finds it unused wins.
        let used = user_tokens::Entity::update_many()
            .col_expr(user_tokens::Column::UsedAt, Expr::value(now))
            .filter(user_tokens::Column::Id.eq(token.id))
            .filter(user_tokens::Column::UsedAt.is_null())
            .filter(user_tokens::Column::ExpiresAt.gt(now))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok((used.rows_affected == 1).then_some(token.user_id))
    }
}

/// The denylist in the database, for deployments without Redis.
pub struct SeaDenylist {
    db: DatabaseConnection,
}

impl SeaDenylist {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AccessDenylist for SeaDenylist {
    async fn deny(&self, jti: Uuid, expires_at: DateTime<Utc>) -> RepoResult<()> {
        // Entries are useless once the token has expired anyway: sweep those on the way.
        revoked_access_tokens::Entity::delete_many()
            .filter(revoked_access_tokens::Column::ExpiresAt.lt(Utc::now()))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        revoked_access_tokens::Entity::insert(revoked_access_tokens::ActiveModel {
            jti: Set(jti),
            expires_at: Set(expires_at),
        })
        .on_conflict_do_nothing_on([revoked_access_tokens::Column::Jti])
        .exec(&self.db)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn is_denied(&self, ids: &[Uuid]) -> RepoResult<bool> {
        Ok(revoked_access_tokens::Entity::find()
            .filter(revoked_access_tokens::Column::Jti.is_in(ids.iter().copied()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .is_some())
    }
}
