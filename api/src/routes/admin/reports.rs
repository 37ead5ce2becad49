//! Staff reports: aggregate figures computed by the database.

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use poem::web::Data;
use poem_openapi::{
    Enum, Object, OpenApi,
    param::{Header, Query},
    payload::{Json, PlainText},
};

use super::csv::{self, Export, Format, JsonOrCsv};
use crate::{
    domain::{
        InvalidField,
        inventory::{self, LowStockLine},
        order_status::OrderStatus,
        sales::{Grouping, SalesFigures, SalesRange, TopProduct, local_date},
        stock::MAX_STOCK,
    },
    http::problem::operation_errors,
    routes::{ApiTags, AppState, orders::OrderStatusView, orders::page_request, security::BearerAuth},
    services::{ServiceError, dashboard, sales_report},
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

operation_errors!(
    /// Errors of `adminSalesReport`: 422 naming `start` (after `end`) or `end` (more than 366
    /// days from `start`).
    pub enum AdminSalesReportError {
        BadRequest,
        Unauthorized,
        Forbidden,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminDashboard`.
    pub enum AdminDashboardError {
        Unauthorized,
        Forbidden,
        TooManyRequests,
        Unavailable,
    }
);

/// How a sales report's range is cut.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "SalesGrouping", rename_all = "lowercase")]
pub enum GroupingParam {
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
    Month,
}

impl From<GroupingParam> for Grouping {
    fn from(g: GroupingParam) -> Self {
        match g {
            GroupingParam::Day => Grouping::Day,
            GroupingParam::Week => Grouping::Week,
            GroupingParam::Month => Grouping::Month,
        }
    }
}

impl From<Grouping> for GroupingParam {
    fn from(g: Grouping) -> Self {
        match g {
            Grouping::Day => GroupingParam::Day,
            Grouping::Week => GroupingParam::Week,
            Grouping::Month => GroupingParam::Month,
        }
    }
}

/// Sales figures, money in minor units of the store's currency. Orders count once paid, in
/// the bucket they were placed in; refunded ones count, and their refund too.
#[derive(Object, Debug, Clone)]
#[oai(rename = "SalesFigures", rename_all = "camelCase")]
pub struct SalesFiguresView {
    pub orders: u64,
    /// Units in those orders' lines.
    pub units: u64,
    /// Lines before promotions.
    pub gross_revenue: i64,
    pub discounts: i64,
    /// Goods value of refunded orders.
    pub refunds: i64,
    /// `grossRevenue - discounts - refunds`.
    pub net_revenue: i64,
    /// Net revenue per order (0 without orders).
    pub average_order_value: i64,
    /// Shipping charged, not part of revenue.
    pub shipping: i64,
}

impl From<SalesFigures> for SalesFiguresView {
    fn from(f: SalesFigures) -> Self {
        Self {
            orders: f.orders,
            units: f.units,
            gross_revenue: f.gross,
            discounts: f.discounts,
            refunds: f.refunds,
            net_revenue: f.net(),
            average_order_value: f.average_order_value(),
            shipping: f.shipping,
        }
    }
}

/// One bucket of the series: its first and last day (inclusive, store time zone).
#[derive(Object, Debug)]
#[oai(rename = "SalesBucket", rename_all = "camelCase")]
pub struct SalesBucketView {
    pub start: NaiveDate,
    pub end: NaiveDate,
    #[oai(flatten)]
    pub figures: SalesFiguresView,
}

/// A best seller: units and revenue (line totals after promotions) in orders still counted
/// as sold (refunded ones left out).
#[derive(Object, Debug)]
#[oai(rename = "TopProduct", rename_all = "camelCase")]
pub struct TopProductView {
    pub product_id: String,
    pub title: String,
    pub slug: String,
    pub units: u64,
    pub revenue: i64,
}

impl From<TopProduct> for TopProductView {
    fn from(t: TopProduct) -> Self {
        Self {
            product_id: t.product_id.to_string(),
            title: t.title,
            slug: t.slug,
            units: t.units,
            revenue: t.revenue,
        }
    }
}

/// Sales over a range of days in the store's time zone.
#[derive(Object, Debug)]
#[oai(rename = "SalesReport", rename_all = "camelCase")]
pub struct SalesReportView {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub group_by: GroupingParam,
    /// IANA name of the zone the days are counted in (`store.timezone`).
    pub timezone: String,
    pub currency: String,
    pub totals: SalesFiguresView,
    /// Every bucket of the range, oldest first, empty ones included.
    pub series: Vec<SalesBucketView>,
    /// Up to 10, most units first.
    pub top_products: Vec<TopProductView>,
}

/// A period's headline figures.
#[derive(Object, Debug)]
#[oai(rename = "DashboardPeriod", rename_all = "camelCase")]
pub struct DashboardPeriodView {
    pub orders: u64,
    pub units: u64,
    pub net_revenue: i64,
    pub average_order_value: i64,
}

impl From<SalesFigures> for DashboardPeriodView {
    fn from(f: SalesFigures) -> Self {
        Self {
            orders: f.orders,
            units: f.units,
            net_revenue: f.net(),
            average_order_value: f.average_order_value(),
        }
    }
}

/// How many orders are in one status.
#[derive(Object, Debug)]
#[oai(rename = "StatusCount", rename_all = "camelCase")]
pub struct StatusCountView {
    pub status: OrderStatusView,
    pub count: u64,
}

/// The console's first screen, in one call.
#[derive(Object, Debug)]
#[oai(rename = "Dashboard", rename_all = "camelCase")]
pub struct DashboardView {
    /// Today in the store's time zone.
    pub date: NaiveDate,
    pub timezone: String,
    pub currency: String,
    pub today: DashboardPeriodView,
    /// The 7 days ending today.
    pub last_7_days: DashboardPeriodView,
    /// Every status, with 0 where no order is in it.
    pub orders_by_status: Vec<StatusCountView>,
    /// Variants at or under `catalogue.low_stock_threshold` (archived products left out).
    pub low_stock_variants: u64,
    /// Jobs that ran out of attempts in the last 24 hours.
    pub failed_jobs_last_24h: u64,
}

/// A `YYYY-MM-DD` parameter as a date: 422 naming it when the day does not exist (February
/// 30th). The shape is checked by the spec's pattern (400).
fn calendar_date(field: &str, raw: Option<String>) -> Result<Option<NaiveDate>, ServiceError> {
    raw.map(|raw| {
        NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
            .map_err(|_| InvalidField::new(field, "is not a calendar date (YYYY-MM-DD)").into())
    })
    .transpose()
}

/// Days a sales report covers when `start` is not given.
const DEFAULT_DAYS: u64 = 30;

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

    /// Sales over a date range
    ///
    /// Orders, units, gross revenue, discounts, refunds, net revenue and average order value
    /// for the range and for each day, week or month of it (every bucket present, empty ones
    /// with zeros), and the 10 best-selling products. `start` and `end` are dates in the
    /// store's time zone (`store.timezone`), both included, at most 366 days apart (default:
    /// the 30 days ending today). CSV (one
    /// row per bucket) with `format=csv` or `Accept: text/csv`.
    #[oai(path = "/admin/reports/sales", method = "get", operation_id = "adminSalesReport")]
    #[allow(clippy::too_many_arguments)]
    async fn sales(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        /// First day (YYYY-MM-DD), included; default 29 days before `end`.
        #[oai(validator(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
        start: Query<Option<String>>,
        /// Last day (YYYY-MM-DD), included; default today.
        #[oai(validator(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
        end: Query<Option<String>>,
        /// `day` (default), `week` or `month`.
        #[oai(name = "groupBy")]
        group_by: Query<Option<GroupingParam>>,
        /// `csv` for one row per bucket (default `json`).
        format: Query<Option<Format>>,
        #[oai(name = "Accept")] accept: Header<Option<String>>,
    ) -> Result<Export<SalesReportView>, AdminSalesReportError> {
        auth.admin(&state).await?;
        let tz = state.config.timezone();
        let (start, end) = (calendar_date("start", start.0)?, calendar_date("end", end.0)?);
        let end = end.unwrap_or_else(|| local_date(chrono::Utc::now(), tz));
        let start = start.unwrap_or(end - Days::new(DEFAULT_DAYS - 1));
        let range = SalesRange::new(start, end).map_err(ServiceError::from)?;
        let grouping = group_by.0.map(Grouping::from).unwrap_or_default();
        let report = sales_report::sales(&state.repos, tz, range, grouping).await?;
        if csv::wanted(format.0, accept.0.as_deref()) {
            return Ok(Export::Ok(JsonOrCsv::Csv(PlainText(report.csv()))));
        }
        let series: Vec<SalesBucketView> = report
            .series
            .into_iter()
            .map(|(bucket, figures)| SalesBucketView {
                start: bucket.first,
                end: bucket.last,
                figures: figures.into(),
            })
            .collect();
        Ok(Export::Ok(JsonOrCsv::Json(Json(SalesReportView {
            start: report.range.start(),
            end: report.range.end(),
            group_by: report.grouping.into(),
            timezone: state.config.store.timezone.clone(),
            currency: state.config.currency().to_string(),
            totals: report.totals.into(),
            series,
            top_products: report.top_products.into_iter().map(Into::into).collect(),
        }))))
    }

    /// The dashboard
    ///
    /// Today's and the last 7 days' orders and net revenue (store time zone), orders by
    /// status, how many variants run low, and jobs failed in the last 24 hours.
    #[oai(path = "/admin/dashboard", method = "get", operation_id = "adminDashboard")]
    async fn dashboard(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
    ) -> Result<Json<DashboardView>, AdminDashboardError> {
        auth.admin(&state).await?;
        let threshold = i32::try_from(state.config.catalogue.low_stock_threshold).unwrap_or(i32::MAX);
        let tz = state.config.timezone();
        let d = dashboard::dashboard(&state.repos, &state.jobs, tz, threshold, chrono::Utc::now()).await?;
        let counted = |status: OrderStatus| {
            d.orders_by_status
                .iter()
                .find(|(s, _)| *s == status)
                .map_or(0, |(_, n)| *n)
        };
        Ok(Json(DashboardView {
            date: d.today,
            timezone: state.config.store.timezone.clone(),
            currency: state.config.currency().to_string(),
            today: d.today_sales.into(),
            last_7_days: d.last_7_days.into(),
            orders_by_status: OrderStatus::ALL
                .into_iter()
                .map(|status| StatusCountView {
                    status: status.into(),
                    count: counted(status),
                })
                .collect(),
            low_stock_variants: d.low_stock_variants,
            failed_jobs_last_24h: d.failed_jobs_24h,
        }))
    }
}
