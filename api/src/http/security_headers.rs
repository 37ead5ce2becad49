//! Security headers on every response. API responses get a CSP that allows nothing; the
//! Swagger UI page needs its inline script and styles.

use poem::{Endpoint, IntoResponse, Request, Response, http::HeaderValue};

const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const DOCS_CSP: &str = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'none'";

pub async fn middleware<E: Endpoint>(next: E, req: Request, docs_path: &str) -> poem::Result<Response> {
    let is_docs = req.uri().path() == docs_path || req.uri().path().starts_with(&format!("{docs_path}/"));
    // Errors that escaped the inner layers (e.g. a refused CORS preflight) get headers too.
    let mut resp = match next.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) => super::framework_errors::from_error(err),
    };
    let headers = resp.headers_mut();
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(if is_docs { DOCS_CSP } else { API_CSP }),
    );
    Ok(resp)
}
