//! The order lifecycle. Every allowed transition is listed here and nowhere else.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    PendingPayment,
    Paid,
    Processing,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

/// A status change the lifecycle allows; made only by [`OrderStatus::transition`], so storage
/// is never asked to apply a change the table below forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    from: OrderStatus,
    to: OrderStatus,
}

impl Transition {
    /// The order's first timeline entry, `pending_payment` as it is placed: not a change.
    pub const PLACED: Transition = Transition {
        from: OrderStatus::PendingPayment,
        to: OrderStatus::PendingPayment,
    };

    pub fn from(self) -> OrderStatus {
        self.from
    }

    pub fn to(self) -> OrderStatus {
        self.to
    }
}

/// A status change the lifecycle does not allow, with the ones it does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an order that is {from} cannot become {to}; allowed: {}", allowed_list(.allowed))]
pub struct InvalidTransition {
    pub from: OrderStatus,
    pub to: OrderStatus,
    pub allowed: &'static [OrderStatus],
}

fn allowed_list(allowed: &[OrderStatus]) -> String {
    if allowed.is_empty() {
        return "none (final state)".into();
    }
    allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::PendingPayment,
        OrderStatus::Paid,
        OrderStatus::Processing,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingPayment => "pending_payment",
            Self::Paid => "paid",
            Self::Processing => "processing",
            Self::Shipped => "shipped",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The lifecycle: forward through fulfilment; cancelled before shipping; refunded once
    /// paid. `cancelled` and `refunded` are final.
    pub fn allowed_next(self) -> &'static [OrderStatus] {
        use OrderStatus::*;
        match self {
            PendingPayment => &[Paid, Cancelled],
            Paid => &[Processing, Cancelled, Refunded],
            Processing => &[Shipped, Cancelled, Refunded],
            Shipped => &[Delivered, Refunded],
            Delivered => &[Refunded],
            Cancelled | Refunded => &[],
        }
    }

    /// What may follow this status, for messages: `paid, cancelled` or `none (final state)`.
    pub fn allowed_names(self) -> String {
        allowed_list(self.allowed_next())
    }

    /// The change to `to`, when the lifecycle allows it: the only way to make a [`Transition`].
    pub fn transition(self, to: OrderStatus) -> Result<Transition, InvalidTransition> {
        if self.allowed_next().contains(&to) {
            Ok(Transition { from: self, to })
        } else {
            Err(InvalidTransition {
                from: self,
                to,
                allowed: self.allowed_next(),
            })
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::{self, *};

    /// The lifecycle written out as a table, checked against `allowed_next` for all 49 pairs.
    const EXPECTED: &[(OrderStatus, OrderStatus)] = &[
        (PendingPayment, Paid),
        (PendingPayment, Cancelled),
        (Paid, Processing),
        (Paid, Cancelled),
        (Paid, Refunded),
        (Processing, Shipped),
        (Processing, Cancelled),
        (Processing, Refunded),
        (Shipped, Delivered),
        (Shipped, Refunded),
        (Delivered, Refunded),
    ];

    #[test]
    fn every_pair_of_states() {
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let expected = EXPECTED.contains(&(from, to));
                let result = from.transition(to);
                assert_eq!(result.is_ok(), expected, "{from} -> {to}");
                if let Err(e) = result {
                    assert_eq!(e.allowed, from.allowed_next());
                    let message = e.to_string();
                    assert!(
                        message.contains(from.as_str()) && message.contains(to.as_str()),
                        "{message}"
                    );
                }
            }
        }
    }

    #[test]
    fn names_round_trip_and_finals_say_so() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(OrderStatus::parse("lost"), None);
        let e = Cancelled.transition(Paid).unwrap_err();
        assert!(e.to_string().contains("none (final state)"));
        let e = Shipped.transition(Cancelled).unwrap_err();
        assert!(e.to_string().ends_with("allowed: delivered, refunded"), "{e}");
    }
}
