//! `cleanupAbandonedCarts`: the scheduled removal of carts nobody touched for a long time.

use serde::{Deserialize, Serialize};

use super::{
    job::{Job, QueueName},
    registry::JobContext,
};
use crate::services::carts;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CleanupAbandonedCarts {}

impl Job for CleanupAbandonedCarts {
    const NAME: &'static str = "cleanupAbandonedCarts";
    const QUEUE: QueueName = QueueName::Maintenance;
}

pub async fn perform(_: CleanupAbandonedCarts, ctx: JobContext) -> anyhow::Result<()> {
    let jobs = &ctx.config.jobs;
    let deleted = carts::cleanup_abandoned_carts(
        &ctx.repos,
        chrono::Utc::now(),
        jobs.abandoned_cart_days,
        jobs.cleanup_batch_size,
    )
    .await?;
    tracing::info!(
        deleted,
        max_age_days = jobs.abandoned_cart_days,
        "abandoned carts removed"
    );
    Ok(())
}
