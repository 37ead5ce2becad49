//! Staff edits of categories and collections on SQLite and PostgreSQL.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect,
    sea_query::{Alias, Expr, ExprTrait, Query},
};
use uuid::Uuid;

use super::{begin_write, catalogue_changes, db_err};
use crate::{
    domain::{
        audit::{self, AuditRecord},
        taxonomy::{TaxonEdit, TaxonFields, TaxonPatch, TaxonRemoval, Taxonomy, would_cycle},
    },
    repos::{
        RepoError, RepoResult, TaxonomyEditRepo,
        entities::{categories, collections, product_categories, product_collections, promotions},
    },
};

pub struct SeaTaxonomyEditRepo {
    db: DatabaseConnection,
}

impl SeaTaxonomyEditRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// The product link table of `kind` and its column naming the record.
fn links(kind: Taxonomy) -> (&'static str, &'static str) {
    match kind {
        Taxonomy::Category => ("product_categories", "category_id"),
        Taxonomy::Collection => ("product_collections", "collection_id"),
    }
}

fn scope_column(kind: Taxonomy) -> promotions::Column {
    match kind {
        Taxonomy::Category => promotions::Column::ScopeCategoryId,
        Taxonomy::Collection => promotions::Column::ScopeCollectionId,
    }
}

fn slug_taken(err: RepoError) -> RepoError {
    match err {
        RepoError::Conflict(_) => RepoError::Conflict("slug".into()),
        other => other,
    }
}

/// The record's fields, locked on PostgreSQL for the rest of the transaction.
async fn read(txn: &DatabaseTransaction, kind: Taxonomy, id: Uuid) -> RepoResult<Option<TaxonFields>> {
    let postgres = txn.get_database_backend() == sea_orm::DbBackend::Postgres;
    Ok(match kind {
        Taxonomy::Category => {
            let mut q = categories::Entity::find_by_id(id);
            if postgres {
                q = q.lock_exclusive();
            }
            q.one(txn).await.map_err(db_err)?.map(|c| TaxonFields {
                parent_id: c.parent_id,
                name: c.name,
                slug: c.slug,
                description: c.description,
                active: c.active,
                position: c.position,
            })
        }
        Taxonomy::Collection => {
            let mut q = collections::Entity::find_by_id(id);
            if postgres {
                q = q.lock_exclusive();
            }
            q.one(txn).await.map_err(db_err)?.map(|c| TaxonFields {
                parent_id: None,
                name: c.name,
                slug: c.slug,
                description: c.description,
                active: c.active,
                position: c.position,
            })
        }
    })
}

/// Every category's parent, read in the transaction (the tree is small and read whole).
async fn parents(txn: &DatabaseTransaction) -> RepoResult<HashMap<Uuid, Option<Uuid>>> {
    let rows: Vec<(Uuid, Option<Uuid>)> = categories::Entity::find()
        .select_only()
        .column(categories::Column::Id)
        .column(categories::Column::ParentId)
        .into_tuple()
        .all(txn)
        .await
        .map_err(db_err)?;
    Ok(rows.into_iter().collect())
}

async fn write(
    txn: &DatabaseTransaction,
    kind: Taxonomy,
    id: Uuid,
    fields: &TaxonFields,
    insert: bool,
) -> RepoResult<()> {
    let now = Utc::now();
    let result = match kind {
        Taxonomy::Category => {
            let row = categories::ActiveModel {
                id: Set(id),
                parent_id: Set(fields.parent_id),
                name: Set(fields.name.clone()),
                slug: Set(fields.slug.clone()),
                description: Set(fields.description.clone()),
                active: Set(fields.active),
                position: Set(fields.position),
                updated_at: Set(now),
                ..Default::default()
            };
            if insert {
                categories::Entity::insert(categories::ActiveModel {
                    created_at: Set(now),
                    image: Set(None),
                    ..row
                })
                .exec(txn)
                .await
                .map(|_| ())
            } else {
                categories::Entity::update(row).exec(txn).await.map(|_| ())
            }
        }
        Taxonomy::Collection => {
            let row = collections::ActiveModel {
                id: Set(id),
                name: Set(fields.name.clone()),
                slug: Set(fields.slug.clone()),
                description: Set(fields.description.clone()),
                active: Set(fields.active),
                position: Set(fields.position),
                updated_at: Set(now),
                ..Default::default()
            };
            if insert {
                collections::Entity::insert(collections::ActiveModel {
                    created_at: Set(now),
                    image: Set(None),
                    ..row
                })
                .exec(txn)
                .await
                .map(|_| ())
            } else {
                collections::Entity::update(row).exec(txn).await.map(|_| ())
            }
        }
    };
    result.map_err(db_err).map_err(slug_taken)
}

