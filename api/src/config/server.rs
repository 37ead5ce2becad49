//! `[server]`, `[database]`, `[store]`, `[log]`, `[seed]`, `[cache]` and `[redis]`.

use super::*;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub addr: String,
    /// Prefix the whole API is mounted under, e.g. `/api`; empty for the root.
    pub base_path: String,
    pub max_body_bytes: usize,
    pub cors_origins: Vec<String>,
    /// How long in-flight requests may run after a shutdown signal.
    pub shutdown_grace_secs: u64,
    /// How long each readiness check (database, Redis) may take before `/readyz` calls
    /// that part not ready.
    pub readiness_timeout_ms: u64,
    /// A connection on which no byte moves for this long is closed: a request line, headers
    /// or body sent in part and then abandoned, or a keep-alive connection left idle.
    pub idle_timeout_secs: u64,
    /// Connections open at once; more wait in the listen backlog until one closes.
    pub max_connections: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: u32,
    pub min_connections: u32,
    pub connect_timeout_secs: u64,
    pub acquire_timeout_secs: u64,
    /// PostgreSQL ends any statement running longer than this (`statement_timeout`); SQLite
    /// waits on a busy database for at most `sqlite_busy_timeout_ms`.
    pub statement_timeout_secs: u64,
    pub sqlite_busy_timeout_ms: u64,
    /// Log every SQL statement at debug level (target `sqlx::query`).
    pub log_statements: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub name: String,
    pub currency: String,
    pub frontend_url: String,
    /// IANA time zone name (`Europe/Paris`): reports count days, weeks and months in it.
    pub timezone: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A `tracing` filter: `info`, or `beeget_api=debug,info`.
    pub level: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// Seconds the category tree, the collections and the switched-on promotions are served
    /// from memory; 0 disables. Products, prices and stock are never cached: they come from
    /// the catalogue index (`[catalogue]`), which is current.
    pub catalogue_ttl_secs: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self { catalogue_ttl_secs: 10 }
    }
}

/// The catalogue index each API process holds (see `services::catalogue_read_model`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CatalogueConfig {
    /// How often the index reads the change feed for other processes' writes, in
    /// milliseconds: the most another instance's write takes to show here (plus the read).
    /// Writes made by this process show on the next read regardless.
    pub follow_interval_ms: u64,
    /// Products read per statement batch while building the index.
    pub build_batch: u64,
    /// Seconds a change stays in the feed; an instance that falls further behind (stopped,
    /// cut off) rebuilds its index.
    pub feed_retention_secs: u64,
    /// How often the index re-reads the promotions, categories and collections (its shelf
    /// prices and product pages' links come from them), in milliseconds: the most a change
    /// to them takes to show. A promotion's start and end need no reload: they are applied
    /// at that moment.
    pub reference_reload_ms: u64,
    /// A variant holding this many units or fewer is low on stock: the admin product list's
    /// `lowStock` filter and the inventory report's default threshold.
    pub low_stock_threshold: u32,
}

impl Default for CatalogueConfig {
    fn default() -> Self {
        Self {
            follow_interval_ms: 50,
            build_batch: 1_000,
            feed_retention_secs: 86_400,
            reference_reload_ms: 10_000,
            low_stock_threshold: 5,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    /// `redis://host:6379/0`; empty means no Redis (everything stays in-process and in the
    /// database). When set, the job queue lives in Redis. May hold a password, hence secret.
    pub url: Secret,
    /// Prefix of every key Beeget writes, so several stores (or test runs) share one server.
    pub key_prefix: String,
    /// Every Redis command (and connection attempt) answers or fails within this.
    pub timeout_ms: u64,
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            url: Secret::default(),
            key_prefix: "beeget".into(),
            timeout_ms: 1_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeedConfig {
    /// Folder holding the demo catalogue.
    pub dir: String,
    /// Whether `serve` loads the demo catalogue into an empty database.
    pub on_empty_database: bool,
    /// Where development demo account passwords are written (mode 0600).
    pub demo_accounts_file: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".into(),
            base_path: String::new(),
            max_body_bytes: 1024 * 1024,
            cors_origins: vec!["http://localhost:5173".into()],
            shutdown_grace_secs: 30,
            readiness_timeout_ms: 1_000,
            idle_timeout_secs: 30,
            max_connections: 4_096,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://data/beeget.db?mode=rwc".into(),
            max_connections: 16,
            min_connections: 1,
            connect_timeout_secs: 5,
            acquire_timeout_secs: 5,
            statement_timeout_secs: 10,
            sqlite_busy_timeout_ms: 5000,
            log_statements: false,
        }
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            name: "Beeget Fashion".into(),
            currency: "USD".into(),
            frontend_url: "http://localhost:5173".into(),
            timezone: "UTC".into(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Pretty,
        }
    }
}

impl Default for SeedConfig {
    fn default() -> Self {
        Self {
            dir: "seeds".into(),
            on_empty_database: true,
            demo_accounts_file: "data/demo-accounts.txt".into(),
        }
    }
}
