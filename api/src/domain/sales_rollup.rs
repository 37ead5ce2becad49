//! The calendar of the sales rollups and what one order adds to them.
//!
//! The sales report reads sums kept per 15-minute UTC slot (figures) and per product by UTC
//! day and UTC month (best sellers) instead of the orders themselves. Every UTC offset in
//! use since 1972 is a whole number of quarter hours, so a day in any store time zone begins
//! on a slot boundary and is an exact sum of slots; what does not fall on a boundary (an
//! older offset, or a range's partial UTC days for best sellers) is summed from the orders.
//! The rollups are kept in the transaction that moves an order in or out of the statuses
//! counted (`sales::COUNTED_STATUSES`) or sold (`inventory::SOLD_STATUSES`).

use std::ops::Range;

use chrono::{DateTime, Datelike, TimeZone, Utc};

use super::{inventory::SOLD_STATUSES, order_status::OrderStatus, sales::COUNTED_STATUSES};

/// Seconds in one figures slot.
pub const SLOT_SECS: i64 = 15 * 60;
/// Seconds in one UTC day.
pub const DAY_SECS: i64 = 24 * 60 * 60;

/// The slot `at` falls in: whole slots since the Unix epoch.
pub fn slot_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(SLOT_SECS)
}

/// The UTC day `at` falls in: whole days since the Unix epoch.
pub fn day_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(DAY_SECS)
}

/// The UTC month `at` falls in: `year * 12 + month - 1`, so consecutive months are
/// consecutive numbers.
pub fn month_of(at: DateTime<Utc>) -> i64 {
    i64::from(at.year()) * 12 + i64::from(at.month0())
}

/// The first UTC day of a month numbered as `month_of` numbers them.
fn first_day_of_month(month: i64) -> i64 {
    let (year, month0) = (month.div_euclid(12), month.rem_euclid(12));
    let first = i32::try_from(year)
        .ok()
        .and_then(|y| Utc.with_ymd_and_hms(y, (month0 + 1) as u32, 1, 0, 0, 0).single());
    first.map_or(i64::MAX, day_of)
}

/// The start of `day` (a `day_of` number) as a time.
fn day_start(day: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(day.saturating_mul(DAY_SECS), 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// An order's amounts, as the rollups count them (money in minor units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderAmounts {
    pub units: i64,
    pub subtotal: i64,
    pub discount: i64,
    pub shipping: i64,
}

/// Signed sums of one slot (a change may take an order out of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlotFigures {
    pub orders: i64,
    pub units: i64,
    pub gross: i64,
    pub discounts: i64,
    pub refunds: i64,
    pub shipping: i64,
}

impl SlotFigures {
    /// What an order in `status` adds to its slot (`domain::sales` says what counts).
    pub fn of(status: OrderStatus, amounts: OrderAmounts) -> Self {
        if !COUNTED_STATUSES.contains(&status) {
            return Self::default();
        }
        let refunds = if status == OrderStatus::Refunded {
            amounts.subtotal - amounts.discount
        } else {
            0
        };
        Self {
            orders: 1,
            units: amounts.units,
            gross: amounts.subtotal,
            discounts: amounts.discount,
            refunds,
            shipping: amounts.shipping,
        }
    }

    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    /// `self - other`, field by field.
    pub fn minus(self, other: Self) -> Self {
        self.zip(other, |a, b| a - b)
    }

    /// `self + other`, field by field.
    pub fn plus(self, other: Self) -> Self {
        self.zip(other, |a, b| a + b)
    }

    fn zip(self, other: Self, f: impl Fn(i64, i64) -> i64) -> Self {
        Self {
            orders: f(self.orders, other.orders),
            units: f(self.units, other.units),
            gross: f(self.gross, other.gross),
            discounts: f(self.discounts, other.discounts),
            refunds: f(self.refunds, other.refunds),
            shipping: f(self.shipping, other.shipping),
        }
    }
}

/// Whether an order's lines count among the best sellers in `status`.
pub fn sells(status: OrderStatus) -> bool {
    SOLD_STATUSES.contains(&status)
}

/// What moving an order from `from` to `to` changes in the rollups: the figures to add to
/// its slot (zero when nothing changes), and `Some(+1)` / `Some(-1)` when its lines join or
/// leave the best sellers.
pub fn change(from: OrderStatus, to: OrderStatus, amounts: OrderAmounts) -> (SlotFigures, Option<i64>) {
    let figures = SlotFigures::of(to, amounts).minus(SlotFigures::of(from, amounts));
    let lines = match (sells(from), sells(to)) {
        (false, true) => Some(1),
        (true, false) => Some(-1),
        _ => None,
    };
    (figures, lines)
}

