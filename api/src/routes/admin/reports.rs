//! Staff reports: aggregate figures computed by the database.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query, payload::Json};

use crate::{
    domain::{
        InvalidField,
        inventory::{self, LowStockLine},
        stock::MAX_STOCK,
    },
    http::problem::operation_errors,
    routes::{ApiTags, AppState, orders::page_request, security::BearerAuth},
    services::ServiceError,
};

pub struct AdminReportsApi;

operation_errors!(
    /// Errors of `adminInventoryReport`: 422 naming `threshold` outside 0 to 1,000,000,000.
    pub enum AdminInventoryReportError {
        BadRequest,
        Unauthorized,
        Forbidden,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

/// A variant running low.
#[derive(Object, Debug)]
#[oai(rename = "LowStockVariant", rename_all = "camelCase")]
pub struct LowStockView {
    pub variant_id: String,
    pub sku: String,
    pub size: String,
    pub color: String,
    pub product_id: String,
    pub product_title: String,
    pub stock: i32,
    /// Units in paid orders (not cancelled or refunded) placed in the last 30 days.
    pub sold_last_30_days: i64,
    /// Days until it runs out at that pace; absent when none sold.
    #[oai(skip_serializing_if_is_none)]
    pub days_of_stock_left: Option<f64>,
}

impl From<LowStockLine> for LowStockView {
    fn from(l: LowStockLine) -> Self {
        Self {
            days_of_stock_left: l.days_of_stock_left().map(|d| (d * 10.0).round() / 10.0),
            variant_id: l.variant_id.to_string(),
            sku: l.sku,
            size: l.size,
            color: l.color,
            product_id: l.product_id.to_string(),
            product_title: l.product_title,
            stock: l.stock,
            sold_last_30_days: l.sold_last_30_days,
        }
    }
}

/// The variants at or under the threshold, soonest to run out first.
#[derive(Object, Debug)]
#[oai(rename = "InventoryReport", rename_all = "camelCase")]
pub struct InventoryReport {
    pub threshold: i64,
    pub items: Vec<LowStockView>,
    pub page: u64,
    pub limit: u64,
    pub total: u64,
}

#[OpenApi(tag = "ApiTags::Reports")]
impl AdminReportsApi {
    /// Variants running low, soonest to run out first
    ///
    /// Variants holding `threshold` units or fewer (archived products left out), with units
    /// sold in the last 30 days and the days of stock left at that pace; those that sold
    /// nothing come last, lowest stock first.
    #[oai(
        path = "/admin/reports/inventory",
        method = "get",
        operation_id = "adminInventoryReport"
    )]
    async fn inventory(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        /// Default `catalogue.low_stock_threshold` (5).
        threshold: Query<Option<i64>>,
        /// 1-based page number.
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        limit: Query<Option<u64>>,
    ) -> Result<Json<InventoryReport>, AdminInventoryReportError> {
        auth.admin(&state).await?;
        let request = page_request(page.0, limit.0)?;
        let threshold = threshold
            .0
            .unwrap_or_else(|| i64::from(state.config.catalogue.low_stock_threshold));
        if !(0..=MAX_STOCK).contains(&threshold) {
            return Err(ServiceError::from(InvalidField::new(
                "threshold",
                format!("must be between 0 and {MAX_STOCK}"),
            ))
            .into());
        }
        let since = inventory::window_start(chrono::Utc::now());
        let page = state
            .repos
            .reports
            .low_stock(threshold as i32, since, request)
            .await
            .map_err(ServiceError::from)?;
        Ok(Json(InventoryReport {
            threshold,
            page: page.request.page(),
            limit: page.request.limit(),
            total: page.total,
            items: page.items.into_iter().map(Into::into).collect(),
        }))
    }
}
