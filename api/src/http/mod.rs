//! Cross-cutting HTTP concerns, applied around every route in `startup`.

pub mod body_limit;
pub mod metrics;
pub mod problems;
pub mod request_id;
pub mod security_headers;
