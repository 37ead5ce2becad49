//! `dailySalesReport`: one day's sales mailed to `email.report_recipients`, the figures in the
//! body and, attached, the same CSV as `GET /admin/reports/sales?start=D&end=D&format=csv`.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{
    job::{Job, QueueName},
    registry::JobContext,
};
use crate::{
    domain::{
        money,
        sales::{Grouping, SalesRange, local_date},
    },
    email::templates,
    services::sales_report,
};

/// The payload: a day, or the scheduler's tick (the day before it is reported), or neither
/// (the day before now). Days are in `store.timezone`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DailySalesReport {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<DateTime<Utc>>,
}

impl Job for DailySalesReport {
    const NAME: &'static str = "dailySalesReport";
    const QUEUE: QueueName = QueueName::Maintenance;
}

impl DailySalesReport {
    /// The day reported: `date`, else the store's yesterday at the tick (a tick run late
    /// still reports the day it was meant for), else at `now`.
    pub fn day(&self, tz: Tz, now: DateTime<Utc>) -> NaiveDate {
        self.date.unwrap_or_else(|| {
            let today = local_date(self.scheduled_at.unwrap_or(now), tz);
            today - Days::new(1)
        })
    }
}

pub async fn perform(job: DailySalesReport, ctx: JobContext) -> anyhow::Result<()> {
    let tz = ctx.config.timezone();
    let day = job.day(tz, Utc::now());
    let range = SalesRange::new(day, day)?;
    let report = sales_report::sales(&ctx.repos, tz, range, Grouping::Day).await?;
    let currency = ctx.config.store.currency.as_str();
    let summary = templates::SalesReport {
        date: day.to_string(),
        orders: report.totals.orders,
        revenue: money::display(report.totals.net(), currency),
        average_order: money::display(report.totals.average_order_value(), currency),
        top_products: report
            .top_products
            .iter()
            .map(|p| templates::TopProduct {
                title: p.title.clone(),
                quantity: p.units,
                revenue: money::display(p.revenue, currency),
            })
            .collect(),
    };
    let recipients = ctx.config.email.report_recipients().join(", ");
    let email = ctx
        .templates
        .daily_sales_report(&recipients, &summary, report.csv().into_bytes())?;
    ctx.mailer.send(&email).await?;
    tracing::info!(%day, orders = report.totals.orders, "daily sales report sent");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_reported_is_the_stores_yesterday_at_the_tick() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let ny = chrono_tz::America::New_York;
        let late_run = at("2026-03-02T12:00:00Z");
        let tick = DailySalesReport {
            date: None,
            scheduled_at: Some(at("2026-03-01T04:30:00Z")),
        };
        assert_eq!(
            tick.day(ny, late_run).to_string(),
            "2026-02-27",
            "23:30 on Feb 28 in New York"
        );
        assert_eq!(tick.day(Tz::UTC, late_run).to_string(), "2026-02-28");
        let asked = DailySalesReport {
            date: Some("2025-12-24".parse().unwrap()),
            scheduled_at: None,
        };
        assert_eq!(asked.day(ny, late_run).to_string(), "2025-12-24");
        assert_eq!(
            DailySalesReport::default().day(Tz::UTC, late_run).to_string(),
            "2026-03-01"
        );
    }
}
