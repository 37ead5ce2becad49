//! A client that signs every request with an access token.

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};

use crate::Client;

/// A [`Client`] for `base_url` (e.g. `http://127.0.0.1:8080`) that sends
/// `Authorization: Bearer {access_token}` on every request. Access tokens expire (see
/// `expiresIn` of the token pair): make a new client with the refreshed token.
///
/// Errors: a token that cannot be a header value (it is never one the API issued).
pub fn authorized(base_url: &str, access_token: &str) -> Result<Client, reqwest::Error> {
    let mut headers = HeaderMap::new();
    let mut value = HeaderValue::from_str(&format!("Bearer {access_token}"))
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid"));
    value.set_sensitive(true);
    headers.insert(AUTHORIZATION, value);
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .build()?;
    Ok(Client::new_with_client(base_url, http))
}
