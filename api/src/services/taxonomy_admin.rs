//! Staff changes to categories and collections. Each write stores its audit record in its
//! own transaction; the catalogue caches and index reload them before the write answers.

use uuid::Uuid;

use super::{ServiceError, ServiceResult, catalogue::CatalogueService};
use crate::{
    domain::{
        InvalidField,
        catalogue::{Category, Collection},
        product_edit,
        taxonomy::{self, TaxonEdit, TaxonFields, TaxonPatch, TaxonRemoval, Taxonomy},
    },
    repos::{RepoError, Repos},
};

/// A new category or collection as staff describe it.
#[derive(Debug, Clone, Default)]
pub struct TaxonInput {
    /// Categories only: the parent's id, absent for a top-level category.
    pub parent_id: Option<String>,
    pub name: String,
    /// Made from the name when absent (transliterated, unique with a `-2`… suffix).
    pub slug: Option<String>,
    pub description: Option<String>,
    pub active: bool,
    pub position: i32,
}

/// A partial change: `None` leaves a field; `Some(None)` clears the parent or description.
#[derive(Debug, Clone, Default)]
pub struct TaxonChanges {
    pub parent_id: Option<Option<String>>,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
    pub position: Option<i32>,
}

/// A category or a collection, as the write left it.
pub enum Taxon {
    Category(Category),
    Collection(Collection),
}

#[derive(Clone)]
pub struct TaxonomyAdmin {
    repos: Repos,
    catalogue: CatalogueService,
}

const SLUG_ATTEMPTS: usize = 5;

impl TaxonomyAdmin {
    pub fn new(repos: Repos, catalogue: CatalogueService) -> Self {
        Self { repos, catalogue }
    }

