//! Turns every error that reaches the edge (framework and ours) into problem+json.

use poem::{Error, Response, http::StatusCode};
use poem_openapi::error::{ParseParamError, ParsePathError, ParseRequestPayloadError};

use super::problem::{FieldError, PROBLEM_JSON, Problem};

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
        let message = readable_reason(&e.reason);
        let detail = format!("{}: {message}", e.name);
        let field = FieldError {
            field: e.name.to_owned(),
            message,
        };
        return Problem::new(StatusCode::BAD_REQUEST, "bad_request", detail)
            .with_errors(vec![field])
            .into_response();
    }
    if let Some(e) = err.downcast_ref::<ParsePathError>() {
        return Problem::new(StatusCode::BAD_REQUEST, "bad_request", e.to_string()).into_response();
    }
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        // A well-formed body with a field the client may not send is a validation failure.
        if let Some(field) = unknown_field(&e.reason) {
            let error = FieldError {
                field: field.clone(),
                message: "is not a field of this request".to_owned(),
            };
            return Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!("{field}: is not a field of this request"),
            )
            .with_errors(vec![error])
            .into_response();
        }
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
    // The error's own text may name server internals (a static-file error carries the absolute
    // path it refused), so it goes to the log and the client gets the status's meaning only.
    if status.is_server_error() {
        tracing::error!(error = %err, "unhandled error");
    } else {
        tracing::debug!(error = %err, "request refused");
    }
    Problem::new(status, code_for(status), None).into_response()
}

fn unknown_field(reason: &str) -> Option<String> {
    let rest = reason.split("unknown field `").nth(1)?;
    rest.split('`').next().map(str::to_owned)
}

/// Rephrases poem-openapi's parameter errors for people ("must be at most 100").
fn readable_reason(reason: &str) -> String {
    let reason = reason.split(" (occurred while parsing").next().unwrap_or(reason);
    let bound = |prefix: &str| {
        reason
            .strip_prefix(prefix)
            .and_then(|rest| rest.split([',', ')']).next())
            .map(str::to_owned)
    };
    if let Some(max) = bound("verification failed. maximum(") {
        return format!("must be at most {max}");
    }
    if let Some(min) = bound("verification failed. minimum(") {
        return format!("must be at least {min}");
    }
    if let Some(max) = bound("verification failed. maxLength(").or_else(|| bound("verification failed. max_length(")) {
        return format!("must be at most {max} characters");
    }
    if reason.contains("valid enumeration value") {
        return "is not one of the allowed values listed in the API description".to_owned();
    }
    if reason.contains("invalid digit") || reason.contains("integer") || reason.contains("number") {
        return "must be a whole number".to_owned();
    }
    if reason.contains("bool") {
        return "must be true or false".to_owned();
    }
    reason.to_owned()
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

#[cfg(test)]
mod tests {
    use super::readable_reason;

    #[test]
    fn rephrases_validator_failures() {
        assert_eq!(
            readable_reason("verification failed. maximum(100, exclusive: false)"),
            "must be at most 100"
        );
        assert_eq!(
            readable_reason("verification failed. minimum(0, exclusive: false)"),
            "must be at least 0"
        );
        assert_eq!(
            readable_reason(
                "failed to parse \"Sort\": Expect a valid enumeration value. (occurred while parsing \"x\")"
            ),
            "is not one of the allowed values listed in the API description"
        );
    }
}
