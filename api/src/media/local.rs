//! Images in a local folder, served by this server under `media.url_prefix`.

use std::path::{Component, Path, PathBuf};

use async_trait::async_trait;

use super::{ImageStore, StoreError};

pub struct LocalStore {
    dir: PathBuf,
    url_prefix: String,
}

impl LocalStore {
    /// `url_prefix` is where the folder is served, base path included (`/media`).
    pub fn new(dir: impl Into<PathBuf>, url_prefix: String) -> Self {
        Self {
            dir: dir.into(),
            url_prefix,
        }
    }

    /// The file of `key`; keys are relative paths without `..`.
    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        let relative = Path::new(key);
        if key.is_empty() || !relative.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(StoreError(format!("not a storage key: {key:?}")));
        }
        Ok(self.dir.join(relative))
    }
}

fn io(what: &str, e: std::io::Error) -> StoreError {
    StoreError(format!("{what}: {e}"))
}

#[async_trait]
impl ImageStore for LocalStore {
    /// Written to a temporary file beside the target, then renamed over it: a reader sees the
    /// whole file or none.
    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> Result<(), StoreError> {
        let path = self.path(key)?;
        let parent = path.parent().unwrap_or(&self.dir).to_path_buf();
        tokio::fs::create_dir_all(&parent)
            .await
            .map_err(|e| io("creating the media folder", e))?;
        let temporary = parent.join(format!(".upload-{}", uuid::Uuid::now_v7()));
        if let Err(e) = tokio::fs::write(&temporary, &bytes).await {
            let _ = tokio::fs::remove_file(&temporary).await;
            return Err(io("writing an image", e));
        }
        if let Err(e) = tokio::fs::rename(&temporary, &path).await {
            let _ = tokio::fs::remove_file(&temporary).await;
            return Err(io("moving an image in place", e));
        }
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io("removing an image", e)),
        }
    }

    fn url(&self, key: &str) -> String {
        format!("{}/{key}", self.url_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn files_are_written_whole_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path(), "/media".into());
        store
            .put("products/abc.png", b"bytes".to_vec(), "image/png")
            .await
            .unwrap();
        assert_eq!(std::fs::read(dir.path().join("products/abc.png")).unwrap(), b"bytes");
        assert_eq!(std::fs::read_dir(dir.path().join("products")).unwrap().count(), 1);
        assert_eq!(store.url("products/abc.png"), "/media/products/abc.png");
        store.delete("products/abc.png").await.unwrap();
        store.delete("products/abc.png").await.unwrap();
        assert!(store.put("../escape.png", Vec::new(), "image/png").await.is_err());
    }
}
