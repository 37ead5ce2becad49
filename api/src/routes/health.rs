use std::{sync::Arc, time::Duration};

use poem::web::Data;

use poem_openapi::{
    Object, OpenApi,
    payload::{Json, PlainText},
};

use super::{ApiTags, AppState};
use crate::{
    domain::InvalidField,
    http::{
        metrics,
        problem::{Problem, operation_errors},
    },
    infra::readiness,
};
use poem::http::StatusCode;

pub struct HealthApi;

operation_errors!(
    /// Errors of `readyz`.
    pub enum ReadyzError {
        Unavailable,
    }
);

/// Service status.
#[derive(Object, Debug, Clone)]
pub struct HealthStatus {
    /// `ok` when live, `ready` when every backing service answers.
    pub status: String,
    /// Database backend in use (`sqlite` or `postgres`), on readiness checks.
    #[oai(skip_serializing_if_is_none)]
    pub database: Option<String>,
}

#[OpenApi(tag = "ApiTags::Operations")]
impl HealthApi {
    /// Liveness
    ///
    /// Answers as long as the process serves HTTP; checks no dependency.
    #[oai(path = "/healthz", method = "get", operation_id = "healthz")]
    async fn healthz(&self) -> Json<HealthStatus> {
        Json(HealthStatus {
            status: "ok".into(),
            database: None,
        })
    }

    /// Readiness
    ///
    /// 200 when every part this process needs answers: the database, Redis when the job queue
    /// lives there, the catalogue index (built from the database at start), and the job
    /// workers in a process that runs them, each within `server.readiness_timeout_ms`.
    /// Otherwise 503 `unavailable`, naming each part that is not ready in `errors[].field`
    /// (`database`, `redis`, `catalogue`, `workers.mail`…).
    #[oai(path = "/readyz", method = "get", operation_id = "readyz")]
    async fn readyz(&self, state: Data<&Arc<AppState>>) -> Result<Json<HealthStatus>, ReadyzError> {
        let timeout = Duration::from_millis(state.config.server.readiness_timeout_ms);
        let not_ready = readiness::check(
            state.repos.health.as_ref(),
            &state.jobs,
            &state.workers,
            state.catalogue.read_model().is_ready(),
            timeout,
        )
        .await;
        if !not_ready.is_empty() {
            let parts: Vec<&str> = not_ready.iter().map(|n| n.part.as_str()).collect();
            tracing::warn!(parts = ?parts, "not ready");
            let detail = format!("not ready: {}", parts.join(", "));
            let errors = not_ready
                .into_iter()
                .map(|n| InvalidField::new(n.part, n.reason).into())
                .collect();
            return Err(Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
                .with_errors(errors)
                .into());
        }
        Ok(Json(HealthStatus {
            status: "ready".into(),
            database: Some(state.repos.health.backend_name().into()),
        }))
    }

    /// Prometheus metrics
    ///
    /// Requests by route and status, latency histograms, database pool gauges and job
    /// counters (enqueued, finished by outcome, run time, queue depth), in the Prometheus
    /// text format.
    #[oai(path = "/metrics", method = "get", operation_id = "metrics")]
    async fn metrics(&self, state: Data<&Arc<AppState>>) -> PlainText<String> {
        let (open, idle) = state.repos.health.pool_state();
        ::metrics::gauge!("db_pool_connections", "state" => "open").set(f64::from(open));
        ::metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(idle));
        ::metrics::gauge!("db_pool_max_connections").set(f64::from(state.config.database.max_connections));
        state.jobs.export_depth().await;
        PlainText(metrics::handle().render())
    }
}
