//! `X-Request-Id`: taken from the client when sane, generated otherwise, returned on the
//! response, recorded on the request's tracing span (so on every log line) and in problems.

use std::time::Instant;

use poem::{Endpoint, IntoResponse, Request, Response, http::HeaderValue};
use tracing::Instrument;

use crate::telemetry::{self, RequestContext};

pub const HEADER: &str = "x-request-id";

/// The id of the request being handled on this task, if any.
pub fn current() -> Option<String> {
    telemetry::current_request_id()
}

fn accept_client_id(raw: Option<&HeaderValue>) -> Option<String> {
    let id = raw?.to_str().ok()?;
    let sane =
        !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    sane.then(|| id.to_owned())
}

pub async fn middleware<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let id = accept_client_id(req.headers().get(HEADER)).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    let started = Instant::now();
    let fut = async move {
        let mut resp = match next.call(req).await {
            Ok(resp) => resp.into_response(),
            Err(err) => super::framework_errors::from_error(err),
        };
        tracing::info!(
            status = resp.status().as_u16(),
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            db_queries = telemetry::current_db_queries(),
            "request finished"
        );
        if let Ok(value) = HeaderValue::from_str(&current().unwrap_or_default()) {
            resp.headers_mut().insert(HEADER, value);
        }
        resp
    };
    Ok(RequestContext::new(id).scope(fut.instrument(span)).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_checked() {
        let ok = HeaderValue::from_static("abc-123_x.y:z");
        assert_eq!(accept_client_id(Some(&ok)).as_deref(), Some("abc-123_x.y:z"));
        let bad = HeaderValue::from_static("has space");
        assert_eq!(accept_client_id(Some(&bad)), None);
        let long = HeaderValue::from_str(&"a".repeat(129)).unwrap();
        assert_eq!(accept_client_id(Some(&long)), None);
        assert_eq!(accept_client_id(None), None);
    }
}
