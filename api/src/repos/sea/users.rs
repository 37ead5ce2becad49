use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func},
};
use uuid::Uuid;

use super::db_err;
use crate::{
    crypto::FieldCipher,
    domain::{
        audit::{AuditRecord, FieldChange},
        erasure::{ErasureOutcome, ErasureReceipt, ErasureRequest, tombstone_email},
        pagination::{Page, PageRequest},
        user::{NewUser, Role, RoleChange, User, UserQuery, UserSort},
    },
    repos::{
        Credentials, NewDeferredJob, RepoError, RepoResult, UserRepo,
        entities::{
            addresses, cart_items, carts, contact_messages, erasure_receipts, orders, refresh_tokens, user_tokens,
            users,
        },
    },
};

/// The user's name is personal data: encrypted at rest.
const NAME: &str = "users.name";

/// Accounts not erased: an erased row holds no personal data and no method but `erase` sees it.
fn live() -> sea_orm::Select<users::Entity> {
    users::Entity::find().filter(users::Column::ErasedAt.is_null())
}

/// An update of a live account only.
fn update_live() -> sea_orm::UpdateMany<users::Entity> {
    users::Entity::update_many().filter(users::Column::ErasedAt.is_null())
}

pub struct SeaUserRepo {
    db: DatabaseConnection,
    cipher: Arc<FieldCipher>,
}

impl SeaUserRepo {
    pub fn new(db: DatabaseConnection, cipher: Arc<FieldCipher>) -> Self {
        Self { db, cipher }
    }

    fn to_domain(&self, m: users::Model) -> RepoResult<User> {
        let role = Role::parse(&m.role).ok_or_else(|| RepoError::Other(format!("user {}: bad role", m.id)))?;
        let name = self
            .cipher
            .decrypt(NAME, &m.name)
            .map_err(|e| RepoError::Other(format!("user {}: name: {e}", m.id)))?;
        Ok(User {
            id: m.id,
            name,
            email: m.email,
            role,
            email_verified_at: m.email_verified_at,
            created_at: m.created_at,
        })
    }

    fn credentials(&self, m: Option<users::Model>) -> RepoResult<Option<Credentials>> {
        m.map(|m| {
            let password_hash = m.password_hash.clone();
            Ok(Credentials {
                user: self.to_domain(m)?,
                password_hash,
            })
        })
        .transpose()
    }

    /// The stored blind index of a name: its word tokens between spaces, so a whole word is
    /// matched by `LIKE '% token %'`.
    fn name_index(&self, name: &str) -> String {
        format!(" {} ", self.cipher.blind_index(NAME, name))
    }

    /// The ids of every admin, their rows locked until `txn` ends on PostgreSQL (SQLite's
    /// single writer serialises already): a last-admin check sees what any concurrent one will.
    async fn lock_admins(&self, txn: &sea_orm::DatabaseTransaction) -> RepoResult<Vec<Uuid>> {
        let mut admins = live().filter(users::Column::Role.eq(Role::Admin.as_str()));
        if super::is_postgres(&self.db) {
            admins = admins.lock_exclusive();
        }
        admins
            .select_only()
            .column(users::Column::Id)
            .into_tuple()
            .all(txn)
            .await
            .map_err(db_err)
    }

    async fn one(&self, id: Uuid) -> RepoResult<Option<users::Model>> {
        live()
            .filter(users::Column::Id.eq(id))
            .one(&self.db)
            .await
            .map_err(db_err)
    }

    async fn by_email(&self, email: &str) -> RepoResult<Option<users::Model>> {
        live()
            .filter(users::Column::Email.eq(email.trim().to_lowercase()))
            .one(&self.db)
            .await
            .map_err(db_err)
    }
}

