//! The job queue on every backend (SQLite, PostgreSQL, Redis): delivery, retries with backoff,
//! failure kept with its error, recovery after a worker dies, restarts, competing workers and
//! the scheduler's once-per-tick guarantee.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use beeget_api::{
    config::Config,
    jobs::{self, Enqueued, Job, JobContext, JobQueue, JobRegistry, JobRunner, JobStatus, QueueName, Scheduler},
    repos::{Repos, sea},
    startup::{self, ShutdownSignal},
};
use beeget_tests::{Backend, TestDatabase, TestRedis, test_config};
use serde::{Deserialize, Serialize};
use tempfile::TempDir;

fn cipher(config: &Config) -> Arc<beeget_api::crypto::FieldCipher> {
    Arc::new(beeget_api::crypto::FieldCipher::from_config(&config.encryption))
}

#[derive(Debug, Clone, Copy)]
pub enum QueueBackend {
    Sqlite,
    Postgres,
    Redis,
}

/// A queue of its own: a fresh database (SQLite for the Redis case, which still keeps job
/// receipts there) and, for Redis, a key prefix of its own.
pub struct Harness {
    pub config: Config,
    pub repos: Repos,
    pub queue: JobQueue,
    _redis: Option<TestRedis>,
    _database: TestDatabase,
    _dir: TempDir,
}

impl Harness {
    pub async fn new(backend: QueueBackend, adjust: impl FnOnce(&mut Config)) -> Option<Self> {
        beeget_api::tls::install_crypto_provider();
        // The process-wide metrics recorder, so job metrics are recorded and can be read.
        beeget_api::http::metrics::handle();
        let redis = match backend {
            QueueBackend::Redis => Some(TestRedis::create()?),
            _ => None,
        };
        let database = TestDatabase::create(match backend {
            QueueBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        })
        .await?;
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(&database.url, dir.path());
        if let Some(redis) = &redis {
            config.redis.url = beeget_api::config::Secret::new(redis.url.clone());
            config.redis.key_prefix = redis.prefix.clone();
        }
        adjust(&mut config);
        let (db, repos) = startup::open_database(&config).await.expect("database");
        let queue = JobQueue::connect(&config, &db).await.expect("queue");
        Some(Self {
            config,
            repos,
            queue,
            _redis: redis,
            _database: database,
            _dir: dir,
        })
    }

    /// Another connection to the same queue, as a second process would have.
    pub async fn second_connection(&self) -> (Repos, JobQueue) {
        let db = sea::connect(&self.config.database).await.expect("database");
        let queue = JobQueue::connect(&self.config, &db).await.expect("queue");
        (sea::repos(db, cipher(&self.config)), queue)
    }

    pub fn runner(&self, registry: JobRegistry) -> Arc<JobRunner> {
        let ctx = JobContext::from_config(Arc::new(self.config.clone()), self.repos.clone()).expect("context");
        Arc::new(JobRunner::new(registry, ctx))
    }

    /// Workers for every queue, in this runtime; stopped gracefully by `Workers::stop`.
    pub fn start_workers(&self, registry: JobRegistry) -> Workers {
        let (signal, fire) = ShutdownSignal::new();
        let runner = self.runner(registry);
        let queue = self.queue.clone();
        let task = tokio::spawn(async move {
            jobs::run_workers(&queue, runner, jobs::WorkerHealth::default(), signal.wait()).await
        });
        Workers {
            fire: Some(Box::new(fire)),
            task,
        }
    }

    pub async fn status_of(&self, id: &str) -> Option<jobs::JobRecord> {
        self.queue
            .list(None, 1000)
            .await
            .expect("list")
            .into_iter()
            .find(|r| r.id == id)
    }

