//! Where product images are kept: one [`ImageStore`] trait with a local folder (served by this
//! server under `media.url_prefix`) and an S3 bucket behind it. Keys are content-addressed
//! (`products/<sha-256>.<ext>`, see `domain::product_image::content_key`), so the bytes behind
//! a key never change and identical uploads share one object.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;

use crate::config::{Config, MediaBackend};

mod local;
mod s3;

pub use local::LocalStore;
pub use s3::S3Store;

/// How long a client may cache a content-addressed image: a year, never revalidated.
pub const IMMUTABLE_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
/// How long a client may cache other media (seeded files, which a new seed may replace).
pub const MEDIA_CACHE_CONTROL: &str = "public, max-age=3600";

/// The store could not be reached, refused, or did not answer in time.
#[derive(Debug, thiserror::Error)]
#[error("image store unavailable: {0}")]
pub struct StoreError(pub String);

#[async_trait]
pub trait ImageStore: Send + Sync {
    /// Stores `bytes` under `key` (replacing what is there: the same key holds the same bytes).
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError>;
    /// Removes `key`; a key that is not there is not an error.
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// The public URL of `key`.
    fn url(&self, key: &str) -> String;
}

/// The store `[media]` describes.
pub async fn from_config(config: &Config) -> anyhow::Result<Arc<dyn ImageStore>> {
    let media = &config.media;
    Ok(match media.backend {
        MediaBackend::Local => Arc::new(LocalStore::new(
            &media.dir,
            format!("{}{}", config.server.base_path, media.url_prefix),
        )),
        MediaBackend::S3 => Arc::new(S3Store::new(&media.s3, Duration::from_millis(media.s3.timeout_ms)).await),
    })
}