/// The products linked to `id`.
async fn linked_products(txn: &DatabaseTransaction, kind: Taxonomy, id: Uuid) -> RepoResult<Vec<Uuid>> {
    Ok(match kind {
        Taxonomy::Category => product_categories::Entity::find()
            .select_only()
            .column(product_categories::Column::ProductId)
            .filter(product_categories::Column::CategoryId.eq(id))
            .into_tuple()
            .all(txn)
            .await
            .map_err(db_err)?,
        Taxonomy::Collection => product_collections::Entity::find()
            .select_only()
            .column(product_collections::Column::ProductId)
            .filter(product_collections::Column::CollectionId.eq(id))
            .into_tuple()
            .all(txn)
            .await
            .map_err(db_err)?,
    })
}

async fn commit(
    txn: DatabaseTransaction,
    kind: Taxonomy,
    mut audit: AuditRecord,
    before: Option<&TaxonFields>,
    after: Option<&TaxonFields>,
    products: Vec<Uuid>,
) -> RepoResult<()> {
    let (before, after) = (before.map(|f| f.snapshot(kind)), after.map(|f| f.snapshot(kind)));
    audit.changes.extend(audit::diff(before.as_ref(), after.as_ref(), &[]));
    super::audit::insert(&txn, &audit).await?;
    catalogue_changes::record(&txn, products).await?;
    txn.commit().await.map_err(db_err)
}

#[async_trait]
impl TaxonomyEditRepo for SeaTaxonomyEditRepo {
    async fn slugs_like(&self, kind: Taxonomy, base: &str) -> RepoResult<BTreeSet<String>> {
        let like = format!("{base}-");
        let slugs: Vec<String> = match kind {
            Taxonomy::Category => categories::Entity::find()
                .select_only()
                .column(categories::Column::Slug)
                .filter(
                    Condition::any()
                        .add(categories::Column::Slug.eq(base))
                        .add(categories::Column::Slug.starts_with(&like)),
                )
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(db_err)?,
            Taxonomy::Collection => collections::Entity::find()
                .select_only()
                .column(collections::Column::Slug)
                .filter(
                    Condition::any()
                        .add(collections::Column::Slug.eq(base))
                        .add(collections::Column::Slug.starts_with(&like)),
                )
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(db_err)?,
        };
        Ok(slugs.into_iter().collect())
    }

    async fn create(
        &self,
        kind: Taxonomy,
        fields: TaxonFields,
        mut audit: AuditRecord,
    ) -> RepoResult<Result<Uuid, TaxonEdit>> {
        let txn = begin_write(&self.db).await?;
        if let Some(parent) = fields.parent_id
            && !parents(&txn).await?.contains_key(&parent)
        {
            txn.rollback().await.map_err(db_err)?;
            return Ok(Err(TaxonEdit::NoSuchParent));
        }
        let id = Uuid::now_v7();
        write(&txn, kind, id, &fields, true).await?;
        audit.target_id = id;
        commit(txn, kind, audit, None, Some(&fields), Vec::new()).await?;
        Ok(Ok(id))
    }

