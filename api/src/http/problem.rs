//! Every error leaves the API as `application/problem+json` (RFC 9457) with a stable `code`.
//!
//! One mapping turns a [`ServiceError`] into a [`Problem`]; each operation declares the
//! statuses it answers with [`operation_errors!`], which builds its response enum and the
//! conversion into it. A status an operation did not declare is logged with the request id
//! and answered as 500, here and nowhere else.

use poem::http::StatusCode;
use poem_openapi::Object;

use crate::{domain::InvalidField, repos::RepoError, services::ServiceError, telemetry};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field that failed validation and why.
#[derive(Object, Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field or parameter name as the client sent it (camelCase; nested with `.`).
    pub field: String,
    pub message: String,
}

impl From<InvalidField> for FieldError {
    fn from(e: InvalidField) -> Self {
        Self {
            field: e.field,
            message: e.message,
        }
    }
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
    /// Seconds before a retry may succeed; sent as `Retry-After`, not in the body.
    #[oai(skip)]
    pub retry_after: Option<u64>,
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
            request_id: telemetry::current_request_id(),
            retry_after: None,
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// 422 `validation_failed`, one entry per field.
    pub fn validation(errors: Vec<InvalidField>) -> Self {
        Self::invalid(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", errors)
    }

    /// 400 `bad_request` for query values out of range, one entry per parameter.
    pub fn bad_request(errors: Vec<InvalidField>) -> Self {
        Self::invalid(StatusCode::BAD_REQUEST, "bad_request", errors)
    }

    fn invalid(status: StatusCode, code: &str, errors: Vec<InvalidField>) -> Self {
        let detail = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        Self::new(status, code, detail).with_errors(errors.into_iter().map(FieldError::from).collect())
    }

    /// A 500; the cause goes to the log only.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an unexpected error occurred".to_owned(),
        )
    }

    /// A 503; the cause goes to the log only.
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %cause, "backing service unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "a backing service is unavailable, retry shortly".to_owned(),
        )
    }

    /// Renders as a plain response, for errors raised outside an OpenAPI operation.
    pub fn into_response(self) -> poem::Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = serde_json::json!({
            "type": self.problem_type,
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
            "errors": self.errors.iter().map(|e| serde_json::json!({"field": e.field, "message": e.message})).collect::<Vec<_>>(),
            "requestId": self.request_id,
        });
        if let Some(map) = body.as_object_mut() {
            map.retain(|_, v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()));
        }
        let mut builder = poem::Response::builder().status(status).content_type(PROBLEM_JSON);
        if let Some(secs) = self.retry_after {
            builder = builder.header(poem::http::header::RETRY_AFTER, secs);
        }
        builder.body(body.to_string())
    }
}

/// The one mapping from what a service reports to what the client is told.
impl From<ServiceError> for Problem {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound(what) => {
                Problem::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
            }
            ServiceError::Invalid(errors) => Problem::validation(errors),
            ServiceError::Conflict { code, detail } => Problem::new(StatusCode::CONFLICT, code, detail),
            ServiceError::InProgress {
                code,
                detail,
                retry_after_secs,
            } => Problem {
                retry_after: Some(retry_after_secs),
                ..Problem::new(StatusCode::CONFLICT, code, detail)
            },
            ServiceError::InsufficientStock { available } => {
                let message = format!("only {available} available");
                Problem::new(StatusCode::CONFLICT, "insufficient_stock", message.clone()).with_errors(vec![
                    FieldError {
                        field: "qty".into(),
                        message,
                    },
                ])
            }
            ServiceError::InvalidTransition { from, to, allowed } => Problem::new(
                StatusCode::CONFLICT,
                "invalid_transition",
                format!("an order that is {from} cannot become {to}; allowed: {allowed}"),
            )
            .with_errors(vec![FieldError {
                field: "status".into(),
                message: format!("allowed from {from}: {allowed}"),
            }]),
            ServiceError::PaymentDeclined { reason } => Problem::new(
                StatusCode::PAYMENT_REQUIRED,
                "payment_declined",
                format!("the payment was declined ({reason}); the cart is kept, try another payment method"),
            )
            .with_errors(vec![FieldError {
                field: "paymentMethod".into(),
                message: reason,
            }]),
            ServiceError::PaymentUnavailable(cause) => Problem::unavailable(format!("payment provider: {cause}")),
            ServiceError::InvalidToken => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_token",
                "the link is invalid, already used or expired; ask for a new one".to_owned(),
            ),
            ServiceError::Unauthenticated(code) => {
                let detail = match code {
                    "token_expired" => "the access token has expired; refresh it",
                    "invalid_credentials" => "wrong email or password",
                    _ => "missing, invalid or revoked credentials",
                };
                Problem::new(StatusCode::UNAUTHORIZED, code, detail.to_owned())
            }
            ServiceError::Forbidden => Problem::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "this account may not do that".to_owned(),
            ),
            ServiceError::Storage(RepoError::Unavailable(cause)) => Problem::unavailable(cause),
            ServiceError::Storage(other) => Problem::internal(other),
        }
    }
}

