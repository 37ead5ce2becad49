//! Every error leaves the API as `application/problem+json` (RFC 9457) with a stable `code`.

use poem::http::StatusCode;
use poem_openapi::{ApiResponse, Object, payload::Json};

use crate::{domain::InvalidField, http::request_id, repos::RepoError};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field that failed validation and why.
#[derive(Object, Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field or parameter name as the client sent it (camelCase).
    pub field: String,
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct Problem {
    /// A URI naming the problem type.
    #[oai(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    /// Stable machine-readable code, e.g. `validation_failed`.
    pub code: String,
    #[oai(skip_serializing_if_is_none)]
    pub detail: Option<String>,
    #[oai(skip_serializing_if_is_empty, default)]
    pub errors: Vec<FieldError>,
    /// The request id, to quote when reporting a problem.
    #[oai(skip_serializing_if_is_none)]
    pub request_id: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<Option<String>>) -> Self {
        Self {
            problem_type: format!("https://beeget.dev/problems/{}", code.replace('_', "-")),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            code: code.to_owned(),
            detail: detail.into(),
            errors: Vec::new(),
            request_id: request_id::current(),
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// Renders as a plain response, for errors raised outside an OpenAPI operation.
    pub fn into_response(self) -> poem::Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({
            "type": self.problem_type,
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
            "errors": self.errors.iter().map(|e| serde_json::json!({"field": e.field, "message": e.message})).collect::<Vec<_>>(),
            "requestId": self.request_id,
        });
        let mut body = body;
        if let Some(map) = body.as_object_mut() {
            map.retain(|_, v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()));
        }
        poem::Response::builder()
            .status(status)
            .content_type(PROBLEM_JSON)
            .body(body.to_string())
    }
}

/// The error side of operations that write. Each variant is one documented status.
#[derive(ApiResponse, Debug)]
pub enum ApiError {
    /// The request could not be understood (malformed JSON, unknown query value).
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No such resource.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request conflicts with the current state (a taken email, a used slug).
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// The body is larger than the server accepts.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The body is not `application/json`.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Well-formed but invalid fields; `errors` lists each one.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Unexpected failure; details are in the server log under the request id.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// A backing service is unavailable; retry later.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

/// The error side of read operations.
#[derive(ApiResponse, Debug)]
pub enum ReadError {
    /// A query parameter could not be parsed or is out of range; `errors` names it.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No such resource (an unknown or hidden slug).
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// Parameters that are valid alone but not together (e.g. `minPrice` above `maxPrice`).
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Unexpected failure; details are in the server log under the request id.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// A backing service is unavailable; retry later.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

impl From<ApiError> for ReadError {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::BadRequest(p) => Self::BadRequest(p),
            ApiError::NotFound(p) => Self::NotFound(p),
            ApiError::Unprocessable(p) => Self::Unprocessable(p),
            ApiError::Unavailable(p) => Self::Unavailable(p),
            ApiError::Internal(p) => Self::Internal(p),
            other => Self::Internal(internal_problem(format!("unexpected error on a read: {other:?}"))),
        }
    }
}

/// The error side of the readiness probe.
#[derive(ApiResponse, Debug)]
pub enum ProbeError {
    /// A backing service did not answer.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

impl ApiError {
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(Json(Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )))
    }

    pub fn validation(errors: Vec<InvalidField>) -> Self {
        let detail = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        let errors = errors
            .into_iter()
            .map(|e| FieldError {
                field: e.field,
                message: e.message,
            })
            .collect();
        Self::Unprocessable(Json(
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail).with_errors(errors),
        ))
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(internal_problem(cause))
    }

    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        Self::Unavailable(unavailable_problem(cause))
    }
}

/// A 500 problem; the cause goes to the log only.
fn internal_problem(cause: impl std::fmt::Display) -> Json<Problem> {
    tracing::error!(error = %cause, "internal error");
    Json(Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "an unexpected error occurred".to_owned(),
    ))
}

/// A 503 problem; the cause goes to the log only.
pub fn unavailable_problem(cause: impl std::fmt::Display) -> Json<Problem> {
    tracing::warn!(error = %cause, "backing service unavailable");
    Json(Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "a backing service is unavailable, retry shortly".to_owned(),
    ))
}

impl From<RepoError> for ApiError {
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::Unavailable(e) => Self::unavailable(e),
            other => Self::internal(other),
        }
    }
}

