//! Business operations. Services take validated domain values, call repository traits and
//! return domain records; they know nothing of HTTP.

pub mod audit;
pub mod auth;
pub mod cart;
pub mod carts;
pub mod catalogue;
pub mod catalogue_admin;
pub mod catalogue_read_model;
pub mod content;
pub mod dashboard;
pub mod gdpr;
pub mod orders;
pub mod page_admin;
pub mod product_images;
pub mod profile;
pub mod promotion_admin;
pub mod sales_report;
pub mod taxonomy_admin;
pub mod user_admin;

use crate::{domain::InvalidField, repos::RepoError};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The named resource does not exist (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("invalid input")]
    Invalid(Vec<InvalidField>),
    /// A uniqueness or state rule was broken: a stable `code` and what to do about it.
    #[error("conflict: {code}: {detail}")]
    Conflict { code: &'static str, detail: String },
    /// No valid credentials; the code says which (`unauthenticated`, `token_expired`,
    /// `invalid_credentials`).
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    /// Authenticated, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// The same request (by its idempotency key) is still being processed; retry after
    /// `retry_after_secs` to get its answer.
    #[error("in progress: {code}: {detail}")]
    InProgress {
        code: &'static str,
        detail: String,
        retry_after_secs: u64,
    },
    /// Fewer in stock than asked for.
    #[error("only {available} in stock")]
    InsufficientStock { available: u32 },
    /// A one-time token (verification, reset) that is unknown, used or expired.
    #[error("invalid or expired token")]
    InvalidToken,
    /// The order lifecycle does not allow this change; `allowed` names what it does allow.
    #[error("an order that is {from} cannot become {to}; allowed: {allowed}")]
    InvalidTransition {
        from: crate::domain::order_status::OrderStatus,
        to: crate::domain::order_status::OrderStatus,
        allowed: String,
    },
    /// The payment provider refused the payment; `reason` is its code (`card_declined`).
    #[error("payment declined: {reason}")]
    PaymentDeclined { reason: String },
    /// The payment provider could not be reached or failed; nothing was decided.
    #[error("payment provider unavailable: {0}")]
    PaymentUnavailable(String),
    #[error(transparent)]
    Storage(#[from] RepoError),
}

impl ServiceError {
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
        }
    }
}

impl From<crate::domain::order_status::InvalidTransition> for ServiceError {
    fn from(e: crate::domain::order_status::InvalidTransition) -> Self {
        Self::InvalidTransition {
            from: e.from,
            to: e.to,
            allowed: e.from.allowed_names(),
        }
    }
}

impl From<InvalidField> for ServiceError {
    fn from(e: InvalidField) -> Self {
        Self::Invalid(vec![e])
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
