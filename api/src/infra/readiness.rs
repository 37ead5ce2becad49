//! What `/readyz` checks: the database, Redis when the queue lives there, the catalogue index
//! (built and following the database), and, in a process that runs them, the job workers. Each check is bounded by `server.readiness_timeout_ms`,
//! so a dependency that hangs makes the probe fail, never hang.

use std::time::Duration;

use crate::{
    jobs::{JobQueue, WorkerHealth},
    repos::StoreHealth,
};

/// A part that is not ready, and why (fit for an operator: no addresses, no credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotReady {
    /// `database`, `redis`, `catalogue` (its index still being built), `workers.<queue>` or
    /// `workers.<task>` (`scheduler`, `outbox-relay`, `catalogue-index`).
    pub part: String,
    pub reason: String,
}

/// Every part that is not ready; empty when the process is ready. The checks run at once.
pub async fn check(
    store: &dyn StoreHealth,
    queue: &JobQueue,
    workers: &WorkerHealth,
    catalogue_ready: bool,
    timeout: Duration,
) -> Vec<NotReady> {
    let database = bounded(timeout, "database", async {
        store.ping().await.map_err(|_| "unreachable".to_owned())
    });
    let redis = bounded(timeout, "redis", async {
        queue.ping().await.map_err(|_| "unreachable".to_owned())
    });
    let (database, redis) = tokio::join!(database, redis);
    let mut not_ready: Vec<NotReady> = database.into_iter().chain(redis).collect();
    if !catalogue_ready {
        not_ready.push(NotReady {
            part: "catalogue".to_owned(),
            reason: "the catalogue index is being built from the database".to_owned(),
        });
    }
    not_ready.extend(workers.down().into_iter().map(|queue| NotReady {
        part: format!("workers.{queue}"),
        reason: "not running; its supervisor is restarting it".to_owned(),
    }));
    not_ready
}

/// `check` within `timeout`: `None` when it passed, else why `part` is not ready.
async fn bounded(
    timeout: Duration,
    part: &'static str,
    check: impl Future<Output = Result<(), String>>,
) -> Option<NotReady> {
    let reason = match tokio::time::timeout(timeout, check).await {
        Ok(Ok(())) => return None,
        Ok(Err(reason)) => reason,
        Err(_) => format!("no answer within {} ms", timeout.as_millis()),
    };
    Some(NotReady {
        part: part.to_owned(),
        reason,
    })
}
