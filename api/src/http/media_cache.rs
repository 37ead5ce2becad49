//! Caching headers for the media folder: content-addressed images (`products/<sha-256>.<ext>`)
//! never change and are cached for a year without revalidation; other media (seeded files,
//! which a new seed may replace) for an hour.

use poem::{Endpoint, IntoResponse, Request, Response, http::HeaderValue};

use crate::{
    domain::product_image::is_content_key,
    media::{IMMUTABLE_CACHE_CONTROL, MEDIA_CACHE_CONTROL},
};

/// Wraps the static files endpoint, which sees paths relative to the media folder.
pub async fn middleware<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let immutable = is_content_key(req.uri().path().trim_start_matches('/'));
    let mut resp = next.call(req).await?.into_response();
    if resp.status().is_success() || resp.status() == poem::http::StatusCode::NOT_MODIFIED {
        let value = if immutable {
            IMMUTABLE_CACHE_CONTROL
        } else {
            MEDIA_CACHE_CONTROL
        };
        resp.headers_mut()
            .insert(poem::http::header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    Ok(resp)
}
