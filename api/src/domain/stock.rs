//! Stock adjustments: staff move a variant's stock by a relative amount with a reason, never
//! overwrite it, so concurrent adjustments (and orders taking units meanwhile) add up.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{InvalidField, text};

/// The most one adjustment may move, either way.
pub const MAX_DELTA: i64 = 1_000_000;
/// The most a variant may hold, well inside the 32-bit column.
pub const MAX_STOCK: i64 = 1_000_000_000;

/// A checked adjustment: a non-zero `delta` of at most [`MAX_DELTA`] units either way, and a
/// reason of 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockAdjustment {
    delta: i32,
    reason: String,
}

impl StockAdjustment {
    /// Fails naming `delta` or `reason`.
    pub fn new(delta: i64, reason: &str) -> Result<Self, Vec<InvalidField>> {
        let mut errors = Vec::new();
        if delta == 0 || delta.abs() > MAX_DELTA {
            errors.push(InvalidField::new(
                "delta",
                format!("must be a non-zero number of units between -{MAX_DELTA} and {MAX_DELTA}"),
            ));
        }
        let reason = text::STOCK_REASON.check("reason", reason, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            delta: delta as i32,
            reason,
        })
    }

    pub fn delta(&self) -> i32 {
        self.delta
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// One recorded change of a variant's stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockMovement {
    pub id: Uuid,
    pub variant_id: Uuid,
    pub product_id: Uuid,
    pub delta: i32,
    /// The variant's stock right after this movement.
    pub stock_after: i32,
    pub reason: String,
    /// The staff member who made it.
    pub actor_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// What an adjustment came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdjustOutcome {
    Adjusted(StockMovement),
    /// The product has no such variant.
    NoSuchVariant,
    /// The stock would leave 0 to [`MAX_STOCK`]; `stock` is what the variant holds now.
    OutOfRange {
        stock: i32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjustments_are_bounded_and_explained() {
        let ok = StockAdjustment::new(-3, "  damaged  ").unwrap();
        assert_eq!((ok.delta(), ok.reason()), (-3, "damaged"));
        let fields = |r: Result<StockAdjustment, Vec<InvalidField>>| {
            r.unwrap_err().into_iter().map(|e| e.field).collect::<Vec<_>>()
        };
        assert_eq!(fields(StockAdjustment::new(0, "x")), ["delta"]);
        assert_eq!(fields(StockAdjustment::new(MAX_DELTA + 1, "x")), ["delta"]);
        assert_eq!(fields(StockAdjustment::new(5, " ")), ["reason"]);
        assert!(StockAdjustment::new(-MAX_DELTA, "recount").is_ok());
    }
}
