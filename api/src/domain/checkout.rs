//! What a checkout request carries besides the cart, parsed where it enters: the client's
//! idempotency key and the payment method token.

use super::{InvalidField, text};

/// The `Idempotency-Key` header: 1 to 255 visible ASCII characters (a UUID is typical).
/// One order per user and key; the same key with the same body replays it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const MAX_LEN: usize = 255;
    /// What the spec declares for the header.
    pub const PATTERN: &str = r"^[\x21-\x7e]+$";

    pub fn parse(raw: &str) -> Result<Self, InvalidField> {
        let key = raw.trim();
        if key.is_empty() || key.len() > Self::MAX_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidField::new(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            ));
        }
        Ok(Self(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A payment method token from the storefront (Stripe's `pm_…`), trimmed and bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentMethod(String);

impl PaymentMethod {
    pub fn parse(raw: &str) -> Result<Self, InvalidField> {
        let mut errors = Vec::new();
        let token = text::PAYMENT_METHOD.check("paymentMethod", raw, &mut errors);
        match errors.pop() {
            Some(error) => Err(error),
            None => Ok(Self(token)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_and_bounded() {
        assert_eq!(IdempotencyKey::parse(" abc-123 ").unwrap().as_str(), "abc-123");
        for bad in ["", "   ", "has space", "é", &"k".repeat(256)] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
        let pattern = regex::Regex::new(IdempotencyKey::PATTERN).unwrap();
        assert!(pattern.is_match("abc-123") && !pattern.is_match("a b"));
    }

    #[test]
    fn payment_methods_are_trimmed_and_required() {
        assert_eq!(PaymentMethod::parse(" pm_card_visa ").unwrap().as_str(), "pm_card_visa");
        assert_eq!(PaymentMethod::parse("  ").unwrap_err().field, "paymentMethod");
    }
}
