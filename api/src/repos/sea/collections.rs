use async_trait::async_trait;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::db_err;
use crate::{
    domain::catalogue::{Collection, NewCollection},
    repos::{CollectionRepo, RepoResult, entities::collections},
};

pub struct SeaCollectionRepo {
    db: DatabaseConnection,
}

impl SeaCollectionRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

impl From<collections::Model> for Collection {
    fn from(m: collections::Model) -> Self {
        Self {
            id: m.id,
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
impl CollectionRepo for SeaCollectionRepo {
    async fn upsert(&self, c: NewCollection) -> RepoResult<Uuid> {
        let existing = self.find_by_slug(&c.slug).await?;
        let row = collections::ActiveModel {
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

    async fn list_all(&self) -> RepoResult<Vec<Collection>> {
        let rows = collections::Entity::find()
            .order_by_asc(collections::Column::Position)
            .order_by_asc(collections::Column::Name)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Collection::from).collect())
    }

    async fn find_by_slug(&self, slug: &str) -> RepoResult<Option<Collection>> {
        let row = collections::Entity::find()
            .filter(collections::Column::Slug.eq(slug))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        Ok(row.map(Collection::from))
    }
}