/// The error side of operations that need or hand out credentials (tags Auth, Users, Admin).
#[derive(ApiResponse, Debug)]
pub enum AuthError {
    /// The request could not be understood, or a one-time token is unknown, used or expired
    /// (`invalid_token`).
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No valid credentials: `unauthenticated` (missing, bad or revoked token),
    /// `token_expired`, or `invalid_credentials` (wrong email or password).
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// Signed in, but not allowed (`forbidden`), e.g. a shopper on an admin route.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// No such resource, or it belongs to someone else.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request conflicts with the current state (`email_taken`, `address_limit`).
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// The body is larger than the server accepts.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The body is not `application/json`.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Well-formed but invalid fields; `errors` lists each one with the rule it breaks.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Too many requests from this client (or for this account); see `Retry-After`.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>),
    /// Unexpected failure; details are in the server log under the request id.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// A backing service is unavailable; retry later.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

impl AuthError {
    pub fn unauthenticated(code: &str) -> Self {
        let detail = match code {
            "token_expired" => "the access token has expired; refresh it",
            "invalid_credentials" => "wrong email or password",
            _ => "missing, invalid or revoked credentials",
        };
        Self::Unauthorized(Json(Problem::new(StatusCode::UNAUTHORIZED, code, detail.to_owned())))
    }

    pub fn forbidden() -> Self {
        Self::Forbidden(Json(Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this account may not do that".to_owned(),
        )))
    }
}

impl From<ApiError> for AuthError {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::BadRequest(p) => Self::BadRequest(p),
            ApiError::NotFound(p) => Self::NotFound(p),
            ApiError::Conflict(p) => Self::Conflict(p),
            ApiError::PayloadTooLarge(p) => Self::PayloadTooLarge(p),
            ApiError::UnsupportedMediaType(p) => Self::UnsupportedMediaType(p),
            ApiError::Unprocessable(p) => Self::Unprocessable(p),
            ApiError::Internal(p) => Self::Internal(p),
            ApiError::Unavailable(p) => Self::Unavailable(p),
        }
    }
}

/// The error side of reads that need credentials.
#[derive(ApiResponse, Debug)]
pub enum AuthReadError {
    /// A query parameter could not be parsed or is out of range; `errors` names it.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No valid credentials (`unauthenticated`, `token_expired`).
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// No such resource, or it belongs to someone else.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// Signed in, but not allowed (`forbidden`), e.g. a shopper on an admin route.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// Parameters that are valid alone but not together.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Too many requests from this client; see `Retry-After`.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>),
    /// Unexpected failure; details are in the server log under the request id.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// A backing service is unavailable; retry later.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

impl From<AuthError> for AuthReadError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::BadRequest(p) => Self::BadRequest(p),
            AuthError::Unauthorized(p) => Self::Unauthorized(p),
            AuthError::Forbidden(p) => Self::Forbidden(p),
            AuthError::NotFound(p) => Self::NotFound(p),
            AuthError::Unprocessable(p) => Self::Unprocessable(p),
            AuthError::TooManyRequests(p) => Self::TooManyRequests(p),
            AuthError::Internal(p) => Self::Internal(p),
            AuthError::Unavailable(p) => Self::Unavailable(p),
            other => Self::Internal(internal_problem(format!("unexpected error on a read: {other:?}"))),
        }
    }
}

/// The error side of placing an order: the credential errors plus a refused payment (402).
#[derive(ApiResponse, Debug)]
pub enum OrderError {
    /// The request could not be understood (a missing `Idempotency-Key`, malformed JSON).
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No valid credentials (`unauthenticated`, `token_expired`).
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// The provider declined the payment (`payment_declined`): the order is cancelled, its
    /// stock released, the cart kept.
    #[oai(status = 402, content_type = "application/problem+json")]
    PaymentRequired(Json<Problem>),
    /// Signed in, but not allowed (`forbidden`).
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// No such resource, or it belongs to someone else.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// `insufficient_stock` (with the count left), `cart_empty`, `cart_has_unavailable_items`
    /// (a product or variant was removed), `price_changed` (look at the cart again),
    /// `idempotency_key_reused` (the key came with another body), `idempotency_key_in_use`
    /// (a request with this key is still being processed: retry after `Retry-After`
    /// seconds), `invalid_transition`.
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(
        Json<Problem>,
        /// Seconds to wait before repeating the request (with `idempotency_key_in_use`).
        #[oai(header = "Retry-After")]
        Option<u64>,
    ),
    /// The body is larger than the server accepts.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The body is not `application/json`.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Well-formed but invalid fields; `errors` lists each one.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Too many requests from this client; see `Retry-After`.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>),
    /// Unexpected failure; details are in the server log under the request id.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// A backing service (the payment provider) is unavailable; retry with the same key.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

impl From<AuthError> for OrderError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::BadRequest(p) => Self::BadRequest(p),
            AuthError::Unauthorized(p) => Self::Unauthorized(p),
            AuthError::Forbidden(p) => Self::Forbidden(p),
            AuthError::NotFound(p) => Self::NotFound(p),
            AuthError::Conflict(p) => Self::Conflict(p, None),
            AuthError::PayloadTooLarge(p) => Self::PayloadTooLarge(p),
            AuthError::UnsupportedMediaType(p) => Self::UnsupportedMediaType(p),
            AuthError::Unprocessable(p) => Self::Unprocessable(p),
            AuthError::TooManyRequests(p) => Self::TooManyRequests(p),
            AuthError::Internal(p) => Self::Internal(p),
            AuthError::Unavailable(p) => Self::Unavailable(p),
        }
    }
}
