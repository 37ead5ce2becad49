//! Erasing an account (GDPR art. 17, "right to erasure"): what goes, what stays, and the
//! receipt that proves it happened without saying anything about the person.
//!
//! Goes: name, email, password, address book, sessions and one-time tokens, cart, contact
//! messages, and each order's email and shipping-address snapshot. Stays: the account row
//! (without personal data, so it can never sign in again and its email may register anew),
//! the orders' lines and totals (accounting and tax law keep them; art. 17(3)(b)), the audit
//! log (personal data in it is masked when recorded) and the receipt.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Who asked for the erasure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasureRequester {
    /// The account's owner (`DELETE /users/me`, password confirmed).
    Shopper,
    /// A staff member (`DELETE /admin/users/{id}`).
    Staff,
    /// An operator at the command line (`beeget gdpr erase`).
    Operator,
}

impl ErasureRequester {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shopper => "shopper",
            Self::Staff => "staff",
            Self::Operator => "operator",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Shopper, Self::Staff, Self::Operator]
            .into_iter()
            .find(|r| r.as_str() == raw)
    }
}

/// Proof that an account was erased: ids, time and counts only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureReceipt {
    pub id: Uuid,
    pub user_id: Uuid,
    pub requested_by: ErasureRequester,
    /// The account that asked (the shopper themselves, or the staff member); `None` for an
    /// operator at the command line.
    pub actor_id: Option<Uuid>,
    /// Orders kept with their customer anonymised.
    pub orders_anonymised: u64,
    pub erased_at: DateTime<Utc>,
}

/// An erasure to carry out, with the audit record to store beside it (none from the command
/// line, where there is no account acting).
#[derive(Debug, Clone)]
pub struct ErasureRequest {
    pub requested_by: ErasureRequester,
    pub actor_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub audit: Option<crate::domain::audit::AuditRecord>,
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErasureOutcome {
    /// Erased. `sessions` are the refresh-token families the account had: their access tokens
    /// must be refused until they expire.
    Erased {
        receipt: ErasureReceipt,
        sessions: Vec<Uuid>,
    },
    /// No such account, or it was erased already.
    NotFound,
    /// The account is the store's last admin.
    LastAdmin,
}

/// The email an erased account row keeps: unique per account, in the reserved `.invalid`
/// top-level domain (RFC 2606 §2) so it can never receive mail or match a real address.
pub fn tombstone_email(user_id: Uuid) -> String {
    format!("erased-{}@erased.invalid", user_id.simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requesters_round_trip() {
        for r in [
            ErasureRequester::Shopper,
            ErasureRequester::Staff,
            ErasureRequester::Operator,
        ] {
            assert_eq!(ErasureRequester::parse(r.as_str()), Some(r));
        }
        assert_eq!(ErasureRequester::parse("robot"), None);
    }

    #[test]
    fn tombstone_emails_are_unique_and_undeliverable() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_ne!(tombstone_email(a), tombstone_email(b));
        assert!(tombstone_email(a).ends_with(".invalid"));
        assert!(crate::domain::email::Email::parse("email", &tombstone_email(a)).is_ok());
    }
}
