//! Redis implementations, used when `[redis] url` is set so several API instances share them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redis::aio::ConnectionManager;
use uuid::Uuid;

use super::{AccessDenylist, RepoError, RepoResult};

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
        redis::cmd("SET")
            .arg(format!("{}:{jti}", self.prefix))
            .arg(1)
            .arg("EX")
            .arg(ttl)
            .query_async::<()>(&mut self.conn.clone())
            .await
            .map_err(unavailable)
    }

    async fn is_denied(&self, ids: &[Uuid]) -> RepoResult<bool> {
        let mut exists = redis::cmd("EXISTS");
        for id in ids {
            exists.arg(format!("{}:{id}", self.prefix));
        }
        let found: u64 = exists.query_async(&mut self.conn.clone()).await.map_err(unavailable)?;
        Ok(found > 0)
    }
}
