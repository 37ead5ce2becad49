//! Infrastructure the services lean on that holds no business rule: the catalogue's read
//! cache, the rate limiter with its counters (in memory, or in Redis across instances), and
//! the readiness checks.

pub mod cache;
pub mod catalogue_index;
pub mod rate_limit;
pub mod readiness;
