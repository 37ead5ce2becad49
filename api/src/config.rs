//! One typed configuration: embedded defaults, then `config.toml` (or `--config FILE`), then
//! `BEEGET_<SECTION>__<KEY>` environment variables. Validated once at start-up.

use std::{collections::BTreeMap, net::SocketAddr, path::Path, str::FromStr};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

use base64::{Engine, engine::general_purpose::STANDARD};

use crate::domain::money::Currency;

/// The 32-byte key in `encoded` (base64), if that is what it holds (`encryption.keys`).
pub fn decode_key(encoded: &str) -> Option<[u8; 32]> {
    STANDARD.decode(encoded.trim()).ok()?.try_into().ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Test,
    Production,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub env: Environment,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub store: StoreConfig,
    pub log: LogConfig,
    pub media: MediaConfig,
    pub seed: SeedConfig,
    pub cache: CacheConfig,
    pub email: EmailConfig,
    pub redis: RedisConfig,
    pub jobs: JobsConfig,
    pub auth: AuthConfig,
    pub encryption: EncryptionConfig,
    pub rate_limit: RateLimitConfig,
    pub shipping: ShippingConfig,
    pub pricing: PricingConfig,
    pub payments: PaymentsConfig,
}

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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: u32,
    pub min_connections: u32,
    pub connect_timeout_secs: u64,
    pub acquire_timeout_secs: u64,
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
pub struct MediaConfig {
    /// Folder of uploaded and seeded images, served under `url_prefix`.
    pub dir: String,
    pub url_prefix: String,
}

/// A secret from config or env: never printed by `Debug`, never logged.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "<unset>" } else { "<redacted>" })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTransport {
    Outbox,
    Smtp,
    Sendgrid,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    pub transport: EmailTransport,
    /// Sender, e.g. `Beeget Fashion <hello@beeget.local>`.
    pub from: String,
    /// Where staff mail (contact form, daily report) goes.
    pub staff_address: String,
    /// Folder for `.eml` files when `transport = "outbox"`.
    pub outbox_dir: String,
    pub smtp: SmtpConfig,
    pub sendgrid: SendGridConfig,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            transport: EmailTransport::Outbox,
            from: "Beeget Fashion <hello@beeget.local>".into(),
            staff_address: "Beeget Staff <staff@beeget.local>".into(),
            outbox_dir: "data/outbox".into(),
            smtp: SmtpConfig::default(),
            sendgrid: SendGridConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No encryption: only for a relay on the same host or in tests.
    None,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: String,
    /// Set with `BEEGET_EMAIL__SMTP__PASSWORD`.
    pub password: Secret,
    pub timeout_secs: u64,
    pub pool_max_size: u32,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: 587,
            tls: SmtpTls::Starttls,
            username: String::new(),
            password: Secret::default(),
            timeout_secs: 10,
            pool_max_size: 4,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SendGridConfig {
    /// Set with `BEEGET_EMAIL__SENDGRID__API_KEY`.
    pub api_key: Secret,
    pub base_url: String,
    pub timeout_secs: u64,
}

impl Default for SendGridConfig {
    fn default() -> Self {
        Self {
            api_key: Secret::default(),
            base_url: "https://api.sendgrid.com".into(),
            timeout_secs: 10,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// Seconds a catalogue read (list page, product page, category tree) is served from
    /// memory; 0 disables the cache. Writes in this process clear it at once.
    pub catalogue_ttl_secs: u64,
    /// Most cached catalogue entries per kind.
    pub catalogue_max_entries: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            catalogue_ttl_secs: 10,
            catalogue_max_entries: 10_000,
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
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            url: Secret::default(),
            key_prefix: "beeget".into(),
        }
    }
}

