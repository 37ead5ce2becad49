//! Staff work on product images: upload (recognised by content, stored under a
//! content-addressed key), delete and reorder. Each write stores its audit record with it and
//! brings this process's catalogue index up to date before it answers.
//!
//! Blob first, row second: an upload writes the object, then the row. When the row cannot be
//! written (the database is down, the product went away) the object stays behind unused; it
//! is harmless (its key is its content, so a later upload of the same bytes reuses it) and
//! never the other way round, a row without its object. A delete removes the object only
//! after the row's commit, and only when no other row refers to the same key.
//!
//! One race is left open: when the last image using a key is deleted while the same bytes
//! are being uploaded again, the delete may remove the object between the upload's write and
//! its row, leaving that image without its file until the bytes are uploaded once more.

use std::{collections::HashMap, sync::Arc};

use uuid::Uuid;

use super::{ServiceError, ServiceResult, catalogue::CatalogueService};
use crate::{
    domain::{
        audit::AuditTarget,
        product_image::{self, MAX_IMAGES_PER_PRODUCT, NewProductImage, ProductImage},
    },
    media::{ImageStore, StoreError},
    repos::{ImageAdded, ImagesReordered, RepoError, Repos},
};

#[derive(Clone)]
pub struct ProductImages {
    repos: Repos,
    store: Arc<dyn ImageStore>,
    catalogue: CatalogueService,
}

fn unavailable(e: StoreError) -> ServiceError {
    ServiceError::Storage(RepoError::Unavailable(e.0))
}

fn too_many() -> ServiceError {
    ServiceError::conflict(
        "too_many_images",
        format!("a product holds at most {MAX_IMAGES_PER_PRODUCT} images; delete one first"),
    )
}

impl ProductImages {
    pub fn new(repos: Repos, store: Arc<dyn ImageStore>, catalogue: CatalogueService) -> Self {
        Self {
            repos,
            store,
            catalogue,
        }
    }

    /// Each listed product's images, in order.
    pub async fn for_products(&self, product_ids: &[Uuid]) -> ServiceResult<HashMap<Uuid, Vec<ProductImage>>> {
        Ok(self.repos.product_images.for_products(product_ids).await?)
    }

    /// Adds the image in `bytes` after the product's last one.
    ///
    /// Errors: `Invalid` naming `file` for anything but a whole PNG, JPEG, WebP or AVIF file;
    /// `NotFound("product")`; `Conflict("too_many_images")` past [`MAX_IMAGES_PER_PRODUCT`];
    /// `Storage(Unavailable)` when the image store cannot be reached in time.
    pub async fn upload(&self, actor: Uuid, product_id: Uuid, bytes: Vec<u8>) -> ServiceResult<ProductImage> {
        let sniffed = product_image::sniff(&bytes).map_err(|e| ServiceError::Invalid(vec![e]))?;
        // Checked before the object is written, so a plain mistake stores nothing; checked
        // again, under the product's lock, when the row is written.
        let held = self.repos.product_images.for_products(&[product_id]).await?;
        if held
            .get(&product_id)
            .is_some_and(|images| images.len() >= MAX_IMAGES_PER_PRODUCT)
        {
            return Err(too_many());
        }
        if self.repos.products.find_by_ids(&[product_id]).await?.is_empty() {
            return Err(ServiceError::NotFound("product"));
        }
        let key = product_image::content_key(&bytes, sniffed.format);
        let size = bytes.len() as u64;
        let content_type = sniffed.format.content_type();
        self.store.put(&key, bytes, content_type).await.map_err(unavailable)?;
        let image = NewProductImage {
            url: self.store.url(&key),
            storage_key: key,
            content_type: content_type.to_owned(),
            width: sniffed.width,
            height: sniffed.height,
            bytes: size,
        };
        let audit = super::audit::record(actor, "product.image_added", (AuditTarget::Product, product_id));
        match self
            .repos
            .product_images
            .add(product_id, image, MAX_IMAGES_PER_PRODUCT, audit)
            .await?
        {
            ImageAdded::Added(image) => {
                self.catalogue_changed().await;
                Ok(image)
            }
            ImageAdded::NoSuchProduct => Err(ServiceError::NotFound("product")),
            ImageAdded::Full => Err(too_many()),
        }
    }

    /// Removes one of the product's images; `NotFound("image")` when it has no such image.
    pub async fn remove(&self, actor: Uuid, product_id: Uuid, image_id: Uuid) -> ServiceResult<()> {
        let audit = super::audit::record(actor, "product.image_removed", (AuditTarget::Product, product_id));
        let removed = self
            .repos
            .product_images
            .remove(product_id, image_id, audit)
            .await?
            .ok_or(ServiceError::NotFound("image"))?;
        self.catalogue_changed().await;
        self.release(removed.storage_key.into_iter().collect()).await;
        Ok(())
    }

    /// Puts the product's images in the order of `image_ids`.
    ///
    /// Errors: `NotFound("product")`; `Invalid` naming `imageIds` unless the ids are exactly
    /// the product's image ids, each once.
    pub async fn reorder(&self, actor: Uuid, product_id: Uuid, image_ids: &[Uuid]) -> ServiceResult<Vec<ProductImage>> {
        let audit = super::audit::record(actor, "product.images_reordered", (AuditTarget::Product, product_id));
        match self.repos.product_images.reorder(product_id, image_ids, audit).await? {
            ImagesReordered::Reordered(images) => {
                self.catalogue_changed().await;
                Ok(images)
            }
            ImagesReordered::NoSuchProduct => Err(ServiceError::NotFound("product")),
            ImagesReordered::Invalid(field) => Err(ServiceError::Invalid(vec![field])),
        }
    }

    /// The storage keys of a product's images (to [`release`](Self::release) once the
    /// product is deleted).
    pub async fn keys_of(&self, product_id: Uuid) -> ServiceResult<Vec<String>> {
        let mut images = self.repos.product_images.for_products(&[product_id]).await?;
        Ok(images
            .remove(&product_id)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|i| i.storage_key)
            .collect())
    }

    /// Removes the objects of `keys` that no image row refers to any more. Called after the
    /// rows' commit; a failure leaves an unused object behind (logged), never a broken image.
    pub async fn release(&self, keys: Vec<String>) {
        for key in keys {
            let outcome = match self.repos.product_images.key_in_use(&key).await {
                Ok(true) => continue,
                Ok(false) => self.store.delete(&key).await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if let Err(error) = outcome {
                tracing::warn!(%error, key, "an unused image object was left in the store");
            }
        }
    }

    /// The write is committed; if the index cannot read it now its follower applies it later.
    async fn catalogue_changed(&self) {
        if let Err(e) = self.catalogue.read_model().refresh().await {
            tracing::warn!(error = %e, "catalogue index: an image change will show on the follower's next round");
        }
    }
}
