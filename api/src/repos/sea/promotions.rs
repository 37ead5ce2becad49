use async_trait::async_trait;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::db_err;
use crate::{
    domain::{
        audit::{self, AuditRecord},
        catalogue::{DiscountType, NewPromotion, Promotion, PromotionScope},
        promotion_edit::{self, PromotionPatch},
    },
    repos::{EditOutcome, PromotionRepo, RepoError, RepoResult, entities::promotions},
};

pub struct SeaPromotionRepo {
    db: DatabaseConnection,
}

impl SeaPromotionRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn to_domain(m: promotions::Model) -> RepoResult<Promotion> {
    let corrupt = |what: &str| RepoError::Other(format!("promotion {}: bad {what}", m.id));
    let scope = match (
        m.scope_kind.as_str(),
        m.scope_category_id,
        m.scope_collection_id,
        m.scope_product_id,
    ) {
        ("all", ..) => PromotionScope::All,
        ("category", Some(id), ..) => PromotionScope::Category(id),
        ("collection", _, Some(id), _) => PromotionScope::Collection(id),
        ("product", .., Some(id)) => PromotionScope::Product(id),
        _ => return Err(corrupt("scope")),
    };
    let discount_type = DiscountType::parse(&m.discount_type).ok_or_else(|| corrupt("discount type"))?;
    Ok(Promotion {
        id: m.id,
        name: m.name,
        slug: m.slug,
        description: m.description,
        image: m.image,
        active: m.active,
        position: m.position,
        discount_type,
        discount_value: m.discount_value,
        start_date: m.start_date,
        end_date: m.end_date,
        code: m.code,
        scope,
        stackable: m.stackable,
    })
}

/// A promotion's columns, without its id and times (which `save_row` sets).
fn row(p: NewPromotion) -> promotions::ActiveModel {
    let (scope_kind, scope_category_id, scope_collection_id, scope_product_id) = match p.scope {
        PromotionScope::All => ("all", None, None, None),
        PromotionScope::Category(id) => ("category", Some(id), None, None),
        PromotionScope::Collection(id) => ("collection", None, Some(id), None),
        PromotionScope::Product(id) => ("product", None, None, Some(id)),
    };
    promotions::ActiveModel {
        name: Set(p.name),
        slug: Set(p.slug),
        description: Set(p.description),
        image: Set(p.image),
        active: Set(p.active),
        position: Set(p.position),
        discount_type: Set(p.discount_type.as_str().to_owned()),
        discount_value: Set(p.discount_value),
        start_date: Set(p.start_date),
        end_date: Set(p.end_date),
        code: Set(p.code),
        scope_kind: Set(scope_kind.to_owned()),
        scope_category_id: Set(scope_category_id),
        scope_collection_id: Set(scope_collection_id),
        scope_product_id: Set(scope_product_id),
        stackable: Set(p.stackable),
        ..Default::default()
    }
}

/// A unique-index violation as the field that collided: the slug or the code.
fn taken(err: RepoError) -> RepoError {
    match err {
        RepoError::Conflict(detail) if detail.contains("slug") => RepoError::Conflict("slug".into()),
        RepoError::Conflict(_) => RepoError::Conflict("code".into()),
        other => other,
    }
}

#[async_trait]
impl PromotionRepo for SeaPromotionRepo {
    async fn upsert(&self, p: NewPromotion) -> RepoResult<Uuid> {
        let existing = promotions::Entity::find()
            .filter(promotions::Column::Slug.eq(&p.slug))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        super::save_row(&self.db, existing.map(|found| found.id), row(p)).await
    }

    async fn list_all(&self) -> RepoResult<Vec<Promotion>> {
        promotions::Entity::find()
            .order_by_asc(promotions::Column::Position)
            .order_by_asc(promotions::Column::Name)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(to_domain)
            .collect()
    }

    async fn create(&self, p: NewPromotion, mut audit: AuditRecord) -> RepoResult<Uuid> {
        let txn = super::begin_write(&self.db).await?;
        let after = promotion_edit::snapshot(&p);
        let id = super::save_row(&txn, None, row(p)).await.map_err(taken)?;
        audit.target_id = id;
        audit.changes.extend(audit::diff(None, Some(&after), &[]));
        super::audit::insert(&txn, &audit).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn update(&self, id: Uuid, patch: &PromotionPatch, mut audit: AuditRecord) -> RepoResult<EditOutcome> {
        let txn = super::begin_write(&self.db).await?;
        let mut query = promotions::Entity::find_by_id(id);
        if super::is_postgres(&self.db) {
            query = query.lock_exclusive();
        }
        let Some(current) = query.one(&txn).await.map_err(db_err)? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(EditOutcome::NotFound);
        };
        let current = to_domain(current)?;
        let next = match patch.apply(&current) {
            Ok(next) => next,
            Err(errors) => {
                txn.rollback().await.map_err(db_err)?;
                return Ok(EditOutcome::Invalid(errors));
            }
        };
        let before = promotion_edit::snapshot(&promotion_edit::as_new(&current));
        let after = promotion_edit::snapshot(&next);
        if before == after {
            txn.rollback().await.map_err(db_err)?;
            return Ok(EditOutcome::Applied);
        }
        let mut update = row(next);
        update.image = sea_orm::ActiveValue::NotSet;
        super::save_row(&txn, Some(id), update).await.map_err(taken)?;
        audit.changes.extend(audit::diff(Some(&before), Some(&after), &[]));
        super::audit::insert(&txn, &audit).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(EditOutcome::Applied)
    }

    async fn delete(&self, id: Uuid, mut audit: AuditRecord) -> RepoResult<bool> {
        let txn = super::begin_write(&self.db).await?;
        let Some(current) = promotions::Entity::find_by_id(id).one(&txn).await.map_err(db_err)? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(false);
        };
        let before = promotion_edit::snapshot(&promotion_edit::as_new(&to_domain(current)?));
        promotions::Entity::delete_by_id(id).exec(&txn).await.map_err(db_err)?;
        audit.changes.extend(audit::diff(Some(&before), None, &[]));
        super::audit::insert(&txn, &audit).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn list_active(&self) -> RepoResult<Vec<Promotion>> {
        promotions::Entity::find()
            .filter(promotions::Column::Active.eq(true))
            .order_by_asc(promotions::Column::Position)
            .order_by_asc(promotions::Column::Name)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(to_domain)
            .collect()
    }
}
