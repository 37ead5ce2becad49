//! The durable queue: apalis storage in the database's own tables (SQLite, PostgreSQL), or in
//! Redis when `redis.url` is set. Enqueueing, and the operator's view (list, retry, depth).
//!
//! About 560 lines: three storage backends behind one queue type, each needing its own
//! enqueue, listing and retry statements; they are kept side by side so they stay alike.

use std::{collections::HashSet, sync::Arc, time::Duration};

use anyhow::Context;
use apalis::prelude::{TaskBuilder, TaskId, TaskSink};
use apalis_postgres::PostgresStorage;
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use chrono::{DateTime, Utc};
use sea_orm::{
    DatabaseConnection, DbBackend,
    sqlx::{PgPool, SqlitePool},
};
use serde::Serialize;

use super::{
    job::{Job, JobEnvelope, QueueName},
    metrics,
    redis_namespace::NamespacedConnection,
};
use crate::config::{Config, JobsConfig};

/// How long Redis remembers an idempotency key (the SQL tables keep theirs with the job row).
const REDIS_IDEMPOTENCY_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// The job states an operator sees, whatever the backend calls them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Failed,
    Done,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Failed => "failed",
            JobStatus::Done => "done",
        }
    }

    /// apalis row state → ours. A `Failed` row with attempts left is waiting for its retry.
    fn from_store(status: &str, attempts: i64, max_attempts: i64) -> Self {
        match status {
            "Done" => JobStatus::Done,
            "Running" => JobStatus::Running,
            "Killed" => JobStatus::Failed,
            "Failed" if attempts >= max_attempts => JobStatus::Failed,
            _ => JobStatus::Queued,
        }
    }
}

/// One job as `beeget jobs list` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRecord {
    pub id: String,
    pub queue: String,
    pub name: String,
    pub status: JobStatus,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub idempotency_key: Option<String>,
}

/// What an enqueue did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enqueued {
    /// Stored under this id.
    Queued(String),
    /// A job with the same idempotency key was already enqueued; nothing was added.
    Duplicate,
}

#[derive(Clone)]
pub(super) enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    Redis { conn: NamespacedConnection, prefix: String },
}

/// A handle on the queue; cheap to clone.
#[derive(Clone)]
pub struct JobQueue {
    pub(super) store: Store,
    pub(super) settings: Arc<JobsConfig>,
}

impl JobQueue {
    /// The configured queue: Redis when `redis.url` is set, otherwise tables in the database
    /// behind `db` (created here if missing).
    pub async fn connect(config: &Config, db: &DatabaseConnection) -> anyhow::Result<Self> {
        let store = if config.redis.url.is_empty() {
            match db.get_database_backend() {
                DbBackend::Postgres => {
                    let pool = db.get_postgres_connection_pool().clone();
                    // Schema `apalis`; needs the pgcrypto and hstore extensions.
                    PostgresStorage::<()>::setup(&pool)
                        .await
                        .context("creating the job tables (schema apalis)")?;
                    Store::Postgres(pool)
                }
                _ => {
                    let pool = db.get_sqlite_connection_pool().clone();
                    // Only the schema: `SqliteStorage::setup` would also relax durability pragmas
                    // on pooled connections our own tables use.
                    SqliteStorage::<()>::migrations()
                        .run(&pool)
                        .await
                        .context("creating the job tables")?;
                    Store::Sqlite(pool)
                }
            }
        } else {
            let conn = crate::repos::redis::connect(&config.redis).await?;
            Store::Redis {
                conn: NamespacedConnection::new(conn, &config.redis.key_prefix),
                prefix: config.redis.key_prefix.clone(),
            }
        };
        Ok(Self {
            store,
            settings: Arc::new(config.jobs.clone()),
        })
    }

