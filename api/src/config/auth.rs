//! `[auth]` and `[encryption]`: token signing keys and the keys for personal data at rest.

use super::*;

use base64::{Engine, engine::general_purpose::STANDARD};

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
    /// Base64 of 32 random bytes keying the blind index that lets staff search encrypted
    /// names by whole words (HMAC-SHA256 of each normalised word). Unlike `keys` it does not
    /// rotate: changing it makes every name unsearchable until `beeget keys rotate` re-indexes.
    /// Set with `BEEGET_ENCRYPTION__SEARCH_KEY`.
    pub search_key: Secret,
}

/// The development search key: refused in production like the development encryption key.
pub const DEV_SEARCH_KEY: &str = "YmVlZ2V0LWRldi1ibGluZC1pbmRleC1rZXktMzJieXQ=";

impl Default for EncryptionConfig {
    fn default() -> Self {
        Self {
            current_key: "dev".into(),
            keys: BTreeMap::from([("dev".into(), Secret::new(DEV_ENCRYPTION_KEY))]),
            search_key: Secret::new(DEV_SEARCH_KEY),
        }
    }
}

/// The 32-byte key in `encoded` (base64), if that is what it holds (`encryption.keys`).
pub fn decode_key(encoded: &str) -> Option<[u8; 32]> {
    STANDARD.decode(encoded.trim()).ok()?.try_into().ok()
}
