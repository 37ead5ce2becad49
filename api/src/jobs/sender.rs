//! Queuing a job so that it is not lost: straight to the queue, or, when the queue cannot take
//! it within `jobs.enqueue_timeout_ms` (its Redis unreachable), into the database's outbox,
//! from which the relay queues it once the queue is back. Only when neither works does the
//! caller hear of it.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use anyhow::Context;

use super::{
    job::{Job, JobEnvelope, QueueName},
    queue::{Enqueued, JobQueue},
};
use crate::repos::{JobOutboxRepo, NewDeferredJob};

/// Where a job went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Queued,
    /// Kept in the outbox; the relay queues it later.
    Deferred,
}

/// The services' way to queue jobs; cheap to clone.
#[derive(Clone)]
pub struct JobSender {
    queue: JobQueue,
    outbox: Arc<dyn JobOutboxRepo>,
    timeout: Duration,
    relay: Arc<RelayState>,
}

/// At most one `relay_soon` round runs in this process: requests made while one runs are
/// folded into one more round after it, so a burst of writes reads the outbox a few times,
/// not once per write.
#[derive(Default)]
struct RelayState {
    running: AtomicBool,
    requested: AtomicBool,
}

impl JobSender {
    pub fn new(queue: JobQueue, outbox: Arc<dyn JobOutboxRepo>, timeout: Duration) -> Self {
        Self {
            queue,
            outbox,
            timeout,
            relay: Arc::default(),
        }
    }

    /// Moves what waits in the outbox to the queue now, in the background (after a write
    /// that put a job there in its own transaction), rather than at the relay's next round.
    pub fn relay_soon(&self) {
        self.relay.requested.store(true, Ordering::SeqCst);
        if self.relay.running.swap(true, Ordering::SeqCst) {
            return;
        }
        let (queue, outbox, relay) = (self.queue.clone(), self.outbox.clone(), self.relay.clone());
        tokio::spawn(async move {
            loop {
                relay.requested.store(false, Ordering::SeqCst);
                relay_once(&queue, outbox.as_ref()).await;
                relay.running.store(false, Ordering::SeqCst);
                // A request after `requested` was cleared either saw `running` and left the
                // round to us, or started its own round: take it on only in the first case.
                if !relay.requested.load(Ordering::SeqCst) || relay.running.swap(true, Ordering::SeqCst) {
                    return;
                }
            }
        });
    }

    /// Queues `job`, or keeps it in the outbox; an error only when both failed.
    pub async fn send<J: Job>(&self, job: &J) -> anyhow::Result<Sent> {
        let envelope = JobEnvelope::of(job).with_context(|| format!("serialising job {}", J::NAME))?;
        let queued = tokio::time::timeout(self.timeout, self.queue.enqueue_envelope(J::QUEUE, envelope.clone())).await;
        let why = match queued {
            Ok(Ok(_)) => return Ok(Sent::Queued),
            Ok(Err(e)) => format!("{e:#}"),
            Err(_) => format!("no answer within {} ms", self.timeout.as_millis()),
        };
        let id = self
            .outbox
            .defer(outbox_row(J::QUEUE, envelope))
            .await
            .with_context(|| format!("the queue refused job {} ({why}) and so did the outbox", J::NAME))?;
        metrics::counter!("jobs_deferred_total", "job" => J::NAME).increment(1);
        tracing::warn!(job = J::NAME, outbox_id = %id, error = %why, "queue unavailable; job kept in the outbox");
        Ok(Sent::Deferred)
    }
}

/// `job` as the outbox keeps it, for a write that records it in its own transaction.
pub fn deferred<J: Job>(job: &J) -> NewDeferredJob {
    // Jobs are plain structs of ids and strings: serialising one cannot fail.
    let envelope = JobEnvelope::of(job).expect("a job serialises to JSON");
    outbox_row(J::QUEUE, envelope)
}

fn outbox_row(queue: QueueName, envelope: JobEnvelope) -> NewDeferredJob {
    NewDeferredJob {
        queue: queue.as_str().to_owned(),
        name: envelope.name,
        payload: envelope.payload.to_string(),
        idempotency_key: envelope.idempotency_key,
    }
}

/// Moves outbox jobs to the queue every `interval`, for ever: oldest first, each under its own
/// idempotency key (or `outbox:<id>`), so a relay cut off between queuing and removing queues
/// it once. A queue still unreachable ends the round; the next one tries again. Run under
/// `jobs::supervise_task`, which starts it again should it stop.
pub async fn relay_outbox(queue: JobQueue, outbox: Arc<dyn JobOutboxRepo>, interval: Duration) {
    loop {
        tokio::time::sleep(interval).await;
        relay_once(&queue, outbox.as_ref()).await;
    }
}

/// One round of the relay; how many jobs it queued.
pub async fn relay_once(queue: &JobQueue, outbox: &dyn JobOutboxRepo) -> usize {
    let pending = match outbox.oldest(100).await {
        Ok(pending) => pending,
        Err(e) => {
            tracing::debug!(error = %e, "cannot read the job outbox");
            return 0;
        }
    };
    let mut relayed = 0;
    for deferred in pending {
        let Some(queue_name) = QueueName::from_name(&deferred.job.queue) else {
            tracing::error!(outbox_id = %deferred.id, queue = %deferred.job.queue, "outbox job for an unknown queue; left in place");
            continue;
        };
        let envelope = JobEnvelope {
            name: deferred.job.name.clone(),
            payload: serde_json::from_str(&deferred.job.payload).unwrap_or_default(),
            idempotency_key: Some(
                deferred
                    .job
                    .idempotency_key
                    .clone()
                    .unwrap_or_else(|| format!("outbox:{}", deferred.id)),
            ),
        };
        match queue.enqueue_envelope(queue_name, envelope).await {
            Ok(Enqueued::Queued(_) | Enqueued::Duplicate) => {
                if let Err(e) = outbox.remove(deferred.id).await {
                    tracing::warn!(outbox_id = %deferred.id, error = %e, "queued but not yet removed from the outbox; the next round will");
                    break;
                }
                relayed += 1;
            }
            Err(e) => {
                let _ = outbox.failed_attempt(deferred.id, &format!("{e:#}")).await;
                tracing::debug!(error = %format!("{e:#}"), "queue still unavailable; the outbox waits");
                break;
            }
        }
    }
    if relayed > 0 {
        tracing::info!(relayed, "outbox jobs queued");
    }
    relayed
}
