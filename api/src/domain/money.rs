use std::fmt;

use super::InvalidField;

/// An amount of money in integer minor units (cents) of the store currency. Never negative.
/// Serialized as the bare number, for the catalogue index's stored products (written only
/// from values that were validated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    /// The largest amount accepted anywhere: 100 million in major units keeps sums far from overflow.
    pub const MAX_MINOR: i64 = 10_000_000_000;

    pub fn from_minor(field: &str, minor: i64) -> Result<Self, InvalidField> {
        if minor < 0 {
            return Err(InvalidField::new(field, "must not be negative"));
        }
        if minor > Self::MAX_MINOR {
            return Err(InvalidField::new(field, "is too large"));
        }
        Ok(Self(minor))
    }

    pub const fn minor(self) -> i64 {
        self.0
    }
}

/// An amount for people to read: `$1,234.50`, `€89.00`, `CHF 12.00` (two-decimal currencies).
pub fn display(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    let whole = (minor / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let amount = format!("{grouped}.{:02}", minor % 100);
    match currency {
        "USD" => format!("{sign}${amount}"),
        "EUR" => format!("{sign}€{amount}"),
        "GBP" => format!("{sign}£{amount}"),
        other => format!("{sign}{other} {amount}"),
    }
}

/// An ISO 4217 currency code such as `USD`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Currency(String);

impl Currency {
    pub fn parse(field: &str, raw: &str) -> Result<Self, InvalidField> {
        if raw.len() == 3 && raw.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidField::new(
                field,
                "must be a three-letter upper-case ISO 4217 code",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The price a shopper pays before promotions: the sale price when there is one.
pub fn effective_price(price: Money, sale_price: Option<Money>) -> Money {
    sale_price.unwrap_or(price)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_negative_and_huge() {
        assert!(Money::from_minor("price", -1).is_err());
        assert!(Money::from_minor("price", Money::MAX_MINOR + 1).is_err());
        assert_eq!(Money::from_minor("price", 0).unwrap().minor(), 0);
    }

    #[test]
    fn effective_price_prefers_sale() {
        let p = Money::from_minor("p", 5000).unwrap();
        let s = Money::from_minor("s", 3500).unwrap();
        assert_eq!(effective_price(p, Some(s)), s);
        assert_eq!(effective_price(p, None), p);
    }

    #[test]
    fn amounts_for_people() {
        assert_eq!(display(8900, "USD"), "$89.00");
        assert_eq!(display(123_456_705, "EUR"), "€1,234,567.05");
        assert_eq!(display(5, "GBP"), "£0.05");
        assert_eq!(display(100_000, "CHF"), "CHF 1,000.00");
    }

    #[test]
    fn currency_codes() {
        assert!(Currency::parse("c", "USD").is_ok());
        for bad in ["usd", "US", "USDX", "U1D"] {
            assert!(Currency::parse("c", bad).is_err());
        }
    }
}