#[async_trait]
impl UserRepo for SeaUserRepo {
    async fn create(&self, id: Uuid, u: NewUser, jobs: Vec<NewDeferredJob>) -> RepoResult<User> {
        let now = Utc::now();
        let row = users::ActiveModel {
            id: Set(id),
            name: Set(self.cipher.encrypt(NAME, &u.name)),
            name_index: Set(self.name_index(&u.name)),
            email: Set(u.email.as_str().to_owned()),
            password_hash: Set(u.password_hash),
            role: Set(u.role.as_str().to_owned()),
            email_verified_at: Set(u.email_verified.then_some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            erased_at: Set(None),
        };
        let txn = super::begin_write(&self.db).await?;
        let model = row.insert(&txn).await.map_err(|e| match db_err(e) {
            RepoError::Conflict(_) => RepoError::Conflict("email".into()),
            other => other,
        })?;
        for job in jobs {
            super::job_outbox::insert(&txn, job).await?;
        }
        txn.commit().await.map_err(db_err)?;
        self.to_domain(model)
    }

    async fn find_by_email(&self, email: &str) -> RepoResult<Option<User>> {
        self.by_email(email).await?.map(|m| self.to_domain(m)).transpose()
    }

    async fn find_by_id(&self, id: Uuid) -> RepoResult<Option<User>> {
        self.one(id).await?.map(|m| self.to_domain(m)).transpose()
    }

    async fn credentials_by_email(&self, email: &str) -> RepoResult<Option<Credentials>> {
        let row = self.by_email(email).await?;
        self.credentials(row)
    }

    async fn credentials_by_id(&self, id: Uuid) -> RepoResult<Option<Credentials>> {
        let row = self.one(id).await?;
        self.credentials(row)
    }

    async fn set_password_hash(&self, id: Uuid, hash: &str) -> RepoResult<()> {
        update_live()
            .col_expr(users::Column::PasswordHash, Expr::value(hash.to_owned()))
            .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(users::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn mark_email_verified(&self, id: Uuid, at: chrono::DateTime<Utc>) -> RepoResult<()> {
        update_live()
            .col_expr(users::Column::EmailVerifiedAt, Expr::value(at))
            .col_expr(users::Column::UpdatedAt, Expr::value(at))
            .filter(users::Column::Id.eq(id))
            .filter(users::Column::EmailVerifiedAt.is_null())
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn set_name(&self, id: Uuid, name: &str) -> RepoResult<User> {
        let result = update_live()
            .col_expr(users::Column::Name, Expr::value(self.cipher.encrypt(NAME, name)))
            .col_expr(users::Column::NameIndex, Expr::value(self.name_index(name)))
            .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(users::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        if result.rows_affected == 0 {
            return Err(RepoError::NotFound("user".into()));
        }
        self.find_by_id(id)
            .await?
            .ok_or_else(|| RepoError::NotFound("user".into()))
    }

    async fn list(&self, query: &UserQuery, page: PageRequest) -> RepoResult<Page<User>> {
        let filtered = || {
            let mut select = live();
            if let Some(role) = query.role {
                select = select.filter(users::Column::Role.eq(role.as_str()));
            }
            if let Some(search) = query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                let lowered = search.to_lowercase();
                let email = Expr::col(users::Column::Email).like(super::contains(&lowered));
                // Every word of the query must be a word of the name.
                let terms = self.cipher.blind_terms(NAME, search);
                let mut name = Condition::all();
                for term in &terms {
                    name = name.add(users::Column::NameIndex.like(format!("% {term} %")));
                }
                let mut any = Condition::any().add(email);
                if !terms.is_empty() {
                    any = any.add(name);
                }
                select = select.filter(any);
            }
            select
        };
        let total = filtered().count(&self.db).await.map_err(db_err)?;
        let ordered = match query.sort {
            UserSort::Newest => filtered()
                .order_by_desc(users::Column::CreatedAt)
                .order_by_desc(users::Column::Id),
            UserSort::Oldest => filtered()
                .order_by_asc(users::Column::CreatedAt)
                .order_by_asc(users::Column::Id),
            UserSort::EmailAsc => filtered().order_by_asc(users::Column::Email),
            UserSort::EmailDesc => filtered().order_by_desc(users::Column::Email),
        };
        let rows = ordered
            .offset(page.offset())
            .limit(page.limit())
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let items = rows.into_iter().map(|m| self.to_domain(m)).collect::<RepoResult<_>>()?;
        Ok(Page {
            items,
            request: page,
            total,
        })
    }

    async fn index_names(&self, batch: u64) -> RepoResult<u64> {
        let rows = live()
            .filter(users::Column::NameIndex.eq(""))
            .limit(batch)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut indexed = 0;
        for row in rows {
            let plain = self
                .cipher
                .decrypt(NAME, &row.name)
                .map_err(|e| RepoError::Other(format!("user {}: name: {e}", row.id)))?;
            update_live()
                .col_expr(users::Column::NameIndex, Expr::value(self.name_index(&plain)))
                .filter(users::Column::Id.eq(row.id))
                .filter(users::Column::Name.eq(row.name))
                .exec(&self.db)
                .await
                .map_err(db_err)?;
            indexed += 1;
        }
        Ok(indexed)
    }

    async fn set_role(&self, id: Uuid, role: Role, audit: AuditRecord) -> RepoResult<RoleChange> {
        let txn = super::begin_write(&self.db).await?;
        let admin_ids = self.lock_admins(&txn).await?;
        let Some(row) = live()
            .filter(users::Column::Id.eq(id))
            .one(&txn)
            .await
            .map_err(db_err)?
        else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(RoleChange::NotFound);
        };
        let from = Role::parse(&row.role).ok_or_else(|| RepoError::Other(format!("user {id}: bad role")))?;
        if from == role {
            txn.rollback().await.map_err(db_err)?;
            return Ok(RoleChange::Changed { from });
        }
        if from == Role::Admin && admin_ids.iter().all(|a| *a == id) {
            txn.rollback().await.map_err(db_err)?;
            return Ok(RoleChange::LastAdmin);
        }
        update_live()
            .col_expr(users::Column::Role, Expr::value(role.as_str()))
            .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(users::Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        let mut audit = audit;
        audit.changes.push(FieldChange::new(
            "role",
            Some(from.as_str().into()),
            Some(role.as_str().into()),
        ));
        super::audit::insert(&txn, &audit).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(RoleChange::Changed { from })
    }

    async fn count(&self) -> RepoResult<u64> {
        live().count(&self.db).await.map_err(db_err)
    }

    async fn reencrypt(&self, batch: u64) -> RepoResult<u64> {
        // Scans in id order; a value under the current key is skipped, so re-runs are cheap.
        let mut changed = 0;
        let mut after: Option<Uuid> = None;
        loop {
            let mut query = live().order_by_asc(users::Column::Id).limit(500);
            if let Some(last) = after {
                query = query.filter(users::Column::Id.gt(last));
            }
            let rows = query.all(&self.db).await.map_err(db_err)?;
            let Some(last) = rows.last().map(|r| r.id) else {
                return Ok(changed);
            };
            after = Some(last);
            for row in rows {
                let plain = self
                    .cipher
                    .decrypt(NAME, &row.name)
                    .map_err(|e| RepoError::Other(format!("user {}: name: {e}", row.id)))?;
                let index = self.name_index(&plain);
                if !self.cipher.needs_rotation(&row.name) && row.name_index == index {
                    continue;
                }
                update_live()
                    .col_expr(users::Column::Name, Expr::value(self.cipher.encrypt(NAME, &plain)))
                    .col_expr(users::Column::NameIndex, Expr::value(index))
                    .filter(users::Column::Id.eq(row.id))
                    .filter(users::Column::Name.eq(row.name))
                    .exec(&self.db)
                    .await
                    .map_err(db_err)?;
                changed += 1;
                if changed >= batch {
                    return Ok(changed);
                }
            }
        }
    }

    async fn erase(&self, id: Uuid, request: ErasureRequest) -> RepoResult<ErasureOutcome> {
        let txn = super::begin_write(&self.db).await?;
        let admin_ids = self.lock_admins(&txn).await?;
        // Claims the row first: of two erasures at once, the second waits here and then finds
        // nothing to erase.
        let mut claim = live().filter(users::Column::Id.eq(id));
        if super::is_postgres(&self.db) {
            claim = claim.lock_exclusive();
        }
        let Some(row) = claim.one(&txn).await.map_err(db_err)? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(ErasureOutcome::NotFound);
        };
        if row.role == Role::Admin.as_str() && admin_ids.iter().all(|a| *a == id) {
            txn.rollback().await.map_err(db_err)?;
            return Ok(ErasureOutcome::LastAdmin);
        }
        let at = request.at;
        let sessions: Vec<Uuid> = refresh_tokens::Entity::find()
            .select_only()
            .column(refresh_tokens::Column::FamilyId)
            .distinct()
            .filter(refresh_tokens::Column::UserId.eq(id))
            .into_tuple()
            .all(&txn)
            .await
            .map_err(db_err)?;
        refresh_tokens::Entity::delete_many()
            .filter(refresh_tokens::Column::UserId.eq(id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        user_tokens::Entity::delete_many()
            .filter(user_tokens::Column::UserId.eq(id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        addresses::Entity::delete_many()
            .filter(addresses::Column::UserId.eq(id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        let carts_of_user = sea_orm::sea_query::Query::select()
            .column(carts::Column::Id)
            .from(carts::Entity)
            .and_where(Expr::col(carts::Column::UserId).eq(id))
            .to_owned();
        cart_items::Entity::delete_many()
            .filter(cart_items::Column::CartId.in_subquery(carts_of_user))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        carts::Entity::delete_many()
            .filter(carts::Column::UserId.eq(id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        // Messages sent from the account's address while signed out carry no user id.
        contact_messages::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(contact_messages::Column::UserId.eq(id))
                    .add(Func::lower(Expr::col(contact_messages::Column::Email)).eq(row.email.to_lowercase())),
            )
            .exec(&txn)
            .await
            .map_err(db_err)?;
        // Orders stay for accounting: their lines and totals, not who they went to.
        let orders_anonymised = orders::Entity::update_many()
            .col_expr(orders::Column::CustomerEmail, Expr::value(""))
            .col_expr(
                orders::Column::ShippingAddress,
                Expr::value(serde_json::Value::String(String::new())),
            )
            .col_expr(orders::Column::CustomerErasedAt, Expr::value(at))
            .filter(orders::Column::UserId.eq(id))
            .exec(&txn)
            .await
            .map_err(db_err)?
            .rows_affected;
        update_live()
            .col_expr(users::Column::Email, Expr::value(tombstone_email(id)))
            .col_expr(users::Column::Name, Expr::value(""))
            .col_expr(users::Column::NameIndex, Expr::value(""))
            .col_expr(users::Column::PasswordHash, Expr::value(""))
            .col_expr(users::Column::Role, Expr::value(Role::User.as_str()))
            .col_expr(
                users::Column::EmailVerifiedAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .col_expr(users::Column::ErasedAt, Expr::value(at))
            .col_expr(users::Column::UpdatedAt, Expr::value(at))
            .filter(users::Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        let receipt = ErasureReceipt {
            id: Uuid::now_v7(),
            user_id: id,
            requested_by: request.requested_by,
            actor_id: request.actor_id,
            orders_anonymised,
            erased_at: at,
        };
        erasure_receipts::ActiveModel {
            id: Set(receipt.id),
            user_id: Set(id),
            requested_by: Set(receipt.requested_by.as_str().to_owned()),
            actor_id: Set(receipt.actor_id),
            orders_anonymised: Set(i64::try_from(orders_anonymised).unwrap_or(i64::MAX)),
            erased_at: Set(at),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        if let Some(audit) = &request.audit {
            super::audit::insert(&txn, audit).await?;
        }
        txn.commit().await.map_err(db_err)?;
        Ok(ErasureOutcome::Erased { receipt, sessions })
    }
}
