//! Staff work on categories (a tree) and collections (flat): list, create, edit, delete
//! (refused while in use unless what uses them is reassigned).

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::MaybeUndefined,
};

use super::fields::patched;
use crate::{
    domain::{
        InvalidField,
        catalogue::{Category, Collection},
        taxonomy::Taxonomy,
    },
    http::problem::operation_errors,
    routes::{ApiTags, AppState, parse_id, security::BearerAuth},
    services::{
        ServiceError,
        taxonomy_admin::{Taxon, TaxonChanges, TaxonInput},
    },
};

pub struct AdminTaxonomyApi;

operation_errors!(
    /// Errors of `adminListCategories` and `adminListCollections`.
    pub enum AdminListTaxaError {
        Unauthorized,
        Forbidden,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminUpdateCategory`: 422 naming `name`, `slug` (malformed or taken) or
    /// `parentId`; 409 `category_cycle` when it would move under itself or one of its
    /// descendants.
    pub enum AdminWriteTaxonError {
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminCreateCategory` and `adminCreateCollection`: 422 naming `name`, `slug`
    /// (malformed or taken) or `parentId`.
    pub enum AdminCreateTaxonError {
        BadRequest,
        Unauthorized,
        Forbidden,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminUpdateCollection`: 422 naming `name` or `slug`.
    pub enum AdminUpdateCollectionError {
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminDeleteCategory` and `adminDeleteCollection`: 409 `in_use` while child
    /// categories, products or promotions use it and no `reassignTo` is given, 409
    /// `category_cycle` for a `reassignTo` below it, 422 naming `reassignTo` when that does not
    /// exist.
    pub enum AdminDeleteTaxonError {
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

/// A category as staff manage it, switched on or not.
#[derive(Object, Debug)]
#[oai(rename = "AdminCategory", rename_all = "camelCase")]
pub struct AdminCategoryView {
    pub id: String,
    /// Absent for a top-level category.
    #[oai(skip_serializing_if_is_none)]
    pub parent_id: Option<String>,
    pub name: String,
    pub slug: String,
    #[oai(skip_serializing_if_is_none)]
    pub description: Option<String>,
    /// Off hides it, and everything below it, from the storefront.
    pub active: bool,
    /// Order among its siblings, lowest first.
    pub position: i32,
}

impl From<Category> for AdminCategoryView {
    fn from(c: Category) -> Self {
        Self {
            id: c.id.to_string(),
            parent_id: c.parent_id.map(|p| p.to_string()),
            name: c.name,
            slug: c.slug,
            description: c.description,
            active: c.active,
            position: c.position,
        }
    }
}

/// A collection as staff manage it, switched on or not.
#[derive(Object, Debug)]
#[oai(rename = "AdminCollection", rename_all = "camelCase")]
pub struct AdminCollectionView {
    pub id: String,
    pub name: String,
    pub slug: String,
    #[oai(skip_serializing_if_is_none)]
    pub description: Option<String>,
    pub active: bool,
    pub position: i32,
}

impl From<Collection> for AdminCollectionView {
    fn from(c: Collection) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name,
            slug: c.slug,
            description: c.description,
            active: c.active,
            position: c.position,
        }
    }
}

/// A new category.
#[derive(Object, Debug)]
#[oai(rename = "NewAdminCategory", rename_all = "camelCase", deny_unknown_fields)]
pub struct NewCategoryRequest {
    /// The parent category's id; absent for a top-level category.
    pub parent_id: Option<String>,
    pub name: String,
    /// Made from the name when absent: transliterated, unique with a `-2`… suffix.
    pub slug: Option<String>,
    pub description: Option<String>,
    /// Default on.
    #[oai(default = "super::fields::on")]
    pub active: bool,
    #[oai(default)]
    pub position: i32,
}

/// A new collection.
#[derive(Object, Debug)]
#[oai(rename = "NewAdminCollection", rename_all = "camelCase", deny_unknown_fields)]
pub struct NewCollectionRequest {
    pub name: String,
    /// Made from the name when absent: transliterated, unique with a `-2`… suffix.
    pub slug: Option<String>,
    pub description: Option<String>,
    /// Default on.
    #[oai(default = "super::fields::on")]
    pub active: bool,
    #[oai(default)]
    pub position: i32,
}

/// A partial change of a category: fields left out stay as they are.
#[derive(Object, Debug)]
#[oai(rename = "AdminCategoryPatch", rename_all = "camelCase", deny_unknown_fields)]
pub struct CategoryPatchRequest {
    /// `null` moves it to the top level. Never under itself or a descendant (409).
    #[oai(nullable)]
    pub parent_id: MaybeUndefined<String>,
    pub name: Option<String>,
    pub slug: Option<String>,
    /// `null` clears it.
    #[oai(nullable)]
    pub description: MaybeUndefined<String>,
    pub active: Option<bool>,
    pub position: Option<i32>,
}

/// A partial change of a collection: fields left out stay as they are.
#[derive(Object, Debug)]
#[oai(rename = "AdminCollectionPatch", rename_all = "camelCase", deny_unknown_fields)]
pub struct CollectionPatchRequest {
    pub name: Option<String>,
    pub slug: Option<String>,
    /// `null` clears it.
    #[oai(nullable)]
    pub description: MaybeUndefined<String>,
    pub active: Option<bool>,
    pub position: Option<i32>,
}

#[derive(ApiResponse)]
enum CategoryCreated {
    #[oai(status = 201)]
    Created(Json<AdminCategoryView>),
}

#[derive(ApiResponse)]
enum CollectionCreated {
    #[oai(status = 201)]
    Created(Json<AdminCollectionView>),
}

#[derive(ApiResponse)]
enum Deleted {
    #[oai(status = 204)]
    NoContent,
}

fn category(taxon: Taxon) -> Result<AdminCategoryView, ServiceError> {
    match taxon {
        Taxon::Category(c) => Ok(c.into()),
        Taxon::Collection(_) => Err(ServiceError::NotFound("category")),
    }
}

fn collection(taxon: Taxon) -> Result<AdminCollectionView, ServiceError> {
    match taxon {
        Taxon::Collection(c) => Ok(c.into()),
        Taxon::Category(_) => Err(ServiceError::NotFound("collection")),
    }
}

/// `reassignTo`: a UUID, or a 422 naming it.
fn reassign_target(raw: Option<String>) -> Result<Option<uuid::Uuid>, ServiceError> {
    raw.map(|r| uuid::Uuid::parse_str(r.trim()).map_err(|_| InvalidField::new("reassignTo", "must be a UUID").into()))
        .transpose()
}

#[OpenApi(tag = "ApiTags::Admin")]
impl AdminTaxonomyApi {
    /// Every category, switched on or not (flat, with parent ids)
    #[oai(path = "/admin/categories", method = "get", operation_id = "adminListCategories")]
    async fn categories(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
    ) -> Result<Json<Vec<AdminCategoryView>>, AdminListTaxaError> {
        auth.admin(&state).await?;
        let all = state.taxonomy_admin.list(Taxonomy::Category).await?;
        Ok(Json(all.into_iter().filter_map(|t| category(t).ok()).collect()))
    }

    /// Create a category
    #[oai(path = "/admin/categories", method = "post", operation_id = "adminCreateCategory")]
    async fn create_category(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        body: Json<NewCategoryRequest>,
    ) -> Result<CategoryCreated, AdminCreateTaxonError> {
        let who = auth.admin(&state).await?;
        let b = body.0;
        let input = TaxonInput {
            parent_id: b.parent_id,
            name: b.name,
            slug: b.slug,
            description: b.description,
            active: b.active,
            position: b.position,
        };
        let created = state
            .taxonomy_admin
            .create(who.user_id, Taxonomy::Category, input)
            .await?;
        Ok(CategoryCreated::Created(Json(category(created)?)))
    }

    /// Change a category, or move it in the tree
    #[oai(
        path = "/admin/categories/:id",
        method = "patch",
        operation_id = "adminUpdateCategory"
    )]
    async fn update_category(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<CategoryPatchRequest>,
    ) -> Result<Json<AdminCategoryView>, AdminWriteTaxonError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "category")?;
        let b = body.0;
        let changes = TaxonChanges {
            parent_id: patched(b.parent_id),
            name: b.name,
            slug: b.slug,
            description: patched(b.description),
            active: b.active,
            position: b.position,
        };
        let updated = state
            .taxonomy_admin
            .update(who.user_id, Taxonomy::Category, id, changes)
            .await?;
        Ok(Json(category(updated)?))
    }

    /// Delete a category
    ///
    /// Refused (409 `in_use`) while it has child categories, products or promotions, unless
    /// `reassignTo` names a category to move them to.
    #[oai(
        path = "/admin/categories/:id",
        method = "delete",
        operation_id = "adminDeleteCategory"
    )]
    async fn delete_category(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        /// The category that takes over its children, products and promotions.
        #[oai(name = "reassignTo")]
        reassign_to: Query<Option<String>>,
    ) -> Result<Deleted, AdminDeleteTaxonError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "category")?;
        let target = reassign_target(reassign_to.0)?;
        state
            .taxonomy_admin
            .delete(who.user_id, Taxonomy::Category, id, target)
            .await?;
        Ok(Deleted::NoContent)
    }

    /// Every collection, switched on or not
    #[oai(path = "/admin/collections", method = "get", operation_id = "adminListCollections")]
    async fn collections(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
    ) -> Result<Json<Vec<AdminCollectionView>>, AdminListTaxaError> {
        auth.admin(&state).await?;
        let all = state.taxonomy_admin.list(Taxonomy::Collection).await?;
        Ok(Json(all.into_iter().filter_map(|t| collection(t).ok()).collect()))
    }

    /// Create a collection
    #[oai(path = "/admin/collections", method = "post", operation_id = "adminCreateCollection")]
    async fn create_collection(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        body: Json<NewCollectionRequest>,
    ) -> Result<CollectionCreated, AdminCreateTaxonError> {
        let who = auth.admin(&state).await?;
        let b = body.0;
        let input = TaxonInput {
            parent_id: None,
            name: b.name,
            slug: b.slug,
            description: b.description,
            active: b.active,
            position: b.position,
        };
        let created = state
            .taxonomy_admin
            .create(who.user_id, Taxonomy::Collection, input)
            .await?;
        Ok(CollectionCreated::Created(Json(collection(created)?)))
    }

    /// Change a collection
    #[oai(
        path = "/admin/collections/:id",
        method = "patch",
        operation_id = "adminUpdateCollection"
    )]
    async fn update_collection(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<CollectionPatchRequest>,
    ) -> Result<Json<AdminCollectionView>, AdminUpdateCollectionError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "collection")?;
        let b = body.0;
        let changes = TaxonChanges {
            parent_id: None,
            name: b.name,
            slug: b.slug,
            description: patched(b.description),
            active: b.active,
            position: b.position,
        };
        let updated = state
            .taxonomy_admin
            .update(who.user_id, Taxonomy::Collection, id, changes)
            .await?;
        Ok(Json(collection(updated)?))
    }

    /// Delete a collection
    ///
    /// Refused (409 `in_use`) while products or promotions use it, unless `reassignTo` names
    /// a collection to move them to.
    #[oai(
        path = "/admin/collections/:id",
        method = "delete",
        operation_id = "adminDeleteCollection"
    )]
    async fn delete_collection(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        /// The collection that takes over its products and promotions.
        #[oai(name = "reassignTo")]
        reassign_to: Query<Option<String>>,
    ) -> Result<Deleted, AdminDeleteTaxonError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "collection")?;
        let target = reassign_target(reassign_to.0)?;
        state
            .taxonomy_admin
            .delete(who.user_id, Taxonomy::Collection, id, target)
            .await?;
        Ok(Deleted::NoContent)
    }
}
