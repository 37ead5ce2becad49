//! Structured logs with `tracing`: pretty for people, JSON (with the request span's fields,
//! request id included, on every line) for machines.

use std::sync::atomic::{AtomicU32, Ordering};

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::{LogConfig, LogFormat};

/// Installs the global subscriber. `RUST_LOG` wins over `log.level` when set.
pub fn init(config: &LogConfig) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.level));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match config.format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().with_writer(std::io::stderr)).try_init(),
    };
    // A second init (tests, embedded use) keeps the first subscriber.
    drop(result);
}

/// What the current request has done so far, kept in a task-local for its whole lifetime.
pub struct RequestContext {
    pub id: String,
    db_queries: AtomicU32,
}

tokio::task_local! {
    static REQUEST: RequestContext;
}

impl RequestContext {
    pub fn new(id: String) -> Self {
        Self {
            id,
            db_queries: AtomicU32::new(0),
        }
    }

    /// Runs `fut` with this context as the current request.
    pub async fn scope<F: Future>(self, fut: F) -> F::Output {
        REQUEST.scope(self, fut).await
    }
}

/// The id of the request being handled on this task, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST.try_with(|r| r.id.clone()).ok()
}

/// Database statements the current request has run so far (0 outside a request).
pub fn current_db_queries() -> u32 {
    REQUEST.try_with(|r| r.db_queries.load(Ordering::Relaxed)).unwrap_or(0)
}

/// Called by the storage layer for every statement, so N+1 patterns show in logs and metrics.
pub fn record_db_query(elapsed: std::time::Duration, failed: bool) {
    let _ = REQUEST.try_with(|r| r.db_queries.fetch_add(1, Ordering::Relaxed));
    metrics::histogram!("db_query_duration_seconds").record(elapsed.as_secs_f64());
    if failed {
        metrics::counter!("db_query_errors_total").increment(1);
    }
}
