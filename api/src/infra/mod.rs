//! Infrastructure the services lean on that holds no business rule: the catalogue's read
//! cache and the rate limiter with its counters (in memory, or in Redis across instances).

pub mod cache;
pub mod rate_limit;
