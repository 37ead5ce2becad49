//! Refuses request bodies over their limit with 413, whether the size is declared in
//! `Content-Length` or only discovered while reading a chunked body. The limit is
//! `server.max_body_bytes`, except for image uploads (`media.max_upload_bytes`).

use poem::{
    Body, Endpoint, Request, Response,
    http::{Method, StatusCode},
    web::headers::HeaderMapExt,
};

use super::problem::Problem;

pub(crate) fn too_large(max: usize) -> Response {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("request body exceeds {max} bytes"),
    )
    .into_response()
}

/// The body limits of one server.
#[derive(Debug, Clone)]
pub struct BodyLimits {
    /// `server.base_path`, which request paths start with.
    pub base_path: String,
    /// `server.max_body_bytes`.
    pub default: usize,
    /// `media.max_upload_bytes`, for `POST /admin/products/{id}/images`.
    pub uploads: usize,
}

impl BodyLimits {
    /// The limit of the request to `method` `path` (the full path, base path included).
    pub fn of(&self, method: &Method, path: &str) -> usize {
        let path = path.strip_prefix(self.base_path.as_str()).unwrap_or(path);
        if *method == Method::POST && is_image_upload(path) {
            self.uploads
        } else {
            self.default
        }
    }
}

/// `/admin/products/{id}/images`.
fn is_image_upload(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(segments.as_slice(), ["admin", "products", id, "images"] if !id.is_empty())
}

pub async fn limit<E: Endpoint>(next: E, mut req: Request, limits: &BodyLimits) -> poem::Result<Response> {
    let max = limits.of(req.method(), req.uri().path());
    match req.headers().typed_get::<poem::web::headers::ContentLength>() {
        Some(len) if len.0 > max as u64 => return Ok(too_large(max)),
        Some(_) => {}
        None if req.headers().contains_key(poem::http::header::TRANSFER_ENCODING) => {
            // Read up to the limit (never further), so an endless body is refused early.
            match req.take_body().into_bytes_limit(max).await {
                Ok(bytes) => req.set_body(Body::from_bytes(bytes)),
                Err(_) => return Ok(too_large(max)),
            }
        }
        None => {}
    }
    next.call(req).await.map(poem::IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_have_their_own_limit() {
        let limits = BodyLimits {
            base_path: "/api".into(),
            default: 10,
            uploads: 20,
        };
        assert_eq!(limits.of(&Method::POST, "/api/admin/products/abc/images"), 20);
        assert_eq!(limits.of(&Method::PUT, "/api/admin/products/abc/images/order"), 10);
        assert_eq!(limits.of(&Method::POST, "/api/admin/products/abc"), 10);
        assert_eq!(limits.of(&Method::POST, "/api/admin/products//images"), 10);
    }
}
