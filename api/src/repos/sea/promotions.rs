use async_trait::async_trait;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::db_err;
use crate::{
    domain::catalogue::{DiscountType, NewPromotion, Promotion, PromotionScope},
    repos::{PromotionRepo, RepoError, RepoResult, entities::promotions},
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

#[async_trait]
impl PromotionRepo for SeaPromotionRepo {
    async fn upsert(&self, p: NewPromotion) -> RepoResult<Uuid> {
        let existing = promotions::Entity::find()
            .filter(promotions::Column::Slug.eq(&p.slug))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        let (scope_kind, scope_category_id, scope_collection_id, scope_product_id) = match p.scope {
            PromotionScope::All => ("all", None, None, None),
            PromotionScope::Category(id) => ("category", Some(id), None, None),
            PromotionScope::Collection(id) => ("collection", None, Some(id), None),
            PromotionScope::Product(id) => ("product", None, None, Some(id)),
        };
        let row = promotions::ActiveModel {
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
        };
        super::save_row(&self.db, existing.map(|found| found.id), row).await
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
