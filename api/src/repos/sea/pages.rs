use async_trait::async_trait;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::db_err;
use crate::{
    domain::catalogue::{CmsPage, NewCmsPage},
    repos::{PageRepo, RepoResult, entities::cms_pages},
};

pub struct SeaPageRepo {
    db: DatabaseConnection,
}

impl SeaPageRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl PageRepo for SeaPageRepo {
    async fn upsert(&self, p: NewCmsPage) -> RepoResult<Uuid> {
        let existing = self.find_by_slug(&p.slug).await?;
        let row = cms_pages::ActiveModel {
            slug: Set(p.slug),
            title: Set(p.title),
            content_blocks: Set(p.content_blocks),
            published: Set(p.published),
            ..Default::default()
        };
        super::save_row(&self.db, existing.map(|found| found.id), row).await
    }

    async fn find_by_slug(&self, slug: &str) -> RepoResult<Option<CmsPage>> {
        let row = cms_pages::Entity::find()
            .filter(cms_pages::Column::Slug.eq(slug))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        Ok(row.map(|m| CmsPage {
            id: m.id,
            slug: m.slug,
            title: m.title,
            content_blocks: m.content_blocks,
            published: m.published,
            updated_at: m.updated_at,
        }))
    }
}
