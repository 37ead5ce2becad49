//! Whether each queue's worker, and each supervised background task (the scheduler, the
//! outbox relay), is running in this process, for `/readyz` and for `/metrics`
//! (`jobs_workers_up{queue}`, `jobs_tasks_up{task}`: 1 or 0). The supervisors mark each down
//! when it stops and up when it starts again.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, PoisonError},
};

use super::job::QueueName;

/// Shared by the supervisor that runs the workers and the readiness check; cheap to clone.
#[derive(Clone, Default)]
pub struct WorkerHealth(Arc<Mutex<BTreeMap<&'static str, bool>>>);

impl WorkerHealth {
    pub fn set(&self, queue: QueueName, up: bool) {
        let name = queue.as_str();
        self.record(name, up);
        metrics::gauge!("jobs_workers_up", "queue" => name).set(if up { 1.0 } else { 0.0 });
    }

    /// The same for a background task (`scheduler`, `outbox-relay`).
    pub fn set_task(&self, task: &'static str, up: bool) {
        self.record(task, up);
        metrics::gauge!("jobs_tasks_up", "task" => task).set(if up { 1.0 } else { 0.0 });
    }

    fn record(&self, name: &'static str, up: bool) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(name, up);
    }

    /// The queues and tasks not running; empty when everything started runs (and in a
    /// process that runs none).
    pub fn down(&self) -> Vec<&'static str> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|(_, up)| !**up)
            .map(|(name, _)| *name)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_is_down_until_it_is_up_again() {
        let health = WorkerHealth::default();
        assert!(health.down().is_empty(), "nothing started, nothing down");
        health.set(QueueName::Mail, true);
        health.set(QueueName::Maintenance, false);
        assert_eq!(health.down(), ["maintenance"]);
        health.set(QueueName::Maintenance, true);
        assert!(health.down().is_empty());
    }
}
