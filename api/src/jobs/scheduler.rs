//! Cron schedules from `[jobs.schedule]`, read in the store's time zone (`store.timezone`:
//! `0 0 6 * * *` is 06:00 there, summer and winter). Each tick is enqueued with the
//! idempotency key `schedule:<job>:<tick time>`, which the queue accepts once: however many
//! instances run a scheduler, a tick becomes one job. The job's payload carries the tick
//! (`scheduledAt`), so a job that runs late still knows which tick it stands for.

use std::{str::FromStr, time::Duration};

use anyhow::Context;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{
    abandoned_carts::CleanupAbandonedCarts,
    daily_sales_report::DailySalesReport,
    job::{Job, JobEnvelope, QueueName},
    queue::{Enqueued, JobQueue},
    unpaid_orders::ReleaseUnpaidOrders,
};
use crate::config::JobsConfig;

/// Jobs that need no payload (an empty one means "now") and so can run on a schedule or by
/// `beeget jobs run`.
const SCHEDULABLE: &[(&str, QueueName)] = &[
    (CleanupAbandonedCarts::NAME, CleanupAbandonedCarts::QUEUE),
    (ReleaseUnpaidOrders::NAME, ReleaseUnpaidOrders::QUEUE),
    (DailySalesReport::NAME, DailySalesReport::QUEUE),
];

/// The schedulable job called `name`; case-insensitive, as environment variables lower-case keys.
pub fn schedulable(name: &str) -> Option<(&'static str, QueueName)> {
    SCHEDULABLE
        .iter()
        .copied()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
}

pub fn schedulable_names() -> Vec<&'static str> {
    SCHEDULABLE.iter().map(|(name, _)| *name).collect()
}

/// A payload-less job as the scheduler and `jobs run` enqueue it.
pub fn envelope(name: &str, idempotency_key: Option<String>) -> JobEnvelope {
    JobEnvelope {
        name: name.to_owned(),
        payload: serde_json::json!({}),
        idempotency_key,
    }
}

struct Entry {
    name: &'static str,
    queue: QueueName,
    schedule: cron::Schedule,
}

pub struct Scheduler {
    queue: JobQueue,
    entries: Vec<Entry>,
    /// The zone cron expressions are read in.
    tz: Tz,
    /// First and longest wait between attempts at a tick the queue refused.
    retry: (Duration, Duration),
}

impl Scheduler {
    /// The enabled schedules, read in `tz`; an unknown job name is a configuration error.
    pub fn new(queue: JobQueue, settings: &JobsConfig, tz: Tz) -> anyhow::Result<Self> {
        let mut entries = Vec::new();
        for (name, expression) in &settings.schedule {
            if expression.trim().is_empty() {
                continue;
            }
            let (name, queue) = schedulable(name).with_context(|| {
                format!(
                    "jobs.schedule.{name}: no such schedulable job (known: {})",
                    schedulable_names().join(", ")
                )
            })?;
            let schedule = cron::Schedule::from_str(expression)
                .with_context(|| format!("jobs.schedule.{name}: {expression:?} is not a cron expression"))?;
            entries.push(Entry { name, queue, schedule });
        }
        let retry = (
            Duration::from_millis(settings.restart_backoff_initial_ms),
            Duration::from_millis(settings.restart_backoff_max_ms),
        );
        Ok(Self {
            queue,
            entries,
            tz,
            retry,
        })
    }

    /// Enqueues the tick at `at` of the job `name`, unless some instance already did.
    pub async fn enqueue_tick(&self, name: &str, at: DateTime<Utc>) -> anyhow::Result<Enqueued> {
        let (name, queue) = schedulable(name).with_context(|| format!("{name} is not a schedulable job"))?;
        let key = format!("schedule:{name}:{}", at.timestamp());
        let mut job = envelope(name, Some(key));
        job.payload = serde_json::json!({ "scheduledAt": at });
        self.queue.enqueue_envelope(queue, job).await
    }

    /// Whether no schedule is enabled (then nothing needs running).
    pub fn is_idle(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sleeps until each schedule's next tick and enqueues it, for ever; dropping the future
    /// stops it (a tick dropped half-way is enqueued at most once, by its key). Run under
    /// `jobs::supervise_task`, which starts it again should it stop.
    pub async fn run(self: std::sync::Arc<Self>) {
        if self.entries.is_empty() {
            return std::future::pending().await;
        }
        let names: Vec<_> = self.entries.iter().map(|e| e.name).collect();
        tracing::info!(schedules = ?names, "scheduler started");
        futures_util::future::join_all(self.entries.iter().map(|entry| self.run_entry(entry))).await;
    }

    /// The tick of `schedule` that follows `after`, counted on the store's clock.
    fn next_tick(&self, schedule: &cron::Schedule, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        next_tick(schedule, after, self.tz)
    }

    async fn run_entry(&self, entry: &Entry) {
        let mut after = Utc::now();
        while let Some(next) = self.next_tick(&entry.schedule, after) {
            after = next;
            let wait = (next - Utc::now()).to_std().unwrap_or_default();
            tokio::time::sleep(wait).await;
            self.enqueue_until_done(entry, next).await;
        }
    }

    /// Enqueues the tick `at`, retrying with a doubling wait while the queue is unreachable,
    /// until it is enqueued or the following tick is due (which then stands in for it).
    async fn enqueue_until_done(&self, entry: &Entry, at: DateTime<Utc>) {
        let following = self.next_tick(&entry.schedule, at);
        let mut wait = self.retry.0;
        loop {
            match self.enqueue_tick(entry.name, at).await {
                Ok(Enqueued::Queued(id)) => {
                    tracing::info!(job = entry.name, job_id = %id, tick = %at, queue = entry.queue.as_str(), "scheduled job enqueued");
                    return;
                }
                Ok(Enqueued::Duplicate) => {
                    tracing::debug!(job = entry.name, tick = %at, "tick already enqueued by another instance");
                    return;
                }
                Err(e) => {
                    let retry_at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                    if following.is_some_and(|f| retry_at >= f) {
                        tracing::error!(job = entry.name, tick = %at, error = %format!("{e:#}"), "cannot enqueue scheduled job; the next tick takes its place");
                        return;
                    }
                    tracing::error!(job = entry.name, tick = %at, error = %format!("{e:#}"), retry_in_ms = wait.as_millis() as u64, "cannot enqueue scheduled job; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(self.retry.1);
                }
            }
        }
    }
}

/// The tick of `schedule` after `after`, with the expression read on `tz`'s clock.
fn next_tick(schedule: &cron::Schedule, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    schedule
        .after(&after.with_timezone(&tz))
        .next()
        .map(|tick| tick.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_follow_the_store_clock() {
        let six = cron::Schedule::from_str("0 0 6 * * *").unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let ny = chrono_tz::America::New_York;
        assert_eq!(
            next_tick(&six, at("2026-01-15T12:00:00Z"), ny),
            Some(at("2026-01-16T11:00:00Z")),
            "06:00 EST is 11:00 UTC"
        );
        assert_eq!(
            next_tick(&six, at("2026-07-15T12:00:00Z"), ny),
            Some(at("2026-07-16T10:00:00Z")),
            "06:00 EDT is 10:00 UTC"
        );
        assert_eq!(
            next_tick(&six, at("2026-07-15T12:00:00Z"), Tz::UTC),
            Some(at("2026-07-16T06:00:00Z"))
        );
    }
}
