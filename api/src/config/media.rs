//! `[media]`: where product images are stored (a local folder served under `url_prefix`, or
//! an S3 bucket), and how large an upload may be.

use serde::{Deserialize, Serialize};

use super::{ConfigError, Secret};

/// Where uploaded images go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaBackend {
    /// Files in `media.dir`, served by this server under `media.url_prefix`.
    Local,
    /// Objects in `media.s3.bucket`, served from `media.s3.public_base_url`.
    S3,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MediaConfig {
    /// Folder of uploaded (with the local backend) and seeded images, served under `url_prefix`.
    pub dir: String,
    pub url_prefix: String,
    pub backend: MediaBackend,
    /// The largest image upload, in bytes (the whole multipart body counts).
    pub max_upload_bytes: usize,
    pub s3: S3Config,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            dir: "data/media".into(),
            url_prefix: "/media".into(),
            backend: MediaBackend::Local,
            max_upload_bytes: 10 * 1024 * 1024,
            s3: S3Config::default(),
        }
    }
}

/// `[media.s3]`. Credentials come from the standard AWS sources (the environment variables
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, the AWS profile, the
/// instance's role) unless `access_key_id` and `secret_access_key` are set (from env:
/// `BEEGET_MEDIA__S3__ACCESS_KEY_ID`…; never commit them).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct S3Config {
    pub bucket: String,
    pub region: String,
    /// An S3-compatible endpoint (`http://127.0.0.1:9000`); empty for AWS itself.
    pub endpoint: String,
    /// `endpoint/bucket/key` instead of `bucket.endpoint/key` (most S3-compatible servers).
    pub force_path_style: bool,
    /// Where the bucket's objects are publicly readable: image URLs are `public_base_url/key`.
    pub public_base_url: String,
    /// Each S3 call (with its retries) gives up after this long, and the upload or delete
    /// answers 503.
    pub timeout_ms: u64,
    /// Empty: the standard AWS sources.
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
}

impl Default for S3Config {
    fn default() -> Self {
        Self {
            bucket: String::new(),
            region: "us-east-1".into(),
            endpoint: String::new(),
            force_path_style: false,
            public_base_url: String::new(),
            timeout_ms: 10_000,
            access_key_id: Secret::default(),
            secret_access_key: Secret::default(),
        }
    }
}

/// The smallest `media.max_upload_bytes`: room for a small image and its multipart framing.
pub const MIN_UPLOAD_BYTES: usize = 1024;
/// The largest `media.max_upload_bytes` (1 GiB): uploads are held in a temporary file.
pub const MAX_UPLOAD_BYTES: usize = 1 << 30;

impl MediaConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let fail = |key: &str, why: &str| Err(ConfigError(format!("{key}: {why}")));
        if !self.url_prefix.starts_with('/') || self.url_prefix.ends_with('/') {
            return fail("media.url_prefix", "must start with '/' and not end with '/'");
        }
        if !(MIN_UPLOAD_BYTES..=MAX_UPLOAD_BYTES).contains(&self.max_upload_bytes) {
            return fail("media.max_upload_bytes", "must be between 1024 and 1073741824");
        }
        if self.backend == MediaBackend::S3 {
            let s3 = &self.s3;
            if s3.bucket.trim().is_empty() {
                return fail(
                    "media.s3.bucket",
                    "is required when media.backend = \"s3\" (set BEEGET_MEDIA__S3__BUCKET)",
                );
            }
            if s3.region.trim().is_empty() {
                return fail("media.s3.region", "is required when media.backend = \"s3\"");
            }
            if !(s3.endpoint.is_empty() || s3.endpoint.starts_with("http://") || s3.endpoint.starts_with("https://")) {
                return fail("media.s3.endpoint", "must be empty or an http(s) URL");
            }
            let base = &s3.public_base_url;
            if !(base.starts_with("http://") || base.starts_with("https://")) || base.ends_with('/') {
                return fail(
                    "media.s3.public_base_url",
                    "is required when media.backend = \"s3\": an http(s) URL without a trailing '/'",
                );
            }
            if s3.access_key_id.is_empty() != s3.secret_access_key.is_empty() {
                return fail(
                    "media.s3.secret_access_key",
                    "access_key_id and secret_access_key are set together, or neither",
                );
            }
            if s3.timeout_ms == 0 {
                return fail("media.s3.timeout_ms", "must be above 0");
            }
        }
        Ok(())
    }
}
