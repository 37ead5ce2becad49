//! Turns every error that reaches the edge (framework and ours) into problem+json.

use poem::{Error, Response, http::StatusCode};
use poem_openapi::error::{ParseParamError, ParsePathError, ParseRequestPayloadError};

use crate::error::{FieldError, PROBLEM_JSON, Problem};

fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthenticated",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_ACCEPTABLE => "not_acceptable",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "error",
    }
}

/// Builds the problem response for an error. Responses our handlers already rendered as
/// problems pass through untouched; internals of 5xx errors are logged, never sent.
pub fn from_error(err: Error) -> Response {
    let operation = err.data::<poem_openapi::OperationId>().copied();
    let mut resp = render(err);
    if let Some(op) = operation {
        resp.set_data(op);
    }
    resp
}

fn render(err: Error) -> Response {
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        let field = FieldError {
            field: e.name.to_owned(),
            message: e.reason.clone(),
        };
        return Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("{}: {}", e.name, e.reason),
        )
        .with_errors(vec![field])
        .into_response();
    }
    if let Some(e) = err.downcast_ref::<ParsePathError>() {
        return Problem::new(StatusCode::BAD_REQUEST, "bad_request", e.to_string()).into_response();
    }
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        return Problem::new(StatusCode::BAD_REQUEST, "malformed_json", e.reason.clone()).into_response();
    }
    let status = err.status();
    if err.is_from_response() {
        let resp = err.into_response();
        let is_problem = resp
            .headers()
            .get(poem::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with(PROBLEM_JSON));
        if is_problem {
            return resp;
        }
        return Problem::new(resp.status(), code_for(resp.status()), None).into_response();
    }
    let detail = if status.is_server_error() {
        tracing::error!(error = %err, "unhandled error");
        None
    } else {
        Some(err.to_string())
    };
    Problem::new(status, code_for(status), detail).into_response()
}

/// Rewrites plain error responses (e.g. a 405 from the router) as problems.
pub async fn ensure_problem<E: poem::Endpoint>(next: E, req: poem::Request) -> poem::Result<Response> {
    let resp = match next.call(req).await {
        Ok(resp) => poem::IntoResponse::into_response(resp),
        Err(err) => from_error(err),
    };
    let status = resp.status();
    let already_problem = resp
        .headers()
        .get(poem::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with(PROBLEM_JSON));
    if (status.is_client_error() || status.is_server_error()) && !already_problem {
        let mut problem = Problem::new(status, code_for(status), None).into_response();
        if let Some(op) = resp.data::<poem_openapi::OperationId>().copied() {
            problem.set_data(op);
        }
        for name in [poem::http::header::RETRY_AFTER, poem::http::header::ALLOW] {
            if let Some(v) = resp.headers().get(&name) {
                problem.headers_mut().insert(name, v.clone());
            }
        }
        return Ok(problem);
    }
    Ok(resp)
}
