//! Workers: one apalis worker per queue, with retries and exponential backoff, bounded
//! concurrency, panics contained, a bounded graceful shutdown, and a supervisor that starts a
//! stopped worker again.

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
use futures_util::{
    FutureExt,
    future::{BoxFuture, Shared},
};
use tracing::Instrument;

use super::{
    health::WorkerHealth,
    job::{JobEnvelope, QueueName},
    metrics,
    queue::{JobQueue, Store},
    redis_namespace::NamespacedConnection,
    registry::{DispatchError, JobContext, JobRegistry},
    supervisor::{Restarts, wait_to_restart},
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

/// Registers the worker of one queue on a monitor; the backend types differ, the worker not.
/// The worker marks itself up in `health` when it starts and on each heartbeat.
macro_rules! register {
    ($monitor:expr, $storage:expr, $queue:expr, $runner:expr, $settings:expr, $health:expr) => {{
        let storage = $storage;
        let runner = $runner.clone();
        let settings: Arc<JobsConfig> = $settings.clone();
        let concurrency = settings.concurrency_of($queue.as_str());
        let name = worker_name(&$queue.as_str());
        let (health, queue): (WorkerHealth, QueueName) = ($health.clone(), $queue);
        $monitor
            .on_event(move |_, event| {
                if matches!(event, Event::Start | Event::HeartBeat) {
                    health.set(queue, true);
                }
            })
            .register(move |_| {
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

/// A monitor running the worker of one queue.
fn monitor_for(queue: &JobQueue, name: QueueName, runner: &Arc<JobRunner>, health: &WorkerHealth) -> Monitor {
    let settings = queue.settings.clone();
    let heartbeat = Duration::from_secs(settings.heartbeat_secs);
    let key = queue.queue_key(name);
    let batch = settings.concurrency_of(name.as_str());
    let monitor = Monitor::new().shutdown_timeout(Duration::from_secs(settings.shutdown_timeout_secs));
    match &queue.store {
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
                settings,
                health
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
                settings,
                health
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
                RedisStorage::<JobEnvelope, NamespacedConnection>::new(conn.clone()).with_config(config),
                name,
                runner,
                settings,
                health
            )
        }
    }
}

/// Runs a supervised worker per queue until `shutdown` resolves, then gives running jobs up
/// to `jobs.shutdown_timeout_secs` to finish. A job cut off there is picked up again by
/// another worker after its lease (`heartbeat_secs × missed_heartbeats`).
pub async fn run_workers(
    queue: &JobQueue,
    runner: Arc<JobRunner>,
    health: WorkerHealth,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let shutdown = shutdown.boxed().shared();
    tracing::info!(backend = queue.backend_name(), "job workers started");
    let supervisors = QueueName::ALL.map(|name| supervise(queue, name, &runner, &health, shutdown.clone()));
    futures_util::future::join_all(supervisors).await;
    tracing::info!("job workers stopped");
    Ok(())
}

/// Keeps the worker of `name` running until shutdown: a worker that stops (its backend
/// unreachable, its stream broken) is marked down, logged at error level, and started again
/// after a backoff that doubles from `jobs.restart_backoff_initial_ms` up to
/// `jobs.restart_backoff_max_ms`, for as long as it takes. A worker that ran for a minute
/// starts again from the initial backoff.
async fn supervise(
    queue: &JobQueue,
    name: QueueName,
    runner: &Arc<JobRunner>,
    health: &WorkerHealth,
    shutdown: Shared<BoxFuture<'static, ()>>,
) {
    let mut restarts = Restarts::new(queue.settings.clone());
    loop {
        let started = Instant::now();
        let signal = shutdown.clone();
        let result = monitor_for(queue, name, runner, health)
            .run_with_signal(async move {
                signal.await;
                Ok(())
            })
            .await;
        health.set(name, false);
        if shutdown.peek().is_some() {
            return;
        }
        let (failures, delay) = restarts.after_stop(started);
        let error = match result {
            Ok(()) => "the worker ended on its own".to_owned(),
            Err(e) => e.to_string(),
        };
        ::metrics::counter!("jobs_worker_restarts_total", "queue" => name.as_str()).increment(1);
        tracing::error!(
            queue = name.as_str(),
            error = %error,
            restarts = failures,
            retry_in_ms = delay.as_millis() as u64,
            "job worker stopped; restarting it"
        );
        if !wait_to_restart(delay, &shutdown).await {
            return;
        }
    }
}