    /// Waits (up to 30 s) until job `id` has `status`, and returns it.
    pub async fn wait_for(&self, id: &str, status: JobStatus) -> jobs::JobRecord {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let record = self.status_of(id).await;
            if let Some(r) = record.as_ref().filter(|r| r.status == status) {
                return r.clone();
            }
            assert!(
                Instant::now() < deadline,
                "job {id} never became {status:?}: {record:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (up to 30 s) until `n` jobs are done.
    pub async fn wait_done(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let done = self
                .queue
                .list(Some(JobStatus::Done), 10_000)
                .await
                .expect("list")
                .len();
            if done >= n {
                return;
            }
            assert!(Instant::now() < deadline, "only {done} of {n} jobs done");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub struct Workers {
    fire: Option<Box<dyn FnOnce() + Send>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Workers {
    pub async fn stop(mut self) {
        if let Some(fire) = self.fire.take() {
            fire();
        }
        (&mut self.task)
            .await
            .expect("worker task")
            .expect("workers stopped cleanly");
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The test job: an id, so runs can be counted per job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Probe {
    pub id: u32,
}

impl Job for Probe {
    const NAME: &'static str = "testProbe";
    const QUEUE: QueueName = QueueName::Maintenance;
}

/// Runs per probe id, with the time of each.
#[derive(Clone, Default)]
pub struct Runs(Arc<Mutex<HashMap<u32, Vec<Instant>>>>);

impl Runs {
    fn record(&self, id: u32) -> usize {
        let mut runs = self.0.lock().unwrap();
        let entry = runs.entry(id).or_default();
        entry.push(Instant::now());
        entry.len()
    }

    pub fn of(&self, id: u32) -> Vec<Instant> {
        self.0.lock().unwrap().get(&id).cloned().unwrap_or_default()
    }

    pub fn counts(&self) -> HashMap<u32, usize> {
        self.0.lock().unwrap().iter().map(|(k, v)| (*k, v.len())).collect()
    }
}

/// A registry whose probe handler records the run, then does what `behaviour` says.
fn probe_registry<F, Fut>(runs: &Runs, behaviour: F) -> JobRegistry
where
    F: Fn(u32, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let runs = runs.clone();
    let behaviour = Arc::new(behaviour);
    let mut registry = JobRegistry::empty();
    registry.register(move |probe: Probe, _ctx: JobContext| {
        let run = runs.record(probe.id);
        let behaviour = behaviour.clone();
        async move { behaviour(probe.id, run).await }
    });
    registry
}

fn queued(outcome: Enqueued) -> String {
    match outcome {
        Enqueued::Queued(id) => id,
        Enqueued::Duplicate => panic!("unexpected duplicate"),
    }
}

pub async fn job_runs_to_done(backend: QueueBackend) {
    let Some(h) = Harness::new(backend, |_| {}).await else {
        return;
    };
    let runs = Runs::default();
    let id = queued(h.queue.enqueue(&Probe { id: 1 }).await.unwrap());
    assert_eq!(h.status_of(&id).await.unwrap().status, JobStatus::Queued);
    let workers = h.start_workers(probe_registry(&runs, |_, _| async { Ok(()) }));
    let record = h.wait_for(&id, JobStatus::Done).await;
    assert_eq!(record.name, "testProbe");
    assert_eq!(record.queue, "maintenance");
    assert_eq!(runs.of(1).len(), 1);
    workers.stop().await;
}

pub async fn failing_job_backs_off_then_fails_and_can_be_retried(backend: QueueBackend) {
    let Some(h) = Harness::new(backend, |c| {
        c.jobs.max_attempts = 3;
        c.jobs.backoff_initial_ms = 300;
    })
    .await
    else {
        return;
    };
    let runs = Runs::default();
    let healed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = healed.clone();
    let registry = probe_registry(&runs, move |_, run| {
        let healed = flag.load(std::sync::atomic::Ordering::SeqCst);
        async move {
            if healed {
                Ok(())
            } else {
                anyhow::bail!("payment provider unreachable (run {run})")
            }
        }
    });
    let id = queued(h.queue.enqueue(&Probe { id: 7 }).await.unwrap());
    let workers = h.start_workers(registry);
    let failed = h.wait_for(&id, JobStatus::Failed).await;
    let times = runs.of(7);
    assert_eq!(times.len(), 3, "exactly max_attempts runs");
    assert_eq!(failed.attempts, 3, "{failed:?}");
    let error = failed.last_error.clone().unwrap_or_default();
    assert!(error.contains("payment provider unreachable (run 3)"), "{failed:?}");
    // Exponential backoff: at least 300 ms, then at least 600 ms.
    let first_gap = times[1] - times[0];
    let second_gap = times[2] - times[1];
    assert!(first_gap >= Duration::from_millis(300), "{first_gap:?}");
    assert!(second_gap >= Duration::from_millis(600), "{second_gap:?}");
    assert_eq!(
        h.queue.list(Some(JobStatus::Failed), 10).await.unwrap().len(),
        1,
        "failed is listed"
    );
    // The paged listing staff read (GET /admin/jobs) counts the same on every backend.
    let (page, total) = h.queue.page(Some(JobStatus::Failed), 0, 10).await.unwrap();
    assert_eq!((page.len(), total), (1, 1));
    assert_eq!(page[0].id, id);
    let (page, total) = h.queue.page(Some(JobStatus::Failed), 1, 10).await.unwrap();
    assert_eq!((page.len(), total), (0, 1), "past the last page: empty, same total");
    let (page, total) = h.queue.page(Some(JobStatus::Done), 0, 10).await.unwrap();
    assert_eq!((page.len(), total), (0, 0));
    let metrics = beeget_api::http::metrics::handle().render();
    for series in [
        r#"jobs_finished_total{job="testProbe",outcome="retried"}"#,
        r#"jobs_finished_total{job="testProbe",outcome="failed"}"#,
        r#"jobs_enqueued_total{job="testProbe"}"#,
        r#"job_duration_seconds_count{job="testProbe"}"#,
    ] {
        assert!(metrics.contains(series), "{series} missing from\n{metrics}");
    }

    // An operator retries it once the cause is fixed.
    healed.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(h.queue.retry(&id).await.unwrap());
    assert!(!h.queue.retry(&id).await.unwrap(), "only a failed job can be retried");
    h.wait_for(&id, JobStatus::Done).await;
    assert_eq!(runs.of(7).len(), 4);
    assert!(
        !h.queue.retry("01J00000000000000000000000").await.unwrap(),
        "unknown id"
    );
    workers.stop().await;
}

pub async fn job_of_a_killed_worker_runs_again(backend: QueueBackend) {
    let Some(h) = Harness::new(backend, |_| {}).await else {
        return;
    };
    let runs = Runs::default();
    let id = queued(h.queue.enqueue(&Probe { id: 3 }).await.unwrap());

    // The first worker lives in a runtime of its own, with its own connections, and hangs in
    // the job; dropping that runtime is the process dying mid-job.
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let started_tx = Mutex::new(Some(started_tx));
    let hanging = probe_registry(&runs, move |_, _| {
        if let Some(tx) = started_tx.lock().unwrap().take() {
            let _ = tx.send(());
        }
        async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        }
    });
    let config = h.config.clone();
    let doomed = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.spawn(async move {
            let db = sea::connect(&config.database).await.expect("database");
            let queue = JobQueue::connect(&config, &db).await.expect("queue");
            let repos = sea::repos(db, cipher(&config));
            let ctx = JobContext::from_config(Arc::new(config), repos).expect("context");
            let runner = Arc::new(JobRunner::new(hanging, ctx));
            let _ = jobs::run_workers(&queue, runner, jobs::WorkerHealth::default(), std::future::pending()).await;
        });
        started_rx.recv_timeout(Duration::from_secs(30)).expect("job started");
        rt.shutdown_background();
    });
    tokio::task::spawn_blocking(move || doomed.join().unwrap())
        .await
        .unwrap();
    assert_eq!(runs.of(3).len(), 1);
    let left = h.status_of(&id).await.unwrap();
    assert!(
        matches!(left.status, JobStatus::Running | JobStatus::Queued),
        "held by the dead worker: {left:?}"
    );

    // A healthy worker takes the job over once the dead one's lease ran out.
    let workers = h.start_workers(probe_registry(&runs, |_, _| async { Ok(()) }));
    h.wait_for(&id, JobStatus::Done).await;
    assert_eq!(runs.of(3).len(), 2, "ran again, once");
    workers.stop().await;
}

pub async fn restart_loses_nothing(backend: QueueBackend) {
    let Some(h) = Harness::new(backend, |c| {
        c.jobs.concurrency.insert("maintenance".into(), 2);
    })
    .await
    else {
        return;
    };
    let runs = Runs::default();
    let slow = || {
        probe_registry(&runs, |_, _| async {
            tokio::time::sleep(Duration::from_millis(30)).await;
            Ok(())
        })
    };
    for id in 0..20 {
        h.queue.enqueue(&Probe { id }).await.unwrap();
    }
    let first = h.start_workers(slow());
    h.wait_done(5).await;
    // A graceful stop lets running jobs finish; the rest stay queued.
    first.stop().await;
    for id in 20..25 {
        h.queue.enqueue(&Probe { id }).await.unwrap();
    }
    let second = h.start_workers(slow());
    h.wait_done(25).await;
    second.stop().await;
    let counts = runs.counts();
    assert_eq!(counts.len(), 25, "{counts:?}");
    assert!(counts.values().all(|n| *n == 1), "each job ran once: {counts:?}");
}

pub async fn two_workers_run_each_job_once(backend: QueueBackend) {
    let Some(h) = Harness::new(backend, |c| {
        c.jobs.concurrency.insert("maintenance".into(), 3);
    })
    .await
    else {
        return;
    };
    let runs = Runs::default();
    for id in 0..40 {
        h.queue.enqueue(&Probe { id }).await.unwrap();
    }
    let quick = || {
        probe_registry(&runs, |_, _| async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            Ok(())
        })
    };
    let (_repos, other_queue) = h.second_connection().await;
    let a = h.start_workers(quick());
    let (signal, fire) = ShutdownSignal::new();
    let runner = h.runner(quick());
    let b = tokio::spawn(async move {
        jobs::run_workers(&other_queue, runner, jobs::WorkerHealth::default(), signal.wait()).await
    });
    h.wait_done(40).await;
    a.stop().await;
    fire();
    b.await.unwrap().unwrap();
    let counts = runs.counts();
    assert_eq!(counts.len(), 40);
    assert!(counts.values().all(|n| *n == 1), "each job ran once: {counts:?}");
}

pub async fn scheduled_tick_is_enqueued_once(backend: QueueBackend) {
    let Some(h) = Harness::new(backend, |c| {
        c.jobs
            .schedule
            .insert("cleanupAbandonedCarts".into(), "* * * * * *".into());
    })
    .await
    else {
        return;
    };
    let (_repos, other_queue) = h.second_connection().await;
    let a = Scheduler::new(h.queue.clone(), &h.config.jobs, h.config.timezone()).unwrap();
    let b = Scheduler::new(other_queue, &h.config.jobs, h.config.timezone()).unwrap();

    // The same tick from two instances at once: one job.
    let tick = chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap();
    let (x, y) = tokio::join!(
        a.enqueue_tick("cleanupAbandonedCarts", tick),
        b.enqueue_tick("cleanupAbandonedCarts", tick)
    );
    let mut outcomes = [x.unwrap(), y.unwrap()];
    outcomes.sort_by_key(|o| matches!(o, Enqueued::Duplicate));
    assert!(matches!(outcomes[0], Enqueued::Queued(_)), "{outcomes:?}");
    assert_eq!(outcomes[1], Enqueued::Duplicate);

    // Two running schedulers, every second, for a few ticks: one job per tick.
    let runs = tokio::spawn(std::sync::Arc::new(a).run());
    let runs_b = tokio::spawn(std::sync::Arc::new(b).run());
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    runs.abort();
    runs_b.abort();
    let jobs = h.queue.list(None, 100).await.unwrap();
    let keys: Vec<_> = jobs.iter().filter_map(|j| j.idempotency_key.clone()).collect();
    let distinct: std::collections::HashSet<_> = keys.iter().collect();
    assert_eq!(keys.len(), distinct.len(), "a tick enqueued twice: {keys:?}");
    assert!(keys.len() >= 3, "ticks ran: {keys:?}");
    assert!(jobs.iter().all(|j| j.name == "cleanupAbandonedCarts"));
}

macro_rules! queue_suite {
    ($($backend:ident => $variant:expr),* $(,)?) => {$(
        mod $backend {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn job_runs_to_done() {
                super::job_runs_to_done($variant).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn failing_job_backs_off_then_fails_and_can_be_retried() {
                super::failing_job_backs_off_then_fails_and_can_be_retried($variant).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn job_of_a_killed_worker_runs_again() {
                super::job_of_a_killed_worker_runs_again($variant).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn restart_loses_nothing() {
                super::restart_loses_nothing($variant).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn two_workers_run_each_job_once() {
                super::two_workers_run_each_job_once($variant).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn scheduled_tick_is_enqueued_once() {
                super::scheduled_tick_is_enqueued_once($variant).await;
            }
        }
    )*};
}

queue_suite! {
    sqlite => QueueBackend::Sqlite,
    postgres => QueueBackend::Postgres,
    redis => QueueBackend::Redis,
}

/// The scheduled cart cleanup, queued by name as `beeget jobs run` does, run by a worker with
/// the configured age and batch size.
#[tokio::test]
async fn cleanup_abandoned_carts_runs_as_a_job() {
    use beeget_api::domain::{
        email::Email,
        user::{NewUser, Role},
    };
    let h = Harness::new(QueueBackend::Sqlite, |c| {
        c.jobs.abandoned_cart_days = 10;
        c.jobs.cleanup_batch_size = 2;
    })
    .await
    .unwrap();
    let now = chrono::Utc::now();
    for i in 0..5 {
        let user = h
            .repos
            .users
            .create(
                uuid::Uuid::now_v7(),
                NewUser {
                    name: format!("Shopper {i}"),
                    email: Email::parse("email", &format!("cart{i}@example.com")).unwrap(),
                    password_hash: "$argon2id$placeholder".into(),
                    role: Role::User,
                    email_verified: false,
                },
                Vec::new(),
            )
            .await
            .unwrap();
        let cart = h.repos.carts.get_or_create(user.id).await.unwrap();
        let age = if i < 3 { 11 } else { 9 };
        h.repos
            .carts
            .touch(cart, now - chrono::Duration::days(age))
            .await
            .unwrap();
    }
    let (name, queue) = jobs::schedulable("CLEANUPABANDONEDCARTS").expect("names are case-insensitive");
    let id = queued(
        h.queue
            .enqueue_envelope(queue, jobs::payloadless_job(name, None))
            .await
            .unwrap(),
    );
    let workers = h.start_workers(jobs::builtin_registry());
    h.wait_for(&id, JobStatus::Done).await;
    workers.stop().await;
    assert_eq!(
        h.repos.carts.count().await.unwrap(),
        2,
        "carts older than 10 days are gone"
    );
}
