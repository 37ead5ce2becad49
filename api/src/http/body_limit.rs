//! Refuses request bodies over `server.max_body_bytes` with 413, whether the size is declared
//! in `Content-Length` or only discovered while reading a chunked body.

use poem::{Body, Endpoint, Request, Response, http::StatusCode, web::headers::HeaderMapExt};

use super::problem::Problem;

pub(crate) fn too_large(max: usize) -> Response {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("request body exceeds {max} bytes"),
    )
    .into_response()
}

pub async fn limit<E: Endpoint>(next: E, mut req: Request, max: usize) -> poem::Result<Response> {
    match req.headers().typed_get::<poem::web::headers::ContentLength>() {
        Some(len) if len.0 > max as u64 => return Ok(too_large(max)),
        Some(_) => {}
        None if req.headers().contains_key(poem::http::header::TRANSFER_ENCODING) => {
            match req.take_body().into_bytes_limit(max).await {
                Ok(bytes) => req.set_body(Body::from_bytes(bytes)),
                Err(_) => return Ok(too_large(max)),
            }
        }
        None => {}
    }
    next.call(req).await.map(poem::IntoResponse::into_response)
}
