//! Request limits per client and per account: fixed one-minute windows counted in memory, or
//! in Redis so that every instance enforces one shared limit.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{SystemTime, UNIX_EPOCH},
};

use async_trait::async_trait;

use redis::aio::ConnectionManager;

use crate::{
    config::RateLimitConfig,
    http::client_ip::IpRange,
    repos::{RepoError, RepoResult},
};

pub const WINDOW_SECS: u64 = 60;

/// Counts hits per key and window.
#[async_trait]
pub trait RateCounter: Send + Sync {
    /// Adds one hit to `key` in window number `window`; returns the hits so far.
    async fn hit(&self, key: &str, window: u64) -> RepoResult<u64>;
}

/// The in-process counter: one map, swept of old windows as it goes.
#[derive(Default)]
pub struct MemoryCounter {
    windows: Mutex<HashMap<String, (u64, u64)>>,
    hits: AtomicU64,
}

#[async_trait]
impl RateCounter for MemoryCounter {
    async fn hit(&self, key: &str, window: u64) -> RepoResult<u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if self.hits.fetch_add(1, Ordering::Relaxed).is_multiple_of(1024) {
            windows.retain(|_, (w, _)| *w >= window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 += 1;
        Ok(entry.1)
    }
}

/// The outcome of one limit for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset_secs: u64,
    pub allowed: bool,
}

pub struct RateLimiter {
    counter: Box<dyn RateCounter>,
    config: RateLimitConfig,
    trusted: Vec<IpRange>,
}

impl RateLimiter {
    pub fn new(counter: Box<dyn RateCounter>, config: &RateLimitConfig) -> Self {
        Self {
            counter,
            trusted: config
                .trusted_proxies
                .iter()
                .filter_map(|p| IpRange::parse(p))
                .collect(),
            config: config.clone(),
        }
    }

    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    pub fn trusted_proxies(&self) -> &[IpRange] {
        &self.trusted
    }

    /// Counts a request of `who` against `bucket`'s `limit` per minute.
    pub async fn check(&self, bucket: &str, who: &str, limit: u32) -> RepoResult<Decision> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let window = now / WINDOW_SECS;
        let hits = self.counter.hit(&format!("{bucket}:{who}"), window).await?;
        let limit64 = u64::from(limit);
        Ok(Decision {
            limit,
            remaining: limit64.saturating_sub(hits) as u32,
            reset_secs: (window + 1) * WINDOW_SECS - now,
            allowed: hits <= limit64,
        })
    }
}

/// Rate-limit windows as Redis counters, shared by every API instance.
pub struct RedisRateCounter {
    conn: ConnectionManager,
    prefix: String,
}

impl RedisRateCounter {
    pub fn new(conn: ConnectionManager, key_prefix: &str) -> Self {
        Self {
            conn,
            prefix: format!("{key_prefix}:rate"),
        }
    }
}

#[async_trait]
impl RateCounter for RedisRateCounter {
    async fn hit(&self, key: &str, window: u64) -> RepoResult<u64> {
        let key = format!("{}:{key}:{window}", self.prefix);
        // Count and expiry in one transaction, so no counter outlives its window by much.
        let (hits,): (u64,) = redis::pipe()
            .atomic()
            .cmd("INCR")
            .arg(&key)
            .cmd("EXPIRE")
            .arg(&key)
            .arg(2 * WINDOW_SECS)
            .ignore()
            .query_async(&mut self.conn.clone())
            .await
            .map_err(|e| RepoError::Unavailable(format!("redis: {e}")))?;
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_per_key_and_window() {
        let limiter = RateLimiter::new(Box::<MemoryCounter>::default(), &RateLimitConfig::default());
        for expected in (0..3).rev() {
            let d = limiter.check("ip", "1.2.3.4", 3).await.unwrap();
            assert!(d.allowed);
            assert_eq!(d.remaining, expected);
            assert!(d.reset_secs >= 1 && d.reset_secs <= WINDOW_SECS);
        }
        assert!(!limiter.check("ip", "1.2.3.4", 3).await.unwrap().allowed);
        assert!(
            limiter.check("ip", "5.6.7.8", 3).await.unwrap().allowed,
            "another client"
        );
        let counter = MemoryCounter::default();
        assert_eq!(counter.hit("k", 1).await.unwrap(), 1);
        assert_eq!(counter.hit("k", 1).await.unwrap(), 2);
        assert_eq!(counter.hit("k", 2).await.unwrap(), 1, "a new window starts at zero");
    }
}