    /// `sqlite`, `postgres` or `redis`.
    pub fn backend_name(&self) -> &'static str {
        match self.store {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
            Store::Redis { .. } => "redis",
        }
    }

    /// Whether the queue's own server answers: a Redis `PING` when the queue lives in Redis
    /// (in the database, the database check covers it). The caller bounds the wait.
    pub async fn ping(&self) -> anyhow::Result<()> {
        if let Store::Redis { conn, .. } = &self.store {
            let _: String = redis::cmd("PING").query_async(&mut conn.clone()).await?;
        }
        Ok(())
    }

    /// The backend's name for a queue: Redis keys carry the configured prefix.
    pub(super) fn queue_key(&self, queue: QueueName) -> String {
        match &self.store {
            Store::Redis { prefix, .. } => format!("{prefix}:jobs:{}", queue.as_str()),
            _ => queue.as_str().to_owned(),
        }
    }

    pub(super) fn redis_config(&self, queue: QueueName) -> apalis_redis::Config {
        apalis_redis::Config::default()
            .queue(self.queue_key(queue))
            .idempotency_ttl(Some(REDIS_IDEMPOTENCY_TTL))
    }

    pub async fn enqueue<J: Job>(&self, job: &J) -> anyhow::Result<Enqueued> {
        let envelope = JobEnvelope::of(job).with_context(|| format!("serialising job {}", J::NAME))?;
        self.enqueue_envelope(J::QUEUE, envelope).await
    }

    /// Stores a job for the workers of `queue`. With an idempotency key, a second enqueue of
    /// the same key is a no-op reported as `Duplicate`.
    pub async fn enqueue_envelope(&self, queue: QueueName, envelope: JobEnvelope) -> anyhow::Result<Enqueued> {
        let id = ulid::Ulid::generate().to_string();
        let name = envelope.name.clone();
        let mut builder = TaskBuilder::new(envelope.clone())
            .task_id(TaskId::from_string(id.clone()))
            .max_attempts(self.settings.max_attempts);
        if let Some(key) = &envelope.idempotency_key {
            builder = builder.idempotency_key(key);
        }
        let task = builder.build();
        let queue_key = self.queue_key(queue);
        let pushed = match &self.store {
            Store::Sqlite(pool) => {
                let mut storage = SqliteStorage::<JobEnvelope>::new(pool)
                    .with_config(apalis_sqlite::Config::default().queue(&queue_key));
                storage.push_task(task).await.map_err(|e| anyhow::anyhow!("{e}"))
            }
            Store::Postgres(pool) => {
                let mut storage = PostgresStorage::<JobEnvelope>::new(pool)
                    .with_config(apalis_postgres::Config::default().queue(&queue_key));
                match storage.push_task(task).await {
                    // PostgreSQL reports a repeated idempotency key as a unique violation.
                    Err(e) if envelope.idempotency_key.is_some() && is_unique_violation(&e.to_string()) => Ok(()),
                    other => other.map_err(|e| anyhow::anyhow!("{e}")),
                }
            }
            Store::Redis { conn, .. } => {
                let mut storage = RedisStorage::<JobEnvelope, NamespacedConnection>::new(conn.clone())
                    .with_config(self.redis_config(queue));
                storage.push_task(task).await.map_err(|e| anyhow::anyhow!("{e}"))
            }
        };
        pushed.with_context(|| format!("enqueueing job {name}"))?;
        // SQLite and Redis drop a repeated idempotency key silently: the id tells. Without a
        // key nothing can be dropped, so that round trip is spared.
        if envelope.idempotency_key.is_none() || self.exists(queue, &id).await? {
            metrics::enqueued(&name);
            tracing::debug!(job = %name, job_id = %id, queue = queue.as_str(), "job enqueued");
            Ok(Enqueued::Queued(id))
        } else {
            tracing::debug!(job = %name, key = ?envelope.idempotency_key, "job already enqueued under its idempotency key");
            Ok(Enqueued::Duplicate)
        }
    }

    async fn exists(&self, queue: QueueName, id: &str) -> anyhow::Result<bool> {
        Ok(match &self.store {
            Store::Sqlite(pool) => sea_orm::sqlx::query("SELECT 1 FROM Jobs WHERE id = ?1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .is_some(),
            Store::Postgres(pool) => sea_orm::sqlx::query("SELECT 1 FROM apalis.jobs WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .is_some(),
            Store::Redis { conn, .. } => {
                let data = self.redis_config(queue).job_data_hash();
                redis::cmd("HEXISTS")
                    .arg(data)
                    .arg(id)
                    .query_async::<bool>(&mut conn.clone())
                    .await?
            }
        })
    }

    /// Jobs newest first, optionally of one status.
    pub async fn list(&self, status: Option<JobStatus>, limit: usize) -> anyhow::Result<Vec<JobRecord>> {
        let mut records = match &self.store {
            Store::Sqlite(pool) => {
                let sql = format!(
                    "SELECT id, job_type, job, status, attempts, max_attempts, run_at, done_at, last_result, \
                     idempotency_key FROM Jobs WHERE {} ORDER BY run_at DESC, id DESC LIMIT {limit}",
                    status_condition(status)
                );
                let rows: Vec<SqlTuple> = sea_orm::sqlx::query_as(sea_orm::sqlx::AssertSqlSafe(sql))
                    .fetch_all(pool)
                    .await?;
                rows.into_iter()
                    .map(|t| SqlRow::from_tuple(t).into_record())
                    .collect::<Vec<_>>()
            }
            Store::Postgres(pool) => {
                let sql = format!(
                    "SELECT id, job_type, job, status, attempts::bigint AS attempts, max_attempts::bigint AS \
                     max_attempts, extract(epoch from run_at)::bigint AS run_at, extract(epoch from done_at)::bigint \
                     AS done_at, last_result::text AS last_result, idempotency_key FROM apalis.jobs WHERE {} \
                     ORDER BY run_at DESC, id DESC LIMIT {limit}",
                    status_condition(status)
                );
                let rows: Vec<SqlTuple> = sea_orm::sqlx::query_as(sea_orm::sqlx::AssertSqlSafe(sql))
                    .fetch_all(pool)
                    .await?;
                rows.into_iter().map(|t| SqlRow::from_tuple(t).into_record()).collect()
            }
            Store::Redis { .. } => {
                let mut all = Vec::new();
                for queue in QueueName::ALL {
                    all.extend(self.redis_list(queue).await?);
                }
                all.sort_by(|a, b| b.id.cmp(&a.id));
                all
            }
        };
        records.retain(|r| status.is_none_or(|s| r.status == s));
        records.truncate(limit);
        Ok(records)
    }

    /// One page of jobs, newest first, optionally of one status, and how many there are in
    /// all. SQL stores count in the database; Redis lists its (short-lived) jobs whole.
    pub async fn page(
        &self,
        status: Option<JobStatus>,
        offset: usize,
        limit: usize,
    ) -> anyhow::Result<(Vec<JobRecord>, u64)> {
        let total = match &self.store {
            Store::Sqlite(pool) => {
                let sql = format!("SELECT count(*) FROM Jobs WHERE {}", status_condition(status));
                let (n,): (i64,) = sea_orm::sqlx::query_as(sea_orm::sqlx::AssertSqlSafe(sql))
                    .fetch_one(pool)
                    .await?;
                Some(n)
            }
            Store::Postgres(pool) => {
                let sql = format!("SELECT count(*) FROM apalis.jobs WHERE {}", status_condition(status));
                let (n,): (i64,) = sea_orm::sqlx::query_as(sea_orm::sqlx::AssertSqlSafe(sql))
                    .fetch_one(pool)
                    .await?;
                Some(n)
            }
            Store::Redis { .. } => None,
        };
        let Some(total) = total else {
            // Redis lists its jobs whole anyway: one listing gives the page and the count.
            let all = self.list(status, usize::MAX).await?;
            let total = all.len() as u64;
            return Ok((all.into_iter().skip(offset).take(limit).collect(), total));
        };
        let records = self.list(status, offset.saturating_add(limit)).await?;
        Ok((records.into_iter().skip(offset).collect(), total.max(0) as u64))
    }

    async fn redis_list(&self, queue: QueueName) -> anyhow::Result<Vec<JobRecord>> {
        let Store::Redis { conn, .. } = &self.store else {
            return Ok(Vec::new());
        };
        let mut conn = conn.clone();
        let config = self.redis_config(queue);
        let (data, active, scheduled, dead, done): RedisQueueState = redis::pipe()
            .cmd("HGETALL")
            .arg(config.job_data_hash())
            .cmd("LRANGE")
            .arg(config.active_jobs_list())
            .arg(0)
            .arg(-1)
            .cmd("ZRANGE")
            .arg(config.scheduled_jobs_set())
            .arg(0)
            .arg(-1)
            .cmd("SMEMBERS")
            .arg(config.dead_jobs_set())
            .cmd("SMEMBERS")
            .arg(config.done_jobs_set())
            .query_async(&mut conn)
            .await?;
        let waiting: HashSet<String> = active.into_iter().chain(scheduled).collect();
        let dead: HashSet<String> = dead.into_iter().collect();
        let done: HashSet<String> = done.into_iter().collect();
        // Every job's metadata in one round trip, zipped back in the same order.
        let data: Vec<(String, Vec<u8>)> = data.into_iter().collect();
        if data.is_empty() {
            return Ok(Vec::new());
        }
        let mut metas = redis::pipe();
        for (id, _) in &data {
            metas.cmd("HGETALL").arg(format!("{}:{id}", config.job_meta_hash()));
        }
        let metas: Vec<std::collections::HashMap<String, String>> = metas.query_async(&mut conn).await?;
        let mut records = Vec::with_capacity(data.len());
        for ((id, job), meta) in data.into_iter().zip(metas) {
            let number = |key: &str| meta.get(key).and_then(|v| v.parse::<i64>().ok());
            let status = if done.contains(&id) {
                JobStatus::Done
            } else if dead.contains(&id) {
                JobStatus::Failed
            } else if waiting.contains(&id) {
                JobStatus::Queued
            } else {
                JobStatus::Running
            };
            let envelope = serde_json::from_slice::<JobEnvelope>(&job).ok();
            records.push(JobRecord {
                queue: queue.as_str().to_owned(),
                name: envelope.as_ref().map_or_else(|| "?".to_owned(), |e| e.name.clone()),
                status,
                attempts: number("attempts").unwrap_or(0),
                max_attempts: self.settings.max_attempts as i64,
                run_at: None,
                done_at: number("done_at").and_then(|t| DateTime::from_timestamp(t, 0)),
                last_error: (status == JobStatus::Failed)
                    .then(|| meta.get("result").map(|r| error_text(r)))
                    .flatten(),
                idempotency_key: envelope.and_then(|e| e.idempotency_key),
                id,
            });
        }
        Ok(records)
    }

    /// Puts a failed job back in its queue with a fresh set of attempts. `false` when there is
    /// no failed job with that id.
    pub async fn retry(&self, id: &str) -> anyhow::Result<bool> {
        match &self.store {
            Store::Sqlite(pool) => Ok(sea_orm::sqlx::query(
                "UPDATE Jobs SET status = 'Pending', attempts = 0, lock_by = NULL, lock_at = NULL, done_at = NULL, \
                 run_at = strftime('%s', 'now') WHERE id = ?1 AND (status = 'Killed' OR (status = 'Failed' AND \
                 attempts >= max_attempts))",
            )
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
                == 1),
            Store::Postgres(pool) => Ok(sea_orm::sqlx::query(
                "UPDATE apalis.jobs SET status = 'Pending', attempts = 0, lock_by = NULL, lock_at = NULL, \
                 done_at = NULL, run_at = now() WHERE id = $1 AND (status = 'Killed' OR (status = 'Failed' AND \
                 attempts >= max_attempts))",
            )
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
                == 1),
            Store::Redis { conn, .. } => {
                let mut conn = conn.clone();
                for queue in QueueName::ALL {
                    let config = self.redis_config(queue);
                    let removed: i64 = redis::cmd("SREM")
                        .arg(config.dead_jobs_set())
                        .arg(id)
                        .query_async(&mut conn)
                        .await?;
                    if removed == 1 {
                        let () = redis::pipe()
                            .atomic()
                            .cmd("HSET")
                            .arg(format!("{}:{id}", config.job_meta_hash()))
                            .arg("status")
                            .arg("Pending")
                            .arg("attempts")
                            .arg(0)
                            .ignore()
                            .cmd("RPUSH")
                            .arg(config.active_jobs_list())
                            .arg(id)
                            .ignore()
                            .cmd("LPUSH")
                            .arg(config.signal_list())
                            .arg(1)
                            .ignore()
                            .query_async(&mut conn)
                            .await?;
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }

    /// Sets the `jobs_queue_depth` gauge; a backend that does not answer leaves it as it was.
    pub async fn export_depth(&self) {
        match self.depth().await {
            Ok(depths) => depths.into_iter().for_each(|(queue, n)| metrics::queue_depth(queue, n)),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "cannot read the job queue depth"),
        }
    }

    /// Jobs waiting per queue (due now or later), for the queue-depth gauge.
    pub async fn depth(&self) -> anyhow::Result<Vec<(QueueName, i64)>> {
        let mut depths = Vec::new();
        for queue in QueueName::ALL {
            let key = self.queue_key(queue);
            let waiting: i64 =
                match &self.store {
                    Store::Sqlite(pool) => {
                        sea_orm::sqlx::query_scalar(
                            "SELECT COUNT(*) FROM Jobs WHERE job_type = ?1 AND (status IN ('Pending', 'Queued') OR \
                         (status = 'Failed' AND attempts < max_attempts))",
                        )
                        .bind(&key)
                        .fetch_one(pool)
                        .await?
                    }
                    Store::Postgres(pool) => sea_orm::sqlx::query_scalar(
                        "SELECT COUNT(*) FROM apalis.jobs WHERE job_type = $1 AND (status IN ('Pending', 'Queued') OR \
                         (status = 'Failed' AND attempts < max_attempts))",
                    )
                    .bind(&key)
                    .fetch_one(pool)
                    .await?,
                    Store::Redis { conn, .. } => {
                        let config = self.redis_config(queue);
                        let (active, scheduled): (i64, i64) = redis::pipe()
                            .cmd("LLEN")
                            .arg(config.active_jobs_list())
                            .cmd("ZCARD")
                            .arg(config.scheduled_jobs_set())
                            .query_async(&mut conn.clone())
                            .await?;
                        active + scheduled
                    }
                };
            depths.push((queue, waiting));
        }
        Ok(depths)
    }
}

/// The SQL form of `JobStatus::from_store`, so filtering happens in the database.
fn status_condition(status: Option<JobStatus>) -> &'static str {
    match status {
        None => "TRUE",
        Some(JobStatus::Queued) => {
            "(status IN ('Pending', 'Queued') OR (status = 'Failed' AND attempts < max_attempts))"
        }
        Some(JobStatus::Running) => "status = 'Running'",
        Some(JobStatus::Failed) => "(status = 'Killed' OR (status = 'Failed' AND attempts >= max_attempts))",
        Some(JobStatus::Done) => "status = 'Done'",
    }
}

fn is_unique_violation(message: &str) -> bool {
    message.contains("duplicate key") || message.contains("unique")
}

/// apalis keeps a result as JSON (`{"Err": "…"}`); operators want the message.
fn error_text(raw: &str) -> String {
    let text = match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(serde_json::Value::Object(map)) => match map.get("Err") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => raw.to_owned(),
        },
        Ok(serde_json::Value::String(s)) => s,
        _ => raw.to_owned(),
    };
    text.strip_prefix("AbortError: ").map(str::to_owned).unwrap_or(text)
}

/// One queue's keys as `redis_list` reads them: payloads by id, then the ids waiting now,
/// waiting for a time, dead and done.
type RedisQueueState = (
    std::collections::HashMap<String, Vec<u8>>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
);

/// The columns `list` selects, in order.
type SqlTuple = (
    String,
    String,
    Vec<u8>,
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

struct SqlRow {
    id: String,
    job_type: String,
    job: Vec<u8>,
    status: String,
    attempts: i64,
    max_attempts: i64,
    run_at: Option<i64>,
    done_at: Option<i64>,
    last_result: Option<String>,
    idempotency_key: Option<String>,
}

impl SqlRow {
    fn from_tuple(t: SqlTuple) -> Self {
        let (id, job_type, job, status, attempts, max_attempts, run_at, done_at, last_result, idempotency_key) = t;
        Self {
            id,
            job_type,
            job,
            status,
            attempts,
            max_attempts,
            run_at,
            done_at,
            last_result,
            idempotency_key,
        }
    }

    fn into_record(self) -> JobRecord {
        let status = JobStatus::from_store(&self.status, self.attempts, self.max_attempts);
        let envelope = serde_json::from_slice::<JobEnvelope>(&self.job).ok();
        JobRecord {
            queue: self.job_type,
            name: envelope.map_or_else(|| "?".to_owned(), |e| e.name),
            status,
            attempts: self.attempts,
            max_attempts: self.max_attempts,
            run_at: self.run_at.and_then(|t| DateTime::from_timestamp(t, 0)),
            done_at: self.done_at.and_then(|t| DateTime::from_timestamp(t, 0)),
            last_error: (status == JobStatus::Failed || status == JobStatus::Queued && self.attempts > 0)
                .then(|| self.last_result.as_deref().map(error_text))
                .flatten(),
            idempotency_key: self.idempotency_key,
            id: self.id,
        }
    }
}
