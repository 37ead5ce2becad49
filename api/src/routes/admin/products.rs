//! Staff work on products: any product whatever its status, and stock adjustments with their
//! history.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    domain::{
        catalogue::{ProductDetail, ProductStatus, Variant},
        stock::StockMovement,
    },
    http::problem::operation_errors,
    routes::{ApiTags, AppState, orders::page_request, parse_id, security::BearerAuth},
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
    pub images: Vec<String>,
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
    pub fn new(p: ProductDetail, currency: &str) -> Self {
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
            images: p.images,
            tags: p.tags,
            variants: p.variants.into_iter().map(Into::into).collect(),
            category_ids: p.categories.iter().map(|c| c.id.to_string()).collect(),
            collection_ids: p.collections.iter().map(|c| c.id.to_string()).collect(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
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

#[derive(ApiResponse)]
enum StockAdjusted {
    /// The movement recorded; the storefront shows the new stock on its next read.
    #[oai(status = 201)]
    Created(Json<StockMovementView>),
}

#[OpenApi(tag = "ApiTags::Admin")]
impl AdminProductsApi {
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
        Ok(Json(AdminProductView::new(
            product,
            &state.config.currency().to_string(),
        )))
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