/// Background jobs: the queue lives in the database, or in Redis when `redis.url` is set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Run the workers and the scheduler inside `beeget serve` (the embedded default).
    /// Turn off when `beeget worker` runs them elsewhere.
    pub run_in_server: bool,
    /// Jobs run at the same time per queue (`mail`, `maintenance`).
    pub concurrency: BTreeMap<String, usize>,
    /// Attempts per job, the first included, before it ends as failed.
    pub max_attempts: usize,
    /// Wait before the first retry; doubles per attempt (with jitter) up to `backoff_max_ms`.
    pub backoff_initial_ms: u64,
    pub backoff_max_ms: u64,
    /// How often an idle worker looks for new jobs.
    pub poll_interval_ms: u64,
    /// Workers report every `heartbeat_secs`; a worker silent for `heartbeat_secs ×
    /// missed_heartbeats` is presumed dead and its running jobs are queued again (the lease).
    pub heartbeat_secs: u64,
    pub missed_heartbeats: usize,
    /// On shutdown, running jobs get this long to finish before the process exits anyway.
    pub shutdown_timeout_secs: u64,
    /// Cron expressions (seconds field first: `sec min hour day month weekday`) per job name;
    /// an empty string disables a schedule.
    pub schedule: BTreeMap<String, String>,
    /// `cleanupAbandonedCarts` removes carts untouched for more than this many days.
    pub abandoned_cart_days: u32,
    /// Carts deleted per statement by `cleanupAbandonedCarts`.
    pub cleanup_batch_size: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            run_in_server: true,
            concurrency: BTreeMap::from([("mail".into(), 4), ("maintenance".into(), 1)]),
            max_attempts: 5,
            backoff_initial_ms: 1_000,
            backoff_max_ms: 300_000,
            poll_interval_ms: 500,
            heartbeat_secs: 10,
            missed_heartbeats: 3,
            shutdown_timeout_secs: 30,
            schedule: BTreeMap::from([
                ("cleanupAbandonedCarts".into(), "0 30 3 * * *".into()),
                ("releaseUnpaidOrders".into(), "0 */5 * * * *".into()),
            ]),
            abandoned_cart_days: 30,
            cleanup_batch_size: 500,
        }
    }
}

impl JobsConfig {
    /// Concurrency of a queue; queues not listed get 1.
    pub fn concurrency_of(&self, queue: &str) -> usize {
        self.concurrency.get(queue).copied().unwrap_or(1).max(1)
    }
}

/// Development-only secrets: usable out of the box, refused when `env = "production"`.
pub const DEV_SIGNING_KEY: &str = "beeget-development-only-signing-key-do-not-use-in-production";
pub const DEV_ENCRYPTION_KEY: &str = "YmVlZ2V0LWRldmVsb3BtZW50LW9ubHkta2V5LTMyYiE=";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// `iss` and `aud` of every access token; tokens naming others are refused.
    pub issuer: String,
    pub audience: String,
    pub access_ttl_secs: u64,
    pub refresh_ttl_days: u64,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway_secs: u64,
    /// The key id (`kid`) new tokens are signed with; it must be in `signing_keys`.
    pub current_key: String,
    /// HS256 secrets by key id, at least 32 bytes each. Keep a retired key here while tokens
    /// signed with it may still be alive (`access_ttl_secs`); remove it to refuse them.
    /// Set with `BEEGET_AUTH__SIGNING_KEYS__<KID>`.
    pub signing_keys: BTreeMap<String, Secret>,
    pub verification_ttl_hours: u64,
    pub reset_ttl_minutes: u64,
    /// argon2id cost; OWASP's recommendation by default. Hashes made with other parameters are
    /// upgraded at the next successful login.
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    /// Password hashes computed at once; 0 means half the CPU cores (at least one), leaving
    /// the rest to serve other requests during a burst of logins.
    pub max_concurrent_hashes: usize,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            issuer: "beeget".into(),
            audience: "beeget-api".into(),
            access_ttl_secs: 15 * 60,
            refresh_ttl_days: 7,
            leeway_secs: 30,
            current_key: "dev".into(),
            signing_keys: BTreeMap::from([("dev".into(), Secret::new(DEV_SIGNING_KEY))]),
            verification_ttl_hours: 24,
            reset_ttl_minutes: 60,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            max_concurrent_hashes: 0,
        }
    }
}

/// AES-256-GCM for personal data at rest (names, address lines, phones).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EncryptionConfig {
    /// The key id new values are encrypted with; it must be in `keys`.
    pub current_key: String,
    /// Base64 of 32 random bytes per key id (`openssl rand -base64 32`). Older keys stay to
    /// decrypt until `beeget keys rotate` has re-encrypted everything with the current one.
    /// Set with `BEEGET_ENCRYPTION__KEYS__<KID>`.
    pub keys: BTreeMap<String, Secret>,
}