/// What an operation answers with a status it did not declare: a 500, logged once here.
pub fn undeclared(operation: &str, problem: Problem) -> Problem {
    Problem::internal(format!(
        "{operation} produced an undeclared {} {}: {}",
        problem.status,
        problem.code,
        problem.detail.as_deref().unwrap_or("")
    ))
}

/// Declares an operation's error responses: an `ApiResponse` enum with one problem+json
/// variant per listed kind (plus 500), and conversions from [`Problem`] and [`ServiceError`]
/// that keep a declared status and turn any other into a logged 500.
///
/// ```ignore
/// operation_errors!(
///     /// Errors of `getProduct`.
///     pub enum GetProductError { NotFound, TooManyRequests, Unavailable }
/// );
/// ```
macro_rules! operation_errors {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($kind:ident),* $(,)? }) => {
        operation_errors!(@build [$(#[$meta])* $vis $name] [] [] $($kind)*);
    };
    (@build $head:tt [$($v:tt)*] [$($a:tt)*] BadRequest $($rest:ident)*) => {
        operation_errors!(@build $head [$($v)*
            /// The request could not be read: malformed JSON, a query value of the wrong type
            /// or out of range (`errors` names it), an unusable link token (`invalid_token`).
            #[oai(status = 400, content_type = "application/problem+json")]
            BadRequest(::poem_openapi::payload::Json<$crate::http::problem::Problem>),
        ] [$($a)* (400 BadRequest plain)] $($rest)*);
    };
    (@build $head:tt [$($v:tt)*] [$($a:tt)*] Unauthorized $($rest:ident)*) => {
        operation_errors!(@build $head [$($v)*
            /// No valid credentials: `unauthenticated` (missing, bad or revoked token),
            /// `token_expired`, or `invalid_credentials` (wrong email or password).
            #[oai(status = 401, content_type = "application/problem+json")]
            Unauthorized(::poem_openapi::payload::Json<$crate::http::problem::Problem>),
        ] [$($a)* (401 Unauthorized plain)] $($rest)*);
    };
    (@build $head:tt [$($v:tt)*] [$($a:tt)*] PaymentRequired $($rest:ident)*) => {
        operation_errors!(@build $head [$($v)*
            /// The provider declined the payment (`payment_declined`): the order is cancelled,
            /// its stock released, the cart kept.
            #[oai(status = 402, content_type = "application/problem+json")]
            PaymentRequired(::poem_openapi::payload::Json<$crate::http::problem::Problem>),
        ] [$($a)* (402 PaymentRequired plain)] $($rest)*);
    };
    (@build $head:tt [$($v:tt)*] [$($a:tt)*] Forbidden $($rest:ident)*) => {
        operation_errors!(@build $head [$($v)*
            /// Signed in, but not allowed (`forbidden`): staff only.
            #[oai(status = 403, content_type = "application/problem+json")]
            Forbidden(::poem_openapi::payload::Json<$crate::http::problem::Problem>),
        ] [$($a)* (403 Forbidden plain)] $($rest)*);
    };
    (@build $head:tt [$($v:tt)*] [$($a:tt)*] NotFound $($rest:ident)*) => {
        operation_errors!(@build $head [$($v)*
            /// No such resource, or it belongs to someone else (`not_found`).
            #[oai(status = 404, content_type = "application/problem+json")]
            NotFound(::poem_openapi::payload::Json<$crate::http::problem::Problem>),
        ] [$($a)* (404 NotFound plain)] $($rest)*);
    };
    (@build $head:tt [$($v:tt)*] [$($a:tt)*] Conflict $($rest:ident)*) => {
        operation_errors!(@build $head [$($v)*
            /// The request conflicts with the current state; `code` says how (e.g.
            /// `email_taken`, `insufficient_stock`, `invalid_transition`, `cart_empty`,
            /// `price_changed`, `idempotency_key_reused`, `idempotency_key_in_use` with
            /// `Retry-After`).
            #[oai(status = 409, content_type = "application/problem+json")]
            Conflict(
                ::poem_openapi::payload::Json<$crate::http::problem::Problem>,
                /// Seconds to wait before repeating the request (`idempotency_key_in_use`).
                #[oai(header = "Retry-After")]
                Option<u64>,
            ),
        ] [$($a)* (409 Conflict retry)] $($rest)*);
    };
    (@build $head:tt [$($v:tt)*] [$($a:tt)*] PayloadTooLarge $($rest:ident)*) => {
        operation_errors!(@build $head [$($v)*
            /// The body is larger than `server.max_body_bytes` (`payload_too_large`).
            #[oai(status = 413, content_type = "application/problem+json")]
            PayloadTooLarge(::poem_openapi::payload::Json<$crate::http::problem::Problem>),
        ] [$($a)* (413 PayloadTooLarge plain)] $($rest)*);
    };
    (@build $head:tt [$($v:tt)*] [$($a:tt)*] UnsupportedMediaType $($rest:ident)*) => {
        operation_errors!(@build $head [$($v)*
            /// The body is not `application/json` (`unsupported_media_type`).
            #[oai(status = 415, content_type = "application/problem+json")]
            UnsupportedMediaType(::poem_openapi::payload::Json<$crate::http::problem::Problem>),
        ] [$($a)* (415 UnsupportedMediaType plain)] $($rest)*);
    };
    (@build $head:tt [$($v:tt)*] [$($a:tt)*] Unprocessable $($rest:ident)*) => {
        operation_errors!(@build $head [$($v)*
            /// Well-formed but invalid (`validation_failed`); `errors` lists each field with
            /// the rule it breaks.
            #[oai(status = 422, content_type = "application/problem+json")]
            Unprocessable(::poem_openapi::payload::Json<$crate::http::problem::Problem>),
        ] [$($a)* (422 Unprocessable plain)] $($rest)*);
    };
    (@build $head:tt [$($v:tt)*] [$($a:tt)*] TooManyRequests $($rest:ident)*) => {
        operation_errors!(@build $head [$($v)*
            /// Too many requests from this client or for this account (`rate_limited`).
            #[oai(status = 429, content_type = "application/problem+json")]
            TooManyRequests(
                ::poem_openapi::payload::Json<$crate::http::problem::Problem>,
                /// Seconds until the window resets.
                #[oai(header = "Retry-After")]
                Option<u64>,
            ),
        ] [$($a)* (429 TooManyRequests retry)] $($rest)*);
    };
    (@build $head:tt [$($v:tt)*] [$($a:tt)*] Unavailable $($rest:ident)*) => {
        operation_errors!(@build $head [$($v)*
            /// A backing service (database, Redis, the payment provider) is unavailable
            /// (`unavailable`); retry shortly, with the same `Idempotency-Key` where there is one.
            #[oai(status = 503, content_type = "application/problem+json")]
            Unavailable(::poem_openapi::payload::Json<$crate::http::problem::Problem>),
        ] [$($a)* (503 Unavailable plain)] $($rest)*);
    };
    (@make plain $variant:ident $problem:ident) => {
        Self::$variant(::poem_openapi::payload::Json($problem))
    };
    (@make retry $variant:ident $problem:ident) => {{
        let retry_after = $problem.retry_after;
        Self::$variant(::poem_openapi::payload::Json($problem), retry_after)
    }};
    (@build [$(#[$meta:meta])* $vis:vis $name:ident] [$($v:tt)*] [$(($status:literal $variant:ident $style:ident))*]) => {
        $(#[$meta])*
        #[derive(::poem_openapi::ApiResponse, Debug)]
        $vis enum $name {
            $($v)*
            /// Unexpected failure; details are in the server log under the request id.
            #[oai(status = 500, content_type = "application/problem+json")]
            Internal(::poem_openapi::payload::Json<$crate::http::problem::Problem>),
        }

        impl From<$crate::http::problem::Problem> for $name {
            fn from(problem: $crate::http::problem::Problem) -> Self {
                match problem.status {
                    $($status => operation_errors!(@make $style $variant problem),)*
                    _ => Self::Internal(::poem_openapi::payload::Json(
                        $crate::http::problem::undeclared(stringify!($name), problem),
                    )),
                }
            }
        }

        impl From<Box<$crate::http::problem::Problem>> for $name {
            fn from(problem: Box<$crate::http::problem::Problem>) -> Self {
                (*problem).into()
            }
        }

        impl From<$crate::services::ServiceError> for $name {
            fn from(err: $crate::services::ServiceError) -> Self {
                $crate::http::problem::Problem::from(err).into()
            }
        }
    };
}

pub(crate) use operation_errors;

#[cfg(test)]
mod tests {
    use super::*;

    operation_errors!(
        /// A test operation's errors.
        enum ProbeErrors {
            NotFound,
            Conflict,
        }
    );

    #[test]
    fn declared_statuses_pass_and_others_become_500() {
        assert!(matches!(
            ProbeErrors::from(ServiceError::NotFound("thing")),
            ProbeErrors::NotFound(_)
        ));
        let in_use = ProbeErrors::from(ServiceError::InProgress {
            code: "idempotency_key_in_use",
            detail: "busy".into(),
            retry_after_secs: 1,
        });
        assert!(matches!(in_use, ProbeErrors::Conflict(_, Some(1))));
        match ProbeErrors::from(ServiceError::Forbidden) {
            ProbeErrors::Internal(problem) => assert_eq!(problem.0.status, 500),
            other => panic!("an undeclared 403 must become 500, got {other:?}"),
        }
    }
}