/// Whether moving an order from `from` to `to` changes the rollups, whatever its amounts.
pub fn affects_rollups(from: OrderStatus, to: OrderStatus) -> bool {
    COUNTED_STATUSES.contains(&from) != COUNTED_STATUSES.contains(&to)
        || (from == OrderStatus::Refunded) != (to == OrderStatus::Refunded)
        || sells(from) != sells(to)
}

/// How one half-open interval `[from, to)` is read: whole slots from the rollup, and the
/// parts before the first and after the last whole slot from the orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiguresPlan {
    pub slots: Range<i64>,
    pub from_orders: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl FiguresPlan {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        if from >= to {
            return Self {
                slots: 0..0,
                from_orders: Vec::new(),
            };
        }
        let (secs_from, secs_to) = (from.timestamp(), to.timestamp());
        let first = secs_from.div_euclid(SLOT_SECS) + i64::from(!on_boundary(from, SLOT_SECS));
        let end = secs_to.div_euclid(SLOT_SECS);
        if first >= end {
            return Self {
                slots: 0..0,
                from_orders: vec![(from, to)],
            };
        }
        let head = slot_start(first);
        let tail = slot_start(end);
        Self {
            slots: first..end,
            from_orders: [(from, head), (tail, to)].into_iter().filter(|(a, b)| a < b).collect(),
        }
    }
}

/// How best sellers over `[from, to)` are read: whole UTC months and whole UTC days from the
/// rollups, the partial days at either end from the orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BestSellersPlan {
    pub months: Range<i64>,
    pub days: Vec<Range<i64>>,
    pub from_orders: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl BestSellersPlan {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        let none = Self {
            months: 0..0,
            days: Vec::new(),
            from_orders: Vec::new(),
        };
        if from >= to {
            return none;
        }
        let first_day = day_of(from) + i64::from(!on_boundary(from, DAY_SECS));
        let end_day = day_of(to);
        if first_day >= end_day {
            return Self {
                from_orders: vec![(from, to)],
                ..none
            };
        }
        let from_orders = [(from, day_start(first_day)), (day_start(end_day), to)]
            .into_iter()
            .filter(|(a, b)| a < b)
            .collect();
        // Whole months inside the whole days.
        let mut first_month = month_of(day_start(first_day));
        if first_day_of_month(first_month) < first_day {
            first_month += 1;
        }
        let end_month = month_of(day_start(end_day));
        if first_month >= end_month {
            return Self {
                days: std::iter::once(first_day..end_day).collect(),
                from_orders,
                ..none
            };
        }
        let days = [
            first_day..first_day_of_month(first_month),
            first_day_of_month(end_month)..end_day,
        ]
        .into_iter()
        .filter(|r| !r.is_empty())
        .collect();
        Self {
            months: first_month..end_month,
            days,
            from_orders,
        }
    }
}

fn on_boundary(at: DateTime<Utc>, secs: i64) -> bool {
    at.timestamp().rem_euclid(secs) == 0 && at.timestamp_subsec_nanos() == 0
}

