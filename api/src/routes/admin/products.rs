//! Staff work on products: the list whatever their status, create, edit, delete (archive when
//! ordered), variants, and stock adjustments with their history.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::MaybeUndefined,
};

use super::fields::{patched, query_id};
use crate::{
    domain::{
        catalogue::{ProductDetail, ProductStatus, Variant},
        product_edit::ProductRemoval,
        product_image::ProductImage,
        stock::StockMovement,
    },
    http::problem::operation_errors,
    repos::{AdminProductQuery, AdminProductSort},
    routes::{ApiTags, AppState, orders::page_request, parse_id, security::BearerAuth},
    services::{
        ServiceError,
        catalogue_admin::{ProductChanges, ProductInput, VariantChanges, VariantInput},
    },
};

pub struct AdminProductsApi;

operation_errors!(
    /// Errors of `adminGetProduct`.
    pub enum AdminGetProductError {
        Unauthorized,
        Forbidden,
        NotFound,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminListProducts`: 422 for a `category` or `collection` that is not a UUID.
    pub enum AdminListProductsError {
        BadRequest,
        Unauthorized,
        Forbidden,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminCreateProduct` and `adminUpdateProduct`: 422 naming each bad field
    /// (a taken `slug`, a SKU already used, an unknown `categoryIds[i]`).
    pub enum AdminWriteProductError {
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
    /// Errors of `adminCreateProduct`: 422 naming each bad field (a taken `slug`, a SKU
    /// already used, an unknown `categoryIds[i]`).
    pub enum AdminCreateProductError {
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
    /// Errors of `adminDeleteProduct`: none but 404 for the product itself (one that orders
    /// name is archived, not refused).
    pub enum AdminDeleteProductError {
        Unauthorized,
        Forbidden,
        NotFound,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminDeleteVariant`: 409 `last_variant` (an active product keeps at least
    /// one variant).
    pub enum AdminDeleteVariantError {
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminAdjustStock`: 404 for no such product or variant, 409
    /// `insufficient_stock` when taking out more than the variant holds (or `stock_limit`
    /// past 1,000,000,000 units), 422 naming `delta` or `reason`.
    pub enum AdminAdjustStockError {
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
    /// Errors of `adminListStockMovements`.
    pub enum AdminListStockMovementsError {
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        TooManyRequests,
        Unavailable,
    }
);

/// Where a product is in its life; only `active` products reach the storefront.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "ProductStatus", rename_all = "snake_case")]
pub enum ProductStatusView {
    Draft,
    Active,
    Archived,
}

impl From<ProductStatus> for ProductStatusView {
    fn from(s: ProductStatus) -> Self {
        match s {
            ProductStatus::Draft => Self::Draft,
            ProductStatus::Active => Self::Active,
            ProductStatus::Archived => Self::Archived,
        }
    }
}

impl From<ProductStatusView> for ProductStatus {
    fn from(s: ProductStatusView) -> Self {
        match s {
            ProductStatusView::Draft => Self::Draft,
            ProductStatusView::Active => Self::Active,
            ProductStatusView::Archived => Self::Archived,
        }
    }
}

/// A variant as staff manage it.
#[derive(Object, Debug)]
#[oai(rename = "AdminVariant", rename_all = "camelCase")]
pub struct AdminVariantView {
    pub id: String,
    pub sku: String,
    pub size: String,
    pub color: String,
    /// Its own price in minor units, overriding the product's; absent when it has none.
    #[oai(skip_serializing_if_is_none)]
    pub price: Option<i64>,
    pub inventory_count: i32,
}

impl From<Variant> for AdminVariantView {
    fn from(v: Variant) -> Self {
        Self {
            id: v.id.to_string(),
            sku: v.sku,
            size: v.size,
            color: v.color,
            price: v.price.map(|p| p.minor()),
            inventory_count: v.inventory_count,
        }
    }
}

/// A product as staff manage it, whatever its status. Prices are in minor units of the store
/// currency.
#[derive(Object, Debug)]
#[oai(rename = "AdminProduct", rename_all = "camelCase")]
pub struct AdminProductView {
    pub id: String,
    pub title: String,
    pub slug: String,
    pub description: String,
    pub status: ProductStatusView,
    pub price: i64,
    #[oai(skip_serializing_if_is_none)]
    pub sale_price: Option<i64>,
    pub currency: String,
    /// The product's images in order, as the storefront lists their URLs.
    pub images: Vec<super::product_images::AdminProductImageView>,
    pub tags: Vec<String>,
    pub variants: Vec<AdminVariantView>,
    /// Ids of the categories it is in (switched on ones).
    pub category_ids: Vec<String>,
    /// Ids of the collections it is in (switched on ones).
    pub collection_ids: Vec<String>,
    /// Sum of the variants' stock.
    pub inventory_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AdminProductView {
    pub fn new(p: ProductDetail, images: Vec<ProductImage>, currency: &str) -> Self {
        Self {
            inventory_count: p.inventory_count(),
            id: p.id.to_string(),
            title: p.title,
            slug: p.slug,
            description: p.description,
            status: p.status.into(),
            price: p.price.minor(),
            sale_price: p.sale_price.map(|m| m.minor()),
            currency: currency.to_owned(),
            images: images.into_iter().map(Into::into).collect(),
            tags: p.tags,
            variants: p.variants.into_iter().map(Into::into).collect(),
            category_ids: p.categories.iter().map(|c| c.id.to_string()).collect(),
            collection_ids: p.collections.iter().map(|c| c.id.to_string()).collect(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// The admin product list's order.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "AdminProductSort", rename_all = "snake_case")]
pub enum AdminProductSortParam {
    Newest,
    Oldest,
    TitleAsc,
    TitleDesc,
    PriceAsc,
    PriceDesc,
    RecentlyUpdated,
}

impl From<AdminProductSortParam> for AdminProductSort {
    fn from(s: AdminProductSortParam) -> Self {
        match s {
            AdminProductSortParam::Newest => Self::Newest,
            AdminProductSortParam::Oldest => Self::Oldest,
            AdminProductSortParam::TitleAsc => Self::TitleAsc,
            AdminProductSortParam::TitleDesc => Self::TitleDesc,
            AdminProductSortParam::PriceAsc => Self::PriceAsc,
            AdminProductSortParam::PriceDesc => Self::PriceDesc,
            AdminProductSortParam::RecentlyUpdated => Self::RecentlyUpdated,
        }
    }
}

#[derive(Object, Debug)]
pub struct AdminProductPage {
    pub items: Vec<AdminProductView>,
    pub page: u64,
    pub limit: u64,
    pub total: u64,
}

/// A variant to add. Its stock after that moves only by adjustments.
#[derive(Object, Debug)]
#[oai(rename = "NewAdminVariant", rename_all = "camelCase", deny_unknown_fields)]
pub struct NewVariantRequest {
    /// Unique across the catalogue whatever its case; stored in upper case.
    pub sku: String,
    pub size: String,
    pub color: String,
    /// Its own price in minor units; absent to follow the product's.
    pub price: Option<i64>,
    /// Units in stock to start with (recorded as the first stock movement).
    #[oai(default)]
    pub inventory_count: i64,
}

impl From<NewVariantRequest> for VariantInput {
    fn from(v: NewVariantRequest) -> Self {
        Self {
            sku: v.sku,
            size: v.size,
            color: v.color,
            price: v.price,
            inventory_count: v.inventory_count,
        }
    }
}

/// A new product. Prices are in minor units of the store currency.
#[derive(Object, Debug)]
#[oai(rename = "NewAdminProduct", rename_all = "camelCase", deny_unknown_fields)]
pub struct NewProductRequest {
    pub title: String,
    /// Made from the title when absent: transliterated, lowercase, unique with a `-2`…
    /// suffix. Kept when the title changes later.
    pub slug: Option<String>,
    #[oai(default)]
    pub description: String,
    pub price: i64,
    /// Below `price`.
    pub sale_price: Option<i64>,
    /// Default `draft`: shoppers see it once it is `active`.
    pub status: Option<ProductStatusView>,
    #[oai(default)]
    pub tags: Vec<String>,
    #[oai(default)]
    pub category_ids: Vec<String>,
    #[oai(default)]
    pub collection_ids: Vec<String>,
    #[oai(default)]
    pub variants: Vec<NewVariantRequest>,
}

/// A partial change: fields left out stay as they are.
#[derive(Object, Debug)]
#[oai(rename = "AdminProductPatch", rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductPatchRequest {
    pub title: Option<String>,
    /// Changes only when given.
    pub slug: Option<String>,
    pub description: Option<String>,
    pub price: Option<i64>,
    /// `null` ends the sale.
    #[oai(nullable)]
    pub sale_price: MaybeUndefined<i64>,
    pub status: Option<ProductStatusView>,
    /// Replaces the tags.
    pub tags: Option<Vec<String>>,
    /// Replaces the category links.
    pub category_ids: Option<Vec<String>>,
    /// Replaces the collection links.
    pub collection_ids: Option<Vec<String>>,
}

/// A partial change of a variant's own fields; its stock moves only by adjustments.
#[derive(Object, Debug)]
#[oai(rename = "AdminVariantPatch", rename_all = "camelCase", deny_unknown_fields)]
pub struct VariantPatchRequest {
    pub sku: Option<String>,
    pub size: Option<String>,
    pub color: Option<String>,
    /// `null` removes its own price (it follows the product's again).
    #[oai(nullable)]
    pub price: MaybeUndefined<i64>,
}

/// What a delete did.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "ProductRemovalOutcome", rename_all = "snake_case")]
pub enum RemovalOutcome {
    /// Gone, with its variants.
    Deleted,
    /// Orders name it, so it was archived instead; orders keep their snapshot.
    Archived,
}

#[derive(Object, Debug)]
#[oai(rename = "ProductRemoval")]
pub struct RemovalView {
    pub outcome: RemovalOutcome,
}

/// A relative stock change: never an overwrite, so concurrent changes add up.
#[derive(Object, Debug)]
#[oai(rename = "StockAdjustmentRequest", rename_all = "camelCase", deny_unknown_fields)]
pub struct StockAdjustmentRequest {
    /// Units to add (positive) or take out (negative), not zero, at most 1,000,000 either way.
    pub delta: i64,
    /// Why: "recount", "damaged in transit"… Kept with the movement.
    pub reason: String,
}

/// One recorded change of a variant's stock.
#[derive(Object, Debug)]
#[oai(rename = "StockMovement", rename_all = "camelCase")]
pub struct StockMovementView {
    pub id: String,
    pub variant_id: String,
    pub delta: i32,
    /// The variant's stock right after this movement.
    pub stock_after: i32,
    pub reason: String,
    /// The staff member who made it.
    #[oai(skip_serializing_if_is_none)]
    pub actor_id: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<StockMovement> for StockMovementView {
    fn from(m: StockMovement) -> Self {
        Self {
            id: m.id.to_string(),
            variant_id: m.variant_id.to_string(),
            delta: m.delta,
            stock_after: m.stock_after,
            reason: m.reason,
            actor_id: m.actor_id.map(|a| a.to_string()),
            at: m.at,
        }
    }
}

#[derive(Object, Debug)]
pub struct StockMovementPage {
    pub items: Vec<StockMovementView>,
    pub page: u64,
    pub limit: u64,
    pub total: u64,
}

/// One product as staff see it, with its images.
async fn view(state: &AppState, product: ProductDetail) -> Result<AdminProductView, ServiceError> {
    let mut images = state.product_images.for_products(&[product.id]).await?;
    let images = images.remove(&product.id).unwrap_or_default();
    Ok(AdminProductView::new(
        product,
        images,
        &state.config.currency().to_string(),
    ))
}

#[derive(ApiResponse)]
enum ProductCreated {
    /// Created; shown by the storefront on its next read when `active`.
    #[oai(status = 201)]
    Created(Json<AdminProductView>),
}

#[derive(ApiResponse)]
enum VariantCreated {
    #[oai(status = 201)]
    Created(Json<AdminVariantView>),
}

#[derive(ApiResponse)]
enum VariantDeleted {
    #[oai(status = 204)]
    NoContent,
}

#[derive(ApiResponse)]
enum StockAdjusted {
    /// The movement recorded; the storefront shows the new stock on its next read.
    #[oai(status = 201)]
    Created(Json<StockMovementView>),
}

#[OpenApi(tag = "ApiTags::Admin")]
impl AdminProductsApi {
    /// Products whatever their status, with filters
    #[oai(path = "/admin/products", method = "get", operation_id = "adminListProducts")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        /// Title containing it, or slug or a variant's SKU equal to it (case-insensitive).
        search: Query<Option<String>>,
        /// A category id.
        category: Query<Option<String>>,
        /// A collection id.
        collection: Query<Option<String>>,
        status: Query<Option<ProductStatusView>>,
        /// Only products with a variant at or under the low-stock threshold
        /// (`catalogue.low_stock_threshold`).
        #[oai(name = "lowStock")]
        low_stock: Query<Option<bool>>,
        /// Default `newest`.
        sort: Query<Option<AdminProductSortParam>>,
        /// 1-based page number.
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        limit: Query<Option<u64>>,
    ) -> Result<Json<AdminProductPage>, AdminListProductsError> {
        auth.admin(&state).await?;
        let request = page_request(page.0, limit.0)?;
        let mut errors = Vec::new();
        let category_id = query_id(category.0, "category", &mut errors);
        let collection_id = query_id(collection.0, "collection", &mut errors);
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors).into());
        }
        let threshold = i32::try_from(state.config.catalogue.low_stock_threshold).unwrap_or(i32::MAX);
        let query = AdminProductQuery {
            search: search.0,
            category_id,
            collection_id,
            status: status.0.map(Into::into),
            low_stock: low_stock.0.filter(|on| *on).map(|_| threshold),
            sort: sort.0.map(Into::into).unwrap_or_default(),
            page: request,
        };
        let page = state.catalogue_admin.list_products(&query).await?;
        let ids: Vec<uuid::Uuid> = page.items.iter().map(|p| p.id).collect();
        let mut images = state.product_images.for_products(&ids).await?;
        let currency = state.config.currency().to_string();
        Ok(Json(AdminProductPage {
            page: page.request.page(),
            limit: page.request.limit(),
            total: page.total,
            items: page
                .items
                .into_iter()
                .map(|p| {
                    let images = images.remove(&p.id).unwrap_or_default();
                    AdminProductView::new(p, images, &currency)
                })
                .collect(),
        }))
    }

    /// Create a product with its variants
    #[oai(path = "/admin/products", method = "post", operation_id = "adminCreateProduct")]
    async fn create(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        body: Json<NewProductRequest>,
    ) -> Result<ProductCreated, AdminCreateProductError> {
        let who = auth.admin(&state).await?;
        let b = body.0;
        let input = ProductInput {
            title: b.title,
            slug: b.slug,
            description: b.description,
            price: b.price,
            sale_price: b.sale_price,
            status: b.status.map_or(ProductStatus::Draft, Into::into),
            tags: b.tags,
            category_ids: b.category_ids,
            collection_ids: b.collection_ids,
            variants: b.variants.into_iter().map(Into::into).collect(),
        };
        let product = state.catalogue_admin.create_product(who.user_id, input).await?;
        Ok(ProductCreated::Created(Json(view(&state, product).await?)))
    }

    /// Change a product's fields, status or links
    #[oai(path = "/admin/products/:id", method = "patch", operation_id = "adminUpdateProduct")]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<ProductPatchRequest>,
    ) -> Result<Json<AdminProductView>, AdminWriteProductError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "product")?;
        let b = body.0;
        let changes = ProductChanges {
            title: b.title,
            slug: b.slug,
            description: b.description,
            price: b.price,
            sale_price: patched(b.sale_price),
            status: b.status.map(Into::into),
            tags: b.tags,
            category_ids: b.category_ids,
            collection_ids: b.collection_ids,
        };
        let product = state.catalogue_admin.update_product(who.user_id, id, changes).await?;
        Ok(Json(view(&state, product).await?))
    }

    /// Delete a product (archived instead when orders name it)
    #[oai(path = "/admin/products/:id", method = "delete", operation_id = "adminDeleteProduct")]
    async fn delete(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> Result<Json<RemovalView>, AdminDeleteProductError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "product")?;
        let outcome = match state.catalogue_admin.delete_product(who.user_id, id).await? {
            ProductRemoval::Archived => RemovalOutcome::Archived,
            _ => RemovalOutcome::Deleted,
        };
        Ok(Json(RemovalView { outcome }))
    }

    /// Add a variant to a product
    #[oai(
        path = "/admin/products/:id/variants",
        method = "post",
        operation_id = "adminCreateVariant"
    )]
    async fn create_variant(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<NewVariantRequest>,
    ) -> Result<VariantCreated, AdminWriteProductError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "product")?;
        let variant = state
            .catalogue_admin
            .add_variant(who.user_id, id, body.0.into())
            .await?;
        Ok(VariantCreated::Created(Json(variant.into())))
    }

    /// Change a variant's SKU, size, colour or price
    #[oai(
        path = "/admin/products/:id/variants/:variantId",
        method = "patch",
        operation_id = "adminUpdateVariant"
    )]
    async fn update_variant(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        #[oai(name = "variantId")] variant_id: Path<String>,
        body: Json<VariantPatchRequest>,
    ) -> Result<Json<AdminVariantView>, AdminWriteProductError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "product")?;
        let variant_id = parse_id(&variant_id.0, "variant")?;
        let b = body.0;
        let changes = VariantChanges {
            sku: b.sku,
            size: b.size,
            color: b.color,
            price: patched(b.price),
        };
        let variant = state
            .catalogue_admin
            .update_variant(who.user_id, id, variant_id, changes)
            .await?;
        Ok(Json(variant.into()))
    }

    /// Delete a variant
    #[oai(
        path = "/admin/products/:id/variants/:variantId",
        method = "delete",
        operation_id = "adminDeleteVariant"
    )]
    async fn delete_variant(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        #[oai(name = "variantId")] variant_id: Path<String>,
    ) -> Result<VariantDeleted, AdminDeleteVariantError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "product")?;
        let variant_id = parse_id(&variant_id.0, "variant")?;
        state
            .catalogue_admin
            .delete_variant(who.user_id, id, variant_id)
            .await?;
        Ok(VariantDeleted::NoContent)
    }

    /// One product, whatever its status
    #[oai(path = "/admin/products/:id", method = "get", operation_id = "adminGetProduct")]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> Result<Json<AdminProductView>, AdminGetProductError> {
        auth.admin(&state).await?;
        let id = parse_id(&id.0, "product")?;
        let product = state.catalogue_admin.product(id).await?;
        Ok(Json(view(&state, product).await?))
    }

    /// Adjust a variant's stock
    ///
    /// Adds or takes out units as one atomic increment: concurrent adjustments and orders all
    /// count, and stock never goes below zero. Recorded as a stock movement and in the audit
    /// log.
    #[oai(
        path = "/admin/products/:id/variants/:variantId/stock",
        method = "post",
        operation_id = "adminAdjustStock"
    )]
    async fn adjust_stock(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        #[oai(name = "variantId")] variant_id: Path<String>,
        body: Json<StockAdjustmentRequest>,
    ) -> Result<StockAdjusted, AdminAdjustStockError> {
        let who = auth.admin(&state).await?;
        let product_id = parse_id(&id.0, "product")?;
        let variant_id = parse_id(&variant_id.0, "variant")?;
        let movement = state
            .catalogue_admin
            .adjust_stock(who.user_id, product_id, variant_id, body.0.delta, &body.0.reason)
            .await?;
        Ok(StockAdjusted::Created(Json(movement.into())))
    }

    /// A variant's stock movements, newest first
    #[oai(
        path = "/admin/products/:id/variants/:variantId/stock",
        method = "get",
        operation_id = "adminListStockMovements"
    )]
    async fn stock_movements(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        #[oai(name = "variantId")] variant_id: Path<String>,
        /// 1-based page number.
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        limit: Query<Option<u64>>,
    ) -> Result<Json<StockMovementPage>, AdminListStockMovementsError> {
        auth.admin(&state).await?;
        let request = page_request(page.0, limit.0)?;
        let product_id = parse_id(&id.0, "product")?;
        let variant_id = parse_id(&variant_id.0, "variant")?;
        let page = state
            .catalogue_admin
            .stock_movements(product_id, variant_id, request)
            .await?;
        Ok(Json(StockMovementPage {
            page: page.request.page(),
            limit: page.request.limit(),
            total: page.total,
            items: page.items.into_iter().map(Into::into).collect(),
        }))
    }
}
