//! Personal data at rest: AES-256-GCM per value, tagged with the key id so keys can rotate.
//!
//! Stored form: `enc:<kid>:<base64(nonce ‖ ciphertext)>`. The column name is bound in as
//! associated data, so a value copied into another column does not decrypt.

use std::collections::HashMap;

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, AeadCore, OsRng, Payload},
};
use base64::{Engine, engine::general_purpose::STANDARD};

use crate::config::EncryptionConfig;

const PREFIX: &str = "enc:";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("value encrypted with unknown key {0:?}")]
    UnknownKey(String),
    #[error("value does not decrypt (damaged, or moved from another column)")]
    Corrupt,
}

pub struct FieldCipher {
    current: String,
    keys: HashMap<String, Aes256Gcm>,
    search_key: [u8; 32],
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldCipher")
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

impl FieldCipher {
    /// Keys were checked when the configuration loaded.
    pub fn from_config(config: &EncryptionConfig) -> Self {
        let keys = config
            .keys
            .iter()
            .filter_map(|(kid, key)| {
                let bytes = crate::config::decode_key(key.expose())?;
                Some((kid.clone(), Aes256Gcm::new(&bytes.into())))
            })
            .collect();
        Self {
            current: config.current_key.clone(),
            keys,
            search_key: crate::config::decode_key(config.search_key.expose()).unwrap_or_default(),
        }
    }

    /// The blind index of `text` for `column`: one keyed hash (HMAC-SHA256, 16 hex digits)
    /// per distinct normalised word, space-separated, so an encrypted value can be found by
    /// whole words without being readable. Words are transliterated and lowercased
    /// ("Zoë" and "zoe" match).
    pub fn blind_index(&self, column: &str, text: &str) -> String {
        let mut tokens: Vec<String> = words(text).map(|w| self.blind_token(column, &w)).collect();
        tokens.sort_unstable();
        tokens.dedup();
        tokens.join(" ")
    }

    /// The tokens a search for `query` looks for in `column`'s blind index, one per word.
    pub fn blind_terms(&self, column: &str, query: &str) -> Vec<String> {
        words(query).map(|w| self.blind_token(column, &w)).collect()
    }

    fn blind_token(&self, column: &str, word: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac =
            <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.search_key).expect("HMAC takes a key of any length");
        mac.update(column.as_bytes());
        mac.update(&[0]);
        mac.update(word.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..8])
    }

    pub fn current_key(&self) -> &str {
        &self.current
    }

    /// Encrypts `plain` for `column` (e.g. `addresses.line1`) with the current key.
    pub fn encrypt(&self, column: &str, plain: &str) -> String {
        let cipher = &self.keys[&self.current];
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain.as_bytes(),
                    aad: column.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&sealed);
        format!("{PREFIX}{}:{}", self.current, STANDARD.encode(blob))
    }

    /// The plain text of a stored value. Values written before encryption existed (no
    /// prefix) are returned as they are; `beeget keys rotate` encrypts them.
    pub fn decrypt(&self, column: &str, stored: &str) -> Result<String, CryptoError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (kid, encoded) = rest.split_once(':').ok_or(CryptoError::Corrupt)?;
        let cipher = self
            .keys
            .get(kid)
            .ok_or_else(|| CryptoError::UnknownKey(kid.to_owned()))?;
        let blob = STANDARD.decode(encoded).map_err(|_| CryptoError::Corrupt)?;
        if blob.len() < 12 {
            return Err(CryptoError::Corrupt);
        }
        let (nonce, sealed) = blob.split_at(12);
        let plain = cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: column.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Corrupt)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Corrupt)
    }

    /// Whether a stored value is plain or under another key than the current one.
    pub fn needs_rotation(&self, stored: &str) -> bool {
        stored
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once(':'))
            .is_none_or(|(kid, _)| kid != self.current)
    }
}

/// The words of `text` as the blind index sees them: transliterated, lowercase, alphanumeric.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    deunicode::deunicode(text)
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::config::Secret;

    fn cipher(current: &str) -> FieldCipher {
        FieldCipher::from_config(&EncryptionConfig {
            current_key: current.into(),
            keys: BTreeMap::from([
                ("a".into(), Secret::new(STANDARD.encode([1u8; 32]))),
                ("b".into(), Secret::new(STANDARD.encode([2u8; 32]))),
            ]),
            search_key: Secret::new(STANDARD.encode([3u8; 32])),
        })
    }

    #[test]
    fn blind_indexes_match_whole_words_whatever_their_case_and_accents() {
        let c = cipher("a");
        let index = c.blind_index("users.name", "Zoë  Ann-Marie Zoe");
        assert_eq!(index.split(' ').count(), 3, "distinct words: zoe, ann, marie");
        assert!(!index.to_lowercase().contains("zo"));
        for term in c.blind_terms("users.name", "ZOE marie") {
            assert!(index.split(' ').any(|t| t == term));
        }
        let other_column = c.blind_terms("addresses.line1", "zoe");
        assert!(!index.split(' ').any(|t| t == other_column[0]), "bound to its column");
        assert_ne!(cipher("b").blind_index("users.name", "Zoë"), "", "keyed, not empty");
    }

    #[test]
    fn round_trips_and_hides_the_value() {
        let c = cipher("a");
        let stored = c.encrypt("addresses.line1", "12 Rue de Rivoli");
        assert!(stored.starts_with("enc:a:") && !stored.contains("Rivoli"));
        assert_ne!(
            stored,
            c.encrypt("addresses.line1", "12 Rue de Rivoli"),
            "fresh nonce each time"
        );
        assert_eq!(c.decrypt("addresses.line1", &stored).unwrap(), "12 Rue de Rivoli");
        assert_eq!(
            c.decrypt("addresses.city", &stored),
            Err(CryptoError::Corrupt),
            "bound to its column"
        );
        assert!(!c.needs_rotation(&stored));
    }

    #[test]
    fn older_keys_decrypt_until_removed_and_plain_values_pass() {
        let old = cipher("a").encrypt("users.name", "Ada");
        let rotated = cipher("b");
        assert_eq!(rotated.decrypt("users.name", &old).unwrap(), "Ada");
        assert!(rotated.needs_rotation(&old));
        assert!(rotated.needs_rotation("plain"));
        assert_eq!(rotated.decrypt("users.name", "plain").unwrap(), "plain");
        let only_b = FieldCipher::from_config(&EncryptionConfig {
            current_key: "b".into(),
            keys: BTreeMap::from([("b".into(), Secret::new(STANDARD.encode([2u8; 32])))]),
            search_key: Secret::new(STANDARD.encode([3u8; 32])),
        });
        assert_eq!(
            only_b.decrypt("users.name", &old),
            Err(CryptoError::UnknownKey("a".into()))
        );
    }
}
