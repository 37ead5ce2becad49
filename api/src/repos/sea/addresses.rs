use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::db_err;
use crate::{
    crypto::FieldCipher,
    repos::{
        Address, AddressFields, AddressRepo, RepoError, RepoResult,
        entities::{addresses, users},
    },
};

/// Columns holding personal data, encrypted at rest; the rest stays searchable for reports.
const LINE1: &str = "addresses.line1";
const LINE2: &str = "addresses.line2";
const PHONE: &str = "addresses.phone";

pub struct SeaAddressRepo {
    db: DatabaseConnection,
    cipher: Arc<FieldCipher>,
}

impl SeaAddressRepo {
    pub fn new(db: DatabaseConnection, cipher: Arc<FieldCipher>) -> Self {
        Self { db, cipher }
    }

    fn open(&self, column: &str, id: Uuid, value: &str) -> RepoResult<String> {
        self.cipher
            .decrypt(column, value)
            .map_err(|e| RepoError::Other(format!("address {id}: {column}: {e}")))
    }

    fn to_domain(&self, m: addresses::Model) -> RepoResult<Address> {
        Ok(Address {
            fields: AddressFields {
                label: m.label,
                line1: self.open(LINE1, m.id, &m.line1)?,
                line2: m.line2.as_deref().map(|v| self.open(LINE2, m.id, v)).transpose()?,
                city: m.city,
                state: m.state,
                zip: m.zip,
                country: m.country,
                phone: m.phone.as_deref().map(|v| self.open(PHONE, m.id, v)).transpose()?,
            },
            id: m.id,
            user_id: m.user_id,
            is_default: m.is_default,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }

    fn sealed(&self, f: &AddressFields) -> (String, Option<String>, Option<String>) {
        (
            self.cipher.encrypt(LINE1, &f.line1),
            f.line2.as_deref().map(|v| self.cipher.encrypt(LINE2, v)),
            f.phone.as_deref().map(|v| self.cipher.encrypt(PHONE, v)),
        )
    }

    /// The full row for `fields`, sealed under the current key.
    fn row(
        &self,
        id: Uuid,
        user_id: Uuid,
        fields: AddressFields,
        is_default: bool,
        created_at: chrono::DateTime<Utc>,
    ) -> addresses::ActiveModel {
        let (line1, line2, phone) = self.sealed(&fields);
        addresses::ActiveModel {
            id: Set(id),
            user_id: Set(user_id),
            label: Set(fields.label),
            line1: Set(line1),
            line2: Set(line2),
            city: Set(fields.city),
            state: Set(fields.state),
            zip: Set(fields.zip),
            country: Set(fields.country),
            phone: Set(phone),
            is_default: Set(is_default),
            key_id: Set(Some(self.cipher.current_key().to_owned())),
            created_at: Set(created_at),
            updated_at: Set(Utc::now()),
        }
    }

    /// Starts a transaction that holds the owner's row: address-book changes of one user run
    /// one at a time on both backends (a row lock on PostgreSQL, the write lock on SQLite), so
    /// the limit and the single default hold under concurrency.
    async fn lock_owner(&self, user_id: Uuid) -> RepoResult<DatabaseTransaction> {
        let txn = super::begin_write(&self.db).await?;
        users::Entity::update_many()
            .col_expr(users::Column::UpdatedAt, Expr::col(users::Column::UpdatedAt))
            .filter(users::Column::Id.eq(user_id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        Ok(txn)
    }

    async fn clear_default<C: ConnectionTrait>(conn: &C, user_id: Uuid) -> RepoResult<()> {
        addresses::Entity::update_many()
            .col_expr(addresses::Column::IsDefault, Expr::value(false))
            .filter(addresses::Column::UserId.eq(user_id))
            .filter(addresses::Column::IsDefault.eq(true))
            .exec(conn)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn owned<C: ConnectionTrait>(conn: &C, user_id: Uuid, id: Uuid) -> RepoResult<Option<addresses::Model>> {
        addresses::Entity::find_by_id(id)
            .filter(addresses::Column::UserId.eq(user_id))
            .one(conn)
            .await
            .map_err(db_err)
    }
}

#[async_trait]
impl AddressRepo for SeaAddressRepo {
    async fn list(&self, user_id: Uuid) -> RepoResult<Vec<Address>> {
        addresses::Entity::find()
            .filter(addresses::Column::UserId.eq(user_id))
            .order_by_desc(addresses::Column::IsDefault)
            .order_by_asc(addresses::Column::CreatedAt)
            .order_by_asc(addresses::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|m| self.to_domain(m))
            .collect()
    }

    async fn find(&self, user_id: Uuid, id: Uuid) -> RepoResult<Option<Address>> {
        Self::owned(&self.db, user_id, id)
            .await?
            .map(|m| self.to_domain(m))
            .transpose()
    }

    async fn create(&self, user_id: Uuid, fields: AddressFields, make_default: bool, max: u64) -> RepoResult<Address> {
        let txn = self.lock_owner(user_id).await?;
        let count = addresses::Entity::find()
            .filter(addresses::Column::UserId.eq(user_id))
            .count(&txn)
            .await
            .map_err(db_err)?;
        if count >= max {
            txn.rollback().await.map_err(db_err)?;
            return Err(RepoError::Conflict("address_limit".into()));
        }
        let is_default = make_default || count == 0;
        if is_default {
            Self::clear_default(&txn, user_id).await?;
        }
        let row = self.row(Uuid::now_v7(), user_id, fields, is_default, Utc::now());
        let model = addresses::Entity::insert(row)
            .exec_with_returning(&txn)
            .await
            .map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        self.to_domain(model)
    }

    async fn update(
        &self,
        user_id: Uuid,
        id: Uuid,
        fields: AddressFields,
        make_default: bool,
    ) -> RepoResult<Option<Address>> {
        let txn = self.lock_owner(user_id).await?;
        let Some(existing) = Self::owned(&txn, user_id, id).await? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(None);
        };
        if make_default && !existing.is_default {
            Self::clear_default(&txn, user_id).await?;
        }
        let row = self.row(
            id,
            user_id,
            fields,
            existing.is_default || make_default,
            existing.created_at,
        );
        let model = addresses::Entity::update(row).exec(&txn).await.map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        self.to_domain(model).map(Some)
    }

    async fn delete(&self, user_id: Uuid, id: Uuid) -> RepoResult<bool> {
        let txn = self.lock_owner(user_id).await?;
        let Some(existing) = Self::owned(&txn, user_id, id).await? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(false);
        };
        addresses::Entity::delete_by_id(id).exec(&txn).await.map_err(db_err)?;
        if existing.is_default
            && let Some(next) = addresses::Entity::find()
                .filter(addresses::Column::UserId.eq(user_id))
                .order_by_asc(addresses::Column::CreatedAt)
                .order_by_asc(addresses::Column::Id)
                .one(&txn)
                .await
                .map_err(db_err)?
        {
            addresses::Entity::update_many()
                .col_expr(addresses::Column::IsDefault, Expr::value(true))
                .filter(addresses::Column::Id.eq(next.id))
                .exec(&txn)
                .await
                .map_err(db_err)?;
        }
        txn.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn reencrypt(&self, batch: u64) -> RepoResult<u64> {
        let current = self.cipher.current_key().to_owned();
        let rows = addresses::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(addresses::Column::KeyId.is_null())
                    .add(addresses::Column::KeyId.ne(current.clone())),
            )
            .order_by_asc(addresses::Column::Id)
            .limit(batch)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut changed = 0;
        for row in rows {
            let address = self.to_domain(row.clone())?;
            let (line1, line2, phone) = self.sealed(&address.fields);
            addresses::Entity::update_many()
                .col_expr(addresses::Column::Line1, Expr::value(line1))
                .col_expr(addresses::Column::Line2, Expr::value(line2))
                .col_expr(addresses::Column::Phone, Expr::value(phone))
                .col_expr(addresses::Column::KeyId, Expr::value(current.clone()))
                .filter(addresses::Column::Id.eq(row.id))
                .filter(addresses::Column::UpdatedAt.eq(row.updated_at))
                .exec(&self.db)
                .await
                .map_err(db_err)?;
            changed += 1;
        }
        Ok(changed)
    }
}
