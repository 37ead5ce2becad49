//! argon2id hashing off the async executor, with a dummy verification for unknown accounts so
//! a wrong email and a wrong password cost the same time.

use std::sync::{Arc, OnceLock};

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

use crate::config::AuthConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    /// Right password; `rehash` when the stored hash used other parameters than today's.
    Match {
        rehash: bool,
    },
    Mismatch,
}

#[derive(Clone)]
pub struct Passwords {
    params: Params,
    dummy: Arc<OnceLock<String>>,
    /// Hashing is deliberately expensive: a bounded number run at once, so a burst of logins
    /// queues for its own cores instead of starving every other request.
    slots: Arc<tokio::sync::Semaphore>,
}

impl Passwords {
    /// Parameters were checked when the configuration loaded.
    pub fn from_config(config: &AuthConfig) -> Self {
        let params = Params::new(
            config.argon2_memory_kib,
            config.argon2_iterations,
            config.argon2_parallelism,
            None,
        )
        .expect("argon2 parameters validated with the config");
        let slots = if config.max_concurrent_hashes == 0 {
            std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
        } else {
            config.max_concurrent_hashes
        };
        Self {
            params,
            dummy: Arc::new(OnceLock::new()),
            slots: Arc::new(tokio::sync::Semaphore::new(slots)),
        }
    }

    /// Runs `work` on the blocking pool once a hashing slot is free.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce(Self) -> T + Send + 'static) -> anyhow::Result<T> {
        let _slot = self.slots.acquire().await?;
        let this = self.clone();
        Ok(tokio::task::spawn_blocking(move || work(this)).await?)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    fn hash_now(&self, password: &str) -> anyhow::Result<String> {
        self.argon2()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
    }

    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        self.run(move |this| this.hash_now(&password)).await?
    }

    /// Checks `password` against `stored`; with no stored hash (unknown account) a dummy hash
    /// is checked instead and the answer is always `Mismatch`.
    pub async fn verify(&self, password: String, stored: Option<String>) -> anyhow::Result<PasswordCheck> {
        self.run(move |this| {
            let known = stored.is_some();
            let stored = match stored {
                Some(hash) => hash,
                None => this
                    .dummy
                    .get_or_init(|| this.hash_now("not-a-real-password").unwrap_or_default())
                    .clone(),
            };
            let Ok(parsed) = PasswordHash::new(&stored) else {
                return Ok(PasswordCheck::Mismatch);
            };
            if this.argon2().verify_password(password.as_bytes(), &parsed).is_err() || !known {
                return Ok(PasswordCheck::Mismatch);
            }
            let current = Params::try_from(&parsed).ok();
            let rehash = parsed.algorithm != argon2::ARGON2ID_IDENT
                || current.is_none_or(|p| {
                    p.m_cost() != this.params.m_cost()
                        || p.t_cost() != this.params.t_cost()
                        || p.p_cost() != this.params.p_cost()
                });
            Ok(PasswordCheck::Match { rehash })
        })
        .await?
    }
}