    async fn update(&self, kind: Taxonomy, id: Uuid, patch: &TaxonPatch, audit: AuditRecord) -> RepoResult<TaxonEdit> {
        let txn = begin_write(&self.db).await?;
        let Some(before) = read(&txn, kind, id).await? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(TaxonEdit::NotFound);
        };
        let after = patch.apply(&before);
        if kind == Taxonomy::Category && after.parent_id != before.parent_id {
            let parents = parents(&txn).await?;
            let outcome = match after.parent_id {
                Some(parent) if !parents.contains_key(&parent) => Some(TaxonEdit::NoSuchParent),
                parent if would_cycle(&parents, id, parent) => Some(TaxonEdit::Cycle),
                _ => None,
            };
            if let Some(outcome) = outcome {
                txn.rollback().await.map_err(db_err)?;
                return Ok(outcome);
            }
        }
        if after == before {
            txn.rollback().await.map_err(db_err)?;
            return Ok(TaxonEdit::Applied);
        }
        write(&txn, kind, id, &after, false).await?;
        // A rename or a switch changes what the linked products' pages show.
        let products = linked_products(&txn, kind, id).await?;
        commit(txn, kind, audit, Some(&before), Some(&after), products).await?;
        Ok(TaxonEdit::Applied)
    }

    async fn delete(
        &self,
        kind: Taxonomy,
        id: Uuid,
        reassign_to: Option<Uuid>,
        audit: AuditRecord,
    ) -> RepoResult<TaxonRemoval> {
        let txn = begin_write(&self.db).await?;
        let Some(before) = read(&txn, kind, id).await? else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(TaxonRemoval::NotFound);
        };
        let products = linked_products(&txn, kind, id).await?;
        let children = match kind {
            Taxonomy::Category => categories::Entity::find()
                .filter(categories::Column::ParentId.eq(id))
                .count(&txn)
                .await
                .map_err(db_err)?,
            Taxonomy::Collection => 0,
        };
        let promotions = promotions::Entity::find()
            .filter(scope_column(kind).eq(id))
            .count(&txn)
            .await
            .map_err(db_err)?;
        let in_use = children > 0 || !products.is_empty() || promotions > 0;
        match reassign_to {
            None if in_use => {
                txn.rollback().await.map_err(db_err)?;
                return Ok(TaxonRemoval::InUse {
                    children,
                    products: products.len() as u64,
                    promotions,
                });
            }
            None => {}
            Some(target) => {
                let exists = read(&txn, kind, target).await?.is_some();
                let refusal = if !exists {
                    Some(TaxonRemoval::NoSuchTarget)
                } else if target == id
                    || (kind == Taxonomy::Category && would_cycle(&parents(&txn).await?, id, Some(target)))
                {
                    Some(TaxonRemoval::Cycle)
                } else {
                    None
                };
                if let Some(refusal) = refusal {
                    txn.rollback().await.map_err(db_err)?;
                    return Ok(refusal);
                }
                if kind == Taxonomy::Category {
                    categories::Entity::update_many()
                        .col_expr(categories::Column::ParentId, Expr::value(target))
                        .filter(categories::Column::ParentId.eq(id))
                        .exec(&txn)
                        .await
                        .map_err(db_err)?;
                }
                promotions::Entity::update_many()
                    .col_expr(scope_column(kind), Expr::value(target))
                    .filter(scope_column(kind).eq(id))
                    .exec(&txn)
                    .await
                    .map_err(db_err)?;
                // Links move to the target, except where the product already has one there.
                let (table, column) = links(kind);
                let (table, column) = (Alias::new(table), Alias::new(column));
                let already = Query::select()
                    .column(Alias::new("product_id"))
                    .from(table.clone())
                    .and_where(Expr::col(column.clone()).eq(target))
                    .to_owned();
                let mut relink = Query::update();
                relink
                    .table(table)
                    .value(column.clone(), target)
                    .and_where(Expr::col(column).eq(id))
                    .and_where(Expr::col(Alias::new("product_id")).not_in_subquery(already));
                txn.execute(&relink).await.map_err(db_err)?;
            }
        }
        // What is left of its links (duplicates of the target's) goes with it.
        match kind {
            Taxonomy::Category => categories::Entity::delete_by_id(id).exec(&txn).await,
            Taxonomy::Collection => collections::Entity::delete_by_id(id).exec(&txn).await,
        }
        .map_err(db_err)?;
        commit(txn, kind, audit, Some(&before), None, products).await?;
        Ok(TaxonRemoval::Deleted)
    }
}
