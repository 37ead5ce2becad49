use std::sync::Arc;

use poem::web::Data;

use poem_openapi::{
    Object, OpenApi,
    payload::{Json, PlainText},
};

use super::{ApiTags, AppState};
use crate::http::{
    metrics,
    problem::{Problem, operation_errors},
};

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
    /// 200 when the database answers a ping, 503 otherwise.
    #[oai(path = "/readyz", method = "get", operation_id = "readyz")]
    async fn readyz(&self, state: Data<&Arc<AppState>>) -> Result<Json<HealthStatus>, ReadyzError> {
        let health = &state.repos.health;
        health.ping().await.map_err(Problem::unavailable)?;
        Ok(Json(HealthStatus {
            status: "ready".into(),
            database: Some(health.backend_name().into()),
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
