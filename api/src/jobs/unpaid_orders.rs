//! `releaseUnpaidOrders`: the scheduled cancellation of orders nobody paid for in time, which
//! puts their stock back on sale.

use serde::{Deserialize, Serialize};

use super::{
    job::{Job, QueueName},
    registry::JobContext,
};
use crate::services::orders;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReleaseUnpaidOrders {}

impl Job for ReleaseUnpaidOrders {
    const NAME: &'static str = "releaseUnpaidOrders";
    const QUEUE: QueueName = QueueName::Maintenance;
}

pub async fn perform(_: ReleaseUnpaidOrders, ctx: JobContext) -> anyhow::Result<()> {
    let payments = &ctx.config.payments;
    let released = orders::release_unpaid_orders(
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
