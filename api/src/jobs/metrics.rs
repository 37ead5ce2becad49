//! Job metrics, exported with the HTTP ones at `/metrics`.

use std::time::Duration;

use super::job::QueueName;

pub fn enqueued(job: &str) {
    metrics::counter!("jobs_enqueued_total", "job" => job.to_owned()).increment(1);
}

/// How a run ended: `succeeded`, `retried` (failed, will run again) or `failed` (for good).
pub fn finished(job: &str, outcome: &'static str, took: Duration) {
    metrics::counter!("jobs_finished_total", "job" => job.to_owned(), "outcome" => outcome).increment(1);
    metrics::histogram!("job_duration_seconds", "job" => job.to_owned()).record(took.as_secs_f64());
}

pub fn queue_depth(queue: QueueName, waiting: i64) {
    metrics::gauge!("jobs_queue_depth", "queue" => queue.as_str()).set(waiting as f64);
}
