//! Prometheus metrics: requests by route and status, a latency histogram, and pool gauges.

use std::{
    sync::OnceLock,
    time::{Duration, Instant},
};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use poem::{Endpoint, IntoResponse, Request, Response};

use super::contract::Contract;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// How often histogram samples are folded into their buckets.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The process-wide recorder; installed on first use so several apps in one test process share
/// it. Installed this way the exporter spawns no upkeep task, and without one every histogram
/// sample waits in memory for the next scrape: a thread runs the upkeep, scraped or not.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0],
            )
            .expect("static buckets")
            .install_recorder()
            .expect("metrics recorder installed once");
        let upkeep = handle.clone();
        let _ = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_INTERVAL);
                    upkeep.run_upkeep();
                }
            });
        handle
    })
}

/// Labels requests by OpenAPI operation id so that paths with ids do not explode cardinality.
/// An answer the operation gave carries its id; one the middleware gave before the operation
/// ran (401, 413, 415, 422, 429) is matched against the contract, so it counts under the
/// operation too. Only those pay for the match.
pub async fn middleware<E: Endpoint>(
    next: E,
    req: Request,
    contract: &Contract,
    base_path: &str,
) -> poem::Result<Response> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req
        .uri()
        .path()
        .strip_prefix(base_path)
        .unwrap_or(req.uri().path())
        .to_owned();
    let resp = match next.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) => super::framework_errors::from_error(err),
    };
    let route = match resp.data::<poem_openapi::OperationId>() {
        Some(op) => op.0.to_owned(),
        None => contract
            .operation_id(&method, &path)
            .unwrap_or_else(|| fallback_route(&path))
            .to_owned(),
    };
    let method = method.to_string();
    let status = resp.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_db_queries", "route" => route.clone())
        .record(f64::from(crate::telemetry::current_db_queries()));
    metrics::histogram!("http_request_duration_seconds", "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    Ok(resp)
}

fn fallback_route(path: &str) -> &'static str {
    match path {
        "/openapi.json" => "openapi",
        p if p == "/docs" || p.starts_with("/docs/") => "docs",
        p if p.starts_with("/media/") => "media",
        _ => "unmatched",
    }
}