fn slot_start(slot: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(slot.saturating_mul(SLOT_SECS), 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const AMOUNTS: OrderAmounts = OrderAmounts {
        units: 3,
        subtotal: 9_000,
        discount: 900,
        shipping: 500,
    };

    #[test]
    fn a_store_day_in_any_current_zone_is_whole_slots() {
        for zone in [
            chrono_tz::Asia::Kathmandu,
            chrono_tz::Australia::Eucla,
            chrono_tz::America::St_Johns,
        ] {
            let range =
                super::super::sales::SalesRange::new("2026-03-01".parse().unwrap(), "2026-12-31".parse().unwrap())
                    .unwrap();
            for bucket in range.buckets(super::super::sales::Grouping::Day, zone) {
                let plan = FiguresPlan::new(bucket.from, bucket.to);
                assert!(plan.from_orders.is_empty(), "{zone}: {bucket:?}");
                assert_eq!(plan.slots, slot_of(bucket.from)..slot_of(bucket.to));
            }
        }
    }

    #[test]
    fn the_parts_off_a_slot_boundary_are_read_from_the_orders() {
        let plan = FiguresPlan::new(at("2026-01-01T00:07:00Z"), at("2026-01-01T01:20:00Z"));
        assert_eq!(
            plan.slots,
            slot_of(at("2026-01-01T00:15:00Z"))..slot_of(at("2026-01-01T01:15:00Z"))
        );
        assert_eq!(
            plan.from_orders,
            [
                (at("2026-01-01T00:07:00Z"), at("2026-01-01T00:15:00Z")),
                (at("2026-01-01T01:15:00Z"), at("2026-01-01T01:20:00Z")),
            ]
        );
        let inside_one_slot = FiguresPlan::new(at("2026-01-01T00:01:00Z"), at("2026-01-01T00:14:00Z"));
        assert!(inside_one_slot.slots.is_empty());
        assert_eq!(inside_one_slot.from_orders.len(), 1);
        assert_eq!(
            FiguresPlan::new(at("2026-01-02T00:00:00Z"), at("2026-01-01T00:00:00Z")).from_orders,
            []
        );
    }

    #[test]
    fn best_sellers_use_whole_months_then_whole_days_then_orders() {
        // A New York year: starts and ends at 05:00 UTC.
        let plan = BestSellersPlan::new(at("2026-01-01T05:00:00Z"), at("2027-01-01T05:00:00Z"));
        assert_eq!(
            plan.months,
            month_of(at("2026-02-01T00:00:00Z"))..month_of(at("2027-01-01T00:00:00Z"))
        );
        assert_eq!(plan.days.len(), 1);
        assert_eq!(
            plan.days[0],
            day_of(at("2026-01-02T00:00:00Z"))..day_of(at("2026-02-01T00:00:00Z"))
        );
        assert_eq!(
            plan.from_orders,
            [
                (at("2026-01-01T05:00:00Z"), at("2026-01-02T00:00:00Z")),
                (at("2027-01-01T00:00:00Z"), at("2027-01-01T05:00:00Z")),
            ]
        );
        let utc_months = BestSellersPlan::new(at("2026-03-01T00:00:00Z"), at("2026-05-01T00:00:00Z"));
        assert_eq!(utc_months.months.end - utc_months.months.start, 2);
        assert!(utc_months.days.is_empty() && utc_months.from_orders.is_empty());
        let few_days = BestSellersPlan::new(at("2026-03-03T00:00:00Z"), at("2026-03-09T12:00:00Z"));
        assert!(few_days.months.is_empty());
        assert_eq!(few_days.days.len(), 1);
        assert_eq!(
            few_days.days[0],
            day_of(at("2026-03-03T00:00:00Z"))..day_of(at("2026-03-09T00:00:00Z"))
        );
        assert_eq!(few_days.from_orders.len(), 1);
        let part_of_a_day = BestSellersPlan::new(at("2026-03-03T04:00:00Z"), at("2026-03-03T09:00:00Z"));
        assert_eq!(part_of_a_day.from_orders.len(), 1);
        assert!(part_of_a_day.days.is_empty());
    }

    #[test]
    fn month_numbers_are_consecutive_across_years() {
        assert_eq!(
            month_of(at("2027-01-15T00:00:00Z")) - month_of(at("2026-12-31T23:59:59Z")),
            1
        );
        assert_eq!(
            first_day_of_month(month_of(at("2026-02-14T00:00:00Z"))),
            day_of(at("2026-02-01T00:00:00Z"))
        );
    }

    #[test]
    fn status_changes_move_exactly_what_they_should() {
        let (paid, lines) = change(OrderStatus::PendingPayment, OrderStatus::Paid, AMOUNTS);
        assert_eq!((paid.orders, paid.gross, paid.refunds, lines), (1, 9_000, 0, Some(1)));
        let (shipped, lines) = change(OrderStatus::Paid, OrderStatus::Shipped, AMOUNTS);
        assert!(shipped.is_zero() && lines.is_none());
        assert!(!affects_rollups(OrderStatus::Paid, OrderStatus::Shipped));
        assert!(affects_rollups(OrderStatus::Delivered, OrderStatus::Refunded));
        let (refunded, lines) = change(OrderStatus::Delivered, OrderStatus::Refunded, AMOUNTS);
        assert_eq!((refunded.orders, refunded.refunds, lines), (0, 8_100, Some(-1)));
        let (cancelled, lines) = change(OrderStatus::PendingPayment, OrderStatus::Cancelled, AMOUNTS);
        assert!(cancelled.is_zero() && lines.is_none());
        let (back_out, _) = change(OrderStatus::Paid, OrderStatus::Cancelled, AMOUNTS);
        assert_eq!(back_out.plus(paid), SlotFigures::default());
    }
}
