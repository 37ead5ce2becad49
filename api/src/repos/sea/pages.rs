//! CMS pages on SQLite and PostgreSQL: blocks kept as their JSON (`domain::cms::Block`), staff
//! writes each in one transaction with its audit record.

use async_trait::async_trait;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func},
};
use uuid::Uuid;

use super::db_err;
use crate::{
    domain::{
        audit::{self, AuditRecord},
        cms::{self, CmsPage, CmsPagePatch, NewCmsPage},
        pagination::{Page, PageRequest},
    },
    repos::{PageFilter, PageRepo, RepoError, RepoResult, entities::cms_pages},
};

pub struct SeaPageRepo {
    db: DatabaseConnection,
}

impl SeaPageRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn to_domain(m: cms_pages::Model) -> RepoResult<CmsPage> {
    let blocks = serde_json::from_value(m.content_blocks)
        .map_err(|e| RepoError::Other(format!("page {}: unreadable blocks: {e}", m.id)))?;
    Ok(CmsPage {
        id: m.id,
        slug: m.slug,
        title: m.title,
        blocks,
        published: m.published,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// A page's columns, without its id and times (which `save_row` sets).
fn row(p: &NewCmsPage) -> RepoResult<cms_pages::ActiveModel> {
    Ok(cms_pages::ActiveModel {
        slug: Set(p.slug.clone()),
        title: Set(p.title.clone()),
        content_blocks: Set(serde_json::to_value(&p.blocks).map_err(|e| RepoError::Other(e.to_string()))?),
        published: Set(p.published),
        ..Default::default()
    })
}

/// The only unique value of a page is its slug.
fn slug_taken(err: RepoError) -> RepoError {
    match err {
        RepoError::Conflict(_) => RepoError::Conflict("slug".into()),
        other => other,
    }
}

#[async_trait]
impl PageRepo for SeaPageRepo {
    async fn upsert(&self, p: NewCmsPage) -> RepoResult<Uuid> {
        let existing = self.find_by_slug(&p.slug).await?;
        super::save_row(&self.db, existing.map(|found| found.id), row(&p)?).await
    }

    async fn find_by_slug(&self, slug: &str) -> RepoResult<Option<CmsPage>> {
        cms_pages::Entity::find()
            .filter(cms_pages::Column::Slug.eq(slug))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(to_domain)
            .transpose()
    }

    async fn find(&self, id: Uuid) -> RepoResult<Option<CmsPage>> {
        cms_pages::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(to_domain)
            .transpose()
    }

    async fn slugs_like(&self, base: &str) -> RepoResult<std::collections::BTreeSet<String>> {
        let slugs: Vec<String> = cms_pages::Entity::find()
            .select_only()
            .column(cms_pages::Column::Slug)
            .filter(
                Condition::any()
                    .add(cms_pages::Column::Slug.eq(base))
                    .add(cms_pages::Column::Slug.starts_with(format!("{base}-"))),
            )
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(slugs.into_iter().collect())
    }

    async fn list(&self, filter: &PageFilter, page: PageRequest) -> RepoResult<Page<CmsPage>> {
        let filtered = || {
            let mut condition = Condition::all();
            if let Some(published) = filter.published {
                condition = condition.add(cms_pages::Column::Published.eq(published));
            }
            if let Some(text) = filter.search.as_deref() {
                let pattern = super::contains(&text.to_lowercase());
                let title = Expr::expr(Func::lower(Expr::col(cms_pages::Column::Title)));
                condition = condition.add(
                    Condition::any()
                        .add(title.like(pattern.clone()))
                        .add(cms_pages::Column::Slug.like(pattern)),
                );
            }
            cms_pages::Entity::find().filter(condition)
        };
        let total = filtered().count(&self.db).await.map_err(db_err)?;
        let rows = filtered()
            .order_by_asc(cms_pages::Column::Slug)
            .offset(page.offset())
            .limit(page.limit())
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(Page {
            items: rows.into_iter().map(to_domain).collect::<RepoResult<_>>()?,
            request: page,
            total,
        })
    }

    async fn create(&self, p: NewCmsPage, mut audit: AuditRecord) -> RepoResult<CmsPage> {
        let txn = super::begin_write(&self.db).await?;
        let id = super::save_row(&txn, None, row(&p)?).await.map_err(slug_taken)?;
        audit.target_id = id;
        audit.changes.extend(audit::diff(None, Some(&cms::snapshot(&p)), &[]));
        super::audit::insert(&txn, &audit).await?;
        let created = cms_pages::Entity::find_by_id(id).one(&txn).await.map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        created
            .map(to_domain)
            .transpose()?
            .ok_or_else(|| RepoError::Other(format!("page {id} vanished after insert")))
    }

    async fn update(&self, id: Uuid, patch: &CmsPagePatch, mut audit: AuditRecord) -> RepoResult<Option<CmsPage>> {
        let txn = super::begin_write(&self.db).await?;
        let mut query = cms_pages::Entity::find_by_id(id);
        if super::is_postgres(&self.db) {
            query = query.lock_exclusive();
        }
        let Some(current) = query.one(&txn).await.map_err(db_err)? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(None);
        };
        let current = to_domain(current)?;
        let next = patch.apply(&current);
        let (before, after) = (cms::snapshot(&current.as_new()), cms::snapshot(&next));
        if before == after {
            txn.rollback().await.map_err(db_err)?;
            return Ok(Some(current));
        }
        super::save_row(&txn, Some(id), row(&next)?).await.map_err(slug_taken)?;
        audit.changes.extend(audit::diff(Some(&before), Some(&after), &[]));
        super::audit::insert(&txn, &audit).await?;
        let updated = cms_pages::Entity::find_by_id(id).one(&txn).await.map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        updated.map(to_domain).transpose()
    }

    async fn delete(&self, id: Uuid, mut audit: AuditRecord) -> RepoResult<bool> {
        let txn = super::begin_write(&self.db).await?;
        let Some(current) = cms_pages::Entity::find_by_id(id).one(&txn).await.map_err(db_err)? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(false);
        };
        let before = cms::snapshot(&to_domain(current)?.as_new());
        cms_pages::Entity::delete_by_id(id).exec(&txn).await.map_err(db_err)?;
        audit.changes.extend(audit::diff(Some(&before), None, &[]));
        super::audit::insert(&txn, &audit).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(true)
    }
}
