//! Staff reports: sales over a date range in the store's time zone, and the dashboard's
//! figures for the console's first screen. Every figure is an aggregate the database computes
//! (`ReportRepo`); no order is loaded to count it.

use chrono::{DateTime, Days, Utc};
use chrono_tz::Tz;

use super::{ServiceError, ServiceResult};
use crate::{
    domain::{
        order_status::OrderStatus,
        pagination::PageRequest,
        sales::{Bucket, Grouping, SalesFigures, SalesRange, TOP_PRODUCTS, TopProduct, local_date},
    },
    jobs::{JobQueue, JobStatus},
    repos::{RepoError, Repos},
    tabular::{self, Cell},
};

/// Sales over a range: the totals, a series with every bucket (empty ones too), the best
/// sellers.
#[derive(Debug, Clone)]
pub struct SalesReport {
    pub range: SalesRange,
    pub grouping: Grouping,
    pub totals: SalesFigures,
    pub series: Vec<(Bucket, SalesFigures)>,
    pub top_products: Vec<TopProduct>,
}

const SALES_CSV_HEADER: &[&str] = &[
    "start",
    "end",
    "orders",
    "units",
    "gross_revenue",
    "discounts",
    "refunds",
    "net_revenue",
    "average_order_value",
    "shipping",
];

impl SalesReport {
    /// The series as CSV: one row per bucket, its first and last day (`YYYY-MM-DD`, store
    /// time zone) then the figures, money in minor units. What `GET /admin/reports/sales`
    /// downloads and `dailySalesReport` attaches.
    pub fn csv(&self) -> String {
        let count = |n: u64| Cell::from(i64::try_from(n).unwrap_or(i64::MAX));
        let rows = self.series.iter().map(|(bucket, f)| {
            vec![
                Cell::from(bucket.first.to_string()),
                Cell::from(bucket.last.to_string()),
                count(f.orders),
                count(f.units),
                Cell::from(f.gross),
                Cell::from(f.discounts),
                Cell::from(f.refunds),
                Cell::from(f.net()),
                Cell::from(f.average_order_value()),
                Cell::from(f.shipping),
            ]
        });
        tabular::write(SALES_CSV_HEADER, rows)
    }
}

/// The report for `range` cut by `grouping`, in `tz`: two statements for every bucket and
/// the totals together, one for the best sellers.
pub async fn sales(repos: &Repos, tz: Tz, range: SalesRange, grouping: Grouping) -> ServiceResult<SalesReport> {
    let buckets = range.buckets(grouping, tz);
    let whole = range.whole(tz);
    let mut intervals: Vec<(DateTime<Utc>, DateTime<Utc>)> = buckets.iter().map(|b| (b.from, b.to)).collect();
    intervals.push((whole.from, whole.to));
    let (mut figures, top_products) = tokio::try_join!(
        repos.reports.sales(&intervals),
        repos.reports.top_products(whole.from, whole.to, TOP_PRODUCTS),
    )?;
    let totals = figures.pop().unwrap_or_default();
    Ok(SalesReport {
        range,
        grouping,
        totals,
        series: buckets.into_iter().zip(figures).collect(),
        top_products,
    })
}

/// The console's first screen.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Today in the store's time zone.
    pub today: chrono::NaiveDate,
    pub today_sales: SalesFigures,
    /// The 7 days ending today (today included).
    pub last_7_days: SalesFigures,
    pub orders_by_status: Vec<(OrderStatus, u64)>,
    /// Variants at or under `catalogue.low_stock_threshold`.
    pub low_stock_variants: u64,
    /// Jobs that ran out of attempts in the last 24 hours (among the newest
    /// `FAILED_JOBS_SCANNED` failed ones).
    pub failed_jobs_24h: u64,
}

/// How many of the newest failed jobs the dashboard looks through for the last 24 hours.
pub const FAILED_JOBS_SCANNED: usize = 500;

/// The dashboard at `now`: one statement per figure, run together.
pub async fn dashboard(
    repos: &Repos,
    jobs: &JobQueue,
    tz: Tz,
    low_stock_threshold: i32,
    now: DateTime<Utc>,
) -> ServiceResult<Dashboard> {
    let today = local_date(now, tz);
    let week = SalesRange::new(today - Days::new(6), today).map_err(ServiceError::from)?;
    let day = SalesRange::new(today, today).map_err(ServiceError::from)?;
    let (week, day) = (week.whole(tz), day.whole(tz));
    let since = crate::domain::inventory::window_start(now);
    let one = PageRequest::new(Some(1), Some(1)).map_err(ServiceError::from)?;
    let (sales, orders_by_status, low_stock, failed) = tokio::try_join!(
        async { Ok::<_, ServiceError>(repos.reports.sales(&[(day.from, day.to), (week.from, week.to)]).await?) },
        async { Ok(repos.reports.orders_by_status().await?) },
        async { Ok(repos.reports.low_stock(low_stock_threshold, since, one).await?.total) },
        async {
            let (failed, _) = jobs
                .page(Some(JobStatus::Failed), 0, FAILED_JOBS_SCANNED)
                .await
                .map_err(|e| ServiceError::Storage(RepoError::Unavailable(format!("job queue: {e}"))))?;
            let cutoff = now - chrono::Duration::hours(24);
            Ok(failed
                .iter()
                .filter(|j| j.done_at.or(j.run_at).is_some_and(|at| at >= cutoff))
                .count() as u64)
        },
    )?;
    Ok(Dashboard {
        today,
        today_sales: sales.first().copied().unwrap_or_default(),
        last_7_days: sales.get(1).copied().unwrap_or_default(),
        orders_by_status,
        low_stock_variants: low_stock,
        failed_jobs_24h: failed,
    })
}
