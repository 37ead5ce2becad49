//! Stripe's webhook signature: `Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
//! "<t>.<raw body>">[,v1=…]`. Any one `v1` matching is enough (Stripe sends several while a
//! secret rolls); a timestamp outside the tolerance is refused, so a captured event cannot be
//! replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    #[error("the signature timestamp is outside the tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// Checks `header` for `payload` against `secret`, at time `now` (unix seconds).
pub fn verify(payload: &[u8], header: &str, secret: &str, now: i64, tolerance_secs: i64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.push(sig),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > tolerance_secs {
        return Err(SignatureError::Stale);
    }
    let matches = signatures
        .iter()
        .filter_map(|sig| hex::decode(sig).ok())
        .any(|expected| {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
            mac.update(timestamp.to_string().as_bytes());
            mac.update(b".");
            mac.update(payload);
            // Constant-time comparison.
            mac.verify_slice(&expected).is_ok()
        });
    if matches { Ok(()) } else { Err(SignatureError::Mismatch) }
}

/// A valid header for `payload`, as Stripe would send it (used by tests and the fake).
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;
    const NOW: i64 = 1_900_000_000;

    #[test]
    fn accepts_a_valid_signature_and_any_matching_v1() {
        let header = sign(BODY, SECRET, NOW);
        assert_eq!(verify(BODY, &header, SECRET, NOW, 300), Ok(()));
        let rolled = format!("t={NOW},v1={},{}", "ab".repeat(32), header.split(',').nth(1).unwrap());
        assert_eq!(verify(BODY, &rolled, SECRET, NOW + 299, 300), Ok(()));
        let with_v0 = format!("{header},v0={}", "cd".repeat(32));
        assert_eq!(verify(BODY, &with_v0, SECRET, NOW, 300), Ok(()));
    }

    #[test]
    fn refuses_tampering_other_secrets_staleness_and_garbage() {
        let header = sign(BODY, SECRET, NOW);
        assert_eq!(verify(b"{}", &header, SECRET, NOW, 300), Err(SignatureError::Mismatch));
        assert_eq!(
            verify(BODY, &header, "whsec_other", NOW, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(BODY, &header, SECRET, NOW + 301, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(BODY, &header, SECRET, NOW - 301, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(verify(BODY, "v1=abc", SECRET, NOW, 300), Err(SignatureError::Malformed));
        assert_eq!(
            verify(BODY, &format!("t={NOW}"), SECRET, NOW, 300),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(BODY, &format!("t={NOW},v1=zz"), SECRET, NOW, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify(BODY, "", SECRET, NOW, 300), Err(SignatureError::Malformed));
    }
}
