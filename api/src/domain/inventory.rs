//! The inventory report: variants running low, with how fast they sell, ordered by how soon
//! they run out.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::order_status::OrderStatus;

/// Days of sales the report looks back over.
pub const SALES_WINDOW_DAYS: i64 = 30;

/// Orders whose units count as sold: paid for and not cancelled or refunded.
pub const SOLD_STATUSES: [OrderStatus; 4] = [
    OrderStatus::Paid,
    OrderStatus::Processing,
    OrderStatus::Shipped,
    OrderStatus::Delivered,
];

/// The start of the sales window ending at `now`.
pub fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(SALES_WINDOW_DAYS)
}

/// One variant at or under the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct LowStockLine {
    pub variant_id: Uuid,
    pub sku: String,
    pub size: String,
    pub color: String,
    pub product_id: Uuid,
    pub product_title: String,
    pub stock: i32,
    /// Units in sold orders placed in the last [`SALES_WINDOW_DAYS`] days.
    pub sold_last_30_days: i64,
}

impl LowStockLine {
    /// Days until the stock runs out at the last 30 days' pace; `None` when nothing sold
    /// (it is not running out by selling).
    pub fn days_of_stock_left(&self) -> Option<f64> {
        (self.sold_last_30_days > 0)
            .then(|| f64::from(self.stock.max(0)) * SALES_WINDOW_DAYS as f64 / self.sold_last_30_days as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_left_follow_the_pace_of_sales() {
        let mut line = LowStockLine {
            variant_id: Uuid::nil(),
            sku: "S".into(),
            size: "M".into(),
            color: "Red".into(),
            product_id: Uuid::nil(),
            product_title: "T".into(),
            stock: 3,
            sold_last_30_days: 15,
        };
        assert_eq!(line.days_of_stock_left(), Some(6.0));
        line.sold_last_30_days = 0;
        assert_eq!(line.days_of_stock_left(), None);
    }
}
