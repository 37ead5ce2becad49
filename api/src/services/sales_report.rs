//! Sales over a date range in the store's time zone: totals, every bucket, the best sellers,
//! and their CSV. What `GET /admin/reports/sales` answers and `dailySalesReport` mails; every
//! figure is an aggregate the database computes (`ReportRepo`).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::ServiceResult;
use crate::{
    domain::sales::{Bucket, Grouping, SalesFigures, SalesRange, TOP_PRODUCTS, TopProduct},
    repos::Repos,
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

/// The report for `range` cut by `grouping`, in `tz`: one statement sums every bucket (the
/// totals are their sum, as the buckets cut the range without gap or overlap), one finds the
/// best sellers; the two run at once.
pub async fn sales(repos: &Repos, tz: Tz, range: SalesRange, grouping: Grouping) -> ServiceResult<SalesReport> {
    let buckets = range.buckets(grouping, tz);
    let whole = range.whole(tz);
    let intervals: Vec<(DateTime<Utc>, DateTime<Utc>)> = buckets.iter().map(|b| (b.from, b.to)).collect();
    let (figures, top_products) = tokio::try_join!(
        repos.reports.sales(&intervals),
        repos.reports.top_products(whole.from, whole.to, TOP_PRODUCTS),
    )?;
    Ok(SalesReport {
        range,
        grouping,
        totals: figures.iter().copied().sum(),
        series: buckets.into_iter().zip(figures).collect(),
        top_products,
    })
}
