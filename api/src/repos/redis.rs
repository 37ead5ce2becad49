//! Redis implementations, used when `[redis] url` is set so several API instances share them,
//! and the one way every part (queue, rate limits, denylist) opens Redis.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use uuid::Uuid;

use super::{AccessDenylist, RepoError, RepoResult};
use crate::config::RedisConfig;

/// A connection to `redis.url` whose every command answers or fails within
/// `redis.timeout_ms`, connecting included: a dead server is an error at once, never a wait
/// on a reconnect loop. Reconnects happen in the background on the next command.
pub async fn connect(config: &RedisConfig) -> anyhow::Result<ConnectionManager> {
    let timeout = Duration::from_millis(config.timeout_ms);
    let client = redis::Client::open(config.url.expose()).map_err(|e| anyhow::anyhow!("redis.url: {e}"))?;
    let settings = ConnectionManagerConfig::new()
        .set_response_timeout(Some(timeout))
        .set_connection_timeout(Some(timeout))
        .set_number_of_retries(1)
        .set_max_delay(timeout);
    ConnectionManager::new_with_config(client, settings)
        .await
        .map_err(|e| anyhow::anyhow!("redis.url: cannot connect: {e}"))
}

/// Runs `cmd`, and once more when the first attempt found the connection broken (a server
/// that restarted or a network blip): that error makes the manager reconnect, so the retry
/// goes over a fresh connection instead of failing the first request after every blip. A
/// timeout is not retried; it already spent the budget.
pub async fn query<T: redis::FromRedisValue>(conn: &ConnectionManager, cmd: &redis::Cmd) -> redis::RedisResult<T> {
    let mut conn = conn.clone();
    match cmd.query_async(&mut conn).await {
        Err(e) if e.is_unrecoverable_error() && !e.is_timeout() => cmd.query_async(&mut conn).await,
        answer => answer,
    }
}

fn unavailable(e: redis::RedisError) -> RepoError {
    RepoError::Unavailable(format!("redis: {e}"))
}

/// Revoked access tokens as keys that expire with the token itself.
pub struct RedisDenylist {
    conn: ConnectionManager,
    prefix: String,
}

impl RedisDenylist {
    pub fn new(conn: ConnectionManager, key_prefix: &str) -> Self {
        Self {
            conn,
            prefix: format!("{key_prefix}:denied-jti"),
        }
    }
}

#[async_trait]
impl AccessDenylist for RedisDenylist {
    async fn deny(&self, jti: Uuid, expires_at: DateTime<Utc>) -> RepoResult<()> {
        let ttl = (expires_at - Utc::now()).num_seconds().max(1);
        let mut set = redis::cmd("SET");
        set.arg(format!("{}:{jti}", self.prefix)).arg(1).arg("EX").arg(ttl);
        query::<()>(&self.conn, &set).await.map_err(unavailable)
    }

    async fn is_denied(&self, ids: &[Uuid]) -> RepoResult<bool> {
        let mut exists = redis::cmd("EXISTS");
        for id in ids {
            exists.arg(format!("{}:{id}", self.prefix));
        }
        let found: u64 = query(&self.conn, &exists).await.map_err(unavailable)?;
        Ok(found > 0)
    }
}
