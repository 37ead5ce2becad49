//! One typed configuration: embedded defaults, then `config.toml` (or `--config FILE`), then
//! `BEEGET_<SECTION>__<KEY>` environment variables. Validated once at start-up.
//!
//! About 440 lines: the sections are in their own files; what stays is loading and the
//! start-up validation that reads across sections (e.g. production refusing development
//! secrets), plus its tests.

use std::{collections::BTreeMap, net::SocketAddr, path::Path, str::FromStr};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

use crate::domain::money::Currency;

mod auth;
mod commerce;
mod email;
mod jobs;
mod media;
mod rate_limit;
mod secret;
mod server;

pub use auth::*;
pub use commerce::*;
pub use email::*;
pub use jobs::*;
pub use media::*;
pub use rate_limit::*;
pub use secret::*;
pub use server::*;

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
    pub catalogue: CatalogueConfig,
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
            catalogue: CatalogueConfig::default(),
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
        if self.database.statement_timeout_secs == 0 {
            return fail("database.statement_timeout_secs", "must be above 0");
        }
        if self.server.idle_timeout_secs == 0 {
            return fail("server.idle_timeout_secs", "must be above 0");
        }
        if self.server.max_connections == 0 {
            return fail("server.max_connections", "must be above 0");
        }
        if self.server.readiness_timeout_ms == 0 {
            return fail("server.readiness_timeout_ms", "must be above 0");
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
        if self.store.timezone.parse::<chrono_tz::Tz>().is_err() {
            return fail(
                "store.timezone",
                "is not an IANA time zone name such as 'UTC' or 'Europe/Paris'",
            );
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return fail(
                "log.level",
                "is not a valid filter such as 'info' or 'beeget_api=debug,info'",
            );
        }
        let recipients = self
            .email
            .report_recipients
            .iter()
            .map(|address| ("email.report_recipients", address));
        for (key, address) in [
            ("email.from", &self.email.from),
            ("email.staff_address", &self.email.staff_address),
        ]
        .into_iter()
        .chain(recipients)
        {
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
        if jobs.enqueue_timeout_ms == 0 || jobs.outbox_relay_interval_ms == 0 {
            return fail(
                "jobs.enqueue_timeout_ms",
                "enqueue_timeout_ms and outbox_relay_interval_ms must be above 0",
            );
        }
        if jobs.restart_backoff_initial_ms == 0 || jobs.restart_backoff_max_ms < jobs.restart_backoff_initial_ms {
            return fail(
                "jobs.restart_backoff_max_ms",
                "must be at least jobs.restart_backoff_initial_ms, which must be above 0",
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
        let catalogue = &self.catalogue;
        if catalogue.follow_interval_ms == 0
            || catalogue.build_batch == 0
            || catalogue.feed_retention_secs == 0
            || catalogue.reference_reload_ms == 0
        {
            return fail(
                "catalogue.follow_interval_ms",
                "follow_interval_ms, build_batch, feed_retention_secs and reference_reload_ms must be above 0",
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
        if [
            limits.per_ip_per_minute,
            limits.auth_per_ip_per_minute,
            limits.auth_per_email_per_minute,
            limits.contact_per_ip_per_minute,
            limits.contact_per_email_per_minute,
        ]
        .contains(&0)
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
        self.media.validate()?;
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
        if decode_key(enc.search_key.expose()).is_none() {
            return fail("encryption.search_key", "must be base64 of exactly 32 bytes");
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
            if enc.search_key.expose() == DEV_SEARCH_KEY {
                return fail(
                    "encryption.search_key",
                    "the development search key is refused in production; set BEEGET_ENCRYPTION__SEARCH_KEY",
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

    /// The store's time zone (`store.timezone`).
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.store.timezone.parse().expect("validated at load")
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
        let err = with("store.timezone", "Mars/Olympus").unwrap_err().to_string();
        assert!(err.contains("store.timezone"), "{err}");
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
        let err = with("email.report_recipients", ["ops@example.com", "nobody"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("email.report_recipients"), "{err}");
        assert_eq!(
            Config::default().email.report_recipients(),
            [Config::default().email.staff_address],
            "no list: the staff address"
        );
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
    fn media_settings_are_checked() {
        let err = with("media.max_upload_bytes", 10).unwrap_err().to_string();
        assert!(err.contains("media.max_upload_bytes"), "{err}");
        let err = with("media.backend", "s3").unwrap_err().to_string();
        assert!(err.contains("media.s3.bucket"), "{err}");
        let mut config = Config::default();
        config.media.backend = MediaBackend::S3;
        config.media.s3.bucket = "images".into();
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("media.s3.public_base_url"), "{err}");
        config.media.s3.public_base_url = "https://images.example.com".into();
        config.validate().unwrap();
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = with("server.adress", "127.0.0.1:1").unwrap_err().to_string();
        assert!(err.contains("adress"), "{err}");
    }
}
