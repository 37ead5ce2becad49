//! Sales figures and the calendar they are counted in: a date range in the store's time zone
//! cut into days, weeks or months, each bucket a half-open UTC interval the database sums over.
//!
//! What counts (Shopify's "sales" report reads the same way): an order counts in the bucket it
//! was placed in once it was paid (`paid`, `processing`, `shipped`, `delivered`, `refunded`);
//! gross revenue is its lines before promotions (`subtotal`), discounts its promotions, refunds
//! the goods value of refunded orders (`subtotal - discount`), net revenue `gross - discounts -
//! refunds`; shipping is reported beside it, not in it. Money is in minor units.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::{InvalidField, order_status::OrderStatus};

/// The longest range a report covers, in days (a leap year).
pub const MAX_DAYS: i64 = 366;

/// Orders that count as sales: paid at some point. Refunded ones count, and their refund too.
pub const COUNTED_STATUSES: [OrderStatus; 5] = [
    OrderStatus::Paid,
    OrderStatus::Processing,
    OrderStatus::Shipped,
    OrderStatus::Delivered,
    OrderStatus::Refunded,
];

/// How the range is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Grouping {
    #[default]
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
    Month,
}

/// Inclusive dates in the store's time zone, checked: `start <= end`, at most `MAX_DAYS` days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SalesRange {
    start: NaiveDate,
    end: NaiveDate,
}

impl SalesRange {
    /// Errors name the parameter: `start` after `end`, or `end` too far from `start`.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, InvalidField> {
        if start > end {
            return Err(InvalidField::new("start", "must not be after end"));
        }
        if (end - start).num_days() + 1 > MAX_DAYS {
            return Err(InvalidField::new(
                "end",
                format!("must be at most {MAX_DAYS} days from start (inclusive)"),
            ));
        }
        Ok(Self { start, end })
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn end(&self) -> NaiveDate {
        self.end
    }

    /// The range cut into buckets, oldest first, each clipped to the range (a week or month
    /// at either end may be partial), none missing.
    pub fn buckets(&self, grouping: Grouping, tz: Tz) -> Vec<Bucket> {
        let mut buckets = Vec::new();
        let mut first = self.start;
        while first <= self.end {
            let next = match grouping {
                Grouping::Day => first + Days::new(1),
                Grouping::Week => first + Days::new(7 - u64::from(first.weekday().num_days_from_monday())),
                Grouping::Month => first.with_day(1).expect("day 1 exists") + Months::new(1),
            };
            let last = (next - Days::new(1)).min(self.end);
            buckets.push(Bucket {
                first,
                last,
                from: local_midnight(first, tz),
                to: local_midnight(last + Days::new(1), tz),
            });
            first = next;
        }
        buckets
    }

    /// The whole range as one bucket.
    pub fn whole(&self, tz: Tz) -> Bucket {
        Bucket {
            first: self.start,
            last: self.end,
            from: local_midnight(self.start, tz),
            to: local_midnight(self.end + Days::new(1), tz),
        }
    }
}

/// The local date of `at` in `tz`.
pub fn local_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// When `date` begins in `tz`, in UTC. Where a clock change skips midnight (it happens: Chile,
/// Lebanon), the day begins at the first minute that exists.
fn local_midnight(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut time = date.and_time(NaiveTime::MIN);
    for _ in 0..=24 * 4 {
        if let Some(start) = tz.from_local_datetime(&time).earliest() {
            return start.with_timezone(&Utc);
        }
        time += chrono::Duration::minutes(15);
    }
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

/// Some days of the range: `first..=last` local dates, `from..to` in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// What the database sums for one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SalesFigures {
    pub orders: u64,
    pub units: u64,
    pub gross: i64,
    pub discounts: i64,
    pub refunds: i64,
    pub shipping: i64,
}

impl SalesFigures {
    /// `gross - discounts - refunds`.
    pub fn net(&self) -> i64 {
        self.gross - self.discounts - self.refunds
    }

