//! Cross-origin reads are the browser's to refuse, not the server's: a request from an origin
//! not in `server.cors_origins` is answered as if it had no `Origin` (so without any
//! `Access-Control-Allow-*` header, and the browser withholds the answer from the page),
//! instead of poem's 403, which no operation declares. Preflights keep their refusal: they
//! ask exactly that question.

use poem::{
    Endpoint, Request, Response,
    http::{Method, header},
};

pub async fn middleware<E: Endpoint>(next: E, mut req: Request, allowed: &[String]) -> poem::Result<Response> {
    let foreign = req
        .headers()
        .get(header::ORIGIN)
        .is_some_and(|origin| !allowed.iter().any(|a| a.as_bytes() == origin.as_bytes()));
    if foreign && req.method() != Method::OPTIONS {
        req.headers_mut().remove(header::ORIGIN);
    }
    next.call(req).await.map(poem::IntoResponse::into_response)
}