    /// Creates a category or collection. Errors: `Invalid` naming `name`, `slug` (malformed
    /// or taken), `parentId` (not a category).
    pub async fn create(&self, actor: Uuid, kind: Taxonomy, input: TaxonInput) -> ServiceResult<Taxon> {
        let mut errors = Vec::new();
        let name = taxonomy::NAME.check("name", &input.name, &mut errors);
        let explicit = input
            .slug
            .as_deref()
            .and_then(|s| product_edit::check_slug("slug", s, &mut errors));
        let description =
            taxonomy::DESCRIPTION.check_optional("description", input.description.as_deref(), &mut errors);
        let parent_id = parent(kind, input.parent_id.as_deref(), &mut errors);
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let base = explicit.clone().unwrap_or_else(|| product_edit::slugify(&name));
        for attempt in 1..=SLUG_ATTEMPTS {
            let slug = match &explicit {
                Some(slug) => slug.clone(),
                None => product_edit::first_free_slug(&base, &self.repos.taxonomy_edits.slugs_like(kind, &base).await?),
            };
            let fields = TaxonFields {
                parent_id,
                name: name.clone(),
                slug,
                description: description.clone(),
                active: input.active,
                position: input.position,
            };
            let audit = super::audit::record(
                actor,
                &format!("{}.created", kind.noun()),
                (kind.audit_target(), Uuid::nil()),
            );
            match self.repos.taxonomy_edits.create(kind, fields, audit).await {
                Ok(Ok(id)) => {
                    self.catalogue.reference_changed().await;
                    return self.get(kind, id).await;
                }
                Ok(Err(_)) => return Err(InvalidField::new("parentId", "no such category").into()),
                Err(RepoError::Conflict(_)) if explicit.is_none() && attempt < SLUG_ATTEMPTS => continue,
                Err(RepoError::Conflict(_)) => return Err(slug_taken(kind)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(slug_taken(kind))
    }

    /// Changes the fields named. Errors: `Invalid` as for create; `Conflict("category_cycle")`
    /// when a category would move under itself or one of its descendants.
    pub async fn update(&self, actor: Uuid, kind: Taxonomy, id: Uuid, changes: TaxonChanges) -> ServiceResult<Taxon> {
        let mut errors = Vec::new();
        let patch = TaxonPatch {
            parent_id: changes
                .parent_id
                .as_ref()
                .map(|p| parent(kind, p.as_deref(), &mut errors)),
            name: changes
                .name
                .as_deref()
                .map(|n| taxonomy::NAME.check("name", n, &mut errors)),
            slug: changes
                .slug
                .as_deref()
                .and_then(|s| product_edit::check_slug("slug", s, &mut errors)),
            description: changes
                .description
                .as_ref()
                .map(|d| taxonomy::DESCRIPTION.check_optional("description", d.as_deref(), &mut errors)),
            active: changes.active,
            position: changes.position,
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let audit = super::audit::record(actor, &format!("{}.updated", kind.noun()), (kind.audit_target(), id));
        match self.repos.taxonomy_edits.update(kind, id, &patch, audit).await {
            Ok(TaxonEdit::Applied) => {
                self.catalogue.reference_changed().await;
                self.get(kind, id).await
            }
            Ok(TaxonEdit::NotFound) => Err(ServiceError::NotFound(kind.noun())),
            Ok(TaxonEdit::NoSuchParent) => Err(InvalidField::new("parentId", "no such category").into()),
            Ok(TaxonEdit::Cycle) => Err(ServiceError::conflict(
                "category_cycle",
                "a category cannot move under itself or one of its descendants",
            )),
            Err(RepoError::Conflict(_)) => Err(slug_taken(kind)),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a category or collection. Errors: `Conflict("in_use")` while it has child
    /// categories, products or promotions and no `reassign_to`; `Conflict("category_cycle")`
    /// when `reassign_to` is itself or below it; `Invalid` naming `reassignTo` when that does
    /// not exist.
    pub async fn delete(&self, actor: Uuid, kind: Taxonomy, id: Uuid, reassign_to: Option<Uuid>) -> ServiceResult<()> {
        let audit = super::audit::record(actor, &format!("{}.deleted", kind.noun()), (kind.audit_target(), id));
        match self.repos.taxonomy_edits.delete(kind, id, reassign_to, audit).await? {
            TaxonRemoval::Deleted => {
                self.catalogue.reference_changed().await;
                // Products that lost the link show it on the next read.
                if let Err(e) = self.catalogue.read_model().refresh().await {
                    tracing::warn!(error = %e, "catalogue index: relinked products will show on the next round");
                }
                Ok(())
            }
            TaxonRemoval::NotFound => Err(ServiceError::NotFound(kind.noun())),
            TaxonRemoval::InUse {
                children,
                products,
                promotions,
            } => Err(ServiceError::conflict(
                "in_use",
                format!(
                    "the {} still has {children} child categories, {products} products and {promotions} \
                     promotions; pass reassignTo to move them first",
                    kind.noun()
                ),
            )),
            TaxonRemoval::NoSuchTarget => {
                Err(InvalidField::new("reassignTo", format!("no such {}", kind.noun())).into())
            }
            TaxonRemoval::Cycle => Err(ServiceError::conflict(
                "category_cycle",
                "reassignTo cannot be the record itself or one of its descendants",
            )),
        }
    }

    /// Every category or collection, switched on or not.
    pub async fn list(&self, kind: Taxonomy) -> ServiceResult<Vec<Taxon>> {
        Ok(match kind {
            Taxonomy::Category => self
                .repos
                .categories
                .list_all()
                .await?
                .into_iter()
                .map(Taxon::Category)
                .collect(),
            Taxonomy::Collection => self
                .repos
                .collections
                .list_all()
                .await?
                .into_iter()
                .map(Taxon::Collection)
                .collect(),
        })
    }

    async fn get(&self, kind: Taxonomy, id: Uuid) -> ServiceResult<Taxon> {
        let found = match kind {
            Taxonomy::Category => self
                .repos
                .categories
                .list_all()
                .await?
                .into_iter()
                .find(|c| c.id == id)
                .map(Taxon::Category),
            Taxonomy::Collection => self
                .repos
                .collections
                .list_all()
                .await?
                .into_iter()
                .find(|c| c.id == id)
                .map(Taxon::Collection),
        };
        found.ok_or(ServiceError::NotFound(kind.noun()))
    }
}

/// A parent id: only categories have one, and it must be a UUID.
fn parent(kind: Taxonomy, raw: Option<&str>, errors: &mut Vec<InvalidField>) -> Option<Uuid> {
    let raw = raw?;
    if kind == Taxonomy::Collection {
        errors.push(InvalidField::new("parentId", "collections have no parent"));
        return None;
    }
    Uuid::parse_str(raw.trim())
        .map_err(|_| errors.push(InvalidField::new("parentId", "no such category")))
        .ok()
}

fn slug_taken(kind: Taxonomy) -> ServiceError {
    InvalidField::new("slug", format!("is taken by another {}", kind.noun())).into()
}