impl Default for EncryptionConfig {
    fn default() -> Self {
        Self {
            current_key: "dev".into(),
            keys: BTreeMap::from([("dev".into(), Secret::new(DEV_ENCRYPTION_KEY))]),
        }
    }
}

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
    /// Peers whose `X-Forwarded-For` is believed (load balancers): IPs or CIDR ranges.
    /// Anyone else's header is ignored and the socket address counts.
    pub trusted_proxies: Vec<String>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            per_ip_per_minute: 100,
            auth_per_ip_per_minute: 10,
            auth_per_email_per_minute: 5,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Shipping charged on an order, in minor units of the store currency.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShippingConfig {
    pub flat_rate: i64,
    /// Orders whose discounted subtotal reaches this ship free; 0 means never free.
    pub free_over: i64,
}

impl Default for ShippingConfig {
    fn default() -> Self {
        Self {
            flat_rate: 695,
            free_over: 10_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromotionsApplyTo {
    /// Promotions reduce the sale price when an item is on sale.
    EffectivePrice,
    /// Items on sale get no promotion on top.
    FullPriceOnly,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PricingConfig {
    pub promotions_apply_to: PromotionsApplyTo,
}

impl Default for PricingConfig {
    fn default() -> Self {
        Self {
            promotions_apply_to: PromotionsApplyTo::EffectivePrice,
        }
    }
}

/// Which provider takes payments, and how long an unpaid order holds its stock.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentsConfig {
    pub provider: PaymentProviderKind,
    /// Orders still `pending_payment` after this many minutes are cancelled and their stock
    /// released by `releaseUnpaidOrders`.
    pub pending_timeout_minutes: u32,
    /// Orders released per run of `releaseUnpaidOrders`.
    pub release_batch_size: u64,
    pub stripe: StripeConfig,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        Self {
            provider: PaymentProviderKind::Fake,
            pending_timeout_minutes: 30,
            release_batch_size: 100,
            stripe: StripeConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentProviderKind {
    /// Deterministic, in-process; Stripe's test payment methods (the embedded default).
    Fake,
    /// Stripe's PaymentIntents API (`[payments.stripe]`).
    Stripe,
}

/// Stripe: the API for `provider = "stripe"`, and the webhook endpoint
/// (`POST /payments/stripe/webhook`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StripeConfig {
    /// The secret API key (`sk_live_…`, `sk_test_…`).
    pub secret_key: Secret,
    /// Where the Stripe API is; empty for Stripe itself (tests point it at localstripe).
    pub api_base: String,
    /// Sent with each confirmation: where a redirect-based payment method brings the shopper
    /// back. Empty sends none (card payments need none).
    pub return_url: String,
    /// Per-request timeout towards Stripe.
    pub timeout_secs: u64,
    /// The endpoint's signing secret (`whsec_…`); empty turns the webhook endpoint off.
    pub webhook_secret: Secret,
    /// How old a signed webhook may be, in seconds.
    pub webhook_tolerance_secs: i64,
}

impl Default for StripeConfig {
    fn default() -> Self {
        Self {
            secret_key: Secret::default(),
            api_base: String::new(),
            return_url: String::new(),
            timeout_secs: 20,
            webhook_secret: Secret::default(),
            webhook_tolerance_secs: 300,
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

impl Default for Config {
    fn default() -> Self {
        Self {
            env: Environment::Development,
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            store: StoreConfig::default(),
            log: LogConfig::default(),
            media: MediaConfig::default(),
            seed: SeedConfig::default(),
            cache: CacheConfig::default(),
            email: EmailConfig::default(),
            redis: RedisConfig::default(),
            jobs: JobsConfig::default(),
            auth: AuthConfig::default(),
            encryption: EncryptionConfig::default(),
            rate_limit: RateLimitConfig::default(),
            shipping: ShippingConfig::default(),
            pricing: PricingConfig::default(),
            payments: PaymentsConfig::default(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".into(),
            base_path: String::new(),
            max_body_bytes: 1024 * 1024,
            cors_origins: vec!["http://localhost:5173".into()],
            shutdown_grace_secs: 30,
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

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            dir: "data/media".into(),
            url_prefix: "/media".into(),
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

/// A configuration problem, naming the key at fault.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Loads defaults, then the file (required when given explicitly, optional otherwise), then env.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!("config file {} does not exist", path.display())));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("config.toml").exists() => figment = figment.merge(Toml::file_exact("config.toml")),
            None => {}
        }
        Self::from_figment(figment.merge(beeget_env()))
    }

    /// Extracts and validates; also used by tests to build configs in memory.
    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Config = figment.extract().map_err(|e| ConfigError(describe_figment_error(e)))?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let fail = |key: &str, why: &str| Err(ConfigError(format!("{key}: {why}")));
        if self.server.addr.parse::<SocketAddr>().is_err() {
            return fail("server.addr", "must be an IP address and port, e.g. 127.0.0.1:8080");
        }
        let base = &self.server.base_path;
        if !base.is_empty() && (!base.starts_with('/') || base.ends_with('/') || base.contains("//")) {
            return fail(
                "server.base_path",
                "must be empty or start with '/' and not end with '/'",
            );
        }
        if self.server.max_body_bytes < 1024 {
            return fail("server.max_body_bytes", "must be at least 1024");
        }
        if let Some(bad) = self
            .server
            .cors_origins
            .iter()
            .find(|o| !(o.starts_with("http://") || o.starts_with("https://")))
        {
            return Err(ConfigError(format!(
                "server.cors_origins: {bad:?} is not an http(s) origin"
            )));
        }
        let url = &self.database.url;
        if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return fail("database.url", "must start with sqlite:, postgres:// or postgresql://");
        }
        if self.database.max_connections == 0 || self.database.min_connections > self.database.max_connections {
            return fail(
                "database.max_connections",
                "must be at least 1 and not below database.min_connections",
            );
        }
        if self.payments.pending_timeout_minutes == 0 {
            return fail("payments.pending_timeout_minutes", "must be at least 1");
        }
        if self.payments.release_batch_size == 0 {
            return fail("payments.release_batch_size", "must be at least 1");
        }
        if self.payments.provider == PaymentProviderKind::Stripe {
            if self.payments.stripe.secret_key.is_empty() {
                return fail(
                    "payments.stripe.secret_key",
                    "is required when payments.provider = \"stripe\" (set BEEGET_PAYMENTS__STRIPE__SECRET_KEY)",
                );
            }
            if self.payments.stripe.webhook_secret.is_empty() {
                return fail(
                    "payments.stripe.webhook_secret",
                    "is required when payments.provider = \"stripe\": 3-D Secure payments complete through the webhook",
                );
            }
            let base = &self.payments.stripe.api_base;
            if !(base.is_empty() || base.starts_with("https://") || base.starts_with("http://")) {
                return fail("payments.stripe.api_base", "must be empty or an http(s) URL");
            }
        }
        if !(1..=3600).contains(&self.payments.stripe.webhook_tolerance_secs) {
            return fail("payments.stripe.webhook_tolerance_secs", "must be 1 to 3600");
        }
        if let Err(e) = Currency::parse("store.currency", &self.store.currency) {
            return Err(ConfigError(e.to_string()));
        }
        if self.store.name.trim().is_empty() {
            return fail("store.name", "must not be empty");
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return fail(
                "log.level",
                "is not a valid filter such as 'info' or 'beeget_api=debug,info'",
            );
        }
        for (key, address) in [
            ("email.from", &self.email.from),
            ("email.staff_address", &self.email.staff_address),
        ] {
            if address.parse::<lettre::message::Mailbox>().is_err() {
                return Err(ConfigError(format!("{key}: {address:?} is not an email address")));
            }
        }
        match self.email.transport {
            EmailTransport::Smtp if self.email.smtp.host.trim().is_empty() => {
                return fail("email.smtp.host", "is required when email.transport = \"smtp\"");
            }
            EmailTransport::Sendgrid if self.email.sendgrid.api_key.is_empty() => {
                return fail(
                    "email.sendgrid.api_key",
                    "is required when email.transport = \"sendgrid\" (set BEEGET_EMAIL__SENDGRID__API_KEY)",
                );
            }
            _ => {}
        }
        let redis_url = self.redis.url.expose();
        if !(redis_url.is_empty() || redis_url.starts_with("redis://") || redis_url.starts_with("rediss://")) {
            return fail("redis.url", "must be empty or start with redis:// or rediss://");
        }
        let jobs = &self.jobs;
        if jobs.max_attempts == 0 || jobs.max_attempts > 25 {
            return fail("jobs.max_attempts", "must be between 1 and 25");
        }
        if jobs.backoff_initial_ms == 0 || jobs.backoff_max_ms < jobs.backoff_initial_ms {
            return fail(
                "jobs.backoff_max_ms",
                "must be at least jobs.backoff_initial_ms, which must be above 0",
            );
        }
        if jobs.poll_interval_ms == 0 || jobs.heartbeat_secs == 0 || jobs.missed_heartbeats == 0 {
            return fail(
                "jobs.heartbeat_secs",
                "poll_interval_ms, heartbeat_secs and missed_heartbeats must be above 0",
            );
        }
        if let Some((queue, _)) = jobs.concurrency.iter().find(|(_, n)| **n == 0 || **n > 256) {
            return Err(ConfigError(format!(
                "jobs.concurrency.{queue}: must be between 1 and 256"
            )));
        }
        for (name, expression) in &jobs.schedule {
            if !expression.trim().is_empty()
                && let Err(e) = cron::Schedule::from_str(expression)
            {
                return Err(ConfigError(format!(
                    "jobs.schedule.{name}: {expression:?} is not a cron expression (sec min hour day month weekday): {e}"
                )));
            }
        }
        if jobs.abandoned_cart_days == 0 || jobs.cleanup_batch_size == 0 {
            return fail(
                "jobs.abandoned_cart_days",
                "abandoned_cart_days and cleanup_batch_size must be above 0",
            );
        }
        self.validate_secrets()?;
        for (key, value) in [
            ("shipping.flat_rate", self.shipping.flat_rate),
            ("shipping.free_over", self.shipping.free_over),
        ] {
            if !(0..=crate::domain::money::Money::MAX_MINOR).contains(&value) {
                return Err(ConfigError(format!("{key}: must be 0 or more minor units")));
            }
        }
        let limits = &self.rate_limit;
        if limits.per_ip_per_minute == 0 || limits.auth_per_ip_per_minute == 0 || limits.auth_per_email_per_minute == 0
        {
            return fail(
                "rate_limit.per_ip_per_minute",
                "limits must be above 0 (set enabled = false instead)",
            );
        }
        if let Some(bad) = limits
            .trusted_proxies
            .iter()
            .find(|p| crate::http::client_ip::IpRange::parse(p).is_none())
        {
            return Err(ConfigError(format!(
                "rate_limit.trusted_proxies: {bad:?} is not an IP address or CIDR range"
            )));
        }
        if !self.media.url_prefix.starts_with('/') || self.media.url_prefix.ends_with('/') {
            return fail("media.url_prefix", "must start with '/' and not end with '/'");
        }
        Ok(())
    }

    fn validate_secrets(&self) -> Result<(), ConfigError> {
        let fail = |key: &str, why: &str| Err(ConfigError(format!("{key}: {why}")));
        let auth = &self.auth;
        if !auth.signing_keys.contains_key(&auth.current_key) {
            return fail("auth.current_key", "must name a key in auth.signing_keys");
        }
        if let Some((kid, _)) = auth.signing_keys.iter().find(|(_, k)| k.expose().len() < 32) {
            return Err(ConfigError(format!(
                "auth.signing_keys.{kid}: must be at least 32 bytes"
            )));
        }
        if auth.access_ttl_secs == 0 || auth.refresh_ttl_days == 0 {
            return fail("auth.access_ttl_secs", "access and refresh lifetimes must be above 0");
        }
        if argon2::Params::new(
            auth.argon2_memory_kib,
            auth.argon2_iterations,
            auth.argon2_parallelism,
            None,
        )
        .is_err()
        {
            return fail("auth.argon2_memory_kib", "argon2 parameters out of range");
        }
        let enc = &self.encryption;
        if !enc.keys.contains_key(&enc.current_key) {
            return fail("encryption.current_key", "must name a key in encryption.keys");
        }
        for (kid, key) in &enc.keys {
            if kid.contains(':') {
                return Err(ConfigError(format!(
                    "encryption.keys.{kid}: a key id may not contain ':'"
                )));
            }
            if decode_key(key.expose()).is_none() {
                return Err(ConfigError(format!(
                    "encryption.keys.{kid}: must be base64 of exactly 32 bytes"
                )));
            }
        }
        if self.env == Environment::Production {
            if auth.signing_keys.values().any(|k| k.expose() == DEV_SIGNING_KEY) {
                return fail(
                    "auth.signing_keys",
                    "the development signing key is refused in production; set BEEGET_AUTH__SIGNING_KEYS__<KID>",
                );
            }
            if enc.keys.values().any(|k| k.expose() == DEV_ENCRYPTION_KEY) {
                return fail(
                    "encryption.keys",
                    "the development encryption key is refused in production; set BEEGET_ENCRYPTION__KEYS__<KID>",
                );
            }
            if self.payments.provider == PaymentProviderKind::Fake {
                return fail(
                    "payments.provider",
                    "the fake provider takes no money and is refused in production; set BEEGET_PAYMENTS__PROVIDER=stripe",
                );
            }
        }
        Ok(())
    }

    pub fn currency(&self) -> Currency {
        Currency::parse("store.currency", &self.store.currency).expect("validated at load")
    }
}

/// `BEEGET_SECTION__KEY` variables only; other `BEEGET_*` names (used by tests and tools) are ignored.
fn beeget_env() -> Env {
    Env::prefixed("BEEGET_")
        .filter(|key| key.as_str().contains("__") || key.as_str().eq_ignore_ascii_case("env"))
        .split("__")
}

fn describe_figment_error(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = if e.path.is_empty() {
                String::from("(root)")
            } else {
                e.path.join(".")
            };
            let source = e
                .metadata
                .as_ref()
                .map(|m| format!(" (from {})", m.name))
                .unwrap_or_default();
            format!("{key}: {}{source}", e.kind)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use figment::providers::Serialized;

    use super::*;

    fn with(key: &str, value: impl Serialize) -> Result<Config, ConfigError> {
        Config::from_figment(
            Figment::from(Serialized::defaults(Config::default())).merge(Serialized::global(key, value)),
        )
    }

    #[test]
    fn defaults_are_valid() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn bad_values_name_their_key() {
        let err = with("server.addr", "nonsense").unwrap_err().to_string();
        assert!(err.contains("server.addr"), "{err}");
        let err = with("store.currency", "dollars").unwrap_err().to_string();
        assert!(err.contains("store.currency"), "{err}");
        let err = with("log.format", "xml").unwrap_err().to_string();
        assert!(err.contains("log.format"), "{err}");
        let err = with("server.max_body_bytes", "lots").unwrap_err().to_string();
        assert!(err.contains("server.max_body_bytes"), "{err}");
        let err = with("database.url", "mysql://x").unwrap_err().to_string();
        assert!(err.contains("database.url"), "{err}");
    }

    #[test]
    fn email_settings_are_checked_and_secrets_hidden() {
        let err = with("email.from", "not an address").unwrap_err().to_string();
        assert!(err.contains("email.from"), "{err}");
        let err = with("email.transport", "sendgrid").unwrap_err().to_string();
        assert!(err.contains("email.sendgrid.api_key"), "{err}");
        let mut config = Config::default();
        config.email.smtp.password = Secret::new("hunter2-very-secret");
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn job_settings_are_checked() {
        let err = with(
            "jobs.schedule",
            BTreeMap::from([("cleanupAbandonedCarts", "every night")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("jobs.schedule.cleanupAbandonedCarts"), "{err}");
        let err = with("jobs.max_attempts", 0).unwrap_err().to_string();
        assert!(err.contains("jobs.max_attempts"), "{err}");
        let err = with("redis.url", "localhost:6379").unwrap_err().to_string();
        assert!(err.contains("redis.url"), "{err}");
        let mut config = Config::default();
        config.redis.url = Secret::new("redis://:sesame-password@cache:6379");
        assert!(!format!("{config:?}").contains("sesame"));
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = with("server.adress", "127.0.0.1:1").unwrap_err().to_string();
        assert!(err.contains("adress"), "{err}");
    }
}
