//! `[rate_limit]`.

use super::*;

/// Requests per client per minute; counted in memory, or in Redis (shared by every instance)
/// when `redis.url` is set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    pub enabled: bool,
    /// Every route except the health probes and the signed Stripe webhook, per client IP.
    pub per_ip_per_minute: u32,
    /// Sign-in, registration, password reset and verification requests, per client IP.
    pub auth_per_ip_per_minute: u32,
    /// The same routes per email address in the body, whatever IP they come from.
    pub auth_per_email_per_minute: u32,
    /// The contact form, per client IP.
    pub contact_per_ip_per_minute: u32,
    /// The contact form per email address in the body, whatever IP it comes from.
    pub contact_per_email_per_minute: u32,
    /// Peers whose `X-Forwarded-For` is believed (load balancers): IPs or CIDR ranges.
    /// Anyone else's header is ignored and the socket address counts.
    pub trusted_proxies: Vec<String>,
    /// With Redis, how long a count may take before this request is counted in memory
    /// instead; while Redis is unreachable every request is (one warning per outage).
    pub redis_timeout_ms: u64,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            per_ip_per_minute: 100,
            auth_per_ip_per_minute: 10,
            auth_per_email_per_minute: 5,
            contact_per_ip_per_minute: 5,
            contact_per_email_per_minute: 3,
            trusted_proxies: Vec::new(),
            redis_timeout_ms: 50,
        }
    }
}
