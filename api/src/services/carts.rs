//! Cart housekeeping.

use chrono::{DateTime, Duration, Utc};

use super::ServiceResult;
use crate::repos::Repos;

/// Deletes carts untouched for more than `max_age_days`, `batch` at a time so no single
/// statement locks many rows; returns how many were deleted.
pub async fn cleanup_abandoned_carts(
    repos: &Repos,
    now: DateTime<Utc>,
    max_age_days: u32,
    batch: u64,
) -> ServiceResult<u64> {
    let cutoff = now - Duration::days(i64::from(max_age_days));
    let mut total = 0;
    loop {
        let deleted = repos.carts.delete_untouched_since(cutoff, batch.max(1)).await?;
        total += deleted;
        if deleted < batch.max(1) {
            return Ok(total);
        }
    }
}
