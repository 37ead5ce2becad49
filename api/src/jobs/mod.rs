//! Background jobs on a durable queue (apalis): typed jobs, workers with retries and backoff,
//! a scheduler that enqueues each cron tick once across instances, and the operator's view.
//!
//! | backend | when | storage |
//! |---|---|---|
//! | SQLite / PostgreSQL | default | apalis tables beside ours (`Jobs`, schema `apalis`) |
//! | Redis | `redis.url` set | apalis-redis keys under `<key_prefix>:jobs:<queue>` |
//!
//! Delivery is at least once (a worker that dies mid-job leaves it to another after the
//! lease); jobs with an idempotency key are enqueued and performed once per key.

mod abandoned_carts;
mod account_emails;
mod contact_forward;
mod daily_sales_report;
mod health;
mod job;
mod metrics;
mod order_emails;
mod queue;
mod redis_namespace;
mod registry;
mod scheduler;
mod sender;
mod supervisor;
mod unpaid_orders;
mod worker;

pub use abandoned_carts::CleanupAbandonedCarts;
pub use account_emails::{SendPasswordResetEmail, SendVerificationEmail};
pub use contact_forward::ForwardContactMessage;
pub use daily_sales_report::DailySalesReport;
pub use health::WorkerHealth;
pub use job::{Job, JobEnvelope, QueueName};
pub use order_emails::{SendOrderConfirmation, SendOrderDelivered, SendOrderShipped};
pub use queue::{Enqueued, JobQueue, JobRecord, JobStatus};
pub use registry::{JobContext, JobRegistry};
pub use scheduler::{Scheduler, envelope as payloadless_job, schedulable, schedulable_names};
pub use sender::{JobSender, Sent, deferred, relay_once, relay_outbox};
pub use supervisor::supervise_task;
pub use unpaid_orders::{ReleaseUnpaidOrders, release_unpaid_orders};
pub use worker::{JobRunner, run_workers};

/// The store's own jobs.
pub fn builtin_registry() -> JobRegistry {
    let mut registry = JobRegistry::empty();
    registry
        .register(contact_forward::perform)
        .register(account_emails::send_verification)
        .register(account_emails::send_password_reset)
        .register(abandoned_carts::perform)
        .register(order_emails::send_confirmation)
        .register(order_emails::send_shipped)
        .register(order_emails::send_delivered)
        .register(unpaid_orders::perform)
        .register(daily_sales_report::perform);
    registry
}
