//! `releaseUnpaidOrders`: the scheduled cancellation of orders nobody paid for in time, which
//! puts their stock back on sale.

use serde::{Deserialize, Serialize};

use super::{
    job::{Job, QueueName},
    registry::JobContext,
};
use chrono::{DateTime, Duration, Utc};

use crate::{
    domain::order_status::OrderStatus,
    repos::{RepoError, RepoResult, Repos, StatusChange},
};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReleaseUnpaidOrders {}

impl Job for ReleaseUnpaidOrders {
    const NAME: &'static str = "releaseUnpaidOrders";
    const QUEUE: QueueName = QueueName::Maintenance;
}

pub async fn perform(_: ReleaseUnpaidOrders, ctx: JobContext) -> anyhow::Result<()> {
    let payments = &ctx.config.payments;
    let released = release_unpaid_orders(
        &ctx.repos,
        chrono::Utc::now(),
        payments.pending_timeout_minutes,
        payments.release_batch_size,
    )
    .await?;
    tracing::info!(
        released,
        timeout_minutes = payments.pending_timeout_minutes,
        "unpaid orders released"
    );
    Ok(())
}

/// Cancels orders left unpaid since before `now - timeout`, releasing their stock; returns
/// how many. Each is moved only if still unpaid, so a payment arriving meanwhile wins.
pub async fn release_unpaid_orders(
    repos: &Repos,
    now: DateTime<Utc>,
    timeout_minutes: u32,
    batch: u64,
) -> RepoResult<u64> {
    let cutoff = now - Duration::minutes(i64::from(timeout_minutes));
    let mut released = 0;
    loop {
        let ids = repos.orders.pending_payment_before(cutoff, batch.max(1)).await?;
        let found = ids.len() as u64;
        for id in ids {
            let release = OrderStatus::PendingPayment
                .transition(OrderStatus::Cancelled)
                .map_err(|e| RepoError::Other(e.to_string()))?;
            let mut change = StatusChange::new(release);
            change.restock = true;
            change.note = Some(format!("not paid within {timeout_minutes} minutes; stock released"));
            if repos.orders.change_status(id, change).await? {
                released += 1;
            }
        }
        if found < batch.max(1) {
            return Ok(released);
        }
    }
}
