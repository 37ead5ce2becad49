//! Applies the rate limits to every request but the health probes: per client IP, and on the
//! credential routes and the contact form also a stricter per-IP limit and one per email
//! address in the body.
//! Answers carry `RateLimit-Limit/Remaining/Reset`; refusals are 429 `rate_limited` with
//! `Retry-After`.

use poem::{Body, Endpoint, IntoResponse, Request, Response, http::StatusCode};

use super::client_ip::client_ip;
use crate::{
    http::problem::Problem,
    infra::rate_limit::{Decision, RateLimiter},
};

/// Routes where guessing or flooding costs others: limited per IP and per email.
const CREDENTIAL_ROUTES: &[&str] = &[
    "/auth/login",
    "/auth/register",
    "/auth/forgot-password",
    "/auth/resend-verification",
];

/// The contact form: limited per IP and per email like the credential routes, in buckets of
/// its own so a busy form never locks anyone out of signing in.
const CONTACT_ROUTE: &str = "/cms/contact";

/// Probes, and Stripe's webhook: it proves itself by signature and arrives in bursts from a
/// few addresses, where a per-IP limit would only delay payments.
const EXEMPT: &[&str] = &["/healthz", "/readyz", "/metrics", "/payments/stripe/webhook"];

fn set_headers(resp: &mut Response, d: &Decision) {
    let headers = resp.headers_mut();
    for (name, value) in [
        ("ratelimit-limit", d.limit.to_string()),
        ("ratelimit-remaining", d.remaining.to_string()),
        ("ratelimit-reset", d.reset_secs.to_string()),
    ] {
        if let Ok(value) = value.parse() {
            headers.insert(name, value);
        }
    }
}

fn refused(d: &Decision) -> Response {
    let mut resp = Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many requests; retry in {} s", d.reset_secs),
    )
    .into_response();
    set_headers(&mut resp, d);
    if let Ok(value) = d.reset_secs.to_string().parse() {
        resp.headers_mut().insert("retry-after", value);
    }
    resp
}

/// The `email` field of a JSON body, normalised, if there is one.
fn body_email(bytes: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let email = value.get("email")?.as_str()?.trim().to_lowercase();
    (!email.is_empty()).then_some(email)
}

pub async fn middleware<E: Endpoint>(
    next: E,
    mut req: Request,
    limiter: &RateLimiter,
    base_path: &str,
    max_body: usize,
) -> poem::Result<Response> {
    let config = limiter.config();
    let path = req
        .uri()
        .path()
        .strip_prefix(base_path)
        .unwrap_or(req.uri().path())
        .to_owned();
    if !config.enabled || EXEMPT.contains(&path.as_str()) {
        return next.call(req).await.map(IntoResponse::into_response);
    }
    let ip = client_ip(&req, limiter.trusted_proxies()).map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    let mut checks = vec![("ip", ip.clone(), config.per_ip_per_minute)];
    let strict = if path == CONTACT_ROUTE {
        Some((
            "contact-ip",
            "contact-email",
            config.contact_per_ip_per_minute,
            config.contact_per_email_per_minute,
        ))
    } else if CREDENTIAL_ROUTES.contains(&path.as_str()) {
        Some((
            "auth-ip",
            "auth-email",
            config.auth_per_ip_per_minute,
            config.auth_per_email_per_minute,
        ))
    } else {
        None
    };
    if req.method() == poem::http::Method::POST
        && let Some((ip_bucket, email_bucket, per_ip, per_email)) = strict
    {
        checks.push((ip_bucket, ip, per_ip));
        // Read the body to find the account (within the same size limit as everywhere).
        let Ok(bytes) = req.take_body().into_bytes_limit(max_body).await else {
            return Ok(super::body_limit::too_large(max_body));
        };
        if let Some(email) = body_email(&bytes) {
            checks.push((email_bucket, email, per_email));
        }
        req.set_body(Body::from_bytes(bytes));
    }
    let mut tightest: Option<Decision> = None;
    for (bucket, who, limit) in checks {
        match limiter.check(bucket, &who, limit).await {
            Ok(d) if !d.allowed => {
                tracing::info!(bucket, "rate limited");
                return Ok(refused(&d));
            }
            Ok(d) => {
                if tightest.is_none_or(|t| d.remaining < t.remaining) {
                    tightest = Some(d);
                }
            }
            // Counting is best effort: a missing Redis must not take the store down.
            Err(e) => tracing::warn!(error = %e, "rate limit counter unavailable; request let through"),
        }
    }
    let mut resp = match next.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) => super::framework_errors::from_error(err),
    };
    if let Some(d) = tightest {
        set_headers(&mut resp, &d);
    }
    Ok(resp)
}
