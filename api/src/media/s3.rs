//! Images in an S3 bucket (or an S3-compatible store), over rustls. Every call is bounded by
//! `media.s3.timeout_ms`, retries included: a store that is down or slow is a
//! [`StoreError`] (503 to the client), never a hanging request.

use std::time::Duration;

use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_s3::{Client, primitives::ByteStream};

use super::{IMMUTABLE_CACHE_CONTROL, ImageStore, StoreError};
use crate::config::S3Config;

pub struct S3Store {
    client: Client,
    bucket: String,
    public_base_url: String,
}

impl S3Store {
    /// Credentials come from `media.s3.access_key_id` and `secret_access_key` when set, else
    /// from the standard AWS sources (`AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, a
    /// profile, or the instance's role), read at the first call.
    pub async fn new(config: &S3Config, timeout: Duration) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()))
            .retry_config(RetryConfig::standard().with_max_attempts(2))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(timeout)
                    .operation_timeout(timeout)
                    .build(),
            );
        if !config.endpoint.is_empty() {
            loader = loader.endpoint_url(config.endpoint.clone());
        }
        if !config.access_key_id.is_empty() {
            loader = loader.credentials_provider(aws_sdk_s3::config::Credentials::new(
                config.access_key_id.expose(),
                config.secret_access_key.expose(),
                None,
                None,
                "beeget-config",
            ));
        }
        let shared = loader.load().await;
        let s3 = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(config.force_path_style)
            .build();
        Self {
            client: Client::from_conf(s3),
            bucket: config.bucket.clone(),
            public_base_url: config.public_base_url.clone(),
        }
    }
}

impl S3Store {
    /// The SDK client and bucket, for tools and tests that read the bucket directly.
    pub fn client(&self) -> (&Client, &str) {
        (&self.client, &self.bucket)
    }
}

fn failed(what: &str, e: impl std::error::Error) -> StoreError {
    // The SDK's Display is terse ("dispatch failure"); the source chain says why.
    let mut cause = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        cause = format!("{cause}: {inner}");
        source = inner.source();
    }
    StoreError(format!("S3 {what}: {cause}"))
}

#[async_trait]
impl ImageStore for S3Store {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .cache_control(IMMUTABLE_CACHE_CONTROL)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| failed("PutObject", e))?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| failed("DeleteObject", e))?;
        Ok(())
    }

    fn url(&self, key: &str) -> String {
        format!("{}/{key}", self.public_base_url)
    }
}