    /// Net revenue per order, rounded half away from zero; 0 without orders.
    pub fn average_order_value(&self) -> i64 {
        match i64::try_from(self.orders) {
            Ok(n) if n > 0 => {
                let net = self.net();
                (net + net.signum() * n / 2) / n
            }
            _ => 0,
        }
    }
}

impl std::iter::Sum for SalesFigures {
    fn sum<I: Iterator<Item = Self>>(all: I) -> Self {
        all.fold(Self::default(), |a, b| Self {
            orders: a.orders + b.orders,
            units: a.units + b.units,
            gross: a.gross + b.gross,
            discounts: a.discounts + b.discounts,
            refunds: a.refunds + b.refunds,
            shipping: a.shipping + b.shipping,
        })
    }
}

/// A best seller of the range: units and revenue (line totals after promotions) of orders
/// still counted as sold (refunded ones left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopProduct {
    pub product_id: uuid::Uuid,
    pub title: String,
    pub slug: String,
    pub units: u64,
    pub revenue: i64,
}

/// How many best sellers a report lists.
pub const TOP_PRODUCTS: u64 = 10;

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_are_checked_naming_the_parameter() {
        assert_eq!(
            SalesRange::new(date("2026-02-02"), date("2026-02-01"))
                .unwrap_err()
                .field,
            "start"
        );
        assert_eq!(
            SalesRange::new(date("2026-01-01"), date("2027-01-02"))
                .unwrap_err()
                .field,
            "end"
        );
        assert!(
            SalesRange::new(date("2028-01-01"), date("2028-12-31")).is_ok(),
            "366 days"
        );
        assert!(SalesRange::new(date("2026-03-03"), date("2026-03-03")).is_ok());
    }

    #[test]
    fn weeks_and_months_are_clipped_to_the_range_and_none_is_missing() {
        let range = SalesRange::new(date("2026-01-28"), date("2026-03-03")).unwrap();
        let weeks = range.buckets(Grouping::Week, Tz::UTC);
        assert_eq!(weeks.first().unwrap().first, date("2026-01-28"));
        assert_eq!(weeks.first().unwrap().last, date("2026-02-01"), "a Sunday");
        assert_eq!(weeks[1].first, date("2026-02-02"));
        assert_eq!(weeks.last().unwrap().last, date("2026-03-03"));
        let months: Vec<(NaiveDate, NaiveDate)> = range
            .buckets(Grouping::Month, Tz::UTC)
            .iter()
            .map(|b| (b.first, b.last))
            .collect();
        assert_eq!(
            months,
            [
                (date("2026-01-28"), date("2026-01-31")),
                (date("2026-02-01"), date("2026-02-28")),
                (date("2026-03-01"), date("2026-03-03")),
            ]
        );
        assert_eq!(range.buckets(Grouping::Day, Tz::UTC).len(), 35);
    }

    #[test]
    fn days_follow_the_store_clock_across_a_change() {
        let range = SalesRange::new(date("2026-03-28"), date("2026-03-30")).unwrap();
        let days = range.buckets(Grouping::Day, chrono_tz::Europe::Paris);
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(days[0].from, at("2026-03-27T23:00:00Z"), "UTC+1 before the change");
        assert_eq!(days[1].to, at("2026-03-29T22:00:00Z"), "UTC+2 after it");
        assert_eq!(days[1].to - days[1].from, chrono::Duration::hours(23));
        assert_eq!(days[1].to, days[2].from, "buckets meet");
        assert_eq!(
            local_date(at("2026-03-29T22:30:00Z"), chrono_tz::Europe::Paris),
            date("2026-03-30")
        );
    }

    #[test]
    fn net_and_average_order_value() {
        let f = SalesFigures {
            orders: 3,
            units: 5,
            gross: 10_000,
            discounts: 1_000,
            refunds: 2_000,
            shipping: 1_500,
        };
        assert_eq!(f.net(), 7_000);
        assert_eq!(f.average_order_value(), 2_333);
        assert_eq!(SalesFigures::default().average_order_value(), 0);
    }
}
