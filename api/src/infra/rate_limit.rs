//! Request limits per client and per account: fixed one-minute windows counted in memory, or
//! in Redis so that every instance enforces one shared limit.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
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

/// Redis counts while it answers within `timeout`; otherwise this instance counts in memory,
/// so a Redis outage costs at most `timeout` on one request, not a wait per request. After a
/// failure Redis is tried again once a second. Each outage is logged once, and its state is
/// `dependency_up{name="redis"}`.
pub struct FallbackCounter<P> {
    primary: P,
    local: MemoryCounter,
    timeout: Duration,
    /// While set, Redis is skipped until this instant.
    down_until: Mutex<Option<Instant>>,
}

/// How long a failed Redis is left alone before it is tried again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

impl<P: RateCounter> FallbackCounter<P> {
    pub fn new(primary: P, timeout: Duration) -> Self {
        metrics::gauge!("dependency_up", "name" => "redis").set(1.0);
        Self {
            primary,
            local: MemoryCounter::default(),
            timeout,
            down_until: Mutex::new(None),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.down_until.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl<P: RateCounter> RateCounter for FallbackCounter<P> {
    async fn hit(&self, key: &str, window: u64) -> RepoResult<u64> {
        let skip = self.state().is_some_and(|until| Instant::now() < until);
        if !skip {
            let counted = tokio::time::timeout(self.timeout, self.primary.hit(key, window)).await;
            let was_down = self.state().is_some();
            match counted {
                Ok(Ok(hits)) => {
                    if was_down {
                        *self.state() = None;
                        metrics::gauge!("dependency_up", "name" => "redis").set(1.0);
                        tracing::info!("redis answers again; rate limits are shared again");
                    }
                    return Ok(hits);
                }
                Ok(Err(e)) => self.went_down(was_down, &e.to_string()),
                Err(_) => self.went_down(was_down, &format!("no answer within {} ms", self.timeout.as_millis())),
            }
        }
        self.local.hit(key, window).await
    }
}

impl<P> FallbackCounter<P> {
    fn went_down(&self, was_down: bool, why: &str) {
        *self.down_until.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now() + RETRY_AFTER);
        if !was_down {
            metrics::gauge!("dependency_up", "name" => "redis").set(0.0);
            tracing::warn!(
                error = why,
                "redis unreachable; rate limits counted in this instance's memory"
            );
        }
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

    /// A counter that fails, or hangs, as a Redis that went away would.
    struct Broken {
        hangs: bool,
        calls: AtomicU64,
    }

    #[async_trait]
    impl RateCounter for Broken {
        async fn hit(&self, _key: &str, _window: u64) -> RepoResult<u64> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.hangs {
                std::future::pending::<()>().await;
            }
            Err(RepoError::Unavailable("redis: connection refused".into()))
        }
    }

    #[tokio::test]
    async fn an_unreachable_redis_is_replaced_by_memory_counts_without_waiting_on_it() {
        for hangs in [false, true] {
            let broken = Broken {
                hangs,
                calls: AtomicU64::new(0),
            };
            let counter = FallbackCounter::new(broken, Duration::from_millis(20));
            let started = Instant::now();
            for expected in 1..=5 {
                assert_eq!(counter.hit("ip:1.2.3.4", 7).await.unwrap(), expected);
            }
            assert!(
                started.elapsed() < Duration::from_millis(500),
                "{:?}",
                started.elapsed()
            );
            assert_eq!(
                counter.primary.calls.load(Ordering::SeqCst),
                1,
                "tried once, then left alone until the retry"
            );
        }
    }
}
