//! The dashboard's figures for the console's first screen (sales over a range are in
//! `sales_report`). Every figure is an aggregate the database computes (`ReportRepo`); no
//! order is loaded to count it.

use chrono::{DateTime, Days, Utc};
use chrono_tz::Tz;

use super::{ServiceError, ServiceResult};
use crate::{
    domain::{
        order_status::OrderStatus,
        pagination::PageRequest,
        sales::{SalesFigures, SalesRange, local_date},
    },
    jobs::{JobQueue, JobStatus},
    repos::{RepoError, Repos},
};

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
