use async_trait::async_trait;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::db_err;
use crate::{
    domain::catalogue::{Category, NewCategory},
    repos::{CategoryRepo, RepoResult, entities::categories},
};

pub struct SeaCategoryRepo {
    db: DatabaseConnection,
}

impl SeaCategoryRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

impl From<categories::Model> for Category {
    fn from(m: categories::Model) -> Self {
        Self {
            id: m.id,
            parent_id: m.parent_id,
            name: m.name,
            slug: m.slug,
            description: m.description,
            image: m.image,
            active: m.active,
            position: m.position,
        }
    }
}

#[async_trait]
impl CategoryRepo for SeaCategoryRepo {
    async fn upsert(&self, c: NewCategory) -> RepoResult<Uuid> {
        let existing = categories::Entity::find()
            .filter(categories::Column::Slug.eq(&c.slug))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        let row = categories::ActiveModel {
            parent_id: Set(c.parent_id),
            name: Set(c.name),
            slug: Set(c.slug),
            description: Set(c.description),
            image: Set(c.image),
            active: Set(c.active),
            position: Set(c.position),
            ..Default::default()
        };
        super::save_row(&self.db, existing.map(|found| found.id), row).await
    }

    async fn list_all(&self) -> RepoResult<Vec<Category>> {
        let rows = categories::Entity::find()
            .order_by_asc(categories::Column::Position)
            .order_by_asc(categories::Column::Name)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Category::from).collect())
    }
}
