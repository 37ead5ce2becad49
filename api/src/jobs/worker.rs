//! Workers: one apalis worker per queue, with retries and exponential backoff, bounded
//! concurrency, panics contained, and a bounded graceful shutdown.

use std::{future::Future, sync::Arc, time::Duration, time::Instant};

use apalis::{
    layers::retry::{
        HasherRng,
        backoff::{ExponentialBackoff, ExponentialBackoffMaker, MakeBackoff},
    },
    prelude::*,
};
use apalis_postgres::PostgresStorage;
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use tracing::Instrument;

use super::{
    job::{JobEnvelope, QueueName},
    metrics,
    queue::{JobQueue, Store},
    registry::{DispatchError, JobContext, JobRegistry},
};
use crate::config::JobsConfig;

/// Performs deliveries of jobs: the registry, the context handlers get, and the retry budget.
pub struct JobRunner {
    registry: JobRegistry,
    ctx: JobContext,
    max_attempts: usize,
}

impl JobRunner {
    pub fn new(registry: JobRegistry, ctx: JobContext) -> Self {
        let max_attempts = ctx.config.jobs.max_attempts;
        Self {
            registry,
            ctx,
            max_attempts,
        }
    }

    /// One delivery (`attempt` counts from 1). An error on the last attempt, or one that no
    /// retry can fix, aborts the job so the store keeps it as failed with that error.
    async fn deliver(&self, job_id: &str, envelope: JobEnvelope, attempt: usize) -> Result<(), BoxDynError> {
        let name = envelope.name.clone();
        let span = tracing::info_span!("job", job = %name, job_id = %job_id, attempt);
        let started = Instant::now();
        let result = self.perform(envelope).instrument(span.clone()).await;
        let _entered = span.enter();
        match result {
            Ok(()) => {
                metrics::finished(&name, "succeeded", started.elapsed());
                tracing::info!(took_ms = started.elapsed().as_millis() as u64, "job done");
                Ok(())
            }
            Err(error) if attempt >= self.max_attempts || error.downcast_ref::<DispatchError>().is_some() => {
                metrics::finished(&name, "failed", started.elapsed());
                tracing::error!(error = %format!("{error:#}"), "job failed for good");
                Err(Box::new(AbortError::new(format!("{error:#}"))))
            }
            Err(error) => {
                metrics::finished(&name, "retried", started.elapsed());
                tracing::warn!(error = %format!("{error:#}"), max_attempts = self.max_attempts, "job failed; will retry");
                Err(format!("{error:#}").into())
            }
        }
    }

    /// Runs the job's handler once, honouring its idempotency key: a key that already
    /// completed is not performed again, and a success records the key.
    pub async fn perform(&self, envelope: JobEnvelope) -> anyhow::Result<()> {
        let receipts = &self.ctx.repos.job_receipts;
        let key = envelope.idempotency_key.clone();
        if let Some(key) = &key
            && receipts.is_completed(key).await?
        {
            tracing::info!(%key, "already performed under this idempotency key; skipped");
            return Ok(());
        }
        let name = envelope.name.clone();
        self.registry.dispatch(envelope, self.ctx.clone()).await?;
        if let Some(key) = &key {
            receipts.record(key, &name, chrono::Utc::now()).await?;
        }
        Ok(())
    }
}

async fn handle_job(
    envelope: JobEnvelope,
    runner: Data<Arc<JobRunner>>,
    id: TaskId,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    runner.deliver(&id.to_string(), envelope, attempt.current()).await
}

fn backoff(settings: &JobsConfig) -> ExponentialBackoff<HasherRng> {
    ExponentialBackoffMaker::new(
        Duration::from_millis(settings.backoff_initial_ms),
        Duration::from_millis(settings.backoff_max_ms),
        0.2,
        HasherRng::default(),
    )
    .expect("backoff bounds are validated with the config")
    .make_backoff()
}

/// A name unique to this process and worker, so a restarted process never collides with the
/// registration its predecessor left behind.
fn worker_name(queue_key: &str) -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
    let unique = ulid::Ulid::generate().to_string();
    format!(
        "{queue_key}@{host}-{}-{}",
        std::process::id(),
        &unique[unique.len() - 6..]
    )
}

/// Registers a worker for one queue on the monitor; the backend types differ, the worker not.
macro_rules! register {
    ($monitor:expr, $storage:expr, $queue:expr, $runner:expr, $settings:expr) => {{
        let storage = $storage;
        let runner = $runner.clone();
        let settings: Arc<JobsConfig> = $settings.clone();
        let concurrency = settings.concurrency_of($queue.as_str());
        let name = worker_name(&$queue.as_str());
        $monitor.register(move |_| {
            WorkerBuilder::new(name.clone())
                .backend(
                    storage
                        .clone()
                        .poll_with_interval(Duration::from_millis(settings.poll_interval_ms)),
                )
                .data(runner.clone())
                // The limit wraps the retries: a retry reuses its job's slot. Inside out, a
                // retry would wait for a slot the idle worker holds, forever at concurrency 1.
                .concurrency(concurrency)
                .retry(RetryPolicy::retries(settings.max_attempts - 1).with_backoff(backoff(&settings)))
                .catch_panic()
                .build(handle_job)
        })
    }};
}

/// Runs a worker per queue until `shutdown` resolves, then gives running jobs up to
/// `jobs.shutdown_timeout_secs` to finish. A job cut off there is picked up again by another
/// worker after its lease (`heartbeat_secs × missed_heartbeats`).
pub async fn run_workers(
    queue: &JobQueue,
    runner: Arc<JobRunner>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let settings = queue.settings.clone();
    let heartbeat = Duration::from_secs(settings.heartbeat_secs);
    let mut monitor = Monitor::new().shutdown_timeout(Duration::from_secs(settings.shutdown_timeout_secs));
    for name in QueueName::ALL {
        let key = queue.queue_key(name);
        let batch = settings.concurrency_of(name.as_str());
        monitor = match &queue.store {
            Store::Sqlite(pool) => {
                let config = apalis_sqlite::Config::default()
                    .queue(&key)
                    .batch_size(batch)
                    .heartbeat_interval(heartbeat)
                    .missed_heartbeats(settings.missed_heartbeats);
                register!(
                    monitor,
                    SqliteStorage::<JobEnvelope>::new(pool).with_config(config),
                    name,
                    runner,
                    settings
                )
            }
            Store::Postgres(pool) => {
                let config = apalis_postgres::Config::default()
                    .queue(&key)
                    .batch_size(batch)
                    .heartbeat_interval(heartbeat)
                    .missed_heartbeats(settings.missed_heartbeats);
                register!(
                    monitor,
                    PostgresStorage::<JobEnvelope>::new(pool).with_config(config),
                    name,
                    runner,
                    settings
                )
            }
            Store::Redis { conn, .. } => {
                let config = queue
                    .redis_config(name)
                    .batch_size(batch)
                    .heartbeat_interval(heartbeat)
                    .missed_heartbeats(settings.missed_heartbeats);
                register!(
                    monitor,
                    RedisStorage::<JobEnvelope>::new(conn.clone()).with_config(config),
                    name,
                    runner,
                    settings
                )
            }
        };
    }
    tracing::info!(backend = queue.backend_name(), "job workers started");
    monitor
        .run_with_signal(async move {
            shutdown.await;
            Ok(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("job workers stopped with an error: {e}"))?;
    tracing::info!("job workers stopped");
    Ok(())
}
