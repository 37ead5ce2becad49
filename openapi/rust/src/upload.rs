//! `adminUploadProductImage` by hand: its body is `multipart/form-data`, which progenitor
//! does not generate (`build.rs` leaves the operation out). Same client, same errors.

use crate::{ApiError, Client, ClientInfo, types::AdminProductImage};

/// Uploads `bytes` as the product's next image (`POST /admin/products/{id}/images`, one
/// `file` part). The API recognises PNG, JPEG, WebP and AVIF by content; `file_name` is only
/// a label. Answers the stored image (dimensions in pixels, size in bytes).
///
/// Errors: the API's problems (422 naming `file`, 413 over the size limit, 409
/// `too_many_images`, 404, 401/403, 503), or `ApiError::Other` when no answer came.
pub async fn product_image(
    client: &Client,
    product_id: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<AdminProductImage, ApiError> {
    let other = |message: String| ApiError::Other { status: None, message };
    let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    let url = format!("{}/admin/products/{}/images", client.baseurl(), product_id);
    let response = client
        .client()
        .post(url)
        .multipart(form)
        .send()
        .await
        .map_err(|e| other(e.to_string()))?;
    if response.status().is_success() {
        return response.json().await.map_err(|e| other(e.to_string()));
    }
    Err(ApiError::from_response(crate::Error::UnexpectedResponse(response)).await)
}
