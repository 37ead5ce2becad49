//! A deterministic provider for development and tests, with Stripe's test payment methods:
//! `pm_card_visa` (and `pm_card_mastercard`) succeed, `pm_card_chargeDeclined` is declined,
//! `pm_card_authenticationRequired` needs 3-D Secure. Idempotent like Stripe: the same key
//! gets the same answer and is charged once.

use std::{collections::HashMap, sync::Mutex};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::{ChargeOutcome, ChargeRequest, PaymentError, PaymentProvider};

#[derive(Default)]
pub struct FakeProvider {
    charges: Mutex<HashMap<String, ChargeOutcome>>,
    refunds: Mutex<HashMap<String, String>>,
}

impl FakeProvider {
    /// Distinct charges made so far (replays with a known key are not charges).
    pub fn charge_count(&self) -> usize {
        self.charges.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn refund_count(&self) -> usize {
        self.refunds.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

fn payment_id(key: &str) -> String {
    format!("fake_pi_{}", &hex::encode(Sha256::digest(key.as_bytes()))[..24])
}

#[async_trait]
impl PaymentProvider for FakeProvider {
    fn name(&self) -> &'static str {
        "fake"
    }

    async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, PaymentError> {
        let mut charges = self.charges.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(previous) = charges.get(&request.idempotency_key) {
            return Ok(previous.clone());
        }
        let id = payment_id(&request.idempotency_key);
        let outcome = match request.payment_method.as_str() {
            "pm_card_visa" | "pm_card_mastercard" => ChargeOutcome::Succeeded { payment_id: id },
            "pm_card_chargeDeclined" => ChargeOutcome::Declined {
                payment_id: id,
                reason: "card_declined".into(),
            },
            "pm_card_authenticationRequired" => ChargeOutcome::RequiresAction {
                client_secret: format!("{id}_secret_fake"),
                payment_id: id,
            },
            other => return Err(PaymentError::InvalidMethod(other.to_owned())),
        };
        charges.insert(request.idempotency_key.clone(), outcome.clone());
        Ok(outcome)
    }

    async fn refund(&self, payment_id: &str, idempotency_key: &str) -> Result<(), PaymentError> {
        // A payment this process saw fail cannot be refunded; one it never saw (made before a
        // restart) is taken as succeeded, since the fake keeps nothing on disk.
        let refused = self
            .charges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .any(|o| !matches!(o, ChargeOutcome::Succeeded { .. }) && outcome_id(o) == payment_id);
        if refused || !payment_id.starts_with("fake_pi_") {
            return Err(PaymentError::InvalidMethod(format!(
                "no succeeded payment {payment_id}"
            )));
        }
        self.refunds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(idempotency_key.to_owned())
            .or_insert_with(|| payment_id.to_owned());
        Ok(())
    }
}

fn outcome_id(outcome: &ChargeOutcome) -> &str {
    match outcome {
        ChargeOutcome::Succeeded { payment_id }
        | ChargeOutcome::Declined { payment_id, .. }
        | ChargeOutcome::RequiresAction { payment_id, .. } => payment_id,
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::domain::money::{Currency, Money};

    fn request(method: &str, key: &str) -> ChargeRequest {
        ChargeRequest {
            order_id: Uuid::now_v7(),
            amount: Money::from_minor("amount", 12_345).unwrap(),
            currency: Currency::parse("currency", "USD").unwrap(),
            payment_method: method.into(),
            idempotency_key: key.into(),
        }
    }

    #[tokio::test]
    async fn test_cards_behave_like_stripes_and_keys_charge_once() {
        let p = FakeProvider::default();
        let ok = p.charge(&request("pm_card_visa", "k1")).await.unwrap();
        assert!(matches!(ok, ChargeOutcome::Succeeded { .. }));
        assert_eq!(p.charge(&request("pm_card_visa", "k1")).await.unwrap(), ok, "a replay");
        assert_eq!(p.charge_count(), 1);
        assert!(matches!(
            p.charge(&request("pm_card_chargeDeclined", "k2")).await.unwrap(),
            ChargeOutcome::Declined { reason, .. } if reason == "card_declined"
        ));
        assert!(matches!(
            p.charge(&request("pm_card_authenticationRequired", "k3")).await.unwrap(),
            ChargeOutcome::RequiresAction { client_secret, .. } if client_secret.ends_with("_secret_fake")
        ));
        assert_eq!(
            p.charge(&request("pm_card_unknown", "k4")).await,
            Err(PaymentError::InvalidMethod("pm_card_unknown".into()))
        );
        let ChargeOutcome::Succeeded { payment_id } = ok else {
            unreachable!()
        };
        p.refund(&payment_id, "r1").await.unwrap();
        p.refund(&payment_id, "r1").await.unwrap();
        assert_eq!(p.refund_count(), 1, "refunds are idempotent too");
        let ChargeOutcome::Declined {
            payment_id: declined, ..
        } = p.charge(&request("pm_card_chargeDeclined", "k2")).await.unwrap()
        else {
            unreachable!()
        };
        assert!(
            p.refund(&declined, "r2").await.is_err(),
            "a declined payment has nothing to refund"
        );
        assert!(p.refund("ch_somewhere_else", "r3").await.is_err());
    }
}
