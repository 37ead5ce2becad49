//! `[jobs]`: queues, concurrency, retries and schedules.

use super::*;

/// Background jobs: the queue lives in the database, or in Redis when `redis.url` is set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Run the workers and the scheduler inside `beeget serve` (the embedded default).
    /// Turn off when `beeget worker` runs them elsewhere.
    pub run_in_server: bool,
    /// Jobs run at the same time per queue (`mail`, `maintenance`).
    pub concurrency: BTreeMap<String, usize>,
    /// Attempts per job, the first included, before it ends as failed.
    pub max_attempts: usize,
    /// Wait before the first retry; doubles per attempt (with jitter) up to `backoff_max_ms`.
    pub backoff_initial_ms: u64,
    pub backoff_max_ms: u64,
    /// How often an idle worker looks for new jobs.
    pub poll_interval_ms: u64,
    /// A worker that stops (its queue's backend unreachable) is started again after this
    /// wait, doubling per failed start up to `restart_backoff_max_ms`.
    pub restart_backoff_initial_ms: u64,
    pub restart_backoff_max_ms: u64,
    /// How long queuing a job may take before it is kept in the database's outbox instead.
    pub enqueue_timeout_ms: u64,
    /// How often the relay moves outbox jobs to the queue.
    pub outbox_relay_interval_ms: u64,
    /// Workers report every `heartbeat_secs`; a worker silent for `heartbeat_secs ×
    /// missed_heartbeats` is presumed dead and its running jobs are queued again (the lease).
    pub heartbeat_secs: u64,
    pub missed_heartbeats: usize,
    /// On shutdown, running jobs get this long to finish before the process exits anyway.
    pub shutdown_timeout_secs: u64,
    /// Cron expressions (seconds field first: `sec min hour day month weekday`) per job name,
    /// read in `store.timezone`; an empty string disables a schedule.
    pub schedule: BTreeMap<String, String>,
    /// `cleanupAbandonedCarts` removes carts untouched for more than this many days.
    pub abandoned_cart_days: u32,
    /// Carts deleted per statement by `cleanupAbandonedCarts`.
    pub cleanup_batch_size: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            run_in_server: true,
            concurrency: BTreeMap::from([("mail".into(), 4), ("maintenance".into(), 1)]),
            max_attempts: 5,
            backoff_initial_ms: 1_000,
            backoff_max_ms: 300_000,
            poll_interval_ms: 500,
            restart_backoff_initial_ms: 500,
            restart_backoff_max_ms: 30_000,
            enqueue_timeout_ms: 2_000,
            outbox_relay_interval_ms: 1_000,
            heartbeat_secs: 10,
            missed_heartbeats: 3,
            shutdown_timeout_secs: 30,
            schedule: BTreeMap::from([
                ("cleanupAbandonedCarts".into(), "0 30 3 * * *".into()),
                ("releaseUnpaidOrders".into(), "0 */5 * * * *".into()),
                ("dailySalesReport".into(), "0 0 6 * * *".into()),
            ]),
            abandoned_cart_days: 30,
            cleanup_batch_size: 500,
        }
    }
}

impl JobsConfig {
    /// Concurrency of a queue; queues not listed get 1.
    pub fn concurrency_of(&self, queue: &str) -> usize {
        self.concurrency.get(queue).copied().unwrap_or(1).max(1)
    }
}
