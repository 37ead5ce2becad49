//! Staff work on a product's images: upload (multipart, recognised by content), delete and
//! reorder. The storefront shows the product's images, in this order, on its next read.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Multipart, Object, OpenApi, param::Path, payload::Json, types::multipart::Upload};

use crate::{
    domain::product_image::ProductImage,
    http::problem::operation_errors,
    routes::{ApiTags, AppState, parse_id, security::BearerAuth},
};

pub struct AdminProductImagesApi;

operation_errors!(
    /// Errors of `adminUploadProductImage`: 400 for a body that is not well-formed multipart
    /// form data with one `file` part, 413 over `media.max_upload_bytes`, 422 naming `file`
    /// for anything but a whole PNG, JPEG, WebP or AVIF file (whatever its name or declared
    /// type), 409 `too_many_images` when the product holds 20 already, 503 when the image
    /// store cannot be reached in time.
    pub enum AdminUploadImageError {
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminDeleteProductImage`: 404 for no such product, or an image of another
    /// product.
    pub enum AdminDeleteImageError {
        Unauthorized,
        Forbidden,
        NotFound,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminReorderProductImages`: 422 naming `imageIds` unless it lists each of
    /// the product's image ids exactly once (a list made before another image was added or
    /// removed is refused the same way).
    pub enum AdminReorderImagesError {
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

/// One of a product's images as staff manage it. Images listed before uploads existed (the
/// demo catalogue's) have no recorded type or size.
#[derive(Object, Debug)]
#[oai(rename = "AdminProductImage", rename_all = "camelCase")]
pub struct AdminProductImageView {
    pub id: String,
    /// Where the storefront loads it from.
    pub url: String,
    /// Width in pixels.
    #[oai(nullable)]
    pub width: Option<u32>,
    /// Height in pixels.
    #[oai(nullable)]
    pub height: Option<u32>,
    /// `image/png`, `image/jpeg`, `image/webp` or `image/avif`, read from the file's bytes.
    #[oai(nullable)]
    pub content_type: Option<String>,
    /// The file's size in bytes.
    #[oai(nullable)]
    pub bytes: Option<u64>,
    /// 0-based place in the product's list; the first is the product's main image.
    pub position: u32,
    pub created_at: DateTime<Utc>,
}

impl From<ProductImage> for AdminProductImageView {
    fn from(i: ProductImage) -> Self {
        Self {
            id: i.id.to_string(),
            url: i.url,
            width: i.width,
            height: i.height,
            content_type: i.content_type,
            bytes: i.bytes,
            position: i.position,
            created_at: i.created_at,
        }
    }
}

/// An image file to add after the product's last image; other parts are refused (400).
#[derive(Multipart, Debug)]
#[oai(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewProductImageRequest {
    /// A PNG, JPEG, WebP or AVIF file, up to `media.max_upload_bytes`; recognised by its
    /// content, not its name or declared type.
    pub file: Upload,
}

/// The product's images in their new order.
#[derive(Object, Debug)]
#[oai(rename = "ProductImageOrderRequest", rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageOrderRequest {
    /// Each of the product's image ids exactly once, first image first.
    pub image_ids: Vec<String>,
}

#[derive(Object, Debug)]
#[oai(rename = "AdminProductImageList")]
pub struct ImageListView {
    pub items: Vec<AdminProductImageView>,
}

#[derive(ApiResponse)]
enum ImageCreated {
    /// Stored; the storefront shows it on the product's next read.
    #[oai(status = 201)]
    Created(Json<AdminProductImageView>),
}

#[derive(ApiResponse)]
enum ImageDeleted {
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(tag = "ApiTags::Admin")]
impl AdminProductImagesApi {
    /// Upload an image to a product
    ///
    /// `multipart/form-data` with one `file` part. The file's bytes decide whether it is a
    /// PNG, JPEG, WebP or AVIF image; its dimensions are read from its header. Identical
    /// bytes are stored once. Recorded in the audit log as `product.image_added`.
    #[oai(
        path = "/admin/products/:id/images",
        method = "post",
        operation_id = "adminUploadProductImage"
    )]
    async fn upload(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        body: NewProductImageRequest,
    ) -> Result<ImageCreated, AdminUploadImageError> {
        let who = auth.admin(&state).await?;
        let product_id = parse_id(&id.0, "product")?;
        // Within `media.max_upload_bytes`: the body limit refused anything larger.
        let bytes = body.file.into_vec().await.map_err(|e| {
            crate::services::ServiceError::Storage(crate::repos::RepoError::Other(format!("reading an upload: {e}")))
        })?;
        let image = state.product_images.upload(who.user_id, product_id, bytes).await?;
        Ok(ImageCreated::Created(Json(image.into())))
    }

    /// Delete one of a product's images
    ///
    /// Closes the gap in the order. The stored file goes when no other image uses the same
    /// bytes. Recorded in the audit log as `product.image_removed`.
    #[oai(
        path = "/admin/products/:id/images/:imageId",
        method = "delete",
        operation_id = "adminDeleteProductImage"
    )]
    async fn delete(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        #[oai(name = "imageId")] image_id: Path<String>,
    ) -> Result<ImageDeleted, AdminDeleteImageError> {
        let who = auth.admin(&state).await?;
        let product_id = parse_id(&id.0, "product")?;
        let image_id = parse_id(&image_id.0, "image")?;
        state.product_images.remove(who.user_id, product_id, image_id).await?;
        Ok(ImageDeleted::NoContent)
    }

    /// Reorder a product's images
    ///
    /// Atomic: the whole new order or nothing. Recorded in the audit log as
    /// `product.images_reordered`.
    #[oai(
        path = "/admin/products/:id/images/order",
        method = "put",
        operation_id = "adminReorderProductImages"
    )]
    async fn reorder(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<ImageOrderRequest>,
    ) -> Result<Json<ImageListView>, AdminReorderImagesError> {
        let who = auth.admin(&state).await?;
        let product_id = parse_id(&id.0, "product")?;
        // An id that is not a UUID is no image of the product: the list is not a permutation.
        let ids: Vec<uuid::Uuid> = body
            .0
            .image_ids
            .iter()
            .map(|raw| uuid::Uuid::parse_str(raw).unwrap_or_else(|_| uuid::Uuid::nil()))
            .collect();
        let images = state.product_images.reorder(who.user_id, product_id, &ids).await?;
        Ok(Json(ImageListView {
            items: images.into_iter().map(Into::into).collect(),
        }))
    }
}
