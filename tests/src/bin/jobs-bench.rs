//! Job queue benchmark: no-op jobs through each backend.
//!
//! `cargo run --release -p beeget-tests --bin jobs-bench -- [sqlite|postgres|redis] [JOBS] [CONCURRENCY]`
//!
//! Reports the enqueue rate, the throughput of workers draining a full queue, and the latency
//! from enqueue to start of jobs enqueued one by one into an idle queue (bounded below by
//! `jobs.poll_interval_ms`, printed with it). PostgreSQL and Redis come from
//! `BEEGET_TEST_POSTGRES_URL` and `BEEGET_TEST_REDIS_URL`.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use beeget_api::{
    config::Secret,
    jobs::{self, Job, JobContext, JobQueue, JobRegistry, JobRunner, QueueName},
    startup::{self, ShutdownSignal},
};
use beeget_tests::{Backend, TestDatabase, TestRedis, test_config};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Noop {
    enqueued_at_us: u128,
}

impl Job for Noop {
    const NAME: &'static str = "benchNoop";
    const QUEUE: QueueName = QueueName::Maintenance;
}

fn now_us() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros()
}

fn percentile(sorted: &[u128], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    beeget_api::tls::install_crypto_provider();
    let args: Vec<String> = std::env::args().collect();
    let backend = args.get(1).map_or("sqlite", String::as_str).to_owned();
    let total: usize = args.get(2).map_or(Ok(2000), |s| s.parse())?;
    let concurrency: usize = args.get(3).map_or(Ok(8), |s| s.parse())?;

    let redis = if backend == "redis" {
        Some(TestRedis::create().ok_or_else(|| anyhow::anyhow!("set BEEGET_TEST_REDIS_URL"))?)
    } else {
        None
    };
    let db_backend = if backend == "postgres" {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let database = TestDatabase::create(db_backend)
        .await
        .ok_or_else(|| anyhow::anyhow!("set BEEGET_TEST_POSTGRES_URL"))?;
    let dir = tempfile::tempdir()?;
    let mut config = test_config(&database.url, dir.path());
    config.database.max_connections = 16;
    config.jobs.concurrency.insert("maintenance".into(), concurrency);
    if let Some(redis) = &redis {
        config.redis.url = Secret::new(redis.url.clone());
        config.redis.key_prefix = redis.prefix.clone();
    }
    let (db, repos) = startup::open_database(&config).await?;
    let queue = JobQueue::connect(&config, &db).await?;

    let done = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::<u128>::new()));
    let mut registry = JobRegistry::empty();
    {
        let done = done.clone();
        let latencies = latencies.clone();
        registry.register(move |job: Noop, _ctx: JobContext| {
            latencies
                .lock()
                .unwrap()
                .push(now_us().saturating_sub(job.enqueued_at_us));
            done.fetch_add(1, Ordering::SeqCst);
            async { Ok(()) }
        });
    }

    // 1. Enqueue a full queue.
    let started = Instant::now();
    for _ in 0..total {
        queue
            .enqueue(&Noop {
                enqueued_at_us: now_us(),
            })
            .await?;
    }
    let enqueue_secs = started.elapsed().as_secs_f64();

    // 2. Drain it.
    let (signal, fire) = ShutdownSignal::new();
    let runner = Arc::new(JobRunner::new(
        registry,
        JobContext::from_config(Arc::new(config.clone()), repos)?,
    ));
    let worker_queue = queue.clone();
    let workers = tokio::spawn(async move {
        jobs::run_workers(&worker_queue, runner, jobs::WorkerHealth::default(), signal.wait()).await
    });
    let started = Instant::now();
    while done.load(Ordering::SeqCst) < total {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let drain_secs = started.elapsed().as_secs_f64();

    // 3. One at a time into the idle queue: enqueue-to-start latency.
    latencies.lock().unwrap().clear();
    let samples = 200;
    for i in 0..samples {
        queue
            .enqueue(&Noop {
                enqueued_at_us: now_us(),
            })
            .await?;
        while done.load(Ordering::SeqCst) < total + i + 1 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::time::sleep(Duration::from_millis(7)).await;
    }
    let mut sorted = latencies.lock().unwrap().clone();
    sorted.sort_unstable();
    fire();
    workers.await??;

    println!(
        "{backend}: {total} no-op jobs, concurrency {concurrency}, poll {} ms\n  enqueue  {:>8.0} jobs/s\n  drain    {:>8.0} jobs/s\n  enqueue→start latency over {samples} jobs: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        config.jobs.poll_interval_ms,
        total as f64 / enqueue_secs,
        total as f64 / drain_secs,
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.99),
        percentile(&sorted, 1.0),
    );
    Ok(())
}
