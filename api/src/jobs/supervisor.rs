//! Keeping a background task alive: the scheduler and the outbox relay run as tasks that a
//! supervisor starts again when they end or panic, with the same doubling backoff as the
//! queue workers (`jobs.restart_backoff_initial_ms` up to `jobs.restart_backoff_max_ms`).

use std::{future::Future, sync::Arc, time::Duration, time::Instant};

use futures_util::future::{BoxFuture, Shared};

use super::health::WorkerHealth;
use crate::config::JobsConfig;

/// The restarts of one supervised thing: how many in a row, and the wait before the next.
pub(super) struct Restarts {
    settings: Arc<JobsConfig>,
    failures: u32,
}

impl Restarts {
    pub(super) fn new(settings: Arc<JobsConfig>) -> Self {
        Self { settings, failures: 0 }
    }

    /// Counts a stop of the run that began at `started`: the restarts in a row so far (a run
    /// that lasted a minute starts the count again) and the wait before the next start.
    pub(super) fn after_stop(&mut self, started: Instant) -> (u32, Duration) {
        if started.elapsed() > Duration::from_secs(60) {
            self.failures = 0;
        }
        self.failures = self.failures.saturating_add(1);
        (self.failures, restart_delay(&self.settings, self.failures))
    }
}

/// Sleeps `delay`; `false` when `shutdown` came first (then nothing should start again).
pub(super) async fn wait_to_restart(delay: Duration, shutdown: &Shared<BoxFuture<'static, ()>>) -> bool {
    tokio::select! {
        () = tokio::time::sleep(delay) => true,
        () = shutdown.clone() => false,
    }
}

/// The wait before restart number `failures` (from 1): doubling, capped.
fn restart_delay(settings: &JobsConfig, failures: u32) -> Duration {
    let initial = settings.restart_backoff_initial_ms.max(1);
    let doubled = initial.saturating_mul(1_u64 << failures.saturating_sub(1).min(20));
    Duration::from_millis(doubled.min(settings.restart_backoff_max_ms.max(initial)))
}

/// Runs `start()` as its own task until `shutdown` resolves, starting it again whenever it
/// ends or panics: each stop is marked in `health` (so `/readyz` names `workers.<task>` and
/// `jobs_tasks_up{task}` drops to 0), logged at error level, counted in
/// `jobs_task_restarts_total{task}`, and followed by a backoff. A task that ran for a minute
/// starts again from the initial backoff. At shutdown the running task is dropped, so a task
/// must be safe to stop at any await (the scheduler and the relay are: both are idempotent).
pub async fn supervise_task<F, Fut>(
    task: &'static str,
    health: WorkerHealth,
    settings: Arc<JobsConfig>,
    shutdown: Shared<BoxFuture<'static, ()>>,
    start: F,
) where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut restarts = Restarts::new(settings);
    loop {
        let started = Instant::now();
        health.set_task(task, true);
        let mut running = tokio::spawn(start());
        let ended = tokio::select! {
            ended = &mut running => ended,
            () = shutdown.clone() => {
                running.abort();
                health.set_task(task, false);
                return;
            }
        };
        health.set_task(task, false);
        let (failures, delay) = restarts.after_stop(started);
        let error = match ended {
            Ok(()) => "the task ended on its own".to_owned(),
            Err(e) if e.is_panic() => format!("panicked: {}", panic_message(e.into_panic())),
            Err(e) => e.to_string(),
        };
        metrics::counter!("jobs_task_restarts_total", "task" => task).increment(1);
        tracing::error!(
            task,
            error = %error,
            restarts = failures,
            retry_in_ms = delay.as_millis() as u64,
            "background task stopped; restarting it"
        );
        if !wait_to_restart(delay, &shutdown).await {
            return;
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map_or_else(|| "(no message)".to_owned(), |m| (*m).to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::FutureExt;

    use super::*;

    #[test]
    fn restarts_back_off_doubling_up_to_the_cap() {
        let settings = JobsConfig {
            restart_backoff_initial_ms: 500,
            restart_backoff_max_ms: 4_000,
            ..JobsConfig::default()
        };
        let delays: Vec<u64> = (1..=6)
            .map(|n| restart_delay(&settings, n).as_millis() as u64)
            .collect();
        assert_eq!(delays, [500, 1_000, 2_000, 4_000, 4_000, 4_000]);
        assert_eq!(restart_delay(&settings, u32::MAX).as_millis(), 4_000);
    }

    #[tokio::test]
    async fn a_task_that_panics_or_ends_is_marked_down_and_started_again_until_shutdown() {
        let settings = Arc::new(JobsConfig {
            restart_backoff_initial_ms: 20,
            restart_backoff_max_ms: 40,
            ..JobsConfig::default()
        });
        let health = WorkerHealth::default();
        let starts = Arc::new(AtomicUsize::new(0));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        }
        .boxed()
        .shared();
        let counted = starts.clone();
        let supervisor = tokio::spawn({
            let health = health.clone();
            async move {
                supervise_task("scheduler", health, settings, shutdown, move || {
                    let run = counted.fetch_add(1, Ordering::SeqCst);
                    async move {
                        match run {
                            0 => panic!("first run breaks"),
                            1 => {}
                            _ => std::future::pending::<()>().await,
                        }
                    }
                })
                .await;
            }
        });
        while starts.load(Ordering::SeqCst) < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(health.down().is_empty(), "running again after a panic and an end");
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), supervisor)
            .await
            .expect("the supervisor stops at shutdown")
            .unwrap();
        assert_eq!(starts.load(Ordering::SeqCst), 3, "not started again after shutdown");
        assert_eq!(health.down(), ["scheduler"], "stopped at shutdown");
    }
}
