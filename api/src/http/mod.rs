//! Cross-cutting HTTP concerns, applied around every route in `startup`.

pub mod body_limit;
pub mod client_ip;
pub mod connections;
pub mod contract;
pub mod foreign_origin;
pub mod framework_errors;
pub mod media_cache;
pub mod metrics;
pub mod problem;
pub mod rate_limit;
pub mod request_id;
pub mod security_headers;
